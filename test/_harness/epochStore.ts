import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '../../src/coordinator/store/index.ts'
import { storeSql } from './storeSql.ts'

/**
 * A coordinator store in DATADIR with one closed epoch (1) of `jobs` scored results by 4 agents, written
 * directly as the hub would: what sealing tests and the sealing benchmark seal.
 */
export async function prepareSealableStore(datadir: string, jobs: number): Promise<void> {
  mkdirSync(datadir, { recursive: true })
  const store = await openStore({ path: join(datadir, 'coordinator.db') })
  await store.db.transaction().execute(async (trx) => {
    const q = storeSql({ db: trx, dialect: store.dialect })
    const wallets = ['a', 'b', 'c', 'd'].map((c) => `0x${c.repeat(40)}`)
    for (const [i, wallet] of wallets.entries()) {
      await q.run(
        "INSERT INTO agents (id, level, region, max_in_flight, payout_wallet, agent_version, session, registered_at, last_seen_at) VALUES (?, 3, '', 8, ?, 't', 1, 0, 0)",
        `bee-${i}`,
        wallet,
      )
      await q.run(
        'INSERT INTO epoch_uptime (epoch, agent_id, ms) VALUES (1, ?, ?)',
        `bee-${i}`,
        1000 * (10 + i),
      )
    }
    await q.run(
      "INSERT INTO epochs (number, started_at, start_block, closed_at, end_block, reward_wei, delegate_cut_wei, deposit_wei, settlement) VALUES (1, 0, 1, 100000, 999, '1000000000000000000', '0', '1000000000000000000', 'owed')",
    )
    const counts = new Map<string, { scored: number; matched: number }>()
    for (let i = 0; i < jobs; i++) {
      const key = `0x${(i >> 2).toString(16).padStart(64, '0')}:${i % 4}`
      const agent = `bee-${i % 4}`
      await q.run(
        "INSERT INTO inclusions (key, source, block_number, block_hash, tx_index, tx_hash, witness, state, created_at) VALUES (?, 'chain', ?, ?, ?, ?, ?, 'final', 0)",
        key,
        1 + (i >> 6),
        `0x${(i >> 6).toString(16).padStart(64, '0')}`,
        i % 4,
        `0x${i.toString(16).padStart(64, 'f')}`,
        Buffer.from(`witness ${i}`),
      )
      await q.run(
        'INSERT INTO assignments (task_id, inclusion, level, agent_id, assigned_at, deadline) VALUES (?, ?, 3, ?, ?, ?)',
        `t${i}`,
        key,
        agent,
        1000 + i,
        2000 + i,
      )
      const matched = i % 97 === 0 ? 0 : 1
      // TaskResult { valid: true } (field 2, varint 1).
      await q.run(
        "INSERT INTO results (task_id, inclusion, level, agent_id, received_at, result, scored_at, matched, scored_fields, mismatches) VALUES (?, ?, 3, ?, ?, ?, ?, ?, 'valid', '')",
        `t${i}`,
        key,
        agent,
        1005 + i,
        Buffer.from([0x10, 1]),
        50_000,
        matched,
      )
      const c = counts.get(agent) ?? { scored: 0, matched: 0 }
      c.scored++
      c.matched += matched
      counts.set(agent, c)
    }
    for (const [i, wallet] of wallets.entries()) {
      const c = counts.get(`bee-${i}`) ?? { scored: 0, matched: 0 }
      await q.run(
        "INSERT INTO epoch_agents (epoch, agent_id, wallet, scored, matched, accuracy_bps, bonus, weight, rank, amount_wei) VALUES (1, ?, ?, ?, ?, 0, 0, ?, 1, '0')",
        `bee-${i}`,
        wallet,
        c.scored,
        c.matched,
        String(c.matched * 1000),
      )
    }
  })
  await store.close()
}
