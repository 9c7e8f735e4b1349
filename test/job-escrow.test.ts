import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Hex, parseEther, parseEventLogs, zeroAddress } from 'viem'
import { JobEscrow, TrafficToken } from '../src/chain/contracts.generated.ts'
import { useDevnet } from './_harness/chain.ts'

const abi = JobEscrow.abi
const context = useDevnet()
const COORDINATOR = 0
const [ALICE, BOB, MALLORY] = [1, 2, 3]
const DELAY = 3600n
const NATIVE = 0
const TOKEN = 1
const REVENUE = `0x${'e5'.repeat(20)}` as Hex

const addressOf = (i: number) => context.chain.accounts[i]?.address as Hex
async function deploy(withToken = true) {
  const token = withToken
    ? await context.chain.deploy(ALICE, TrafficToken, ['USD Stable', 'USDS', 10n ** 30n])
    : zeroAddress
  const escrow = await context.chain.deploy(COORDINATOR, JobEscrow, [addressOf(COORDINATOR), token, DELAY])
  return { escrow, token: token as Hex }
}
const call = (from: number, escrow: Hex, functionName: string, args: unknown[] = [], value?: bigint) =>
  context.chain.send(from, {
    address: escrow,
    abi,
    functionName,
    args,
    ...(value === undefined ? {} : { value }),
  })
const read = <T>(escrow: Hex, functionName: string, args: unknown[] = []) =>
  context.chain.client.readContract({ address: escrow, abi, functionName, args } as never) as Promise<T>
const later = async (seconds: bigint) => {
  await context.devnet.request('evm_increaseTime', [Number(seconds)])
  await context.devnet.request('evm_mine', [])
}

test('clients deposit the coin and the token; the coordinator charges an epoch once, at most what each holds, and the total goes to the revenue address', async () => {
  const { escrow, token } = await deploy()
  await call(ALICE, escrow, 'deposit', [], parseEther('2'))
  await call(BOB, escrow, 'deposit', [], parseEther('1'))
  await context.chain.send(ALICE, {
    address: token,
    abi: TrafficToken.abi,
    functionName: 'approve',
    args: [escrow, 500n],
  })
  await call(ALICE, escrow, 'depositToken', [addressOf(ALICE), 500n])
  assert.equal(await read(escrow, 'balanceOf', [addressOf(ALICE), NATIVE]), parseEther('2'))
  assert.equal(await read(escrow, 'balanceOf', [addressOf(ALICE), TOKEN]), 500n)

  const root = `0x${'ab'.repeat(32)}` as Hex
  const clients = [addressOf(ALICE), addressOf(BOB)]
  const charged = await call(COORDINATOR, escrow, 'charge', [
    1n,
    NATIVE,
    clients,
    [parseEther('0.5'), parseEther('0.25')],
    root,
    REVENUE,
  ])
  const [event] = parseEventLogs({ abi, logs: charged.logs, eventName: 'Charged' })
  assert.deepEqual(
    [event?.args.epoch, event?.args.total, event?.args.chargeRoot, event?.args.clients],
    [1n, parseEther('0.75'), root, 2n],
  )
  assert.equal(await context.chain.client.getBalance({ address: REVENUE }), parseEther('0.75'))
  assert.equal(await read(escrow, 'balanceOf', [addressOf(BOB), NATIVE]), parseEther('0.75'))
  await call(COORDINATOR, escrow, 'charge', [1n, TOKEN, [addressOf(ALICE)], [200n], root, REVENUE])
  assert.equal(
    await context.chain.client.readContract({
      address: token,
      abi: TrafficToken.abi,
      functionName: 'balanceOf',
      args: [REVENUE],
    }),
    200n,
    'the token is charged per epoch on its own',
  )

  // Once per epoch and asset, in order; never more than a client holds; only the coordinator.
  await assert.rejects(
    call(COORDINATOR, escrow, 'charge', [1n, NATIVE, [addressOf(BOB)], [1n], root, REVENUE]),
    /EpochNotIncreasing/,
  )
  await assert.rejects(
    call(COORDINATOR, escrow, 'charge', [2n, NATIVE, [addressOf(BOB)], [parseEther('0.76')], root, REVENUE]),
    /InsufficientBalance/,
  )
  await assert.rejects(
    call(MALLORY, escrow, 'charge', [2n, NATIVE, [addressOf(BOB)], [1n], root, addressOf(MALLORY)]),
    /OwnableUnauthorizedAccount/,
  )
  await assert.rejects(
    call(COORDINATOR, escrow, 'charge', [2n, NATIVE, [addressOf(BOB)], [1n, 2n], root, REVENUE]),
    /LengthMismatch/,
  )
  await assert.rejects(call(COORDINATOR, escrow, 'renounceOwnership'), /RenounceDisabled/)
  await assert.rejects(call(ALICE, escrow, 'deposit', [], 0n), /ZeroAmount/)
})

test("a withdrawal waits its delay, pays what was announced less what was charged meanwhile, and nobody else can take a client's money", async () => {
  const { escrow } = await deploy(false)
  await call(ALICE, escrow, 'deposit', [], parseEther('1'))
  await assert.rejects(call(ALICE, escrow, 'withdraw', [NATIVE]), /NoWithdrawal/)
  await assert.rejects(
    call(ALICE, escrow, 'announceWithdrawal', [NATIVE, parseEther('2')]),
    /InsufficientBalance/,
  )
  await call(ALICE, escrow, 'announceWithdrawal', [NATIVE, parseEther('1')])
  await assert.rejects(call(ALICE, escrow, 'withdraw', [NATIVE]), /WithdrawalNotReady/)
  // Jobs Alice ran before she announced are still charged during the delay.
  await call(COORDINATOR, escrow, 'charge', [
    7n,
    NATIVE,
    [addressOf(ALICE)],
    [parseEther('0.3')],
    `0x${'00'.repeat(32)}`,
    REVENUE,
  ])
  await later(DELAY)
  await assert.rejects(call(MALLORY, escrow, 'withdraw', [NATIVE]), /NoWithdrawal/, "not Mallory's to take")
  const before = await context.chain.client.getBalance({ address: addressOf(ALICE) })
  const receipt = await call(ALICE, escrow, 'withdraw', [NATIVE])
  const [event] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Withdrawn' })
  assert.equal(event?.args.amount, parseEther('0.7'), 'the announced amount less the charge')
  const gas = receipt.gasUsed * receipt.effectiveGasPrice
  assert.equal(
    await context.chain.client.getBalance({ address: addressOf(ALICE) }),
    before + parseEther('0.7') - gas,
  )
  assert.equal(await read(escrow, 'balanceOf', [addressOf(ALICE), NATIVE]), 0n)
  await assert.rejects(call(ALICE, escrow, 'withdraw', [NATIVE]), /NoWithdrawal/, 'once')
  // An escrow without a token takes the coin only.
  await assert.rejects(call(ALICE, escrow, 'depositToken', [addressOf(ALICE), 1n]), /NoToken/)
  await assert.rejects(call(ALICE, escrow, 'announceWithdrawal', [TOKEN, 1n]), /NoToken/)
  await assert.rejects(call(ALICE, escrow, 'announceWithdrawal', [2, 1n]), /UnknownAsset/)
})

test('charging 100 clients in one epoch costs a bounded amount of gas per client', async () => {
  const { escrow } = await deploy(false)
  // Anyone may fund a client: one account funds 100 distinct ones.
  const clients = Array.from(
    { length: 100 },
    (_, i) => `0x${(0xc11e0000 + i).toString(16).padStart(40, '0')}` as Hex,
  )
  for (const client of clients) await call(ALICE, escrow, 'depositFor', [client], 10_000n)
  const receipt = await call(COORDINATOR, escrow, 'charge', [
    1n,
    NATIVE,
    clients,
    clients.map(() => 1000n),
    `0x${'11'.repeat(32)}`,
    REVENUE,
  ])
  assert.equal(receipt.status, 'success')
  const perClient = Number(receipt.gasUsed) / clients.length
  console.log(`charge of 100 clients: ${receipt.gasUsed} gas, ${perClient.toFixed(0)} per client`)
  assert.ok(perClient < 8000, `${perClient} gas per client`)
  for (const client of clients.slice(0, 3))
    assert.equal(await read(escrow, 'balanceOf', [client, NATIVE]), 9000n)
})
