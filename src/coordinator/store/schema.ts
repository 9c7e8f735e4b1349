import type { Generated } from 'kysely'

/** The coordinator's SQLite schema (see migrations.ts for the DDL, one migration per change). */
export interface Database {
  agents: AgentsTable
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
}
