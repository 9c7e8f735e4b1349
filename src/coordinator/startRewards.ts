import { createPublicClient, getAddress, type Hex, http } from 'viem'
import { AgentRewardPool } from '../chain/contracts.generated.ts'
import { redactUrl } from '../chain/createRpcClient.ts'
import { ApiaryError } from '../internal/errors.ts'
import type { Logger } from '../internal/logger.ts'
import type { RewardOptions } from './createCoordinator.ts'
import { createEpochClock, type EpochClock } from './epochs/index.ts'
import { createSettler, type Settler } from './settlement/index.ts'
import type { Store } from './store/index.ts'

export interface StartRewardsDependencies {
  store: Store
  logger: Logger
  chainId: bigint
  rpcUrl: string | undefined
  followed: () => number | undefined
  signal: AbortSignal
}

export interface Rewards {
  clock: EpochClock
  settler: Settler | undefined
  close(): Promise<void>
}

/**
 * Runs the epoch clock (checked every 250 ms) and, with a pool, the settler (a step every second, and at
 * once after an epoch closes). Before settling, the pool is checked: it must be an AgentRewardPool whose
 * coordinator is the hot wallet, and the datadir stays bound to the first pool it settled into.
 */
export async function startRewards(options: RewardOptions, deps: StartRewardsDependencies): Promise<Rewards> {
  const { store, logger } = deps
  const clock = createEpochClock({
    store,
    logger,
    params: options.params,
    epochMs: options.epochMs,
    epochBlocks: options.epochBlocks,
    followed: deps.followed,
  })
  const { settlement } = options
  let settler: Settler | undefined
  if (settlement !== undefined) {
    if (deps.rpcUrl === undefined)
      throw new ApiaryError('APIARY_REWARDS_NO_CHAIN', 'settling rewards needs --rpc (a chain)', {
        usage: true,
      })
    await checkPool(store, deps.rpcUrl, settlement.pool, settlement.hotWallet.address)
    settler = createSettler({
      store,
      logger,
      rpcUrl: deps.rpcUrl,
      chainId: Number(deps.chainId),
      pool: settlement.pool,
      hotWallet: settlement.hotWallet,
      maxFeePerGasWei: settlement.maxFeePerGasWei,
      retry: settlement.retry,
    })
  }
  let settling: Promise<void> | undefined
  const settle = () => {
    if (settler === undefined || settling !== undefined || deps.signal.aborted) return
    settling = settler
      .tick()
      .catch((error) => logger.error({ err: error }, 'settlement step failed'))
      .finally(() => {
        settling = undefined
      })
  }
  const epochTimer = setInterval(() => {
    try {
      if (clock.tick() !== undefined) settle()
    } catch (error) {
      logger.error({ err: error }, 'closing the epoch failed')
    }
  }, 250)
  const settleTimer = setInterval(settle, 1000)
  settle()
  return {
    clock,
    settler,
    async close() {
      clearInterval(epochTimer)
      clearInterval(settleTimer)
      await settling
    },
  }
}

async function checkPool(store: Store, rpcUrl: string, pool: Hex, hotWallet: Hex) {
  const client = createPublicClient({ transport: http(rpcUrl, { retryCount: 1 }) })
  let coordinator: Hex
  try {
    coordinator = await client.readContract({
      address: pool,
      abi: AgentRewardPool.abi,
      functionName: 'coordinator',
    })
  } catch (cause) {
    throw new ApiaryError(
      'APIARY_POOL_INVALID',
      `${pool} on ${redactUrl(rpcUrl)} does not answer as an AgentRewardPool`,
      { usage: true, cause, hints: ['deploy one: apiary deploy reward-pool --coordinator <hot wallet>'] },
    )
  }
  if (getAddress(coordinator) !== getAddress(hotWallet))
    throw new ApiaryError(
      'APIARY_POOL_NOT_COORDINATOR',
      `the pool ${pool} is settled by ${coordinator}, not by the hot wallet ${hotWallet}`,
      { usage: true, hints: ['give the keystore of the pool coordinator, or transfer the role to it'] },
    )
  const bound = store.sqlite
    .prepare<[], { value: string }>("SELECT value FROM meta WHERE key = 'reward_pool'")
    .get()
  if (bound === undefined)
    store.sqlite.prepare("INSERT INTO meta (key, value) VALUES ('reward_pool', ?)").run(pool.toLowerCase())
  else if (bound.value !== pool.toLowerCase())
    throw new ApiaryError(
      'APIARY_STORE_OTHER_POOL',
      `this datadir settles into the pool ${bound.value}, not ${pool}`,
      { usage: true, hints: ['use a new --datadir for another pool'] },
    )
}
