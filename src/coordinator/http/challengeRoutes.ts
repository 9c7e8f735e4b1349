import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { z } from 'zod'
import { challenges } from '../../api/index.ts'
import { type ChallengeRecord, challengeMetrics } from '../../challenge/index.ts'
import { toJsonValue } from '../../internal/json.ts'
import type { ChallengeWatcher } from '../challenges/index.ts'

export interface ChallengeRoutesDependencies {
  watcher: ChallengeWatcher
  contract: string
}

/** JSON as everywhere in Apiary: ids and blocks as 0x quantities. */
const json = <T extends z.ZodType>(_schema: T, value: unknown) => toJsonValue(value) as z.output<T>

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
  plain: FastifyInstance,
  { watcher, contract }: ChallengeRoutesDependencies,
): void {
  const app = plain.withTypeProvider<ZodTypeProvider>()
  app.route({
    ...challenges.listChallenges,
    handler: async (request) => {
      const { limit } = request.query
      const head = watcher.index.head()
      return json(challenges.listChallenges.schema.response[200], {
        contract,
        indexedTo: head,
        challenges: watcher.index
          .list()
          .slice(0, limit)
          .map((r) => summary(r, head)),
      })
    },
  })
  app.route({
    ...challenges.getChallenge,
    handler: async (request, reply) => {
      const { id } = request.params
      const record = watcher.index.get(BigInt(id))
      if (record === undefined)
        return reply.code(404).send({ code: 'CHALLENGE_UNKNOWN', message: `no challenge ${id} is indexed` })
      const head = watcher.index.head()
      return json(challenges.ChallengeDetail, {
        ...record,
        metrics: challengeMetrics(record, head),
        validation: watcher.validation(record.id) ?? null,
        capacity: watcher.capacity(record.id) ?? null,
        indexedTo: head,
      })
    },
  })
}
