import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createTraffic, type Devnet, startDevnet, TRAFFIC_KINDS, traceWitness } from '../src/chain/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import {
  createEngineCrypto,
  createVmPool,
  executeTransaction,
  parseWitness,
} from '../src/validation/index.ts'

const logger = createLogger({ level: 'silent' })
let devnet: Devnet
before(async () => {
  devnet = await startDevnet({ logger }, { port: 0, accounts: 6 })
})
after(async () => {
  await devnet.close()
})

test('traffic on the devnet covers every kind, and L3 over traced witnesses agrees with every receipt', {
  timeout: 180_000,
}, async () => {
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts, seed: 7 },
  )
  await traffic.setup()
  const { sent, refused } = await traffic.run({ tps: 500, maxTransactions: 120 })
  assert.equal(sent.length, 120)
  assert.equal(refused, 0)
  assert.deepEqual(new Set(sent.map((s) => s.kind)), new Set(TRAFFIC_KINDS))
  assert.deepEqual(new Set(sent.map((s) => s.type)), new Set(['legacy', 'eip2930', 'eip1559', 'eip7702']))

  const crypto = createEngineCrypto()
  const ctx = { crypto, vms: createVmPool(crypto) }
  let reverted = 0
  for (const { hash, kind } of sent) {
    const receipt = (await devnet.request('eth_getTransactionReceipt', [hash])) as {
      status: string
      gasUsed: string
      logs: unknown[]
    }
    assert.ok(receipt, `${kind} ${hash} was not mined`)
    if (kind === 'reverting swap') assert.equal(receipt.status, '0x0')
    else assert.equal(receipt.status, '0x1', `${kind} ${hash} failed`)
    if (receipt.status === '0x0') reverted++
    const witness = parseWitness(
      await traceWitness(devnet.request, { hash, chainId: BigInt(devnet.chainId), fork: 'prague' }),
    )
    const verdict = await executeTransaction(ctx, { witness })
    assert.ok(verdict.valid, `${kind}: ${verdict.valid ? '' : JSON.stringify(verdict.reason)}`)
    if (!verdict.valid) continue
    assert.equal(verdict.gasUsed, BigInt(receipt.gasUsed), `${kind} gas`)
    assert.equal(verdict.status === 'success' ? '0x1' : '0x0', receipt.status, `${kind} status`)
    assert.equal(verdict.logs.length, receipt.logs.length, `${kind} logs`)
  }
  assert.ok(reverted > 0)
})
