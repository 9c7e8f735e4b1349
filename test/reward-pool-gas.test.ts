import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Hex, TransactionReceipt } from 'viem'
import { AgentRewardPool } from '../src/chain/contracts.generated.ts'
import { useDevnet } from './_harness/chain.ts'
import { checkGasSnapshot } from './_harness/gasSnapshot.ts'

const abi = AgentRewardPool.abi
const context = useDevnet()

/** Intrinsic gas of a call: 21,000 plus calldata (EIP-2028), so that execution gas can be reported too. */
async function intrinsic(receipt: TransactionReceipt): Promise<number> {
  const tx = await context.chain.client.getTransaction({ hash: receipt.transactionHash })
  const data = Buffer.from(tx.input.slice(2), 'hex')
  return 21_000 + data.reduce((sum, byte) => sum + (byte === 0 ? 4 : 16), 0)
}

test('AgentRewardPool gas: settlement per agent at 100 agents and claim, against contracts/gas-snapshot.json', {
  timeout: 120_000,
}, async () => {
  const coordinator = context.chain.accounts[0]?.address as Hex
  const deployHash = await context.chain.wallet(0).deployContract({
    abi,
    bytecode: AgentRewardPool.bytecode,
    args: [coordinator],
    account: context.chain.wallet(0).account,
    chain: context.devnet.chain,
  })
  const deployed = await context.chain.client.waitForTransactionReceipt({ hash: deployHash })
  const pool = deployed.contractAddress as Hex
  // 100 agents: two dev accounts (they claim below) and 98 other addresses.
  const agents = [
    context.chain.accounts[2]?.address as Hex,
    context.chain.accounts[3]?.address as Hex,
    ...Array.from({ length: 98 }, (_, i) => `0x${(0x5eed0000 + i).toString(16).padStart(40, 'a')}` as Hex),
  ]
  const weights = agents.map((_, i) => BigInt(12_000 * (i + 1)))
  const settle = (epoch: bigint, list: Hex[], w: bigint[]) =>
    context.chain.send(0, {
      address: pool,
      abi,
      functionName: 'depositAndSettle',
      args: [epoch, list, w],
      value: 10n ** 18n,
    })
  const single = await settle(1n, [agents[0] as Hex], [1000n])
  const first = await settle(2n, agents, weights)
  const again = await settle(3n, agents, weights)
  const half = await settle(
    4n,
    agents,
    weights.map((w, i) => (i % 2 === 0 ? w : 0n)),
  )
  const claim = await context.chain.send(2, { address: pool, abi, functionName: 'claim' })
  const claimFor = await context.chain.send(4, {
    address: pool,
    abi,
    functionName: 'claimFor',
    args: [agents[1]],
  })
  const batch = await context.chain.send(4, {
    address: pool,
    abi,
    functionName: 'batchClaimFor',
    args: [agents.slice(2, 12)],
  })
  for (const r of [single, first, again, half, claim, claimFor, batch]) assert.equal(r.status, 'success')

  const gas = (r: TransactionReceipt) => Number(r.gasUsed)
  const figures = {
    'AgentRewardPool.deploy': gas(deployed),
    'AgentRewardPool.depositAndSettle(1 new agent)': gas(single),
    'AgentRewardPool.depositAndSettle(100 agents, 99 new)': gas(first),
    'AgentRewardPool.depositAndSettle(100 agents, known)': gas(again),
    'AgentRewardPool.depositAndSettle(100 agents, 50 leave)': gas(half),
    'AgentRewardPool.claim()': gas(claim),
    'AgentRewardPool.claim() execution (without 21,000 + calldata)': gas(claim) - (await intrinsic(claim)),
    'AgentRewardPool.claimFor(address)': gas(claimFor),
    'AgentRewardPool.batchClaimFor(10 agents)': gas(batch),
  }
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`)
  checkGasSnapshot(figures)
})
