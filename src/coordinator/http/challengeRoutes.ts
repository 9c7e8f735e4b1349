import type { FastifyInstance } from 'fastify'
import { type ChallengeRecord, challengeMetrics } from '../../challenge/index.ts'
import { toJsonValue } from '../../internal/json.ts'
import type { ChallengeWatcher } from '../challenges/index.ts'

export interface ChallengeRoutesDependencies {
  watcher: ChallengeWatcher
  contract: string
}

/** JSON as everywhere in Apiary: ids and blocks as 0x quantities. */
const json = toJsonValue

const summary = (record: ChallengeRecord, head: bigint) => {
  const metrics = challengeMetrics(record, head)
  return {
    id: record.id,
    creator: record.creator,
    prompt: record.prompt,
    startBlock: record.startBlock,
    difficulty: record.difficulty,
    commitDeadline: record.commitDeadline,
    revealDeadline: record.revealDeadline,
    minAgents: record.minAgents,
    invitees: record.invitees.length,
    phase: metrics.phase,
    score: record.finalized?.score ?? null,
    passed: record.finalized?.passed ?? null,
  }
}

/** GET /v1/challenges and /v1/challenges/:id: the indexed SwarmChallenge (docs/spec/challenge.md). */
export function registerChallengeRoutes(
  app: FastifyInstance,
  { watcher, contract }: ChallengeRoutesDependencies,
): void {
  app.get('/v1/challenges', async (request, reply) => {
    const query = request.query as { limit?: string }
    const limit = query.limit === undefined ? 50 : Number(query.limit)
    if (!Number.isInteger(limit) || limit < 1 || limit > 500)
      return reply.code(400).send({ code: 'BAD_REQUEST', message: 'limit is an integer from 1 to 500' })
    const head = watcher.index.head()
    return json({
      contract,
      indexedTo: head,
      challenges: watcher.index
        .list()
        .slice(0, limit)
        .map((r) => summary(r, head)),
    })
  })
  app.get('/v1/challenges/:id', async (request, reply) => {
    const { id } = request.params as { id: string }
    if (!/^([0-9]{1,78}|0x[0-9a-fA-F]{1,64})$/.test(id))
      return reply
        .code(400)
        .send({ code: 'BAD_REQUEST', message: 'a challenge id is a decimal or 0x-hex number' })
    const record = watcher.index.get(BigInt(id))
    if (record === undefined)
      return reply.code(404).send({ code: 'CHALLENGE_UNKNOWN', message: `no challenge ${id} is indexed` })
    const head = watcher.index.head()
    return json({
      ...record,
      metrics: challengeMetrics(record, head),
      validation: watcher.validation(record.id) ?? null,
      capacity: watcher.capacity(record.id) ?? null,
      indexedTo: head,
    })
  })
}
