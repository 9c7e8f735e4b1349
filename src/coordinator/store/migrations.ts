import { type Kysely, sql } from 'kysely'
import type { Migration } from 'kysely/migration'

/** Schema migrations, in order; a migration is never edited once it has shipped, only followed by another. */
export const MIGRATIONS: Record<string, Migration> = {
  '0001_agents': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('agents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('region', 'text', (c) => c.notNull())
        .addColumn('max_in_flight', 'integer', (c) => c.notNull())
        .addColumn('payout_wallet', 'text', (c) => c.notNull())
        .addColumn('agent_version', 'text', (c) => c.notNull())
        .addColumn('session', 'integer', (c) => c.notNull())
        .addColumn('registered_at', 'integer', (c) => c.notNull())
        .addColumn('last_seen_at', 'integer', (c) => c.notNull())
        .addColumn('revoked', 'integer', (c) => c.notNull().defaultTo(sql`0`))
        .execute()
    },
  },
  '0002_work': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('meta')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('blocks')
        .addColumn('number', 'integer', (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('parent_hash', 'text', (c) => c.notNull())
        .addColumn('transactions', 'integer', (c) => c.notNull())
        .addColumn('followed_at', 'integer', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('inclusions')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('block_number', 'integer', (c) => c.notNull())
        .addColumn('block_hash', 'text', (c) => c.notNull())
        .addColumn('tx_index', 'integer', (c) => c.notNull())
        .addColumn('tx_hash', 'text', (c) => c.notNull())
        .addColumn('witness', 'blob', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('truth', 'text')
        .addColumn('created_at', 'integer', (c) => c.notNull())
        .execute()
      await db.schema
        .createIndex('inclusions_state')
        .on('inclusions')
        .columns(['state', 'block_number'])
        .execute()
      await db.schema.createIndex('inclusions_tx').on('inclusions').column('tx_hash').execute()
      await db.schema
        .createTable('assignments')
        .addColumn('task_id', 'text', (c) => c.primaryKey())
        .addColumn('inclusion', 'text', (c) => c.notNull())
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('assigned_at', 'integer', (c) => c.notNull())
        .addColumn('deadline', 'integer', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('assignments_inclusion').on('assignments').column('inclusion').execute()
      await db.schema
        .createTable('results')
        .addColumn('task_id', 'text', (c) => c.primaryKey())
        .addColumn('inclusion', 'text', (c) => c.notNull())
        .addColumn('level', 'integer', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('received_at', 'integer', (c) => c.notNull())
        .addColumn('result', 'blob', (c) => c.notNull())
        .addColumn('scored_at', 'integer')
        .addColumn('matched', 'integer')
        .addColumn('scored_fields', 'text')
        .addColumn('mismatches', 'text')
        .execute()
      await db.schema.createIndex('results_inclusion').on('results').columns(['inclusion', 'level']).execute()
      await db.schema.createIndex('results_agent').on('results').column('agent_id').execute()
      await db.schema
        .createTable('rejections')
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('code', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('rejections_pk', ['agent_id', 'code'])
        .execute()
    },
  },
  '0003_epochs': {
    async up(db: Kysely<unknown>) {
      await db.schema.createIndex('results_scored_at').on('results').column('scored_at').execute()
      await db.schema
        .createTable('epochs')
        .addColumn('number', 'integer', (c) => c.primaryKey())
        .addColumn('started_at', 'integer', (c) => c.notNull())
        .addColumn('start_block', 'integer')
        .addColumn('closed_at', 'integer')
        .addColumn('end_block', 'integer')
        .addColumn('reward_wei', 'text', (c) => c.notNull())
        .addColumn('delegate_cut_wei', 'text', (c) => c.notNull())
        .addColumn('deposit_wei', 'text', (c) => c.notNull())
        .addColumn('total_weight', 'text', (c) => c.notNull().defaultTo('0'))
        .addColumn('scored', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('matched', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('settlement', 'text', (c) => c.notNull().defaultTo('open'))
        .addColumn('tx_hash', 'text')
        .addColumn('tx_nonce', 'integer')
        .addColumn('raw_tx', 'text')
        .addColumn('settled_block', 'integer')
        .addColumn('settled_at', 'integer')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .execute()
      await db.schema
        .createTable('epoch_agents')
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('wallet', 'text', (c) => c.notNull())
        .addColumn('scored', 'integer', (c) => c.notNull())
        .addColumn('matched', 'integer', (c) => c.notNull())
        .addColumn('accuracy_bps', 'integer', (c) => c.notNull())
        .addColumn('bonus', 'integer', (c) => c.notNull())
        .addColumn('weight', 'text', (c) => c.notNull())
        .addColumn('rank', 'integer', (c) => c.notNull())
        .addColumn('amount_wei', 'text', (c) => c.notNull())
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
        .addColumn('epoch', 'integer', (c) => c.notNull())
        .addColumn('agent_id', 'text', (c) => c.notNull())
        .addColumn('ms', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('epoch_uptime_pk', ['epoch', 'agent_id'])
        .execute()
      await db.schema
        .createTable('seals')
        .addColumn('epoch', 'integer', (c) => c.primaryKey())
        .addColumn('dir', 'text', (c) => c.notNull())
        .addColumn('cid', 'text', (c) => c.notNull())
        .addColumn('job_root', 'text', (c) => c.notNull())
        .addColumn('payout_root', 'text', (c) => c.notNull())
        .addColumn('jobs', 'integer', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('distributed_wei', 'text', (c) => c.notNull())
        .addColumn('signer', 'text', (c) => c.notNull())
        .addColumn('sealed_at', 'integer', (c) => c.notNull())
        .addColumn('anchor', 'text', (c) => c.notNull())
        .addColumn('registry', 'text')
        .addColumn('anchor_tx_hash', 'text')
        .addColumn('anchor_nonce', 'integer')
        .addColumn('anchor_raw_tx', 'text')
        .addColumn('anchor_block', 'integer')
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('last_error', 'text')
        .addColumn('pinned_at', 'integer')
        .execute()
      await db.schema.createIndex('seals_cid').on('seals').column('cid').execute()
    },
  },
  '0005_transactions': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('transactions')
        .addColumn('block_number', 'integer', (c) => c.notNull())
        .addColumn('tx_index', 'integer', (c) => c.notNull())
        .addColumn('tx_hash', 'text', (c) => c.notNull())
        .addColumn('sender', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text')
        .addColumn('value_wei', 'text', (c) => c.notNull())
        .addColumn('nonce', 'integer', (c) => c.notNull())
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
      await db.schema.alterTable('inclusions').addColumn('seen_at', 'integer').execute()
      await db.schema.alterTable('inclusions').addColumn('absent_at', 'integer').execute()
      await db.schema.alterTable('inclusions').addColumn('predicted', 'text').execute()
      await db.schema.alterTable('inclusions').addColumn('canary', 'text').execute()
      await db.schema
        .createIndex('inclusions_source')
        .on('inclusions')
        .columns(['source', 'block_hash', 'block_number'])
        .execute()
      await db.schema.alterTable('epochs').addColumn('canary_seed', 'text').execute()
      await db.schema
        .alterTable('epoch_agents')
        .addColumn('points', 'text', (c) => c.notNull().defaultTo('0'))
        .execute()
      await db.schema
        .alterTable('epoch_agents')
        .addColumn('canaries_passed', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema
        .alterTable('epoch_agents')
        .addColumn('canaries_failed', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema
        .alterTable('epoch_agents')
        .addColumn('canaries_skipped', 'integer', (c) => c.notNull().defaultTo(0))
        .execute()
      await db.schema.createIndex('assignments_assigned_at').on('assignments').column('assigned_at').execute()
      await db.schema.alterTable('agents').addColumn('excluded_at', 'integer').execute()
      await db.schema.alterTable('agents').addColumn('excluded_reason', 'text').execute()
    },
  },
}
