import { createPublicClient, getAddress, type Hex, type LocalAccount } from 'viem'
import {
  AgentRewardPool,
  EpochRegistry,
  evmChain,
  JobEscrow,
  redactUrl,
  rpcTransport,
} from '../../chain/index.ts'
import type { PayoutParameters } from '../../epoch/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import { createOutbox, type Outbox } from '../outbox/index.ts'
import type { Store } from '../store/index.ts'
import type { CloseEpochReturnType, EpochRewardParameters } from './closeEpoch.ts'
import { type Anchorer, createAnchorer } from './createAnchorer.ts'
import { type Charger, createCharger } from './createCharger.ts'
import { createEpochClock, type EpochClock } from './createEpochClock.ts'
import { createFeePayer, type FeeKind } from './createFeePayer.ts'
import { createSealer, type Sealer } from './createSealer.ts'
import { createSettler, type Settler } from './createSettler.ts'

export interface RewardOptions {
  params: EpochRewardParameters
  /** Epoch length in ms and/or in followed blocks: it closes at whichever comes first. */
  epochMs?: number | undefined
  epochBlocks?: number | undefined
  /**
   * The hot wallet that pays and anchors closed epochs: into an AgentRewardPool (`pool`, the f1 model)
   * and/or by anchoring seals in an EpochRegistry (`sealing.registry`; with the pools model the seal carries
   * the deposit). Without it epochs stay `owed`.
   */
  settlement?:
    | {
        pool?: Hex | undefined
        hotWallet: LocalAccount
        maxFeePerGasWei: bigint
        retry?: { baseMs: number; maxMs: number }
        /** Where each paid epoch's operator and protocol fees go (kept by the hot wallet without). */
        recipients?: { [kind in FeeKind]?: Hex | undefined } | undefined
      }
    | undefined
  /** Sealing closed epochs into signed bundles under `<datadir>/epochs` (docs/spec/bundle.md). */
  sealing?:
    | {
        /** The sealing key: the hot wallet when anchoring (the registry's coordinator signs the bundles). */
        signer: LocalAccount
        payouts: PayoutParameters
        /** The EpochRegistry to anchor seals in (needs `settlement.hotWallet`). */
        registry?: Hex | undefined
        /** A Kubo-compatible HTTP RPC to import and pin every CAR into. */
        ipfsApi?: string | undefined
      }
    | undefined
}

export interface StartRewardsDependencies {
  store: Store
  logger: Logger
  chainId: bigint
  rpcUrl: string | undefined
  followed: () => number | undefined
  signal: AbortSignal
  /** Told of every epoch closed. */
  onClose?: ((closed: CloseEpochReturnType) => void) | undefined
  /** `<datadir>/epochs`; undefined (an in-memory store) seals nothing. */
  epochsDir: string | undefined
  /** The JobEscrow whose client charges the hot wallet takes on-chain (needs `settlement`). */
  escrow?: Hex | undefined
}

export interface Rewards {
  clock: EpochClock
  charger: Charger | undefined
  settler: Settler | undefined
  sealer: Sealer | undefined
  close(): Promise<void>
}

/**
 * Runs the epoch clock (checked every 250 ms) and, with a pool, the settler (a step every second, and at
 * once after an epoch closes). Before settling, the pool is checked: it must be an AgentRewardPool whose
 * coordinator is the hot wallet, and the datadir stays bound to the first pool it settled into.
 */
export async function startRewards(options: RewardOptions, deps: StartRewardsDependencies): Promise<Rewards> {
  const { store, logger } = deps
  const clock = await createEpochClock({
    store,
    logger,
    params: options.params,
    epochMs: options.epochMs,
    epochBlocks: options.epochBlocks,
    followed: deps.followed,
  })
  const { settlement, sealing } = options
  if ((settlement !== undefined || sealing?.registry !== undefined) && deps.rpcUrl === undefined)
    throw new ApiaryError('APIARY_REWARDS_NO_CHAIN', 'settling rewards needs --rpc (a chain)', {
      usage: true,
    })
  // One outbox for every transaction the hot wallet signs (settlements and anchors).
  const outbox =
    settlement === undefined || deps.rpcUrl === undefined
      ? undefined
      : createOutbox({
          store,
          logger,
          client: createPublicClient({
            chain: evmChain(Number(deps.chainId), deps.rpcUrl, 'outbox'),
            transport: rpcTransport(deps.rpcUrl, { retryCount: 0 }),
          }),
          wallet: settlement.hotWallet,
          chainId: Number(deps.chainId),
          maxFeePerGasWei: settlement.maxFeePerGasWei,
        })
  const charger =
    deps.escrow === undefined || outbox === undefined || settlement === undefined || deps.rpcUrl === undefined
      ? undefined
      : await startCharger(store, {
          rpcUrl: deps.rpcUrl,
          chainId: deps.chainId,
          escrow: deps.escrow,
          hotWallet: settlement.hotWallet.address,
          outbox,
          logger,
        })
  let settler: Settler | undefined
  if (settlement?.pool !== undefined && deps.rpcUrl !== undefined && outbox !== undefined) {
    await checkPool(store, deps.rpcUrl, settlement.pool, settlement.hotWallet.address)
    settler = await createSettler({
      store,
      logger,
      rpcUrl: deps.rpcUrl,
      chainId: Number(deps.chainId),
      pool: settlement.pool,
      outbox,
      retry: settlement.retry,
    })
  }
  let sealer: Sealer | undefined
  if (sealing !== undefined && deps.epochsDir !== undefined) {
    let anchorer: Anchorer | undefined
    if (sealing.registry !== undefined && deps.rpcUrl !== undefined) {
      if (settlement === undefined || outbox === undefined)
        throw new ApiaryError(
          'APIARY_ANCHOR_NO_WALLET',
          'anchoring seals needs the hot wallet (--hot-wallet-keystore)',
          {
            usage: true,
          },
        )
      await checkRegistry(store, deps.rpcUrl, sealing.registry, settlement.hotWallet.address)
      anchorer = await createAnchorer({
        store,
        logger,
        rpcUrl: deps.rpcUrl,
        chainId: Number(deps.chainId),
        registry: sealing.registry,
        outbox,
        retry: settlement.retry,
      })
    }
    sealer = await createSealer({
      store,
      logger,
      dir: deps.epochsDir,
      signer: sealing.signer,
      chainId: Number(deps.chainId),
      weights: options.params,
      payouts: sealing.payouts,
      registry: sealing.registry,
      anchorer,
      ipfsApi: sealing.ipfsApi,
    })
  }
  const recipients = settlement?.recipients ?? {}
  const fees =
    outbox === undefined || Object.values(recipients).every((r) => r === undefined)
      ? undefined
      : await createFeePayer({
          store,
          logger: logger.child({ component: 'fees' }),
          outbox,
          model: sealing?.registry !== undefined && sealing.payouts.model === 'pools' ? 'pools' : 'f1',
          recipients,
        })
  let settling: Promise<void> | undefined
  const settle = () => {
    if (
      (settler === undefined && sealer === undefined && charger === undefined) ||
      settling !== undefined ||
      deps.signal.aborted
    )
      return
    settling = (async () => {
      // Charges first: what the clients paid funds the epoch the settler then pays.
      await charger?.tick()
      await settler?.tick()
      await sealer?.tick()
      // Fees last: an epoch's fees are paid once its agents are.
      await fees?.tick()
    })()
      .catch((error) => logger.error({ err: error }, 'settlement step failed'))
      .finally(() => {
        settling = undefined
      })
  }
  let ticking: Promise<void> | undefined
  const epochTimer = setInterval(() => {
    if (ticking !== undefined) return // one close at a time
    ticking = clock
      .tick()
      .then((closed) => {
        if (closed === undefined) return
        deps.onClose?.(closed)
        settle()
      })
      .catch((error) => logger.error({ err: error }, 'closing the epoch failed'))
      .finally(() => {
        ticking = undefined
      })
  }, 250)
  const settleTimer = setInterval(settle, 1000)
  settle()
  return {
    clock,
    charger,
    settler,
    sealer,
    async close() {
      clearInterval(epochTimer)
      clearInterval(settleTimer)
      await ticking
      await settling
    },
  }
}

/** The charger, once the escrow answers as a JobEscrow owned by the hot wallet. */
async function startCharger(
  store: Store,
  deps: { rpcUrl: string; chainId: bigint; escrow: Hex; hotWallet: Hex; outbox: Outbox; logger: Logger },
): Promise<Charger> {
  const client = createPublicClient({ transport: rpcTransport(deps.rpcUrl, { retryCount: 1 }) })
  let owner: Hex
  try {
    owner = await client.readContract({ address: deps.escrow, abi: JobEscrow.abi, functionName: 'owner' })
  } catch (cause) {
    throw new ApiaryError(
      'APIARY_ESCROW_INVALID',
      `${deps.escrow} on ${redactUrl(deps.rpcUrl)} does not answer as a JobEscrow`,
      { usage: true, cause, hints: ['deploy one: apiary deploy job-escrow --coordinator <hot wallet>'] },
    )
  }
  if (getAddress(owner) !== getAddress(deps.hotWallet))
    throw new ApiaryError(
      'APIARY_ESCROW_NOT_COORDINATOR',
      `the escrow ${deps.escrow} is charged by ${owner}, not by the hot wallet ${deps.hotWallet}`,
      { usage: true },
    )
  return createCharger({
    store,
    logger: deps.logger.child({ component: 'charges' }),
    rpcUrl: deps.rpcUrl,
    chainId: Number(deps.chainId),
    escrow: deps.escrow,
    outbox: deps.outbox,
    payTo: deps.hotWallet,
  })
}

async function checkPool(store: Store, rpcUrl: string, pool: Hex, hotWallet: Hex) {
  const client = createPublicClient({ transport: rpcTransport(rpcUrl, { retryCount: 1 }) })
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
  const bound = await store.meta.bind('reward_pool', pool.toLowerCase())
  if (bound !== pool.toLowerCase())
    throw new ApiaryError(
      'APIARY_STORE_OTHER_POOL',
      `this datadir settles into the pool ${bound}, not ${pool}`,
      { usage: true, hints: ['use a new --datadir for another pool'] },
    )
}

/** The registry must answer as an EpochRegistry owned by the hot wallet; the datadir stays bound to it. */
async function checkRegistry(store: Store, rpcUrl: string, registry: Hex, hotWallet: Hex) {
  const client = createPublicClient({ transport: rpcTransport(rpcUrl, { retryCount: 1 }) })
  let owner: Hex
  try {
    owner = await client.readContract({ address: registry, abi: EpochRegistry.abi, functionName: 'owner' })
    await client.readContract({ address: registry, abi: EpochRegistry.abi, functionName: 'lastEpoch' })
  } catch (cause) {
    throw new ApiaryError(
      'APIARY_REGISTRY_INVALID',
      `${registry} on ${redactUrl(rpcUrl)} does not answer as an EpochRegistry`,
      { usage: true, cause, hints: ['deploy one: apiary deploy epoch-registry --coordinator <hot wallet>'] },
    )
  }
  if (getAddress(owner) !== getAddress(hotWallet))
    throw new ApiaryError(
      'APIARY_REGISTRY_NOT_COORDINATOR',
      `the registry ${registry} is sealed by ${owner}, not by the hot wallet ${hotWallet}`,
      { usage: true },
    )
  const bound = await store.meta.bind('epoch_registry', registry.toLowerCase())
  if (bound !== registry.toLowerCase())
    throw new ApiaryError(
      'APIARY_STORE_OTHER_REGISTRY',
      `this datadir anchors into the registry ${bound}, not ${registry}`,
      { usage: true, hints: ['use a new --datadir for another registry'] },
    )
}
