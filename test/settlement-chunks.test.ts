import assert from 'node:assert/strict'
import { test } from 'node:test'
import { encodeFunctionData, type Hex } from 'viem'
import { AgentRewardPool } from '../src/chain/contracts.generated.ts'
import { SETTLEMENT_CHUNK_AGENTS } from '../src/coordinator/epochs/index.ts'
import { useDevnet } from './_harness/chain.ts'
import { rewardScenario, type Work } from './_harness/rewards.ts'

/** EIP-7825 (Osaka): no transaction may use more gas than this. */
const TX_GAS_CAP = 2n ** 24n
const context = useDevnet({ hardfork: 'osaka' })
const abi = AgentRewardPool.abi

test('2,000 new agents in one epoch are settled in chunks, each under the 2^24-gas cap that one transaction would break', {
  timeout: 300_000,
}, async (t) => {
  const agents = Array.from({ length: 2000 }, (_, i) => `bee-${String(i).padStart(4, '0')}`)
  const s = await rewardScenario(context, { agents, fundAgents: false })
  try {
    const work: Work = Object.fromEntries(
      agents.map((id, i) => [id, { scored: 5 + (i % 3), matched: 5 + (i % 3) }]),
    )
    const epoch = await s.close(work)

    // The cap is real on this chain, and one transaction listing all 2,000 runs out of gas within it.
    const over = await fetch(context.devnet.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'eth_sendTransaction',
        params: [
          {
            from: context.devnet.accounts[0]?.address,
            to: s.pool,
            gas: `0x${(TX_GAS_CAP + 1n).toString(16)}`,
          },
        ],
      }),
    })
    assert.match(JSON.stringify(await over.json()), /exceeds transaction gas cap of 16777216/)
    const wallets = [...s.wallets.values()].map((w) => w.address)
    await assert.rejects(
      context.chain.client.call({
        account: s.hotWallet.address,
        to: s.pool,
        data: encodeFunctionData({
          abi,
          functionName: 'depositAndSettle',
          args: [BigInt(epoch), wallets, wallets.map(() => 1n)],
        }),
        gas: TX_GAS_CAP,
      }),
      /gas/i,
    )

    assert.equal((await s.settle()).owed, 0)
    const credited = await context.chain.client.getContractEvents({
      address: s.pool,
      abi,
      eventName: 'Credited',
      fromBlock: 0n,
    })
    assert.equal(credited.length, Math.ceil(2000 / SETTLEMENT_CHUNK_AGENTS), 'one Credited event per chunk')
    const gas: bigint[] = []
    for (const log of credited) {
      const receipt = await context.chain.client.getTransactionReceipt({ hash: log.transactionHash })
      assert.equal(receipt.status, 'success')
      gas.push(receipt.gasUsed)
    }
    t.diagnostic(`gas per chunk of ${SETTLEMENT_CHUNK_AGENTS} new agents: ${gas.join(', ')}`)
    for (const g of gas) assert.ok(g < TX_GAS_CAP, `${g} < 2^24`)
    const [settled] = await context.chain.client.getContractEvents({
      address: s.pool,
      abi,
      eventName: 'Settled',
      fromBlock: 0n,
    })
    const listed = new Set(
      credited.flatMap((log) => (log.args.agents ?? []).map((a: Hex) => a.toLowerCase())),
    )
    assert.equal(listed.size, 2000, 'every agent credited once')
    const sum = credited.flatMap((log) => log.args.amounts ?? []).reduce((a, b) => a + b, 0n)
    assert.equal(sum, settled?.args.distributed)
    // What the store recorded per agent is what the pool credits.
    const amounts = await s.amounts(epoch)
    for (const id of ['bee-0000', 'bee-1001', 'bee-1999']) {
      const wallet = s.wallets.get(id)?.address as Hex
      assert.equal(await s.read('claimable', [wallet]), amounts.get(id))
    }
  } finally {
    await s.dispose()
  }
})
