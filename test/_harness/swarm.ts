import { createServer } from 'node:net'
import { create } from '@bufbuild/protobuf'
import { privateKeyToAccount } from 'viem/accounts'
import { type Agent, createAgent } from '../../src/agent/index.ts'
import { deriveApiKey } from '../../src/coordinator/identity/index.ts'
import {
  ExecutionStatus,
  Level,
  type TaskResult,
  TaskResultSchema,
} from '../../src/gen/apiary/v1/swarm_pb.js'
import { createLogger } from '../../src/internal/logger.ts'

export const SECRET = 'the e2e master secret, 32 bytes!'
export const logger = createLogger({ level: 'silent' })

/** Dev keys (publicly known) used as payout wallets. */
const WALLETS = [
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
  '0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a',
  '0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6',
] as const

/** The payout wallet key of a test agent: a dev key chosen by the length of its id. */
export const walletKeyOf = (agentId: string) => WALLETS[agentId.length % WALLETS.length] as `0x${string}`

export function startAgent(
  url: string,
  agentId: string,
  level: Level,
  extra: Partial<Parameters<typeof createAgent>[0]> = {},
): Agent {
  return createAgent({
    logger,
    agentId,
    coordinators: [{ url, apiKey: deriveApiKey(SECRET, agentId) }],
    wallet: privateKeyToAccount(walletKeyOf(agentId)),
    level,
    region: 'test',
    maxInFlight: 64,
    threads: level === Level.L3 ? 1 : 0,
    ...extra,
  })
}

/**
 * The test harness's liar: every verdict flipped (valid ↔ invalid, success ↔ reverted), well-formed (a
 * verdict made invalid drops its execution output, or the coordinator refuses it as MALFORMED unscored).
 */
export function lie(result: TaskResult): TaskResult {
  return create(TaskResultSchema, {
    ...result,
    ...(result.valid ? { logs: [], returnData: new Uint8Array(), stateChanges: [] } : {}),
    valid: !result.valid,
    rejectCode: result.valid ? 'TX_SIGNATURE_RECOVERY_FAILED' : '',
    status: result.status === ExecutionStatus.SUCCESS ? ExecutionStatus.REVERTED : ExecutionStatus.SUCCESS,
  })
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number) {
  const until = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

export { Level }
