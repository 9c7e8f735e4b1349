import type { Kysely } from 'kysely'
import type { AgentStateReport, Database } from './schema.ts'

export interface AgentRegistration {
  level: number
  region: string
  maxInFlight: number
  payoutWallet: string
  agentVersion: string
}

/** Agents: registrations and sessions, last signs of life, uptime per epoch, exclusions, rejection counts. */
export function createAgentStore(db: Kysely<Database>) {
  return {
    /** Registers (or re-registers) an agent; returns its new session, one more than the last. */
    async register(agentId: string, agent: AgentRegistration, at: number): Promise<number> {
      const row = {
        level: agent.level,
        region: agent.region,
        max_in_flight: agent.maxInFlight,
        payout_wallet: agent.payoutWallet,
        agent_version: agent.agentVersion,
        last_seen_at: at,
      }
      const { session } = await db
        .insertInto('agents')
        .values({ id: agentId, registered_at: at, session: 1, ...row })
        .onConflict((c) =>
          c.column('id').doUpdateSet((eb) => ({ ...row, session: eb('agents.session', '+', 1) })),
        )
        .returning('session')
        .executeTakeFirstOrThrow()
      return Number(session)
    },

    /** Keeps an L4 agent's last state report (shown in /swarm/shadow). */
    async reportState(agentId: string, report: AgentStateReport): Promise<void> {
      await db
        .updateTable('agents')
        .set({ state_report: JSON.stringify(report) })
        .where('id', '=', agentId)
        .execute()
    },

    /** Every L4 agent's last state report. */
    async stateReports(): Promise<{ agentId: string; report: AgentStateReport }[]> {
      const rows = await db
        .selectFrom('agents')
        .select(['id', 'state_report'])
        .where('state_report', 'is not', null)
        .orderBy('id')
        .execute()
      return rows.map((r) => ({ agentId: r.id, report: JSON.parse(r.state_report as string) }))
    },

    /**
     * A sign of life in `session`: the time since the last one counts as uptime of the open epoch, up to
     * `maxGapMs` (a longer gap means the agent was away). False when the session is not the agent's current
     * one (it must register again).
     */
    async heartbeat(agentId: string, session: number, at: number, maxGapMs: number): Promise<boolean> {
      const agent = await db
        .selectFrom('agents')
        .select('last_seen_at')
        .where('id', '=', agentId)
        .where('session', '=', session)
        .executeTakeFirst()
      if (agent === undefined) return false
      const open = await db
        .selectFrom('epochs')
        .select('number')
        .where('closed_at', 'is', null)
        .executeTakeFirst()
      if (open !== undefined) {
        const ms = Math.min(Math.max(at - agent.last_seen_at, 0), maxGapMs)
        await db
          .insertInto('epoch_uptime')
          .values({ epoch: open.number, agent_id: agentId, ms })
          .onConflict((c) =>
            c
              .columns(['epoch', 'agent_id'])
              .doUpdateSet((eb) => ({ ms: eb('epoch_uptime.ms', '+', eb.ref('excluded.ms')) })),
          )
          .execute()
      }
      const updated = await db
        .updateTable('agents')
        .set({ last_seen_at: at })
        .where('id', '=', agentId)
        .where('session', '=', session)
        .executeTakeFirst()
      return updated.numUpdatedRows > 0n
    },

    async get(agentId: string) {
      return db.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst()
    },

    async list() {
      return db.selectFrom('agents').selectAll().orderBy('id').execute()
    },

    async count(): Promise<number> {
      const row = await db
        .selectFrom('agents')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
      return Number(row.n)
    },

    /** Agents excluded (before `before`, when given). */
    async excluded(before?: number): Promise<string[]> {
      let query = db.selectFrom('agents').select('id').where('excluded_at', 'is not', null)
      if (before !== undefined) query = query.where('excluded_at', '<', before)
      return (await query.execute()).map((r) => r.id)
    },

    /** Excludes an agent; false when it already was. */
    async exclude(agentId: string, at: number, reason: string): Promise<boolean> {
      const result = await db
        .updateTable('agents')
        .set({ excluded_at: at, excluded_reason: reason })
        .where('id', '=', agentId)
        .where('excluded_at', 'is', null)
        .executeTakeFirst()
      return result.numUpdatedRows > 0n
    },

    /** An agent's refused answers by reason code. */
    async rejections(agentId: string): Promise<Record<string, number>> {
      const rows = await db
        .selectFrom('rejections')
        .select(['code', 'count'])
        .where('agent_id', '=', agentId)
        .execute()
      return Object.fromEntries(rows.map((r) => [r.code, Number(r.count)]))
    },

    /** An agent's canary record: answers right and wrong, and canaries it skipped deliberately. */
    async canaries(agentId: string): Promise<{ passed: number; failed: number; skipped: number }> {
      const answers = await db
        .selectFrom('results as r')
        .innerJoin('inclusions as i', 'i.key', 'r.inclusion')
        .select(['r.matched', (eb) => eb.fn.countAll<number>().as('n')])
        .where('i.source', '=', 'canary')
        .where('r.agent_id', '=', agentId)
        .where('r.matched', 'is not', null)
        .groupBy('r.matched')
        .execute()
      const skipped = await db
        .selectFrom('epoch_agents')
        .select((eb) => eb.fn.sum<number>('canaries_skipped').as('n'))
        .where('agent_id', '=', agentId)
        .executeTakeFirst()
      const of = (matched: number) => Number(answers.find((r) => r.matched === matched)?.n ?? 0)
      return { passed: of(1), failed: of(0), skipped: Number(skipped?.n ?? 0) }
    },
  }
}

export type AgentStore = ReturnType<typeof createAgentStore>
