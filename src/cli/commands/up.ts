import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Command } from '@commander-js/extra-typings'
import { createWalletClient, formatEther, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { type Agent, createAgent, openAgentState } from '../../agent/index.ts'
import {
  type ConnectedChain,
  connectChain,
  createRpcClient,
  createTraffic,
  deployEpochRegistry,
  deployJobEscrow,
  deployRewardPool,
  deploySwarmContracts,
  devnetGenesis,
  escrowCalls,
  redactUrl,
  registerAgent,
  rpcTransport,
  sendCall,
  sendFunds,
  startDevnet,
} from '../../chain/index.ts'
import { CONSENT_KEY, encodeConsent, parseChallengeId } from '../../challenge/index.ts'
import { exportFollowedSnapshot } from '../../coordinator/follower/index.ts'
import { deriveApiKey } from '../../coordinator/identity/index.ts'
import type { RewardOptions } from '../../coordinator/index.ts'
import { DEFAULT_JOB_PRICES } from '../../coordinator/jobs/index.ts'
import { openStore } from '../../coordinator/store/index.ts'
import { epochDirName } from '../../epoch/index.ts'
import { Level } from '../../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../../internal/errors.ts'
import { resolveOptions } from '../../internal/options.ts'
import { publishMessagingKey } from '../../messaging/index.ts'
import { challengeResponderOptions, messengerOptions } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { chatBackendFrom, LLM_FLAGS, llmShape } from '../llmOptions.ts'
import {
  DEFAULT_MAX_FEE_PER_GAS,
  REWARD_FLAGS,
  rewardOptionsFrom,
  rewardShape,
  SEALING_FLAGS,
  sealingOptionsFrom,
  sealingShape,
} from '../rewardFlags.ts'
import { selfCommand } from '../selfCommand.ts'
import { type StartedCoordinator, startCoordinator } from '../startCoordinator.ts'
import { createStatusLine } from '../statusLine.ts'

const schema = z.object({
  agents: z.coerce.number().int().min(1).max(64).default(4),
  rpc: z.string().url().optional(),
  httpPort: z.coerce.number().int().min(0).max(65535).default(14690),
  grpcPort: z.coerce.number().int().min(0).max(65535).default(14689),
  datadir: z.string().optional(),
  tps: z.coerce.number().positive().max(1000).default(8),
  blockTime: z.coerce.number().min(0).default(1),
  ...rewardShape,
  settlement: sealingShape.settlement,
  operatorFeeBps: sealingShape.operatorFeeBps,
  protocolFeeBps: sealingShape.protocolFeeBps,
  workPoolBps: sealingShape.workPoolBps,
  ipfsApi: sealingShape.ipfsApi,
  llmBackend: llmShape.llmBackend,
  llmUrl: llmShape.llmUrl,
  llmModel: llmShape.llmModel,
})

/** `up` deploys its own EpochRegistry and signs with its hot wallet: those two flags are not offered. */
const UP_SEALING_FLAGS = SEALING_FLAGS.filter(
  ([flag]) => !flag.startsWith('--epoch-registry') && !flag.startsWith('--sealing-key-file'),
)

/** `up` opens a Proof of Swarm challenge this often (in epochs). */
const CHALLENGE_EVERY_EPOCHS = 3
/** What up's agents consent to: every challenge of the local swarm, however long it runs. */
const UP_CONSENT = { maxPerDay: 100_000, creators: undefined }

/** The L4 agent `up` starts on its embedded devnet, beside the others. */
const L4_AGENT = 'agent-l4'

/** Levels of the agents `up` starts, in order: L3 twice first so L3 tasks get two opinions. */
const MIX = [Level.L3, Level.L3, Level.L1, Level.L2] as const

export function registerUp(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const command = program
    .command('up')
    .description(
      'Run a whole swarm locally: the embedded devnet, traffic, a coordinator and N agents of mixed levels, with a live status line.',
    )
    .option('--agents <n>', 'agents to start (APIARY_AGENTS; default 4: L3, L3, L1, L2)')
    .option('--rpc <url>', 'follow this chain instead of starting a devnet (no traffic is sent) (APIARY_RPC)')
    .option('--http-port <port>', 'coordinator HTTP API port, 0 for any (APIARY_HTTP_PORT; default 14690)')
    .option('--grpc-port <port>', 'coordinator gRPC port, 0 for any (APIARY_GRPC_PORT; default 14689)')
    .option(
      '--datadir <dir>',
      'state, keys and bundles (APIARY_DATADIR; default a new temporary directory, removed when up stops)',
    )
    .option('--tps <n>', 'devnet traffic, transactions per second (APIARY_TPS; default 8)')
    .option('--block-time <seconds>', 'devnet block interval (APIARY_BLOCK_TIME; default 1)')
  for (const [flag, description] of [...REWARD_FLAGS, ...UP_SEALING_FLAGS])
    command.option(
      flag,
      flag.startsWith('--epoch-reward') ? description.replace('default 0', 'default 0.1ether') : description,
    )
  for (const [flag, description] of LLM_FLAGS.filter(([flag]) => flag !== '--mode <mode>'))
    command.option(flag, description)
  command
    .addHelpText(
      'after',
      `
With --llm-model (and --llm-url, --llm-backend as for apiary agent), up also starts one agent in --mode llm
that answers the gateway's chats from that backend: POST http://127.0.0.1:14690/v1/chat/completions.

On the embedded devnet, up also funds a new hot wallet from a dev account, deploys an EpochRegistry and (with
--settlement f1, the default) an AgentRewardPool. Every closed epoch is sealed into DATADIR/epochs (a signed
bundle and its CAR) and anchored in the registry; f1 settles it into the pool, merkle deposits it with the
seal. Each agent's payout key is written to DATADIR/agents/ID.key, so that
  apiary claim --rpc <chain> --contract <pool> --private-key-file DATADIR/agents/agent-1-L3.key   (f1)
  apiary claim --rpc <chain> --epoch N --private-key-file DATADIR/agents/agent-1-L3.key          (merkle)
claims its rewards, and
  apiary epoch export N --out DIR && apiary verify bundle DIR/epoch-00000N --rpc <chain>
checks a sealed epoch with nothing but the CLI. With --rpc, epochs are sealed (DATADIR/sealing.key) but
neither settled nor anchored.

Ctrl-C stops everything.

Examples:
  apiary up
  apiary up --agents 8 --http-port 8080 --epoch-seconds 10 --epoch-reward 1ether
  apiary up --settlement merkle
  apiary up --llm-url http://127.0.0.1:8080/v1 --llm-model qwen2.5-0.5b   (llama.cpp's llama-server on 8080)`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      if (options.rpc !== undefined && options.settlement === 'merkle')
        throw new ApiaryError(
          'APIARY_SETTLEMENT_INCOMPLETE',
          'up settles by merkle only on its embedded devnet: drop --rpc, or run apiary coordinator with --epoch-registry',
          { usage: true },
        )
      const common = context.common()
      const { logger, shutdown } = common
      const out = process.stdout
      const started = Date.now()
      const cli = selfCommand()
      const status = createStatusLine(out)
      /** What is starting, on one line that the next replaces (so the first seconds are not silent). */
      const step = (what: string) =>
        status.draw([`[${Math.round((Date.now() - started) / 1000)}s]`, `${what}…`])

      let rpcUrl = options.rpc
      let devnetAccounts: `0x${string}`[] = []
      let chainId = 0
      if (rpcUrl === undefined) {
        step('starting the embedded devnet')
        const devnet = await startDevnet({ logger }, { port: 0, blockTime: options.blockTime })
        shutdown.add(() => devnet.close())
        rpcUrl = devnet.url
        chainId = devnet.chainId
        devnetAccounts = devnet.accounts.map((a) => a.privateKey)
      }
      const masterSecret = randomBytes(24).toString('hex')
      // Without --datadir the state is temporary: removed when up stops (closers run last-in first-out, so
      // this runs after the coordinator and the agents, which are registered later, have closed).
      const temporary = options.datadir === undefined
      const datadir = options.datadir ?? mkdtempSync(join(tmpdir(), 'apiary-up-'))
      if (temporary) shutdown.add(() => rmSync(datadir, { recursive: true, force: true }))
      mkdirSync(join(datadir, 'agents'), { recursive: true })
      // The master secret, so that you can derive a key and join your own agent (apiary apikey).
      writeFileSync(join(datadir, 'master-secret'), `${masterSecret}\n`, { mode: 0o600 })
      const agentIds = Array.from(
        { length: options.agents },
        (_, i) => `agent-${i + 1}-${Level[MIX[i % MIX.length] as Level]}`,
      )
      const agentKeys = agentIds.map((_, i) => (devnetAccounts[10 + i] ?? generatePrivateKey()) as Hex)
      for (const [i, id] of agentIds.entries())
        writeFileSync(join(datadir, 'agents', `${id}.key`), `${agentKeys[i]}\n`, { mode: 0o600 })

      // On the embedded devnet: a new hot wallet that seals (and settles), its EpochRegistry, a pool for f1
      // settlement, and gas for agents without a dev account.
      let settlement: RewardOptions['settlement']
      let registry: Hex | undefined
      let swarm: Awaited<ReturnType<typeof deploySwarmContracts>> | undefined
      let connected: ConnectedChain | undefined
      /** The JobEscrow clients pay jobs from; you (dev account 7) deposit 1 ETH into it. */
      let escrow: Hex | undefined
      const devFunder = devnetAccounts[8]
      if (devFunder !== undefined) {
        step('deploying the reward pool, the epoch registry and the swarm contracts')
        const funder = privateKeyToAccount(devFunder)
        const hotWallet = privateKeyToAccount(generatePrivateKey())
        const owner = { rpcUrl, deployer: funder, coordinator: hotWallet.address }
        const pool = options.settlement === 'f1' ? await deployRewardPool(owner) : undefined
        registry = (await deployEpochRegistry(owner)).address
        await sendFunds({ rpcUrl, from: funder, to: [hotWallet.address], amount: 1000n * 10n ** 18n })
        const unfunded = agentKeys
          .slice(devnetAccounts.length - 10)
          .map((key) => privateKeyToAccount(key).address)
        if (unfunded.length > 0) await sendFunds({ rpcUrl, from: funder, to: unfunded, amount: 10n ** 18n })
        // Proof of Swarm: an AgentRegistry and a SwarmChallenge; every agent registers its wallet.
        swarm = await deploySwarmContracts({ rpcUrl, deployer: funder })
        connected = await connectChain(rpcUrl)
        const { chain, client } = connected
        const registryAddress = swarm.registry
        // Each agent registers and publishes its messaging key, so that others can encrypt to it.
        step(`registering ${agentKeys.length} agents`)
        await Promise.all(
          agentKeys.map(async (key, i) => {
            const account = privateKeyToAccount(key)
            await registerAgent({
              client,
              chain,
              rpcUrl: rpcUrl as string,
              registry: registryAddress,
              account,
              name: agentIds[i],
              metadata: [{ metadataKey: CONSENT_KEY, metadataValue: encodeConsent(UP_CONSENT) }],
            })
            await publishMessagingKey({
              client,
              wallet: createWalletClient({ account, chain, transport: rpcTransport(rpcUrl) }),
              registry: registryAddress,
              privateKey: key,
            })
          }),
        )
        // The challenge creator (dev account 9) registers the swarm itself as an ERC-8004 agent: each challenge
        // is published as that agent's validation (docs/challenges.md#erc-8004).
        if (devnetAccounts[9] !== undefined)
          await registerAgent({
            client,
            chain,
            rpcUrl: rpcUrl as string,
            registry: registryAddress,
            account: privateKeyToAccount(devnetAccounts[9]),
            name: 'apiary swarm',
          })
        // A funded wallet for you, to message the agents and to pay jobs (dev account 7, which nothing else
        // uses): 1 ETH of it deposited in a JobEscrow the hot wallet charges.
        if (devnetAccounts[7] !== undefined) {
          writeFileSync(join(datadir, 'you.key'), `${devnetAccounts[7]}\n`, { mode: 0o600 })
          escrow = (
            await deployJobEscrow({
              rpcUrl,
              deployer: funder,
              coordinator: hotWallet.address,
              withdrawDelaySeconds: 24 * 3600,
            })
          ).address
          const you = privateKeyToAccount(devnetAccounts[7])
          const wallet = createWalletClient({ account: you, chain, transport: rpcTransport(rpcUrl) })
          for (const call of escrowCalls.deposit(escrow, 'coin', 10n ** 18n, undefined, you.address))
            await sendCall({ client, wallet, ...call } as never)
        }
        settlement = {
          pool: pool?.address,
          hotWallet,
          maxFeePerGasWei: options.maxFeePerGas ?? DEFAULT_MAX_FEE_PER_GAS,
        }
      }
      const rewards = {
        ...rewardOptionsFrom({ ...options, epochReward: options.epochReward ?? 10n ** 17n }),
        settlement,
        sealing: await sealingOptionsFrom(
          { ...options, epochRegistry: registry },
          { datadir, hotWallet: settlement?.hotWallet },
        ),
      }
      // On the embedded devnet the coordinator follows it from block 1 and keeps every block's state diff:
      // the L4 agent's snapshot is exported from its store (docs/l4.md).
      const withL4 = options.rpc === undefined
      let l4: { snapshot: string; block: bigint } | undefined
      step('starting the coordinator')
      const coordinator: StartedCoordinator = await startCoordinator({
        logger,
        datadir,
        masterSecret,
        rpcUrl,
        fork: 'prague',
        confirmations: 1,
        pollMs: 250,
        host: '127.0.0.1',
        grpcPort: options.grpcPort,
        httpPort: options.httpPort,
        redundancy: 2,
        deadlineMs: 10_000,
        ...(withL4 ? { fromBlock: 1, stateDiffs: 100_000 } : {}),
        rewards,
        mailbox: swarm?.mailbox,
        jobs: escrow === undefined ? undefined : { escrow, prices: DEFAULT_JOB_PRICES },
        challenges:
          swarm === undefined || devnetAccounts[9] === undefined
            ? undefined
            : {
                contract: swarm.challenge,
                fromBlock: swarm.block,
                runner: {
                  creator: privateKeyToAccount(devnetAccounts[9]),
                  everyMs: CHALLENGE_EVERY_EPOCHS * (rewards.epochMs ?? 30_000),
                  commitBlocks: 5,
                  revealBlocks: 5,
                  // One machine runs the whole swarm: tasks short enough for its agents to share its cores.
                  taskSeconds: 0.25,
                  maxFeePerGasWei: DEFAULT_MAX_FEE_PER_GAS,
                },
              },
      })
      shutdown.add(() => coordinator.close())

      step(`starting ${options.agents} agents`)
      const agents: Agent[] = []
      for (let i = 0; i < options.agents; i++) {
        const level = MIX[i % MIX.length] as Level
        const agentId = agentIds[i] as string
        const agent = createAgent({
          logger,
          agentId,
          coordinators: [{ url: coordinator.grpcUrl, apiKey: deriveApiKey(masterSecret, agentId) }],
          wallet: privateKeyToAccount(agentKeys[i] as Hex),
          level,
          region: 'local',
          maxInFlight: 64,
          threads: level === Level.L3 ? 1 : 0,
          challenges:
            swarm === undefined || connected === undefined
              ? undefined
              : challengeResponderOptions(
                  { ...connected, rpcUrl },
                  {
                    contract: swarm.challenge,
                    privateKey: agentKeys[i] as Hex,
                    maxPerDay: UP_CONSENT.maxPerDay,
                  },
                ),
          messenger:
            swarm === undefined || connected === undefined
              ? undefined
              : messengerOptions(connected, {
                  mailbox: swarm.mailbox,
                  privateKey: agentKeys[i] as Hex,
                  inboxPath: join(datadir, 'agents', `${agentId}.inbox.sqlite`),
                  confirmations: 1,
                  fromBlock: swarm.block,
                  // DATADIR/you.key is not a registered agent: its pings are answered all the same.
                  replyTo:
                    devnetAccounts[7] === undefined ? [] : [privateKeyToAccount(devnetAccounts[7]).address],
                }),
        })
        agents.push(agent)
      }
      // On the embedded devnet: one more agent, at L4, on its own state loaded from the snapshot (a new devnet
      // each run: its store starts afresh).
      if (withL4) {
        step('exporting the L4 agent’s snapshot from the coordinator')
        const head = Number(BigInt((await createRpcClient(rpcUrl)('eth_blockNumber', [])) as string))
        const deadline = Date.now() + 120_000
        while ((coordinator.status().followed ?? 0) < head && Date.now() < deadline)
          await new Promise((resolve) => setTimeout(resolve, 100))
        const followed = await openStore({ path: join(datadir, 'coordinator.db') })
        const snapshot = join(datadir, 'state.snap')
        try {
          const rpc = createRpcClient(rpcUrl, { timeoutMs: 60_000 })
          const { block } = await exportFollowedSnapshot(followed, {
            genesis: await devnetGenesis(rpc, devnetAccounts.length),
            path: snapshot,
          })
          l4 = { snapshot, block }
        } finally {
          await followed.close()
        }
        step('loading the L4 agent’s snapshot')
        const key = generatePrivateKey()
        writeFileSync(join(datadir, 'agents', `${L4_AGENT}.key`), `${key}\n`, { mode: 0o600 })
        const stateDir = join(datadir, 'agents', L4_AGENT)
        rmSync(stateDir, { recursive: true, force: true })
        const { store } = await openAgentState({ datadir: stateDir, snapshot, logger })
        shutdown.add(() => store.close())
        agents.push(
          createAgent({
            logger,
            agentId: L4_AGENT,
            coordinators: [{ url: coordinator.grpcUrl, apiKey: deriveApiKey(masterSecret, L4_AGENT) }],
            wallet: privateKeyToAccount(key),
            level: Level.L4,
            region: 'local',
            maxInFlight: 64,
            threads: 0,
            state: store,
          }),
        )
      }
      // With a backend: one more agent, in --mode llm, for the gateway's chats.
      const chat = await chatBackendFrom({
        ...options,
        mode: options.llmModel.length > 0 ? 'llm' : 'validator',
      })
      if (chat !== undefined) {
        const key = generatePrivateKey()
        writeFileSync(join(datadir, 'agents', 'llm-1.key'), `${key}\n`, { mode: 0o600 })
        agents.push(
          createAgent({
            logger,
            agentId: 'llm-1',
            coordinators: [{ url: coordinator.grpcUrl, apiKey: deriveApiKey(masterSecret, 'llm-1') }],
            wallet: privateKeyToAccount(key),
            level: Level.L3,
            region: 'local',
            maxInFlight: 16,
            threads: 0,
            mode: 'llm',
            chat,
          }),
        )
      }
      shutdown.add(() => Promise.all(agents.map((a) => a.close({ graceMs: 3000 }))).then(() => {}))

      const grpcHostPort = coordinator.grpcUrl.replace(/^http:\/\//, '')
      status.say(
        [
          `chain        ${redactUrl(rpcUrl)}${options.rpc === undefined ? `  (embedded devnet, chain id ${chainId}, block every ${options.blockTime} s)` : ''}`,
          `coordinator  grpc ${coordinator.grpcUrl}  http ${coordinator.httpUrl}`,
          `explorer     ${coordinator.httpUrl}/  (the swarm live; epochs and receipts verified in your browser)`,
          `             ${coordinator.httpUrl}/swarm/status  ${coordinator.httpUrl}/swarm/shadow  ${coordinator.httpUrl}/metrics`,
          `agents       ${options.agents} (${Array.from({ length: options.agents }, (_, i) => Level[MIX[i % MIX.length] as Level]).join(', ')})${l4 === undefined ? '' : `, and ${L4_AGENT} on its own state from ${l4.snapshot} (block ${l4.block}); ${coordinator.httpUrl}/swarm/shadow shows its state root`}`,
          `datadir      ${datadir}  (${temporary ? 'temporary: removed when up stops; --datadir keeps it' : 'kept'}; agent payout keys in ${join(datadir, 'agents')})`,
          `rewards      ${formatEther(rewards.params.rewardWei)} ETH per epoch of ${rewards.epochMs === undefined ? `${rewards.epochBlocks} blocks` : `${rewards.epochMs / 1000} s`}; ${coordinator.httpUrl}/swarm/epochs`,
          ...(settlement === undefined
            ? ['             not settled: no reward pool (with --rpc)']
            : [
                `             ${settlement.pool === undefined ? `merkle: each seal deposits its epoch in ${registry}` : `pool ${settlement.pool}`}, hot wallet ${settlement.hotWallet.address.toLowerCase()}`,
                `             claim: ${cli} claim --rpc ${rpcUrl} ${settlement.pool === undefined ? '--epoch N' : `--contract ${settlement.pool}`} --private-key-file ${join(datadir, 'agents', `${agentIds[0]}.key`)}`,
              ]),
          `sealing      every epoch sealed in ${join(datadir, 'epochs')}, signed by ${rewards.sealing.signer.address.toLowerCase()}${registry === undefined ? '; not anchored (with --rpc)' : `, anchored in EpochRegistry ${registry}`}; ${coordinator.httpUrl}/v1/epochs`,
          ...(swarm === undefined
            ? []
            : [
                `challenges   SwarmChallenge ${swarm.challenge} (AgentRegistry ${swarm.registry}, every agent registered); one every ${CHALLENGE_EVERY_EPOCHS} epochs; ${coordinator.httpUrl}/v1/challenges`,
                `messages     Mailbox ${swarm.mailbox}; every agent answers ping. Ping one (wallets: ${cli} agents list --rpc ${rpcUrl} --mailbox ${swarm.mailbox}):`,
                `             ${cli} message send --rpc ${rpcUrl} --private-key-file ${join(datadir, 'you.key')} --mailbox ${swarm.mailbox} --to ${privateKeyToAccount(agentKeys[0] as Hex).address.toLowerCase()} --type ping --body hello --wait-reply 30`,
              ]),
          ...(escrow === undefined || devnetAccounts[7] === undefined
            ? []
            : [
                `jobs         JobEscrow ${escrow}; you (${join(datadir, 'you.key')}) have 1 ETH in it. Simulate a transfer:`,
                `             ${cli} job submit --coordinator-http ${coordinator.httpUrl} --client ${privateKeyToAccount(devnetAccounts[7]).address.toLowerCase()} --api-key $(${cli} client apikey --address ${privateKeyToAccount(devnetAccounts[7]).address.toLowerCase()} --master-secret-file ${join(datadir, 'master-secret')}) --wait --input '{"transactions":[{"from":"${privateKeyToAccount(devnetAccounts[7]).address.toLowerCase()}","to":"${privateKeyToAccount(agentKeys[0] as Hex).address.toLowerCase()}","value":"0x1"}]}'`,
              ]),
          ...(escrow === undefined || devnetAccounts[7] === undefined
            ? []
            : chat === undefined
              ? [
                  `chat         no LLM backend: start up with --llm-url URL --llm-model NAME (e.g. llama.cpp's llama-server) to serve ${coordinator.httpUrl}/v1/chat/completions`,
                ]
              : [
                  `chat         agent llm-1 serves ${chat.models.map((m) => m.name).join(', ')} from ${chat.kind}; OpenAI-compatible at ${coordinator.httpUrl}/v1 (same client and key as jobs):`,
                  `             curl -s ${coordinator.httpUrl}/v1/chat/completions -H 'content-type: application/json' -H 'x-apiary-client: ${privateKeyToAccount(devnetAccounts[7]).address.toLowerCase()}' -H "authorization: Bearer $(${cli} client apikey --address ${privateKeyToAccount(devnetAccounts[7]).address.toLowerCase()} --master-secret-file ${join(datadir, 'master-secret')})" -d '{"model":"${chat.models[0]?.name}","messages":[{"role":"user","content":"hello"}]}'`,
                ]),
          `join         your own agent, from another terminal (the master secret is in ${join(datadir, 'master-secret')}):`,
          `             ${cli} agent --coordinator ${grpcHostPort} --agent-id my-agent --level L3 --api-key $(${cli} apikey --master-secret-file ${join(datadir, 'master-secret')} --agent-id my-agent) --private-key-file ${join(datadir, devnetAccounts[7] === undefined ? 'agents/my-agent.key' : 'you.key')}`,
          'Ctrl-C stops everything.',
        ].join('\n'),
      )

      if (options.rpc === undefined) {
        const traffic = createTraffic(
          { logger },
          { rpcUrl, chainId, accounts: devnetAccounts.slice(0, 7).map((privateKey) => ({ privateKey })) },
        )
        // Not awaited at shutdown: a setup in progress would hold Ctrl-C for many seconds.
        void (async () => {
          await traffic.setup({ signal: shutdown.signal })
          await traffic.run({ tps: options.tps, signal: shutdown.signal })
        })().catch((error) => {
          if (!shutdown.signal.aborted) logger.error({ err: error }, 'traffic stopped')
        })
      }

      /** Once the first epoch with jobs is sealed (and anchored): how to check it with nothing but the CLI. */
      let verifyShown = false
      const showVerify = (epoch: number) => {
        verifyShown = true
        const bundles = join(datadir, 'exported')
        status.say(
          `epoch ${epoch} sealed${registry === undefined ? '' : ' and anchored'}; check it with only the CLI:\n  ${cli} epoch export ${epoch} --out ${bundles} --coordinator-http ${coordinator.httpUrl} && ${cli} verify bundle ${join(bundles, epochDirName(epoch))}${registry === undefined ? '' : ` --rpc ${rpcUrl}`}`,
        )
      }
      let challengeShown = false
      const showChallenge = (id: bigint) => {
        challengeShown = true
        status.say(
          `challenge ${id} finalized; read it from the chain:\n  ${cli} challenge status ${id} --rpc ${rpcUrl} --swarm-challenge ${swarm?.challenge}`,
        )
      }
      let last = { at: Date.now(), answered: coordinator.status().counters.answered }
      const render = () => {
        const s = coordinator.status()
        const now = Date.now()
        const rate = ((s.counters.answered - last.answered) * 1000) / Math.max(1, now - last.at)
        last = { at: now, answered: s.counters.answered }
        const t = s.accuracy.total
        const sealed = s.sealing?.lastSealed
        const checkable =
          registry !== undefined
            ? s.sealing?.anchor?.lastAnchored
            : sealed !== undefined && sealed.jobs > 0
              ? sealed
              : undefined
        if (!verifyShown && checkable !== undefined) showVerify(checkable.epoch)
        if (!challengeShown && s.challenge?.finalized !== undefined) showChallenge(s.challenge.finalized.id)
        status.draw([
          `[${Math.round((now - started) / 1000)}s]`,
          `block ${s.followed ?? '-'}/${s.head ?? '-'}`,
          `${rate.toFixed(1)} results/s`,
          `agents ${s.agentsLive}/${agents.length}`,
          `answered ${s.counters.answered}`,
          ...(s.pending === undefined
            ? []
            : [
                `pre-confirmation ${s.pending.dispatched} (${s.pending.landed} landed, ${s.pending.voided} void)`,
              ]),
          ...(s.history === undefined ? [] : [`history ${s.history}`]),
          ...(s.canaries === undefined
            ? []
            : [`canaries ${s.canaries.answersPassed} passed, ${s.canaries.answersFailed} failed`]),
          `scored ${t.scored}`,
          `accuracy ${t.scored === 0 ? '-' : `${((100 * t.matched) / t.scored).toFixed(1)}%`}`,
          ...(s.epoch === undefined ? [] : [`epoch ${s.epoch.number}`]),
          ...(s.settlement === undefined
            ? []
            : [
                s.settlement.lastSettled === undefined
                  ? 'settled -'
                  : `settled ${s.settlement.lastSettled.epoch} (tx ${s.settlement.lastSettled.txHash.slice(0, 10)}…)`,
                ...(s.settlement.owed > 0 ? [`owed ${s.settlement.owed}`] : []),
              ]),
          ...(s.sealing === undefined
            ? []
            : [
                `sealed ${s.sealing.lastSealed?.epoch ?? '-'}`,
                ...(s.sealing.anchor === undefined
                  ? []
                  : [`anchored ${s.sealing.anchor.lastAnchored?.epoch ?? '-'}`]),
              ]),
          ...(swarm === undefined
            ? []
            : [`messages ${agents.reduce((n, a) => n + (a.status().messenger?.handled ?? 0), 0)}`]),
          ...(s.challenge === undefined
            ? swarm === undefined
              ? []
              : ['challenge -']
            : [
                `challenge #${parseChallengeId(s.challenge.id).sequence} ${s.challenge.phase}${s.challenge.finalized === undefined ? '' : ` (last score ${(s.challenge.finalized.score / 100).toFixed(0)}%${s.challenge.finalized.passed ? ' passed' : ''})`}`,
              ]),
        ])
      }
      const ticker = setInterval(render, status.tty ? 1000 : 5000)
      shutdown.add(() => {
        clearInterval(ticker)
        render()
        out.write('\nstopping…\n')
      })
      await new Promise<void>((stopped) =>
        shutdown.signal.addEventListener('abort', () => stopped(), { once: true }),
      )
      await shutdown.close()
    })
}
