import { randomBytes, randomInt } from 'node:crypto'
import { create, toBinary } from '@bufbuild/protobuf'
import {
  addStorageRoots,
  type BlockExecutor,
  buildWitness,
  type PrestateAccount,
  type RpcBlock,
  type RpcRequest,
} from '../../chain/index.ts'
import { TaskSchema, type Witness as WitnessMessage, WitnessSchema } from '../../gen/apiary/v1/swarm_pb.js'
import type { Logger } from '../../internal/logger.ts'
import { answerTask, witnessToMessage } from '../../protocol/index.ts'
import { type EngineCrypto, parseWitness, type VmPool } from '../../validation/index.ts'
import { truthFromResult } from '../scoring/index.ts'
import type { NewInclusion, Store } from '../store/index.ts'
import { TASK_LEVELS } from '../work/index.ts'
import { breakAccount, buildCanaryTransaction, CANARY_DRAW } from './buildCanary.ts'

/**
 * Canaries per pending transaction (docs/rewards.md#canaries): 1 in 9 of an agent's tasks, so a lazy L1
 * agent (the hardest to catch: 4 in 9 canaries are invalid at L1) fails one within 200 tasks with
 * probability 1 − (1 − 1/9 × 4/9)^200 > 99.99 %.
 */
export const DEFAULT_CANARY_RATE = 1 / 8

export interface CanaryMakerDependencies {
  store: Store
  rpc: RpcRequest
  logger: Logger
  crypto: EngineCrypto
  vms: VmPool
  chainId: bigint
  fork: string
  /** Share of pending transactions a canary is made from (default 1/8; 0 turns canaries off). */
  rate?: number | undefined
  random?: () => number
  now?: () => number
}

/** A pending transaction as pre-executed: what a canary is made from. */
export interface CanaryOrigin {
  tx: Record<string, unknown>
  block: RpcBlock
  prestate: Record<string, PrestateAccount>
  txIndex: number
  /** The executor of the candidate block, just after `tx`. */
  executor: BlockExecutor
}

/** A canary stored and ready to be queued at its level. */
export interface CanaryTask {
  key: string
  level: number
  witness: WitnessMessage
}

export interface CanaryStatus {
  made: number
  /** Templates that could not make one (blob or set-code transactions, a failed execution). */
  unmade: number
}

export interface CanaryMaker {
  /** With probability `rate`, builds a canary from `origin`, stores its task at every level and returns them. */
  offer(origin: CanaryOrigin): Promise<CanaryTask[]>
  status(): CanaryStatus
}

/**
 * Canaries: transactions the coordinator builds and signs itself, never sends, and dispatches among the
 * pending transactions they are made from, at L1–L3, with the engine's own answer as their truth (stored
 * final, so an answer is scored as it arrives). Each is a copy of a real pending transaction (type, recipient,
 * value, data, gas, fees) sent from an account with the real sender's balance and nonce, by a key derived from
 * the open epoch's canary seed (canaryKey), executed at the same place of the candidate block (so its witness
 * has the shape of a real one), and made valid or broken in one of the ways the engine checks.
 */
export function createCanaryMaker({
  store,
  rpc,
  logger,
  crypto,
  vms,
  chainId,
  fork,
  rate = DEFAULT_CANARY_RATE,
  random = Math.random,
  now = Date.now,
}: CanaryMakerDependencies): CanaryMaker {
  /** Without epochs (no rewards) the seed is the process's own: nothing is committed or revealed then. */
  const ownSeed = randomBytes(32)
  const status: CanaryStatus = { made: 0, unmade: 0 }
  let proofs = true

  const make = async (origin: CanaryOrigin): Promise<CanaryTask[] | undefined> => {
    const open = await store.epochs.open()
    const seed = open?.canary_seed == null ? ownSeed : Buffer.from(open.canary_seed.slice(2), 'hex')
    const index = randomInt(2 ** 47)
    const variant = CANARY_DRAW[Math.floor(random() * CANARY_DRAW.length)] as (typeof CANARY_DRAW)[number]
    const baseFee = origin.block.baseFeePerGas
    const built = buildCanaryTransaction(
      crypto,
      {
        tx: origin.tx,
        prestate: origin.prestate,
        baseFeePerGas: baseFee === undefined ? undefined : BigInt(baseFee),
        chainId,
      },
      seed,
      index,
      variant,
    )
    if (built === undefined) return undefined
    // The canary's prestate is that of its valid form at this place of the block (fee and nonce breaks in
    // the transaction do not change what it reads), then the account breaks.
    const executed = await origin.executor.peek(built.valid, { [built.sender.address]: built.sender.account })
    const prestate = breakAccount(variant, built.tx, executed.prestate)
    // EIP-7610 storage roots: the template's witness has them for the accounts both touch; only the others
    // are asked for (the canary's own sender is a fresh key: no storage).
    const unknown: Record<string, PrestateAccount> = {}
    for (const [address, account] of Object.entries(prestate)) {
      const known = origin.prestate[address] as (PrestateAccount & { storageRoot?: string }) | undefined
      if (known?.storageRoot !== undefined) Object.assign(account, { storageRoot: known.storageRoot })
      else if (known === undefined && address !== built.sender.address) unknown[address] = account
    }
    if (proofs && Object.keys(unknown).length > 0)
      proofs = await addStorageRoots(rpc, [unknown], `0x${(BigInt(origin.block.number) - 1n).toString(16)}`)
    const witness = witnessToMessage(
      parseWitness(buildWitness({ tx: built.tx, block: origin.block, prestate, chainId, fork })),
      { full: true },
    )
    const bytes = toBinary(WitnessSchema, witness)
    const hash = String(built.tx.hash)
    const epoch = open?.canary_seed == null ? null : open.number
    const tasks: CanaryTask[] = []
    const rows: NewInclusion[] = []
    for (const level of TASK_LEVELS) {
      // From the witness, as an honest agent answers (not from the execution above, whose state is the
      // executor's: the witness is what the answer must follow from).
      const answer = await answerTask(
        { crypto, vms },
        create(TaskSchema, { taskId: 'canary', level, witness }),
      )
      const key = `canary:${level}:${hash}`
      const truth = truthFromResult(answer)
      rows.push({
        key,
        source: 'canary',
        block_number: Number(BigInt(origin.block.number)),
        block_hash: '',
        tx_index: origin.txIndex,
        tx_hash: hash,
        witness: bytes,
        state: 'final',
        truth: JSON.stringify(truth),
        created_at: now(),
        canary: JSON.stringify({ epoch, index, variant }),
        canary_epoch: epoch,
        canary_invalid: truth.valid ? 0 : 1,
      })
      tasks.push({ key, level, witness })
    }
    await store.work.addInclusions(rows)
    return tasks
  }

  return {
    async offer(origin) {
      if (rate <= 0 || random() >= rate) return []
      try {
        const tasks = await make(origin)
        if (tasks === undefined) status.unmade++
        else status.made++
        return tasks ?? []
      } catch (error) {
        status.unmade++
        logger.debug({ err: error }, 'cannot make a canary from a pending transaction')
        return []
      }
    },
    status: () => status,
  }
}
