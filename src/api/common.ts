import { z } from 'zod'

/**
 * Building blocks of the HTTP contract. Every route of the coordinator is declared once in this folder
 * (method, path, parameters, every response) and nowhere else: the coordinator validates requests and its
 * own responses with these schemas, /openapi.json is generated from them, and the CLI reads answers with
 * the same types.
 */

/** `{code, message}`: every refusal; a 500 carries only `requestId` besides (docs/security.md). */
export const ApiError = z
  .strictObject({
    code: z.string().describe('A stable reason code (docs/spec/reason-codes.md)'),
    message: z.string(),
    requestId: z.string().optional().describe('On a 500 only: the id of the request in the logs'),
  })
  .meta({ id: 'Error' })

/** The 503 of what only a leader knows (the open epoch), asked of a standby before any replica led. */
export const NO_LEADER = { code: 'NO_LEADER', message: 'no replica leads yet: the open epoch is not known' }

/** An ISO 8601 UTC time. */
export const isoTime = z.iso.datetime()
/** A decimal integer as a string: wei amounts and weights (they exceed 2^53). */
export const decimal = z.string().regex(/^(0|[1-9]\d*)$/)
export const count = z.number().int().nonnegative()
export const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/)
export const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/)
/** A 0x-hex quantity, as Ethereum's JSON-RPC writes numbers (bigints in Apiary's JSON). */
export const quantity = z.string().regex(/^0x[0-9a-f]+$/)
export const hexBytes = z.string().regex(/^0x([0-9a-fA-F]{2})*$/)

/** A query parameter holding an integer (query strings are text). */
export const queryInt = (min: number, max: number) => z.coerce.number<string>().int().min(min).max(max)

/** Public: no credentials. */
export const PUBLIC: { [scheme: string]: string[] }[] = []
/** A client's own credentials: `x-apiary-client` and `authorization: Bearer apiary_client_…`. */
export const CLIENT: { [scheme: string]: string[] }[] = [{ clientKey: [], clientAddress: [] }]
/** Public, and more with an agent's own credentials (`x-apiary-agent-id` and `authorization: Bearer`). */
export const AGENT_OR_PUBLIC: { [scheme: string]: string[] }[] = [{}, { agentKey: [], agentId: [] }]

export const errors = {
  400: ApiError.describe('Bad request: a parameter is malformed (BAD_REQUEST)'),
  404: ApiError.describe('Not found'),
  409: ApiError.describe('The epoch is not sealed yet (EPOCH_NOT_SEALED)'),
  429: ApiError.describe('Rate-limited (RATE_LIMITED)'),
  500: ApiError.describe('Internal error: only `requestId`, never internals'),
  503: ApiError.describe(
    "Unavailable: the epoch's stored files are not the bytes it sealed (EPOCH_DAMAGED), or no replica leads yet (NO_LEADER)",
  ),
}

type Schema = z.ZodType
type ContentResponse = { description: string; content: Record<string, { schema: Schema }> }

/** One operation of the API: what /openapi.json says of it and what the coordinator checks. */
export interface RouteDeclaration<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
  R extends Record<number, Schema | ContentResponse>,
> {
  method: 'GET' | 'POST' | 'DELETE'
  url: string
  operationId: string
  summary: string
  description?: string
  tags: string[]
  security?: { [scheme: string]: string[] }[]
  params?: P
  querystring?: Q
  body?: B
  response: R
}

/**
 * Declares a route once: Fastify's route options (method, url, schema) with the operation's id, summary,
 * tags and security, and its responses plus the 429 and 500 every route can give.
 */
export function declareRoute<
  const P extends Schema | undefined = undefined,
  const Q extends Schema | undefined = undefined,
  const B extends Schema | undefined = undefined,
  const R extends Record<number, Schema | ContentResponse> = Record<number, Schema>,
>(d: RouteDeclaration<P, Q, B, R>) {
  return {
    method: d.method,
    url: d.url,
    schema: {
      operationId: d.operationId,
      summary: d.summary,
      ...(d.description === undefined ? {} : { description: d.description }),
      tags: d.tags,
      security: d.security ?? PUBLIC,
      // Only the parts a route has: Fastify warns of a schema key set to undefined.
      ...((d.params === undefined ? {} : { params: d.params }) as { params: P }),
      ...((d.querystring === undefined ? {} : { querystring: d.querystring }) as { querystring: Q }),
      ...((d.body === undefined ? {} : { body: d.body }) as { body: B }),
      response: { ...d.response, 429: errors[429], 500: errors[500] },
    },
  }
}
