import type { Logger } from '../internal/logger.ts'
import type { ChallengeWatcherOptions } from './challenges/index.ts'
import type { RewardOptions } from './epochs/index.ts'
import type { WitnessSource } from './follower/index.ts'
import type { HttpLimits } from './http/index.ts'
import type { ChatPrices, JobPrices } from './jobs/index.ts'

export interface JobOptions {
  escrow: `0x${string}`
  prices: JobPrices
  /** llm.chat prices per model (default DEFAULT_CHAT_PRICES). */
  chatPrices?: ChatPrices | undefined
}

export interface CoordinatorOptions {
  logger: Logger
  /** Directory of `coordinator.db` and the sealed bundles; `:memory:` for a throwaway store. */
  datadir: string
  /** A PostgreSQL URL: the state lives there instead of `<datadir>/coordinator.db`. */
  databaseUrl?: string | undefined
  masterSecret: string
  /** Chain to follow; without it, `replay` must be given. */
  rpcUrl?: string | undefined
  /** Directory of go-ethereum tracer fixtures to replay instead of following a chain. */
  replay?: string | undefined
  fork: string
  confirmations: number
  pollMs: number
  fromBlock?: number | undefined
  /** Where witnesses come from (see FollowerDependencies.witness); default auto. */
  witness?: WitnessSource | undefined
  /**
   * Keep each followed block's state diff, the last `stateDiffs` blocks, and serve L4 agents
   * (StreamStateDiffs, L4 tasks); undefined serves none.
   */
  stateDiffs?: number | undefined
  /**
   * Pre-confirmation work from the node's pending block (default true): the only chain work that earns
   * (docs/rewards.md#what-earns). Off, or on a node without a pending block, only canaries earn.
   */
  pending?: boolean | undefined
  /** How often the pending block and the head are read (default 100 ms). */
  pendingPollMs?: number | undefined
  /** Share of pending transactions a canary is made from (default 1/8; 0: none). docs/rewards.md#canaries */
  canaryRate?: number | undefined
  redundancy: number
  deadlineMs: number
  heartbeatIntervalMs?: number
  /** The leader lease's term (ms): a standby takes over this long after the leader stops renewing it. */
  leaseMs?: number | undefined
  revoked?: ReadonlySet<string>
  /** How long a queued task may wait for agents before it is dropped (also bounds what a restart re-queues). */
  taskTtlMs?: number
  /** Epochs and rewards; without it no epoch is kept. */
  rewards?: RewardOptions | undefined
  /** Index a SwarmChallenge (HTTP /v1/challenges) and, with a runner, open and finalize challenges. */
  challenges?: Omit<ChallengeWatcherOptions, 'logger' | 'rpcUrl'> | undefined
  /** Client jobs (docs/jobs.md): the JobEscrow that pays them and the price list; without it, none. */
  jobs?: JobOptions | undefined
  /** Clients whose keys are refused (lower-case addresses). */
  revokedClients?: ReadonlySet<string> | undefined
  /** Bounds of the HTTP edge (rate limits, timeouts); defaults in DEFAULT_HTTP_LIMITS. */
  httpLimits?: Partial<HttpLimits> | undefined
  /** The Mailbox whose messages GET /v1/messages serves (docs/spec/message.md). */
  mailbox?: `0x${string}` | undefined
}
