import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/** The database behind the store. */
export type StoreDialect = 'sqlite' | 'postgres'

/**
 * Schema migrations, in order, for either database; a migration is never edited once it has shipped, only
 * followed by another. The DDL is the same for both but for two column types: whole numbers are SQLite's
 * `integer` (64-bit) and PostgreSQL's `bigint` (its `integer` is 32-bit: too small for millisecond times),
 * bytes are `blob` and `bytea`, text is PostgreSQL's with the "C" collation.
 */
export function createMigrations(dialect: StoreDialect): Record<string, Migration> {
  const int = dialect === 'postgres' ? 'bigint' : 'integer'
  const blob = dialect === 'postgres' ? 'bytea' : 'blob'
  // Text compares byte by byte in both (PostgreSQL's default collation follows the locale): ordered lists,
  // bundles among them, come out the same from either database.
  const text = dialect === 'postgres' ? sql`text collate "C"` : 'text'
  return {
    '0001_agents': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('agents')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('level', int, (c) => c.notNull())
          .addColumn('region', text, (c) => c.notNull())
          .addColumn('max_in_flight', int, (c) => c.notNull())
          .addColumn('payout_wallet', text, (c) => c.notNull())
          .addColumn('agent_version', text, (c) => c.notNull())
          .addColumn('session', int, (c) => c.notNull())
          .addColumn('registered_at', int, (c) => c.notNull())
          .addColumn('last_seen_at', int, (c) => c.notNull())
          .addColumn('revoked', int, (c) => c.notNull().defaultTo(sql`0`))
          .execute()
      },
    },
    '0002_work': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('meta')
          .addColumn('key', text, (c) => c.primaryKey())
          .addColumn('value', text, (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('blocks')
          .addColumn('number', int, (c) => c.primaryKey())
          .addColumn('hash', text, (c) => c.notNull())
          .addColumn('parent_hash', text, (c) => c.notNull())
          .addColumn('transactions', int, (c) => c.notNull())
          .addColumn('followed_at', int, (c) => c.notNull())
          .execute()
        await db.schema
          .createTable('inclusions')
          .addColumn('key', text, (c) => c.primaryKey())
          .addColumn('source', text, (c) => c.notNull())
          .addColumn('block_number', int, (c) => c.notNull())
          .addColumn('block_hash', text, (c) => c.notNull())
          .addColumn('tx_index', int, (c) => c.notNull())
          .addColumn('tx_hash', text, (c) => c.notNull())
          .addColumn('witness', blob, (c) => c.notNull())
          .addColumn('state', text, (c) => c.notNull())
          .addColumn('truth', text)
          .addColumn('created_at', int, (c) => c.notNull())
          .execute()
        await db.schema
          .createIndex('inclusions_state')
          .on('inclusions')
          .columns(['state', 'block_number'])
          .execute()
        await db.schema.createIndex('inclusions_tx').on('inclusions').column('tx_hash').execute()
        await db.schema
          .createTable('assignments')
          .addColumn('task_id', text, (c) => c.primaryKey())
          .addColumn('inclusion', text, (c) => c.notNull())
          .addColumn('level', int, (c) => c.notNull())
          .addColumn('agent_id', text, (c) => c.notNull())
          .addColumn('assigned_at', int, (c) => c.notNull())
          .addColumn('deadline', int, (c) => c.notNull())
          .execute()
        await db.schema.createIndex('assignments_inclusion').on('assignments').column('inclusion').execute()
        await db.schema
          .createTable('results')
          .addColumn('task_id', text, (c) => c.primaryKey())
          .addColumn('inclusion', text, (c) => c.notNull())
          .addColumn('level', int, (c) => c.notNull())
          .addColumn('agent_id', text, (c) => c.notNull())
          .addColumn('received_at', int, (c) => c.notNull())
          .addColumn('result', blob, (c) => c.notNull())
          .addColumn('scored_at', int)
          .addColumn('matched', int)
          .addColumn('scored_fields', text)
          .addColumn('mismatches', text)
          .execute()
        await db.schema
          .createIndex('results_inclusion')
          .on('results')
          .columns(['inclusion', 'level'])
          .execute()
        await db.schema.createIndex('results_agent').on('results').column('agent_id').execute()
        await db.schema
          .createTable('rejections')
          .addColumn('agent_id', text, (c) => c.notNull())
          .addColumn('code', text, (c) => c.notNull())
          .addColumn('count', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('rejections_pk', ['agent_id', 'code'])
          .execute()
      },
    },
    '0003_epochs': {
      async up(db: Kysely<unknown>) {
        await db.schema.createIndex('results_scored_at').on('results').column('scored_at').execute()
        await db.schema
          .createTable('epochs')
          .addColumn('number', int, (c) => c.primaryKey())
          .addColumn('started_at', int, (c) => c.notNull())
          .addColumn('start_block', int)
          .addColumn('closed_at', int)
          .addColumn('end_block', int)
          .addColumn('reward_wei', text, (c) => c.notNull())
          .addColumn('delegate_cut_wei', text, (c) => c.notNull())
          .addColumn('deposit_wei', text, (c) => c.notNull())
          .addColumn('total_weight', text, (c) => c.notNull().defaultTo('0'))
          .addColumn('scored', int, (c) => c.notNull().defaultTo(0))
          .addColumn('matched', int, (c) => c.notNull().defaultTo(0))
          .addColumn('settlement', text, (c) => c.notNull().defaultTo('open'))
          .addColumn('tx_hash', text)
          .addColumn('tx_nonce', int)
          .addColumn('raw_tx', text)
          .addColumn('settled_block', int)
          .addColumn('settled_at', int)
          .addColumn('attempts', int, (c) => c.notNull().defaultTo(0))
          .addColumn('last_error', text)
          .execute()
        await db.schema
          .createTable('epoch_agents')
          .addColumn('epoch', int, (c) => c.notNull())
          .addColumn('agent_id', text, (c) => c.notNull())
          .addColumn('wallet', text, (c) => c.notNull())
          .addColumn('scored', int, (c) => c.notNull())
          .addColumn('matched', int, (c) => c.notNull())
          .addColumn('accuracy_bps', int, (c) => c.notNull())
          .addColumn('bonus', int, (c) => c.notNull())
          .addColumn('weight', text, (c) => c.notNull())
          .addColumn('rank', int, (c) => c.notNull())
          .addColumn('amount_wei', text, (c) => c.notNull())
          .addPrimaryKeyConstraint('epoch_agents_pk', ['epoch', 'agent_id'])
          .execute()
        await db.schema
          .createIndex('epoch_agents_agent')
          .on('epoch_agents')
          .columns(['agent_id', 'epoch'])
          .execute()
      },
    },
    '0004_seals': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('epoch_uptime')
          .addColumn('epoch', int, (c) => c.notNull())
          .addColumn('agent_id', text, (c) => c.notNull())
          .addColumn('ms', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('epoch_uptime_pk', ['epoch', 'agent_id'])
          .execute()
        await db.schema
          .createTable('seals')
          .addColumn('epoch', int, (c) => c.primaryKey())
          .addColumn('dir', text, (c) => c.notNull())
          .addColumn('cid', text, (c) => c.notNull())
          .addColumn('job_root', text, (c) => c.notNull())
          .addColumn('payout_root', text, (c) => c.notNull())
          .addColumn('jobs', int, (c) => c.notNull())
          .addColumn('model', text, (c) => c.notNull())
          .addColumn('distributed_wei', text, (c) => c.notNull())
          .addColumn('signer', text, (c) => c.notNull())
          .addColumn('sealed_at', int, (c) => c.notNull())
          .addColumn('anchor', text, (c) => c.notNull())
          .addColumn('registry', text)
          .addColumn('anchor_tx_hash', text)
          .addColumn('anchor_nonce', int)
          .addColumn('anchor_raw_tx', text)
          .addColumn('anchor_block', int)
          .addColumn('attempts', int, (c) => c.notNull().defaultTo(0))
          .addColumn('last_error', text)
          .addColumn('pinned_at', int)
          .execute()
        await db.schema.createIndex('seals_cid').on('seals').column('cid').execute()
      },
    },
    '0005_transactions': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('transactions')
          .addColumn('block_number', int, (c) => c.notNull())
          .addColumn('tx_index', int, (c) => c.notNull())
          .addColumn('tx_hash', text, (c) => c.notNull())
          .addColumn('sender', text, (c) => c.notNull())
          .addColumn('recipient', text)
          .addColumn('value_wei', text, (c) => c.notNull())
          .addColumn('nonce', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('transactions_pk', ['block_number', 'tx_index'])
          .execute()
        await db.schema
          .createIndex('transactions_sender')
          .on('transactions')
          .columns(['sender', 'block_number'])
          .execute()
        await db.schema
          .createIndex('transactions_recipient')
          .on('transactions')
          .columns(['recipient', 'block_number'])
          .execute()
      },
    },
    '0006_preconfirmation': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('inclusions').addColumn('seen_at', int).execute()
        await db.schema.alterTable('inclusions').addColumn('absent_at', int).execute()
        await db.schema.alterTable('inclusions').addColumn('predicted', text).execute()
        await db.schema.alterTable('inclusions').addColumn('canary', text).execute()
        await db.schema
          .createIndex('inclusions_source')
          .on('inclusions')
          .columns(['source', 'block_hash', 'block_number'])
          .execute()
        await db.schema.alterTable('epochs').addColumn('canary_seed', text).execute()
        await db.schema
          .alterTable('epoch_agents')
          .addColumn('points', text, (c) => c.notNull().defaultTo('0'))
          .execute()
        await db.schema
          .alterTable('epoch_agents')
          .addColumn('canaries_passed', int, (c) => c.notNull().defaultTo(0))
          .execute()
        await db.schema
          .alterTable('epoch_agents')
          .addColumn('canaries_failed', int, (c) => c.notNull().defaultTo(0))
          .execute()
        await db.schema
          .alterTable('epoch_agents')
          .addColumn('canaries_skipped', int, (c) => c.notNull().defaultTo(0))
          .execute()
        await db.schema
          .createIndex('assignments_assigned_at')
          .on('assignments')
          .column('assigned_at')
          .execute()
        await db.schema.alterTable('agents').addColumn('excluded_at', int).execute()
        await db.schema.alterTable('agents').addColumn('excluded_reason', text).execute()
      },
    },
    '0007_canary_columns': {
      // What the epoch close and the sealer asked of the canary JSON with SQLite's json_extract, as columns
      // both databases read the same way; the rows already there are filled in from their JSON.
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('inclusions').addColumn('canary_epoch', int).execute()
        await db.schema.alterTable('inclusions').addColumn('canary_invalid', int).execute()
        const canaries = await sql<{ key: string; truth: string | null; canary: string | null }>`
          SELECT key, truth, canary FROM inclusions WHERE source = 'canary'`.execute(db)
        for (const row of canaries.rows) {
          const epoch =
            row.canary === null ? null : (JSON.parse(row.canary) as { epoch: number | null }).epoch
          const valid = row.truth === null ? true : (JSON.parse(row.truth) as { valid: boolean }).valid
          await sql`UPDATE inclusions SET canary_epoch = ${epoch}, canary_invalid = ${valid ? 0 : 1}
            WHERE key = ${row.key}`.execute(db)
        }
        await db.schema
          .createIndex('inclusions_canary_epoch')
          .on('inclusions')
          .column('canary_epoch')
          .execute()
      },
    },
    '0008_outbox': {
      // One outbox for every transaction the coordinator signs (settlement, anchoring, challenges): the
      // transaction in flight for each subject, stored before it is broadcast. Those in flight in the epochs
      // and seals rows move here.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('outbox')
          .addColumn('key', text, (c) => c.primaryKey())
          .addColumn('sender', text, (c) => c.notNull())
          .addColumn('raw_tx', text, (c) => c.notNull())
          .addColumn('tx_hash', text, (c) => c.notNull())
          .addColumn('nonce', int, (c) => c.notNull())
          .addColumn('state', text, (c) => c.notNull())
          .addColumn('created_at', int, (c) => c.notNull())
          .addColumn('mined_block', int)
          .execute()
        await sql`INSERT INTO outbox (key, sender, raw_tx, tx_hash, nonce, state, created_at)
          SELECT 'settle:' || number, '', raw_tx, tx_hash, tx_nonce, 'sending', 0 FROM epochs
          WHERE settlement = 'sending' AND raw_tx IS NOT NULL`.execute(db)
        await sql`INSERT INTO outbox (key, sender, raw_tx, tx_hash, nonce, state, created_at)
          SELECT 'anchor:' || epoch, '', anchor_raw_tx, anchor_tx_hash, anchor_nonce, 'sending', 0 FROM seals
          WHERE anchor = 'sending' AND anchor_raw_tx IS NOT NULL`.execute(db)
      },
    },
    '0009_leases': {
      // The leader lease of coordinator replicas sharing one database (coordinator/leader).
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('leases')
          .addColumn('name', text, (c) => c.primaryKey())
          .addColumn('holder', text, (c) => c.notNull())
          .addColumn('token', int, (c) => c.notNull())
          .addColumn('expires_at', int, (c) => c.notNull())
          .execute()
      },
    },
    '0010_bundle_files': {
      // A sealed bundle's files, written with its seal row: every replica can serve every bundle.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('bundle_files')
          .addColumn('epoch', int, (c) => c.notNull())
          .addColumn('name', text, (c) => c.notNull())
          .addColumn('bytes', blob, (c) => c.notNull())
          .addPrimaryKeyConstraint('bundle_files_pk', ['epoch', 'name'])
          .execute()
      },
    },
    '0011_jobs': {
      // Client jobs (docs/spec/jobs.md): one row per job, its money in its columns; one row per agent answer.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('jobs')
          .addColumn('id', text, (c) => c.primaryKey())
          .addColumn('client', text, (c) => c.notNull())
          .addColumn('type', text, (c) => c.notNull())
          .addColumn('asset', text, (c) => c.notNull())
          .addColumn('state', text, (c) => c.notNull())
          .addColumn('max_fee', text, (c) => c.notNull())
          .addColumn('fee', text)
          .addColumn('input', text, (c) => c.notNull())
          .addColumn('witness', blob)
          .addColumn('output', text)
          .addColumn('output_sha256', text)
          .addColumn('error', text)
          .addColumn('rounds', int, (c) => c.notNull())
          .addColumn('epoch', int)
          .addColumn('created_at', int, (c) => c.notNull())
          .addColumn('started_at', int)
          .addColumn('finished_at', int)
          .addColumn('expires_at', int, (c) => c.notNull())
          .execute()
        await db.schema.createIndex('jobs_client').on('jobs').columns(['client', 'created_at']).execute()
        await db.schema.createIndex('jobs_state').on('jobs').columns(['state', 'expires_at']).execute()
        await db.schema
          .createTable('job_results')
          .addColumn('job_id', text, (c) => c.notNull())
          .addColumn('agent_id', text, (c) => c.notNull())
          .addColumn('task_id', text, (c) => c.notNull())
          .addColumn('output_sha256', text, (c) => c.notNull())
          .addColumn('output', text, (c) => c.notNull())
          .addColumn('execution_ms', int, (c) => c.notNull())
          .addColumn('received_at', int, (c) => c.notNull())
          .addColumn('matched', int)
          .addPrimaryKeyConstraint('job_results_pk', ['job_id', 'agent_id'])
          .execute()
      },
    },
    '0012_charges': {
      // What each client is charged per epoch and asset (fixed when the epoch closes), and each
      // (epoch, asset) charge's way to JobEscrow.charge: owed, then charged with its transaction.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('job_charges')
          .addColumn('epoch', int, (c) => c.notNull())
          .addColumn('asset', text, (c) => c.notNull())
          .addColumn('client', text, (c) => c.notNull())
          .addColumn('amount', text, (c) => c.notNull())
          .addColumn('jobs', int, (c) => c.notNull())
          .addPrimaryKeyConstraint('job_charges_pk', ['epoch', 'asset', 'client'])
          .execute()
        await db.schema
          .createTable('charge_batches')
          .addColumn('epoch', int, (c) => c.notNull())
          .addColumn('asset', text, (c) => c.notNull())
          .addColumn('root', text, (c) => c.notNull())
          .addColumn('total', text, (c) => c.notNull())
          .addColumn('clients', int, (c) => c.notNull())
          .addColumn('state', text, (c) => c.notNull())
          .addColumn('tx_hash', text)
          .addColumn('block', int)
          .addPrimaryKeyConstraint('charge_batches_pk', ['epoch', 'asset'])
          .execute()
        await db.schema.createIndex('jobs_epoch').on('jobs').columns(['epoch', 'state']).execute()
      },
    },
    '0013_fee_payments': {
      // The operator's and the protocol's fee of each paid epoch, sent to their recipients.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('fee_payments')
          .addColumn('epoch', int, (c) => c.notNull())
          .addColumn('kind', text, (c) => c.notNull())
          .addColumn('recipient', text, (c) => c.notNull())
          .addColumn('amount', text, (c) => c.notNull())
          .addColumn('tx_hash', text)
          .addPrimaryKeyConstraint('fee_payments_pk', ['epoch', 'kind'])
          .execute()
      },
    },
    '0014_state_diffs': {
      // Each followed block's state diff (StreamStateDiffs), as its protobuf message; reorgs delete from the top.
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('state_diffs')
          .addColumn('number', int, (c) => c.primaryKey())
          .addColumn('hash', text, (c) => c.notNull())
          .addColumn('parent_hash', text, (c) => c.notNull())
          .addColumn('diff', blob, (c) => c.notNull())
          .execute()
        // An L4 agent's last state report (its heartbeat's StateReport as JSON), for /swarm/shadow.
        await db.schema.alterTable('agents').addColumn('state_report', text).execute()
      },
    },
  }
}
