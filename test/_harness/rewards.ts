import { createPublicClient, type Hex, keccak256, type LocalAccount, stringToHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { AgentRewardPool } from '../../src/chain/contracts.generated.ts'
import { claimReward, rpcTransport, sendFunds } from '../../src/chain/index.ts'
import {
  closeEpoch,
  createSettler,
  type EpochRewardParameters,
  openEpoch,
  type Settler,
} from '../../src/coordinator/epochs/index.ts'
import { createOutbox } from '../../src/coordinator/outbox/index.ts'
import { openStore, type Store } from '../../src/coordinator/store/index.ts'
import { createLogger } from '../../src/internal/logger.ts'
import type { useDevnet } from './chain.ts'
import { storeSql } from './storeSql.ts'

export const REWARD: EpochRewardParameters = {
  bonusAccuracyBps: 9950,
  bonusMultiplierBps: 12_000,
  minTasks: 1,
  rewardWei: 10n ** 18n,
  delegateCutBps: 1000,
}

/** One agent's scored work in an epoch: `matched` of `scored` results agreed with the chain. */
export type Work = Record<string, { scored: number; matched: number }>

/**
 * The coordinator's reward path on a real devnet: a store, a freshly deployed AgentRewardPool, a funded hot
 * wallet and the settler. Agents are registered with payout wallets derived from their ids (funded for gas, so they can
 * claim); each epoch's work is written as scored results, then the epoch is closed and settled.
 */
export async function rewardScenario(
  context: ReturnType<typeof useDevnet>,
  {
    agents,
    params = REWARD,
    hotWalletWei = 100n * 10n ** 18n,
    settlerRpcUrl,
    fundAgents = true,
  }: {
    agents: string[]
    /** Send every agent wallet 0.1 ETH for its claim's gas (skip it when nobody claims). */
    fundAgents?: boolean
    params?: EpochRewardParameters
    hotWalletWei?: bigint
    /** The endpoint the settler uses (e.g. a proxy that fails on demand); the devnet by default. */
    settlerRpcUrl?: string
  },
) {
  const { chain, devnet } = context
  const store: Store = await openStore({ path: ':memory:' })
  const funder = privateKeyToAccount(devnet.accounts[1]?.privateKey as Hex)
  const hotWallet = privateKeyToAccount(generatePrivateKey())
  const pool = await chain.deploy(0, AgentRewardPool, [hotWallet.address])
  const wallets = new Map<string, LocalAccount>(
    agents.map((id) => [id, privateKeyToAccount(keccak256(stringToHex(`apiary test wallet ${id}`)))]),
  )
  await sendFunds({
    rpcUrl: devnet.url,
    from: funder,
    to: [
      ...(fundAgents ? [...wallets.values()].map((w) => w.address) : []),
      ...(hotWalletWei > 0n ? [hotWallet.address] : []),
    ],
    amount: 10n ** 17n,
  })
  if (hotWalletWei > 10n ** 17n)
    await sendFunds({
      rpcUrl: devnet.url,
      from: funder,
      to: [hotWallet.address],
      amount: hotWalletWei - 10n ** 17n,
    })
  const q = storeSql(store)
  for (const [id, wallet] of wallets)
    await q.run(
      "INSERT INTO agents (id, level, region, max_in_flight, payout_wallet, agent_version, session, registered_at, last_seen_at) VALUES (?, 3, '', 8, ?, 't', 1, 0, 0)",
      id,
      wallet.address.toLowerCase(),
    )
  // The work: L3 answers on one pending transaction, committed (t = 0) before its block existed.
  await q.run(
    "INSERT INTO inclusions (key, source, block_number, block_hash, tx_index, tx_hash, witness, state, created_at, seen_at, absent_at) VALUES ('i', 'pending', 1, '0xb', 0, '0x1', ?, 'final', 0, 1, 1)",
    Buffer.alloc(0),
  )
  const result = (taskId: string, agentId: string, scoredAt: number, matched: number, mismatches: string) =>
    q.run(
      "INSERT INTO results (task_id, inclusion, level, agent_id, received_at, result, scored_at, matched, scored_fields, mismatches) VALUES (?, 'i', 3, ?, 0, ?, ?, ?, 'valid', ?)",
      taskId,
      agentId,
      Buffer.alloc(0),
      scoredAt,
      matched,
      mismatches,
    )
  let clock = 1_000
  const settler: Settler = await createSettler({
    store,
    logger: createLogger({ level: 'silent' }),
    rpcUrl: settlerRpcUrl ?? devnet.url,
    chainId: devnet.chainId,
    pool,
    outbox: createOutbox({
      store,
      logger: createLogger({ level: 'silent' }),
      client: createPublicClient({ transport: rpcTransport(settlerRpcUrl ?? devnet.url, { retryCount: 0 }) }),
      wallet: hotWallet,
      chainId: devnet.chainId,
      maxFeePerGasWei: 100n * 10n ** 9n,
    }),
    retry: { baseMs: 1, maxMs: 1 },
    now: () => clock,
  })
  await openEpoch(store, { params, now: clock })
  const read = (functionName: string, args: unknown[] = []) =>
    chain.client.readContract({
      address: pool,
      abi: AgentRewardPool.abi,
      functionName,
      args,
    } as never) as Promise<bigint>
  let task = 0

  return {
    store,
    pool,
    hotWallet,
    wallets,
    read,
    settler,
    /** Writes the epoch's scored work, closes the epoch; returns its number. */
    async close(work: Work, closeParams: EpochRewardParameters = params) {
      for (const [id, w] of Object.entries(work))
        for (let k = 0; k < w.scored; k++)
          await result(`t${task++}`, id, clock + 1, k < w.matched ? 1 : 0, k < w.matched ? '' : 'valid')
      clock += 10
      return (await closeEpoch(store, { params: closeParams, now: clock })).epoch
    },
    /** Ticks the settler until nothing is owed (or `maxTicks`). */
    async settle(maxTicks = 60) {
      for (let i = 0; i < maxTicks && (i === 0 || settler.status().owed > 0); i++) {
        clock += 10
        await settler.tick()
      }
      return settler.status()
    },
    /** What the store says each agent got in an epoch. */
    async amounts(epoch: number) {
      const rows = await q.all<{ agent_id: string; amount_wei: string }>(
        'SELECT agent_id, amount_wei FROM epoch_agents WHERE epoch = ?',
        epoch,
      )
      return new Map(rows.map((r) => [r.agent_id, BigInt(r.amount_wei)]))
    },
    /** Every agent claims with `claim()` from its own wallet; returns wei received per agent (gas excluded). */
    async claimAll() {
      const got = new Map<string, bigint>()
      for (const [id, account] of wallets) {
        const r = await claimReward({ rpcUrl: devnet.url, pool, account })
        got.set(id, r.claimed)
      }
      return got
    },
    balanceOfPool: () => chain.client.getBalance({ address: pool }),
    dispose: () => store.close(),
  }
}
