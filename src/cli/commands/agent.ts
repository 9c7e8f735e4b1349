import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import type { Command } from '@commander-js/extra-typings'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { createAgent, openAgentState } from '../../agent/index.ts'
import { connectChain } from '../../chain/index.ts'
import { Level } from '../../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../../internal/errors.ts'
import { createMetrics } from '../../internal/metrics.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import {
  addReplyFlags,
  addressOption,
  challengeResponderOptions,
  defaultInbox,
  loadPrivateKey,
  messengerOptions,
  messengerSchema,
  replyOptionsFrom,
  signerSchema,
} from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { chatBackendFrom, LLM_FLAGS, llmShape } from '../llmOptions.ts'
import { registerAgentMetrics, serveMetrics } from '../serveMetrics.ts'
import { createStatusLine, eth } from '../statusLine.ts'

const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== ''),
)

const schema = z.object({
  coordinator: list.pipe(z.array(z.string().regex(/^[^\s/]+:\d+$/, 'host:port')).min(1)),
  agentId: z.string(),
  apiKey: list,
  ...signerSchema,
  level: z.enum(['L1', 'L2', 'L3', 'L4']).default('L3'),
  snapshot: z.string().optional(),
  datadir: z.string().optional(),
  region: z.string().max(32).default(''),
  tls: booleanOption.default(false),
  tlsCert: z.string().optional(),
  concurrency: z.coerce.number().int().min(1).max(256).default(availableParallelism()),
  rpc: z.string().url().optional(),
  swarmChallenge: addressOption.optional(),
  challenges: booleanOption.default(true),
  challengeCreators: z
    .string()
    .optional()
    .transform((list) =>
      list === undefined
        ? undefined
        : list
            .split(',')
            .map((a) => a.trim().toLowerCase())
            .filter((a) => a !== ''),
    )
    .pipe(z.array(z.string().regex(/^0x[0-9a-f]{40}$/, 'expected 0x addresses')).optional()),
  maxChallengesPerDay: z.coerce.number().int().min(0).max(10_000).default(48),
  maxChallengeSeconds: z.coerce.number().int().min(1).max(86_400).default(120),
  messenger: booleanOption.default(true),
  metricsPort: z.coerce.number().int().min(0).max(65535).optional(),
  ...messengerSchema,
  mailbox: addressOption.optional(),
  ...llmShape,
})

export function registerAgent(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const command = program
    .command('agent')
    .description('Validate transactions for one or more coordinators and earn rewards to your payout wallet.')
    .option('--coordinator <host:port,...>', 'coordinators to work for (APIARY_COORDINATOR)')
    .option('--agent-id <id>', 'your agent id (APIARY_AGENT_ID)')
    .option('--api-key <key,...>', 'API key per coordinator, in the same order (APIARY_API_KEY)')
    .option('--keystore <file>', 'payout wallet, a v3 keystore from apiary keygen (APIARY_KEYSTORE)')
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'or: a file holding the payout wallet as a 0x hex private key (APIARY_PRIVATE_KEY_FILE)',
    )
    .option(
      '--level <L1|L2|L3|L4>',
      'what to validate: L1 envelope, L2 + state checks, L3 + execution, L4 execution on its own state (APIARY_LEVEL; default L3)',
    )
    .option(
      '--datadir <dir>',
      'L4: where the agent keeps its state (state.db); a restart resumes from it (APIARY_DATADIR)',
    )
    .option(
      '--snapshot <file>',
      'L4: the state snapshot to start from when the datadir holds none (APIARY_SNAPSHOT): docs/l4.md',
    )
    .option('--region <name>', 'routing hint, ≤ 32 characters (APIARY_REGION)')
    .option('--tls', 'connect with TLS (APIARY_TLS)')
    .option('--tls-cert <file>', 'PEM CA certificate to trust for TLS (APIARY_TLS_CERT)')
    .option(
      '--concurrency <n>',
      'tasks validated at once; L3 uses this many worker threads (APIARY_CONCURRENCY; default CPUs)',
    )
    .option('--rpc <url>', 'JSON-RPC endpoint of the chain, for swarm challenges (APIARY_RPC)')
    .option(
      '--swarm-challenge <address>',
      'answer the challenges of this SwarmChallenge contract when the wallet is a registered agent (APIARY_SWARM_CHALLENGE)',
    )
    .option('--no-challenges', 'do not answer swarm challenges even with --rpc and --swarm-challenge')
    .option(
      '--challenge-creators <address,...>',
      'answer only challenges opened by these wallets; others are declined at no gas (APIARY_CHALLENGE_CREATORS; default any)',
    )
    .option(
      '--max-challenges-per-day <n>',
      'answer at most this many challenges in any 24 hours; the rest are declined (APIARY_MAX_CHALLENGES_PER_DAY; default 48)',
    )
    .option(
      '--max-challenge-seconds <s>',
      'give up a challenge task still computing after this long (APIARY_MAX_CHALLENGE_SECONDS; default 120)',
    )
    .option(
      '--mailbox <address>',
      "read and answer the wallet's messages in this Mailbox (needs --rpc) (APIARY_MAILBOX)",
    )
    .option(
      '--inbox <file>',
      "the messenger's SQLite file (APIARY_INBOX; default ./apiary-inbox-<wallet>.sqlite)",
    )
    .option(
      '--message-confirmations <n>',
      'blocks on top of a message before it is read (APIARY_MESSAGE_CONFIRMATIONS; default 1)',
    )
    .option(
      '--messages-from-block <n>',
      'where the messenger starts the first time (APIARY_MESSAGES_FROM_BLOCK)',
    )
    .option('--no-messenger', 'do not read messages even with --rpc and --mailbox')
    .option(
      '--metrics-port <port>',
      "serve the agent's Prometheus metrics on 127.0.0.1:PORT/metrics, 0 for any (APIARY_METRICS_PORT; off by default)",
    )
  for (const [flag, description] of LLM_FLAGS) command.option(flag, description)
  command
    .addHelpText(
      'after',
      `
With --rpc and --swarm-challenge, the agent also answers Proof of Swarm challenges that invite its wallet
(register it first with apiary register); it pays each commit and reveal (≈ 35,000 and 29,500 gas).
With --rpc and --mailbox, it reads the wallet's messages (apiary messenger, docs/spec/message.md): answers ping
with pong and acknowledges messages that ask for it, paying ≈ 30,000 gas per reply.

With --mode llm or both, it answers the coordinator's OpenAI-compatible chats (docs/jobs.md#agents) from the
backend you run or pay for; its key is read from the environment (APIARY_LLM_API_KEY, or OPENAI_API_KEY,
ANTHROPIC_API_KEY, GEMINI_API_KEY) and never leaves the agent.

Reconnects by itself with exponential backoff; Ctrl-C finishes the work in flight, submits it, and exits.

Example:
  apiary keygen --out wallet.json --password-file wallet.pass
  apiary agent --coordinator 127.0.0.1:14689 --agent-id alice --api-key apiary_… \\
    --keystore wallet.json --password-file wallet.pass --level L3
  apiary agent … --level L4 --datadir ./l4 --snapshot state.snap
  llama-server -m qwen2.5-0.5b-instruct-q4_k_m.gguf --port 8080 &
  apiary agent … --mode both --llm-url http://127.0.0.1:8080/v1 \\
    --llm-model qwen2.5-0.5b@qwen2.5-0.5b-instruct-q4_k_m.gguf`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      if (options.apiKey.length !== options.coordinator.length)
        throw new ApiaryError(
          'APIARY_AGENT_KEYS',
          `give one --api-key per coordinator (${options.coordinator.length})`,
          {
            usage: true,
          },
        )
      const common = context.common()
      const privateKey = await loadPrivateKey(options)
      const connected =
        options.rpc === undefined ? undefined : { ...(await connectChain(options.rpc)), rpcUrl: options.rpc }
      const level = { L1: Level.L1, L2: Level.L2, L3: Level.L3, L4: Level.L4 }[options.level]
      if (level === Level.L4 && options.datadir === undefined)
        throw new ApiaryError(
          'APIARY_AGENT_DATADIR',
          'an L4 agent needs --datadir (and --snapshot the first time)',
          {
            usage: true,
          },
        )
      const state =
        level === Level.L4 && options.datadir !== undefined
          ? (
              await openAgentState({
                datadir: options.datadir,
                snapshot: options.snapshot,
                logger: common.logger,
              })
            ).store
          : undefined
      if (state !== undefined) common.shutdown.add(() => state.close())
      const scheme = options.tls ? 'https' : 'http'
      // A coordinator that refuses the key is not retried; when all of them do, the agent stops with an error.
      let refusal: ApiaryError | undefined
      let refusals = 0
      const metrics = createMetrics()
      const chat = await chatBackendFrom(options)
      const agent = createAgent({
        metrics,
        mode: options.mode,
        chat,
        state,
        onRefused: ({ coordinator, code, message }) => {
          if (++refusals < options.coordinator.length) return
          refusal = new ApiaryError(
            'APIARY_AGENT_REFUSED',
            `${coordinator} refused agent ${options.agentId}: ${message} (${code})`,
            {
              hints: [
                "check --agent-id and --api-key: the key must be the one `apiary apikey` prints for this id with the coordinator's master secret",
              ],
            },
          )
          void common.shutdown.close()
        },
        logger: common.logger,
        agentId: options.agentId,
        coordinators: options.coordinator.map((hostPort, i) => ({
          url: `${scheme}://${hostPort}`,
          apiKey: options.apiKey[i] as string,
        })),
        wallet: privateKeyToAccount(privateKey),
        level,
        region: options.region,
        maxInFlight: options.concurrency * 16,
        threads: options.mode !== 'llm' && level === Level.L3 ? options.concurrency : 0,
        tlsCa: options.tlsCert === undefined ? undefined : readFileSync(options.tlsCert, 'utf8'),
        challenges:
          options.challenges && connected !== undefined && options.swarmChallenge !== undefined
            ? challengeResponderOptions(connected, {
                contract: options.swarmChallenge,
                privateKey,
                creators: options.challengeCreators as `0x${string}`[] | undefined,
                maxPerDay: options.maxChallengesPerDay,
                maxTaskSeconds: options.maxChallengeSeconds,
              })
            : undefined,
        messenger:
          options.messenger && connected !== undefined && options.mailbox !== undefined
            ? messengerOptions(connected, {
                mailbox: options.mailbox,
                privateKey,
                inboxPath: options.inbox ?? defaultInbox(privateKeyToAccount(privateKey).address),
                confirmations: options.messageConfirmations,
                fromBlock:
                  options.messagesFromBlock === undefined ? undefined : BigInt(options.messagesFromBlock),
                ...replyOptionsFrom(options),
              })
            : undefined,
      })
      common.shutdown.add(() => agent.close({ graceMs: 3000 }))
      if (options.metricsPort !== undefined) {
        registerAgentMetrics(metrics, () => agent.status())
        const url = await serveMetrics(metrics, options.metricsPort)
        common.shutdown.add(url.close)
        process.stdout.write(`metrics      ${url.url}\n`)
      }
      process.stdout.write(
        `agent ${options.agentId} (${options.level}) → ${options.coordinator.join(', ')}; Ctrl-C stops it.\n`,
      )
      const status = createStatusLine(process.stdout)
      const started = Date.now()
      const render = () => {
        const s = agent.status()
        const live = s.coordinators.filter((c) => c.connected).length
        const payout = s.coordinators.find((c) => c.lastPayout !== undefined)?.lastPayout
        status.draw([
          `[${Math.round((Date.now() - started) / 1000)}s]`,
          `connected ${live}/${s.coordinators.length}`,
          `done ${s.coordinators.reduce((n, c) => n + c.completed, 0)}`,
          `accepted ${s.coordinators.reduce((n, c) => n + c.accepted, 0)}`,
          ...(payout === undefined ? [] : [`paid epoch ${payout.epoch}: ${eth(payout.amountWei)}`]),
          ...(s.challenges === undefined
            ? []
            : [
                `challenges ${[...s.challenges.challenges.values()].filter((c) => c === 'revealed').length} revealed`,
              ]),
          ...(s.messenger === undefined ? [] : [`messages ${s.messenger.handled}`]),
          ...(s.state === undefined
            ? []
            : [`state block ${s.state.block}${s.state.error === '' ? '' : ` (${s.state.error})`}`]),
        ])
      }
      if (status.tty) {
        const ticker = setInterval(render, 1000)
        common.shutdown.add(() => {
          clearInterval(ticker)
          process.stdout.write('\n')
        })
      }
      await new Promise<void>((stopped) =>
        common.shutdown.signal.addEventListener('abort', () => stopped(), { once: true }),
      )
      await common.shutdown.close()
      if (refusal !== undefined) throw refusal
    })
  addReplyFlags(command)
}
