import assert from 'node:assert/strict'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { type Hex, parseEther } from 'viem'
import { TrafficToken } from '../src/chain/contracts.generated.ts'
import { deriveClientKey } from '../src/coordinator/identity/index.ts'
import { useDevnet } from './_harness/chain.ts'
import { runApiary } from './_harness/cli.ts'

const context = useDevnet()

test('apiary deploy job-escrow, client deposit|balance|withdraw: a client prepays the coin and a token, announces a withdrawal, is refused before the delay with the contract error, and withdraws after it', {
  timeout: 120_000,
}, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apiary-client-'))
  const keyOf = (i: number) => {
    const path = join(dir, `${i}.key`)
    writeFileSync(path, `${context.devnet.accounts[i]?.privateKey}\n`, { mode: 0o600 })
    return path
  }
  const rpc = context.devnet.url
  const token = await context.chain.deploy(1, TrafficToken, ['USD Stable', 'USDS', 10n ** 24n])
  const deployed = await runApiary([
    ...['deploy', 'job-escrow', '--rpc', rpc, '--private-key-file', keyOf(0)],
    ...[
      '--coordinator',
      context.chain.accounts[0]?.address as string,
      '--token',
      token,
      '--withdraw-delay',
      '600',
    ],
  ])
  assert.equal(deployed.code, 0, deployed.stderr)
  const escrow = deployed.stdout.trim() as Hex
  const client = (args: string[]) =>
    runApiary(['client', ...args, '--rpc', rpc, '--escrow', escrow, '--private-key-file', keyOf(1), '--json'])
  type Account = {
    client: string
    assets: Record<string, { balance: string; withdrawal?: { amount: string } }>
  }
  const json = (out: { code: number | null; stdout: string; stderr: string }) => {
    assert.equal(out.code, 0, out.stderr)
    return JSON.parse(out.stdout) as Account
  }

  json(await client(['deposit', '--amount', '1ether']))
  const after = json(await client(['deposit', '--token', '--amount', '2500']))
  assert.equal(BigInt(after.assets.coin?.balance ?? 0), parseEther('1'))
  assert.equal(BigInt(after.assets.token?.balance ?? 0), 2500n)
  // Anyone may read any client's account.
  const read = await runApiary([
    ...['client', 'balance', '--rpc', rpc, '--escrow', escrow],
    ...['--address', context.chain.accounts[1]?.address as string],
  ])
  assert.equal(read.code, 0, read.stderr)
  assert.match(read.stdout, /coin \(wei\): 1000000000000000000/)
  assert.match(read.stdout, /withdrawals wait 600 s/)

  const announced = json(await client(['withdraw', '--amount', '0.4ether']))
  assert.equal(BigInt(announced.assets.coin?.withdrawal?.amount ?? 0), parseEther('0.4'))
  const early = await client(['withdraw'])
  assert.notEqual(early.code, 0)
  assert.match(early.stderr, /WithdrawalNotReady/, 'refused by the contract, named, nothing sent')
  const tooMuch = await client(['withdraw', '--token', '--amount', '2501'])
  assert.match(tooMuch.stderr, /InsufficientBalance/)

  await context.devnet.request('evm_increaseTime', [601])
  await context.devnet.request('evm_mine', [])
  const before = await context.chain.client.getBalance({ address: context.chain.accounts[1]?.address as Hex })
  const done = json(await client(['withdraw']))
  assert.equal(BigInt(done.assets.coin?.balance ?? 0), parseEther('0.6'))
  assert.equal(done.assets.coin?.withdrawal, undefined)
  const gained =
    (await context.chain.client.getBalance({ address: context.chain.accounts[1]?.address as Hex })) - before
  assert.ok(gained > parseEther('0.39') && gained < parseEther('0.4'), `received ${gained} wei less gas`)
  const missing = await client(['deposit'])
  assert.equal(missing.code, 2, 'no --amount is a usage error')

  // The operator issues the client's API key.
  const address = context.chain.accounts[1]?.address as string
  const secret = 'the client test master secret, 32b'
  const printed = await runApiary(['client', 'apikey', '--address', address, '--master-secret', secret])
  assert.equal(printed.code, 0, printed.stderr)
  assert.equal(printed.stdout.trim(), deriveClientKey(secret, address))
  assert.equal(
    (await runApiary(['client', 'apikey', '--address', 'nope', '--master-secret', secret])).code,
    2,
  )
})
