import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  buildWitness,
  createTraffic,
  type Devnet,
  type RpcBlock,
  reexecuteBlock,
  startDevnet,
} from '../src/chain/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import { canonicalChanges, changesFromDiff, resultFromVerdict } from '../src/protocol/index.ts'
import {
  createEngineCrypto,
  createVmPool,
  executeTransaction,
  parseWitness,
  type StateDiff,
} from '../src/validation/index.ts'

const logger = createLogger({ level: 'silent' })
let devnet: Devnet
before(async () => {
  devnet = await startDevnet({ logger }, { port: 0, blockTime: 1, accounts: 8 })
})
after(async () => {
  await devnet.close()
})

type FullBlock = RpcBlock & { transactions: (Record<string, unknown> & { hash: string })[] }

test('blocks re-executed over parent state read through JSON-RPC give witnesses that reproduce every receipt and diff', {
  timeout: 180_000,
}, async () => {
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts, seed: 3 },
  )
  await traffic.setup()
  const { sent } = await traffic.run({ tps: 400, maxTransactions: 150 })
  const last = sent.at(-1)
  assert.ok(last)
  // Every transaction is mined, also those sent right after a sender's EIP-7702 transaction.
  const lastBlock = Math.max(...(await Promise.all(sent.map((s) => mined(s.hash)))))
  const crypto = createEngineCrypto()
  const vms = createVmPool(crypto)
  const chainId = BigInt(devnet.chainId)
  let transactions = 0
  let busiest = 0
  let storageCompared = 0
  for (let n = 1; n <= lastBlock; n++) {
    const block = (await devnet.request('eth_getBlockByNumber', [`0x${n.toString(16)}`, true])) as FullBlock
    if (block.transactions.length === 0) continue
    busiest = Math.max(busiest, block.transactions.length)
    const prestates = await reexecuteBlock(
      { rpc: devnet.request, crypto, vms },
      { block, chainId, fork: 'prague' },
    )
    const traced = (await Promise.all(
      block.transactions.map((tx) =>
        devnet.request('debug_traceTransaction', [tx.hash, { tracer: 'prestateTracer' }]),
      ),
    )) as Record<
      string,
      { balance?: string; nonce?: number; code?: string; storage?: Record<string, string> }
    >[]
    assert.equal(prestates.length, block.transactions.length)
    for (const [i, tx] of block.transactions.entries()) {
      transactions++
      const mine = prestates[i] ?? {}
      const theirs = traced[i] ?? {}
      // Whatever both prestates hold must agree value for value.
      for (const [address, account] of Object.entries(mine)) {
        const other = theirs[address]
        assert.ok(other, `${tx.hash}: ${address} read by re-execution but not by the tracer`)
        assert.equal(BigInt(account.balance), BigInt(other.balance ?? 0), `${tx.hash} ${address} balance`)
        assert.equal(account.nonce, other.nonce ?? 0, `${tx.hash} ${address} nonce`)
        assert.equal(account.code ?? '0x', other.code ?? '0x', `${tx.hash} ${address} code`)
        for (const [slot, value] of Object.entries(account.storage ?? {})) {
          assert.equal(BigInt(value), BigInt(other.storage?.[slot] ?? 0), `${tx.hash} ${address} ${slot}`)
          storageCompared++
        }
      }
      const witness = parseWitness(buildWitness({ tx, block, prestate: mine, chainId, fork: 'prague' }))
      const verdict = await executeTransaction({ crypto, vms }, { witness })
      assert.ok(verdict.valid, `${tx.hash}: ${verdict.valid ? '' : JSON.stringify(verdict.reason)}`)
      if (!verdict.valid) continue
      const receipt = (await devnet.request('eth_getTransactionReceipt', [tx.hash])) as {
        status: string
        gasUsed: string
        contractAddress: string | null
        logs: { address: string; topics: string[]; data: string }[]
      }
      assert.equal(verdict.status === 'success' ? '0x1' : '0x0', receipt.status, `${tx.hash} status`)
      assert.equal(verdict.gasUsed, BigInt(receipt.gasUsed), `${tx.hash} gas`)
      assert.equal(verdict.createdAddress ?? null, receipt.contractAddress?.toLowerCase() ?? null)
      assert.deepEqual(
        verdict.logs,
        receipt.logs.map((l) => ({ address: l.address.toLowerCase(), topics: l.topics, data: l.data })),
      )
      const diff = (await devnet.request('debug_traceTransaction', [
        tx.hash,
        { tracer: 'prestateTracer', tracerConfig: { diffMode: true } },
      ])) as StateDiff
      assert.equal(
        canonicalChanges(resultFromVerdict('t', verdict, 0).stateChanges),
        canonicalChanges(changesFromDiff({ pre: diff.pre ?? {}, post: diff.post ?? {} })),
        `${tx.hash} state changes`,
      )
    }
  }
  assert.ok(transactions >= 150, `${transactions} transactions re-executed`)
  assert.ok(busiest >= 10, `the busiest block held ${busiest} transactions`)
  assert.ok(storageCompared > 100)
})

async function mined(hash: string): Promise<number> {
  const deadline = Date.now() + 30_000
  for (;;) {
    assert.ok(Date.now() < deadline, `${hash} was not mined within 30 s`)
    const receipt = (await devnet.request('eth_getTransactionReceipt', [hash])) as {
      blockNumber: string
    } | null
    if (receipt !== null) return Number(BigInt(receipt.blockNumber))
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}
