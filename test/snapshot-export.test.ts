import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { zstdCompressSync, zstdDecompressSync } from 'node:zlib'
import { buildState, createRpcClient, devnetGenesis, snapshotAccounts } from '../src/chain/index.ts'
import { stateRootOf } from '../src/state/index.ts'
import { devnetAfterTraffic } from './_harness/chain.ts'
import { runApiary } from './_harness/cli.ts'

test('apiary snapshot export writes the devnet’s state after traffic (contracts, storage, system contracts) and it verifies against each block’s header; every block’s diff gives its header’s state root; a changed byte, another genesis or a missing file is refused', {
  timeout: 120_000,
}, async () => {
  const devnet = await devnetAfterTraffic(5)
  const dir = mkdtempSync(join(tmpdir(), 'apiary-snapshot-e2e-'))
  try {
    const head = Number(BigInt((await devnet.request('eth_blockNumber', [])) as string))
    assert.ok(head >= 6, `${head} blocks`)

    for (const block of [String(Math.floor(head / 2)), 'latest']) {
      const out = join(dir, `state-${block}.snap`)
      const exported = await runApiary([
        ...['snapshot', 'export', '--rpc', devnet.url, '--out', out, '--block', block],
        ...['--devnet-accounts', '10', '--json'],
      ])
      assert.equal(exported.code, 0, exported.stderr)
      const facts = JSON.parse(exported.stdout) as {
        block: string
        stateRoot: string
        codes: number
        slots: number
      }
      // The devnet keeps mining: latest is the head when the export began.
      const number = block === 'latest' ? Number(facts.block) : Number(block)
      assert.ok(number >= (block === 'latest' ? head : 1))
      const header = (await devnet.request('eth_getBlockByNumber', [`0x${number.toString(16)}`, false])) as {
        stateRoot: string
      }
      assert.equal(facts.block, String(number))
      assert.equal(facts.stateRoot, header.stateRoot, `block ${number}: the snapshot's root is the header's`)
      if (block === 'latest') assert.ok(facts.codes > 2 && facts.slots > 10, JSON.stringify(facts))
      const verified = await runApiary(['snapshot', 'verify', out])
      assert.equal(verified.code, 0, verified.stderr)
      assert.match(verified.stdout, new RegExp(`VALID  chain 31337  block ${number} `))
    }

    // Every block's diff, applied to the state before it, gives exactly the state its header commits to.
    const rpc = createRpcClient(devnet.url, { timeoutMs: 30_000 })
    const roots: [string, string][] = []
    await buildState(rpc, await devnetGenesis(rpc, 10), BigInt(head), (diff, state) => {
      roots.push([`0x${Buffer.from(stateRootOf(snapshotAccounts(state))).toString('hex')}`, diff.stateRoot])
    })
    assert.equal(roots.length, head)
    for (const [i, [ours, header]] of roots.entries()) assert.equal(ours, header, `block ${i + 1}`)

    const good = join(dir, 'state-latest.snap')
    const bytes = Buffer.from(zstdDecompressSync(readFileSync(good)))
    bytes[bytes.length - 200] = (bytes[bytes.length - 200] as number) ^ 1
    const altered = join(dir, 'altered.snap')
    writeFileSync(altered, zstdCompressSync(bytes))
    const refused = await runApiary(['snapshot', 'verify', altered, '--json'])
    assert.equal(refused.code, 1)
    assert.match(JSON.parse(refused.stdout).code, /^APIARY_SNAPSHOT_/)

    const other = await runApiary([
      ...['snapshot', 'export', '--rpc', devnet.url, '--out', join(dir, 'x.snap'), '--devnet-accounts', '9'],
    ])
    assert.equal(other.code, 2)
    assert.match(other.stderr, /APIARY_SNAPSHOT_GENESIS_MISMATCH/)
    const missing = await runApiary(['snapshot', 'verify', join(dir, 'none.snap')])
    assert.equal(missing.code, 1)
    assert.match(missing.stdout, /APIARY_SNAPSHOT_UNREADABLE/)
  } finally {
    await devnet.close()
  }
})
