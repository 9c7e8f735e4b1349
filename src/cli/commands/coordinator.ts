import type { Command } from '@commander-js/extra-typings'
import { createPublicClient } from 'viem'
import { z } from 'zod'
import { checkWithdrawDelay, rpcTransport } from '../../chain/index.ts'
import { blockSeconds } from '../../challenge/index.ts'
import { MIN_MASTER_SECRET_BYTES } from '../../coordinator/identity/index.ts'
import { type ChatPrices, DEFAULT_JOB_PRICES } from '../../coordinator/jobs/index.ts'
import { ensureWritableDir } from '../../internal/ensureWritableDir.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { resolveOptions } from '../../internal/options.ts'
import { addressOption, loadSigner, masterSecretFrom } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import {
  DEFAULT_MAX_FEE_PER_GAS,
  REWARD_FLAGS,
  rewardOptionsFrom,
  rewardShape,
  SEALING_FLAGS,
  sealingOptionsFrom,
  sealingShape,
} from '../rewardFlags.ts'
import { startCoordinator } from '../startCoordinator.ts'

export const coordinatorSchema = z.object({
  rpc: z.string().url().optional(),
  replay: z.string().optional(),
  host: z.string().default('127.0.0.1'),
  grpcPort: z.coerce.number().int().min(0).max(65535).default(14689),
  httpPort: z.coerce.number().int().min(0).max(65535).default(14690),
  datadir: z.string().default('.apiary/coordinator'),
  leaseMs: z.coerce.number().int().min(500).max(600_000).default(5000),
  grpcAdvertise: z.string().url().optional(),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// URL')
    .optional(),
  masterSecret: z.string().optional(),
  masterSecretFile: z.string().optional(),
  fork: z.string().default('prague'),
  confirmations: z.coerce.number().int().min(0).max(1000).default(2),
  pollMs: z.coerce.number().int().min(50).max(60_000).default(500),
  fromBlock: z.coerce.number().int().min(0).optional(),
  witness: z.enum(['auto', 'trace', 'reexecute']).default('auto'),
  stateDiffs: z.coerce.number().int().min(1).max(1_000_000).optional(),
  redundancy: z.coerce.number().int().min(1).max(16).default(2),
  canaryRate: z.coerce.number().min(0).max(1).default(0.125),
  deadlineMs: z.coerce.number().int().min(100).max(600_000).default(10_000),
  revoke: z
    .string()
    .default('')
    .transform((s) => new Set(s.split(',').filter((id) => id !== ''))),
  ...rewardShape,
  ...sealingShape,
  rewardPool: addressOption.optional(),
  hotWalletKeystore: z.string().optional(),
  hotWalletPasswordFile: z.string().optional(),
  operatorRecipient: addressOption.optional(),
  protocolRecipient: addressOption.optional(),
  swarmChallenge: addressOption.optional(),
  challengesFromBlock: z.coerce.bigint().min(0n).default(0n),
  mailbox: addressOption.optional(),
  jobEscrow: addressOption.optional(),
  simulatePrice: z.coerce.bigint().min(0n).default(DEFAULT_JOB_PRICES['evm.simulate'].coin),
  simulateTokenPrice: z.coerce.bigint().min(0n).default(DEFAULT_JOB_PRICES['evm.simulate'].token),
  llmPrice: z
    .string()
    .optional()
    .transform((s, ctx) => {
      if (s === undefined) return undefined
      const prices: ChatPrices = {}
      for (const entry of s.split(',').filter((x) => x.trim() !== '')) {
        const match = /^\s*([^=\s]+)=(\d+):(\d+)\s*$/.exec(entry)
        if (match === null) {
          ctx.addIssue({
            code: 'custom',
            message: `${entry} is not MODEL=INPUT:OUTPUT (wei per million tokens)`,
          })
          return z.NEVER
        }
        prices[match[1] as string] = { input: BigInt(match[2] as string), output: BigInt(match[3] as string) }
      }
      return prices
    }),
  revokeClients: z
    .string()
    .default('')
    .transform(
      (s) =>
        new Set(
          s
            .split(',')
            .filter((a) => a !== '')
            .map((a) => a.toLowerCase()),
        ),
    ),
})

export function registerCoordinator(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const command = program
    .command('coordinator')
    .description(
      'Follow a chain, stream validation tasks to agents over gRPC, score their verdicts against the chain, and serve the HTTP API.',
    )
    .option('--rpc <url>', 'JSON-RPC endpoint of the chain to follow (APIARY_RPC)')
    .option(
      '--replay <dir>',
      'instead of a chain, replay go-ethereum tracer fixtures from DIR (APIARY_REPLAY)',
    )
    .option('--grpc-port <port>', 'gRPC port for agents, 0 for any (APIARY_GRPC_PORT; default 14689)')
    .option('--http-port <port>', 'HTTP API port, 0 for any (APIARY_HTTP_PORT; default 14690)')
    .option('--host <address>', 'address to bind (APIARY_HOST; default 127.0.0.1)')
    .option(
      '--datadir <dir>',
      'where coordinator.db (without --database) and the sealed bundles live (APIARY_DATADIR; default .apiary/coordinator)',
    )
    .option(
      '--grpc-advertise <url>',
      "where the other replicas reach this one's gRPC port once it leads: standbys relay agents' calls there (APIARY_GRPC_ADVERTISE; default http://HOST:PORT as it listens, the host name when --host is 0.0.0.0)",
    )
    .option(
      '--lease-ms <ms>',
      'term of the leader lease: replicas on one --database take over this long after the leader stops (APIARY_LEASE_MS; default 5000)',
    )
    .option(
      '--database <url>',
      'keep the state in PostgreSQL instead of DATADIR/coordinator.db: postgres://user:password@host:5432/db (APIARY_DATABASE_URL; prefer the variable: a command line is visible to ps)',
    )
    .option(
      '--master-secret-file <file>',
      'file holding the secret that derives every agent API key; ≥ 16 bytes (APIARY_MASTER_SECRET_FILE)',
    )
    .option(
      '--master-secret <secret>',
      'the secret itself (APIARY_MASTER_SECRET); prefer the file: a command line is visible to ps',
    )
    .option('--fork <name>', 'rules of the followed chain (APIARY_FORK; default prague)')
    .option(
      '--confirmations <n>',
      'blocks on top before a transaction is scored (APIARY_CONFIRMATIONS; default 2)',
    )
    .option('--poll-ms <ms>', 'chain polling interval (APIARY_POLL_MS; default 500)')
    .option('--from-block <n>', 'first block on an empty datadir (APIARY_FROM_BLOCK; default the head)')
    .option(
      '--swarm-challenge <address>',
      'index this SwarmChallenge contract: GET /v1/challenges (APIARY_SWARM_CHALLENGE)',
    )
    .option(
      '--challenges-from-block <n>',
      'its deployment block, where indexing starts (APIARY_CHALLENGES_FROM_BLOCK; default 0)',
    )
    .option('--mailbox <address>', 'serve the messages of this Mailbox: GET /v1/messages (APIARY_MAILBOX)')
    .option(
      '--witness <source>',
      'auto | trace (debug_trace* prestateTracer) | reexecute (re-run each block over parent state read through plain JSON-RPC) (APIARY_WITNESS; default auto)',
    )
    .option(
      '--state-diffs <blocks>',
      "keep each followed block's state diff, the last <blocks> of them, and serve L4 agents: StreamStateDiffs and L4 tasks (APIARY_STATE_DIFFS; default none): docs/l4.md",
    )
    .option('--redundancy <k>', 'distinct agents per task (APIARY_REDUNDANCY; default 2)')
    .option(
      '--canary-rate <share>',
      'share of pending transactions a canary is made from, 0 for none (APIARY_CANARY_RATE; default 0.125): docs/rewards.md#canaries',
    )
    .option(
      '--deadline-ms <ms>',
      'time an agent has per task before reassignment (APIARY_DEADLINE_MS; default 10000)',
    )
    .option('--revoke <ids>', 'comma-separated agent ids refused even with a valid key (APIARY_REVOKE)')
    .option(
      '--job-escrow <address>',
      'take client jobs paid from this JobEscrow: POST /v1/jobs (APIARY_JOB_ESCROW; docs/jobs.md); its withdrawal delay must be at least two epochs + 10 minutes',
    )
    .option(
      '--simulate-price <wei>',
      'price of one simulated transaction in wei (APIARY_SIMULATE_PRICE; default 1000000000000)',
    )
    .option(
      '--simulate-token-price <units>',
      "price of one simulated transaction in the escrow token's base units (APIARY_SIMULATE_TOKEN_PRICE; default 1000)",
    )
    .option(
      '--llm-price <prices>',
      'chat prices in wei per million input and output tokens, MODEL=IN:OUT,…; * for any model (APIARY_LLM_PRICE; default *=1000000000000000:1000000000000000)',
    )
    .option(
      '--revoke-clients <addresses>',
      'comma-separated client addresses refused even with a valid key (APIARY_REVOKE_CLIENTS)',
    )
  for (const [flag, description] of [...REWARD_FLAGS, ...SEALING_FLAGS]) command.option(flag, description)
  command
    .option(
      '--reward-pool <address>',
      'AgentRewardPool that closed epochs are paid into (APIARY_REWARD_POOL)',
    )
    .option(
      '--hot-wallet-keystore <file>',
      "keystore of the wallet that pays settlements; it must be the pool's coordinator (APIARY_HOT_WALLET_KEYSTORE)",
    )
    .option(
      '--operator-recipient <address>',
      "where each paid epoch's operator fee is sent (the delegate cut with a pool; SUMMARY's operator_fee with merkle) (APIARY_OPERATOR_RECIPIENT; default kept by the hot wallet)",
    )
    .option(
      '--protocol-recipient <address>',
      "where each paid epoch's protocol fee is sent (merkle settlement) (APIARY_PROTOCOL_RECIPIENT; default kept by the hot wallet)",
    )
    .option(
      '--hot-wallet-password-file <file>',
      'password of that keystore (APIARY_HOT_WALLET_PASSWORD_FILE)',
    )
    .addHelpText(
      'after',
      `
Agents authenticate with apiary_<hmac> keys printed by \`apiary apikey\`. State (agents, assignments,
results, scores, epochs, settlements) is in DATADIR/coordinator.db, or in PostgreSQL with --database; a
restart resumes where it stopped.

Epochs close every --epoch-seconds (or --epoch-blocks). Each agent's weight is its matched results × 1000
(× the bonus multiplier at or above --bonus-accuracy-bps; 0 under --min-tasks); --epoch-reward minus the
delegate's cut is split by weight. With --reward-pool and the hot wallet, every closed epoch is paid into the
pool (oldest first, in chunks of 400 wallets: one transaction for most epochs); while the hot wallet is short, the node
is down or the base fee is above --max-fee-per-gas, epochs stay owed and are paid later, each exactly once.

Every closed epoch is sealed into DATADIR/epochs/epoch-NNNNNN/ (SUMMARY.json, jobs.json, agents.json,
SIGNATURE.txt) and epoch-NNNNNN.car, signed by the sealing key; with --epoch-registry the roots and CID are
anchored on-chain. With --settlement merkle the seal deposits the epoch's payouts (fees first, work pool by
weight, readiness pool by uptime) and agents claim them: apiary claim --epoch N. See docs/epochs.md.

Examples:
  apiary coordinator --rpc http://127.0.0.1:8545 --master-secret-file secret
  apiary coordinator --rpc http://127.0.0.1:8545 --master-secret-file secret --epoch-reward 0.5ether \\
    --reward-pool 0x… --hot-wallet-keystore hot.json --hot-wallet-password-file hot.pass
  apiary coordinator --rpc http://127.0.0.1:8545 --master-secret-file secret --epoch-reward 0.5ether \\
    --settlement merkle --epoch-registry 0x… --hot-wallet-keystore hot.json --hot-wallet-password-file hot.pass
  apiary coordinator --replay ../shared/fixtures/evm/prestate --master-secret-file secret --datadir /tmp/replay`,
    )
    .action(async (flags) => {
      const { database, ...named } = flags
      const options = resolveOptions(coordinatorSchema, {
        flags: { ...named, databaseUrl: database },
        configFile: context.configFile(),
      })
      const masterSecret = masterSecretFrom(options)
      if (masterSecret === undefined)
        throw new ApiaryError(
          'APIARY_MISSING_OPTION',
          'a master secret is required: --master-secret-file, or APIARY_MASTER_SECRET',
          { usage: true },
        )
      if (Buffer.byteLength(masterSecret) < MIN_MASTER_SECRET_BYTES)
        throw new ApiaryError(
          'APIARY_INVALID_OPTION',
          `the master secret must be at least ${MIN_MASTER_SECRET_BYTES} bytes`,
          { usage: true },
        )
      if (options.rpc === undefined && options.replay === undefined)
        throw new ApiaryError(
          'APIARY_COORDINATOR_NO_SOURCE',
          'give --rpc URL (a chain to follow) or --replay DIR',
          { usage: true },
        )
      const common = context.common()
      const {
        rpc,
        revoke,
        rewardPool,
        hotWalletKeystore,
        hotWalletPasswordFile,
        operatorRecipient,
        protocolRecipient,
        maxFeePerGas,
        swarmChallenge,
        challengesFromBlock,
        grpcAdvertise,
        jobEscrow,
        simulatePrice,
        simulateTokenPrice,
        llmPrice,
        revokeClients,
        masterSecretFile: _file,
        ...rest
      } = options
      const paid = options.settlement === 'merkle' ? options.epochRegistry : rewardPool
      if ((paid === undefined) !== (hotWalletKeystore === undefined))
        throw new ApiaryError(
          'APIARY_SETTLEMENT_INCOMPLETE',
          options.settlement === 'merkle'
            ? 'merkle settlement needs both --epoch-registry and --hot-wallet-keystore (with --hot-wallet-password-file)'
            : 'settling needs both --reward-pool and --hot-wallet-keystore (with --hot-wallet-password-file)',
          { usage: true },
        )
      if (options.settlement === 'merkle' && rewardPool !== undefined)
        throw new ApiaryError(
          'APIARY_SETTLEMENT_CONFLICT',
          '--settlement merkle pays through --epoch-registry: drop --reward-pool',
          {
            usage: true,
          },
        )
      const hotWallet =
        hotWalletKeystore === undefined
          ? undefined
          : await loadSigner({ keystore: hotWalletKeystore, passwordFile: hotWalletPasswordFile })
      ensureWritableDir(options.datadir)
      const rewards = {
        ...rewardOptionsFrom(options),
        settlement:
          hotWallet === undefined
            ? undefined
            : {
                pool: rewardPool,
                hotWallet,
                maxFeePerGasWei: maxFeePerGas ?? DEFAULT_MAX_FEE_PER_GAS,
                recipients: { operator: operatorRecipient, protocol: protocolRecipient },
              },
        sealing: await sealingOptionsFrom(options, { datadir: options.datadir, hotWallet }),
      }
      if (jobEscrow !== undefined && rpc !== undefined) {
        const reader = createPublicClient({ transport: rpcTransport(rpc) })
        const epochSeconds =
          rewards.epochMs !== undefined
            ? rewards.epochMs / 1000
            : (rewards.epochBlocks ?? 0) * (await blockSeconds(reader))
        await checkWithdrawDelay(reader, { escrow: jobEscrow, epochSeconds })
      }
      const coordinator = await startCoordinator({
        ...rest,
        advertiseGrpc: grpcAdvertise,
        onServing: ({ grpcUrl, httpUrl, close }) => {
          common.shutdown.add(close)
          process.stdout.write(
            `replica serving  grpc ${grpcUrl}  http ${httpUrl}  (a standby until it takes the lead)\n`,
          )
        },
        masterSecret,
        rpcUrl: rpc,
        revoked: revoke,
        revokedClients: revokeClients,
        jobs:
          jobEscrow === undefined
            ? undefined
            : {
                escrow: jobEscrow,
                prices: { 'evm.simulate': { coin: simulatePrice, token: simulateTokenPrice } },
                chatPrices: llmPrice,
              },
        logger: common.logger,
        rewards,
        challenges:
          swarmChallenge === undefined
            ? undefined
            : { contract: swarmChallenge, fromBlock: challengesFromBlock },
      }).catch((error) => {
        // Stopped as a standby, before it led: a clean stop.
        if (common.shutdown.signal.aborted) return undefined
        throw error
      })
      if (coordinator === undefined) return
      process.stdout.write(
        `coordinator  grpc ${coordinator.grpcUrl}  http ${coordinator.httpUrl}\nCtrl-C stops it.\n`,
      )
      const deposed = await Promise.race([
        new Promise<undefined>((stopped) =>
          common.shutdown.signal.addEventListener('abort', () => stopped(undefined), { once: true }),
        ),
        coordinator.lost.then((reason) => (reason === 'released' ? undefined : reason)),
      ])
      await common.shutdown.close()
      if (deposed !== undefined)
        throw new ApiaryError('APIARY_NOT_LEADER', `this replica no longer leads: ${deposed}`, {
          retryable: true,
          hints: ['start it again: it waits as a standby and takes over when the leader stops'],
        })
    })
}
