import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { openStateStore, type StateHead } from '../src/agent/state/index.ts'
import {
  type AccountAfter,
  buildState,
  createRpcClient,
  devnetGenesis,
  readBlockDiff,
  snapshotAccounts,
} from '../src/chain/index.ts'
import { writeSnapshot } from '../src/state/index.ts'
import { devnetAfterTraffic } from './_harness/chain.ts'

test('an L4 store loaded from a devnet snapshot follows the chain block by block, its state root equal to every header’s; a diff with a gap, a wrong parent or a wrong value is refused and leaves it at its head; a restart resumes there', {
  timeout: 120_000,
}, async () => {
  const devnet = await devnetAfterTraffic(13)
  const dir = mkdtempSync(join(tmpdir(), 'apiary-l4-'))
  try {
    const rpc = createRpcClient(devnet.url, { timeoutMs: 30_000 })
    const head = BigInt((await rpc('eth_blockNumber', [])) as string)
    const from = head / 2n
    const { state, last } = await buildState(rpc, await devnetGenesis(rpc, 10), from)
    const snapshot = join(dir, 'state.snap')
    await writeSnapshot({
      path: snapshot,
      chainId: BigInt(devnet.chainId),
      header: last?.header as Uint8Array,
      accounts: snapshotAccounts(state),
    })
    const datadir = join(dir, 'agent')
    let store = openStateStore(datadir)
    assert.equal((await store.loadSnapshot(snapshot)).head.number, from)

    // The attacks first, on the block after the head: each is refused and the head does not move.
    const next = await readBlockDiff(rpc, from + 1n)
    const after = await readBlockDiff(rpc, from + 2n)
    await assert.rejects(store.applyDiff(after), { code: 'APIARY_STATE_GAP' })
    await assert.rejects(store.applyDiff({ ...next, parentHash: after.hash }), {
      code: 'APIARY_STATE_WRONG_PARENT',
    })
    const [address, account] = [...next.accounts][0] as [string, AccountAfter]
    const lying = new Map(next.accounts)
    lying.set(address, { ...account, balance: account.balance + 1n })
    await assert.rejects(store.applyDiff({ ...next, accounts: lying }), {
      code: 'APIARY_STATE_ROOT_MISMATCH',
    })
    assert.equal(store.head()?.number, from)

    // Then the chain as it is: every block's root is the header's.
    let applied = 0
    for (let n = from + 1n; n <= head; n++) {
      const diff = await readBlockDiff(rpc, n)
      const at = await store.applyDiff(diff)
      assert.equal(`0x${Buffer.from(at.stateRoot).toString('hex')}`, diff.stateRoot, `block ${n}`)
      applied++
      if (n === from + 2n) {
        // A restart mid-way: the store reopens at its last applied block.
        store.close()
        store = openStateStore(datadir)
        assert.equal(store.head()?.number, n)
      }
    }
    assert.ok(applied >= 3, `${applied} blocks applied`)
    assert.equal(store.head()?.number, head)

    // A reorg: the store goes back a block at a time to a state it checked, and reads at any of them.
    const before = store.at(head - 1n)
    assert.ok(before !== undefined)
    assert.deepEqual(store.unwind(), before)
    assert.deepEqual(store.head(), before)
    const reapplied = await store.applyDiff(await readBlockDiff(rpc, head))
    assert.equal(reapplied.number, head)
    const [touched] = [...(await readBlockDiff(rpc, head)).accounts.keys()]
    const touchedBytes = Buffer.from((touched as string).slice(2), 'hex')
    const balanceAt = async (n: bigint) =>
      (await store.account((store.at(n) as StateHead).stateRoot, touchedBytes))?.balance ?? 0n
    for (const n of [from, head - 1n, head])
      assert.equal(
        await balanceAt(n),
        BigInt((await rpc('eth_getBalance', [touched, `0x${n.toString(16)}`])) as string),
        `balance at block ${n}`,
      )
    for (let n = head; n > from; n--) store.unwind()
    assert.equal(store.head()?.number, from)
    assert.throws(() => store.unwind(), { code: 'APIARY_STATE_HISTORY_EXHAUSTED' })
    store.close()
  } finally {
    await devnet.close()
  }
})
