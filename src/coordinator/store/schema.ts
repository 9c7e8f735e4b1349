import type { Generated, Selectable } from 'kysely'

/** The coordinator's schema, SQLite and PostgreSQL alike (see migrations.ts for the DDL, one migration per change). */
export interface Database {
  meta: MetaTable
  agents: AgentsTable
  blocks: BlocksTable
  inclusions: InclusionsTable
  assignments: AssignmentsTable
  results: ResultsTable
  rejections: RejectionsTable
  epochs: EpochsTable
  epoch_agents: EpochAgentsTable
  epoch_uptime: EpochUptimeTable
  seals: SealsTable
  transactions: TransactionsTable
  outbox: OutboxTable
  leases: LeasesTable
  bundle_files: BundleFilesTable
  jobs: JobsTable
  job_results: JobResultsTable
  job_charges: JobChargesTable
  charge_batches: ChargeBatchesTable
  fee_payments: FeePaymentsTable
  state_diffs: StateDiffsTable
}

/** An epoch's operator or protocol fee sent to its recipient (tx_hash null: nothing to send, 0 wei). */
export interface FeePaymentsTable {
  epoch: number
  kind: 'operator' | 'protocol'
  recipient: string
  amount: string
  tx_hash: string | null
}

/** A client's charge in one epoch and asset: the fees of its jobs completed in that epoch. */
export interface JobChargesTable {
  epoch: number
  asset: 'coin' | 'token'
  client: string
  amount: string
  jobs: number
}

/**
 * One (epoch, asset) charge: its Merkle root over the clients' charges, total and client count, `owed`
 * until JobEscrow.charge is mined (`charged`, with its transaction).
 */
export interface ChargeBatchesTable {
  epoch: number
  asset: 'coin' | 'token'
  root: string
  total: string
  clients: number
  state: 'owed' | 'charged'
  tx_hash: string | null
  /** The block the charge was mined in (from then on the escrow's balances are net of it). */
  block: number | null
}

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'canceled' | 'expired'

/**
 * A client's job (docs/spec/jobs.md). `max_fee` is reserved while the job is queued or running; `fee` is
 * set, once, with the state `completed` (the charge, counted in `epoch`, the epoch open at completion).
 * Amounts are decimal strings in the asset's base units; times are ms.
 */
export interface JobsTable {
  id: string
  /** Lower-case 0x address. */
  client: string
  type: string
  asset: 'coin' | 'token'
  state: JobState
  max_fee: string
  fee: string | null
  /** RFC 8785 canonical JSON of the input. */
  input: string
  /** The protobuf Witness the agents get (evm.simulate), built at admission. */
  witness: Uint8Array | null
  /** Canonical JSON of the agreed output, and its sha256 (hex): the proof-of-execution hash. */
  output: string | null
  output_sha256: string | null
  /** Why a job failed (a reason code). */
  error: string | null
  /** Dispatch rounds so far (1 + re-dispatches after a disagreement). */
  rounds: number
  epoch: number | null
  created_at: number
  started_at: number | null
  finished_at: number | null
  expires_at: number
}

/** One agent's answer to a job; `matched` once the job is decided (1: in the agreed majority). */
export interface JobResultsTable {
  job_id: string
  agent_id: string
  task_id: string
  output_sha256: string
  output: string
  execution_ms: number
  received_at: number
  matched: number | null
}

/** A sealed bundle's files (SUMMARY.json, jobs.json, agents.json, SIGNATURE.txt); its CAR is made from them. */
export interface BundleFilesTable {
  epoch: number
  name: string
  bytes: Uint8Array
}

/**
 * A lease (`leader`): held by `holder` until `expires_at` (the database's clock, ms). `token` grows each time
 * the lease changes hands (or is taken again after it lapsed): a write fenced with an older token is refused.
 */
export interface LeasesTable {
  name: string
  holder: string
  token: number
  expires_at: number
}

/**
 * The transaction in flight (or last sent) for each subject the coordinator pays or anchors (`settle:<epoch>`,
 * `anchor:<epoch>`, `challenge.finalize:<id>`, …): signed and stored before it is broadcast (`sending`), then
 * `mined`, or `replaced` when its nonce went to another transaction. A subject has one at a time.
 */
export interface OutboxTable {
  key: string
  /** The signing wallet (lower-case 0x address; '' for rows moved from before the outbox). */
  sender: string
  raw_tx: string
  tx_hash: string
  nonce: number
  state: 'sending' | 'mined' | 'replaced'
  created_at: number
  mined_block: number | null
}

export interface AgentsTable {
  id: string
  /** 1–4 (Level in the protocol). */
  level: number
  region: string
  max_in_flight: number
  /** 0x + 40 lower-case hex digits. */
  payout_wallet: string
  agent_version: string
  /** Increases with every registration. */
  session: number
  registered_at: number
  last_seen_at: number
  revoked: Generated<number>
  /** When repeated canary failures excluded it (no more work, no pay); null while it is in good standing. */
  excluded_at: number | null
  /** Why, for the operator and the agent's owner (e.g. `3 wrong canary answers`). */
  excluded_reason: string | null
  /** An L4 agent's last StateReport (JSON: AgentStateReport), null before any. */
  state_report: string | null
}

/** What an L4 agent last said of its own state (heartbeat), as /swarm/shadow shows it. */
export interface AgentStateReport {
  block: number
  blockHash: string
  stateRoot: string
  /** Empty when its last diff applied; else the refusal code, at `errorBlock`. */
  error: string
  errorBlock: number
  applied: number
  refused: number
  /** When the coordinator received it (ms). */
  at: number
}

/** A followed block's state diff for L4 agents: a `StreamStateDiffsResponse` in protobuf bytes. */
export interface StateDiffsTable {
  number: number
  hash: string
  parent_hash: string
  diff: Uint8Array
}

/** Blocks the follower has taken in (the cursor is the highest number); reorgs delete from the top. */
export interface BlocksTable {
  number: number
  hash: string
  parent_hash: string
  transactions: number
  followed_at: number
}

/**
 * One transaction in one block (or one replayed fixture, one pending transaction, one canary): the unit of
 * work, validated at every level (a canary at one).
 */
export interface InclusionsTable {
  /**
   * `<block hash>:<tx index>` (chain), `replay:<file>`, `pending:<tx hash>`,
   * `canary:<level>:<tx hash>`.
   */
  key: string
  /**
   * `chain` (a mined transaction: history), `replay`, `pending` (pre-executed in the node's pending block
   * before it was mined: the work that earns) or `canary` (built and signed by the coordinator, never sent).
   */
  source: string
  block_number: number
  block_hash: string
  tx_index: number
  tx_hash: string
  /** The full witness, protobuf `apiary.v1.Witness` bytes. */
  witness: Uint8Array
  /**
   * `pending` until final, then `final` (truth set), `orphaned` (reorged out: never scored) or `void` (a
   * pending transaction that did not land as it was pre-executed, or never landed: never scored).
   */
  state: 'pending' | 'final' | 'orphaned' | 'void'
  /** Chain truth as JSON (see scoring/truth.ts), once final; a canary's expected answer from the start. */
  truth: string | null
  created_at: number
  /** When the coordinator first saw the block that includes the transaction (null: not yet, or a canary). */
  seen_at: number | null
  /**
   * The coordinator's last look at the chain before it saw that block (the block did not exist then): an
   * answer committed at or before it was committed before its truth existed. Null when unknown.
   */
  absent_at: number | null
  /** A pending transaction's outcome as the coordinator pre-executed it (Truth JSON). */
  predicted: string | null
  /** A canary's making as JSON (`{epoch, index, variant}`); null for every other source. */
  canary: string | null
  /** A canary's epoch (whose seed made it), null for other sources and canaries made outside any epoch. */
  canary_epoch: number | null
  /** 1 for a canary built invalid (its truth's `valid` is false), 0 for a valid one, null for other sources. */
  canary_invalid: number | null
}

/** Every task sent, recorded before it is sent. */
export interface AssignmentsTable {
  task_id: string
  inclusion: string
  level: number
  agent_id: string
  assigned_at: number
  deadline: number
}

/** Every accepted result, recorded before it is acknowledged, and its score once the block is final. */
export interface ResultsTable {
  task_id: string
  inclusion: string
  level: number
  agent_id: string
  received_at: number
  /** Protobuf `apiary.v1.TaskResult` bytes as received. */
  result: Uint8Array
  scored_at: number | null
  /** 1 when every scored field agrees with the chain. */
  matched: number | null
  /** Comma-separated fields compared with the chain. */
  scored_fields: string | null
  /** Comma-separated fields that disagree. */
  mismatches: string | null
}

/** Results refused, counted per agent and reason code. */
export interface RejectionsTable {
  agent_id: string
  code: string
  count: number
}

/** Facts about the store itself, e.g. `chain` (`<chain id>:<genesis hash>` of the chain it follows). */
export interface MetaTable {
  key: string
  value: string
}

/**
 * One reward epoch. Open while `closed_at` is null; at close its weights are fixed in `epoch_agents` and its
 * settlement goes `owed` → `sending` (signed transaction stored before it is broadcast) → `settled`; it is
 * `carried` when nobody earned (its reward is added to the next epoch's) and `skipped` when it deposits
 * nothing. Amounts are decimal wei strings.
 */
export interface EpochsTable {
  number: number
  started_at: number
  start_block: number | null
  closed_at: number | null
  end_block: number | null
  reward_wei: string
  delegate_cut_wei: string
  /** reward − cut: what the settlement deposits. */
  deposit_wei: string
  total_weight: Generated<string>
  scored: Generated<number>
  matched: Generated<number>
  settlement: Generated<'open' | 'owed' | 'sending' | 'settled' | 'skipped' | 'carried'>
  tx_hash: string | null
  tx_nonce: number | null
  /** 32 random bytes (hex) the epoch's canary senders derive from; sha256 of it is published at open. */
  canary_seed: string | null
  /** The signed settlement transaction, kept so a restart re-broadcasts the same one. */
  raw_tx: string | null
  settled_block: number | null
  settled_at: number | null
  attempts: Generated<number>
  last_error: string | null
}

/** An agent's work and pay in a closed epoch. */
export interface EpochAgentsTable {
  epoch: number
  agent_id: string
  wallet: string
  scored: number
  matched: number
  accuracy_bps: number
  bonus: number
  weight: string
  rank: number
  /** Wei credited by the settlement (the pool's split, exact). */
  amount_wei: string
  /** Task points earned (decimal): matched answers committed before their truth, by task kind. */
  points: Generated<string>
  canaries_passed: Generated<number>
  /** Wrong canary answers, plus the skipped canaries when the skips were judged deliberate. */
  canaries_failed: Generated<number>
  /** Canaries the agent let expire, counted only when judged deliberate (canarySkipsDeliberate); else 0. */
  canaries_skipped: Generated<number>
}

/** Milliseconds an agent was connected during an epoch, credited at each heartbeat (gap capped). */
export interface EpochUptimeTable {
  epoch: number
  agent_id: string
  ms: number
}

/**
 * A sealed epoch: its bundle is complete in `<datadir>/epochs/<dir>/` and `<dir>.car` once this row exists
 * (the row is the commit point). `anchor`: `none` (no registry), `owed` → `sending` (signed `seal`
 * transaction stored before broadcast) → `anchored`.
 */
export interface SealsTable {
  epoch: number
  dir: string
  cid: string
  job_root: string
  payout_root: string
  jobs: number
  /** Payout model: `pools` (paid by EpochRegistry claims) or `f1` (paid by AgentRewardPool). */
  model: string
  distributed_wei: string
  signer: string
  /** The bundle's seal time (the epoch's close, ms), as in SUMMARY.json and index.json. */
  sealed_at: number
  anchor: 'none' | 'owed' | 'sending' | 'anchored'
  registry: string | null
  anchor_tx_hash: string | null
  anchor_nonce: number | null
  anchor_raw_tx: string | null
  anchor_block: number | null
  attempts: Generated<number>
  last_error: string | null
  /** When the CAR was imported and pinned by the IPFS node (`--ipfs-api`). */
  pinned_at: number | null
}

/** A seals row as read. */
export type SealRow = Selectable<SealsTable>

/** Every transaction of the blocks followed, by sender and recipient (GET /v1/transactions); reorgs delete. */
export interface TransactionsTable {
  block_number: number
  tx_index: number
  tx_hash: string
  /** Lower-case 0x addresses; recipient is null for a contract creation. */
  sender: string
  recipient: string | null
  value_wei: string
  nonce: number
}
