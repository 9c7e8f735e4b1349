import type { Command } from '@commander-js/extra-typings'
import { type Address, createWalletClient, type Hex, type PublicClient } from 'viem'
import { z } from 'zod'
import { connectChain, rpcTransport } from '../../chain/index.ts'
import {
  blockSeconds,
  type ChallengeCapacity,
  type ChallengeRecord,
  type ChallengeValidation,
  calibrateCapacity,
  capacityIterations,
  challengeMetrics,
  createChallengeIndex,
  expectedAnswers,
  finalizeChallenge,
  ITERATION_GAS,
  type MachineClass,
  openChallenge,
  parseCapacityPrompt,
  readCapacityBound,
  readChallengeValidation,
  registeredAgents,
  requestChallengeValidation,
  suggestDifficulty,
} from '../../challenge/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { addressOption, loadSigner, signerSchema } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'

const signer = {
  ...signerSchema,
}
const base = {
  rpc: z.string().url(),
  swarmChallenge: addressOption,
  json: booleanOption.default(false),
}
const createSchema = z.object({
  ...base,
  ...signer,
  agents: z.coerce.number().int().min(1).max(256).optional(),
  invite: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== ''),
    )
    .pipe(
      z
        .array(z.string().regex(/^[0-9]{1,78}$/, 'an agent id is a decimal number'))
        .min(1)
        .max(256)
        .transform((ids) => ids.map(BigInt)),
    )
    .optional(),
  minAgents: z.coerce.number().int().min(1).max(256).optional(),
  commitBlocks: z.coerce.number().int().min(1).max(100_000).default(5),
  revealBlocks: z.coerce.number().int().min(1).max(100_000).default(5),
  seed: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, '32 bytes of 0x hex')
    .optional(),
  difficulty: z.coerce
    .bigint()
    .min(ITERATION_GAS)
    .max(2n ** 64n - 1n)
    .optional(),
  classGasPerSecond: z.coerce.number().positive().optional(),
  className: z.string().max(200).optional(),
  taskShare: z.coerce.number().gt(0.5).lt(1).default(0.6),
})
const calibrateSchema = z.object({
  rpc: z.string().url().optional(),
  commitBlocks: z.coerce.number().int().min(1).max(100_000).default(5),
  blockSeconds: z.coerce.number().positive().optional(),
  taskShare: z.coerce.number().gt(0.5).lt(1).default(0.6),
  seconds: z.coerce.number().min(0.3).max(60).default(2),
  json: booleanOption.default(false),
})
const statusSchema = z.object({ ...base, fromBlock: z.coerce.bigint().min(0n).default(0n) })
const finalizeSchema = z.object({ ...base, ...signer, fromBlock: z.coerce.bigint().min(0n).default(0n) })
/** A challenge id, decimal or 0x-hex. */
function parseId(text: string): bigint {
  if (!/^([0-9]{1,78}|0x[0-9a-fA-F]{1,64})$/.test(text) || BigInt(text) === 0n)
    throw new ApiaryError('APIARY_USAGE', `${text} is not a challenge id (a decimal or 0x-hex number)`, {
      usage: true,
    })
  return BigInt(text)
}

type Program = Command<[], { config?: string; logLevel?: string }>

export function registerChallenge(program: Program, context: CliContext): void {
  const challenge = program
    .command('challenge')
    .description(
      'Proof of Swarm: challenge registered agents on-chain and read the results (docs/spec/challenge.md).',
    )
  type Optionable = { option(flags: string, description?: string): unknown }
  const common = (command: Optionable) => {
    command.option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    command.option('--swarm-challenge <address>', 'the SwarmChallenge contract (APIARY_SWARM_CHALLENGE)')
    command.option('--json', 'print JSON (APIARY_JSON)')
  }
  const signing = (command: Optionable) => {
    command.option('--keystore <file>', 'the creator wallet, which pays the gas (APIARY_KEYSTORE)')
    command.option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    command.option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    )
  }

  challenge
    .command('calibrate')
    .description(
      'Measure the capacity task on this machine (one core) and suggest a difficulty for a commit window.',
    )
    .option('--rpc <url>', "JSON-RPC endpoint: read the chain's block time from it (APIARY_RPC)")
    .option('--commit-blocks <n>', 'blocks of the commit window (APIARY_COMMIT_BLOCKS; default 5)')
    .option('--block-seconds <s>', 'block time, instead of reading it from --rpc (APIARY_BLOCK_SECONDS)')
    .option(
      '--task-share <x>',
      'share of the window one task takes this core, above 0.5 (APIARY_TASK_SHARE; default 0.6)',
    )
    .option('--seconds <s>', 'how long to measure (APIARY_SECONDS; default 2)')
    .option('--json', 'print JSON (APIARY_JSON)')
    .addHelpText(
      'after',
      `
A task is sequential SHA-256 work (docs/spec/challenge.md#tasks) that no number of cores shortens. The
suggested difficulty makes one core of this machine need --task-share of the commit window per task, so no
core answers two invitees in one window, and an honest agent keeps the rest of the window for latency.

Example:
  apiary challenge calibrate --rpc http://127.0.0.1:8545 --commit-blocks 12`,
    )
    .action(async (flags) => {
      const options = resolveOptions(calibrateSchema, { flags, configFile: context.configFile() })
      const seconds =
        options.blockSeconds ??
        (options.rpc === undefined ? undefined : await blockSeconds((await connectChain(options.rpc)).client))
      if (seconds === undefined)
        throw new ApiaryError('APIARY_MISSING_OPTION', 'give --rpc or --block-seconds', { usage: true })
      const measured = await calibrateCapacity({ seconds: options.seconds })
      const windowSeconds = options.commitBlocks * seconds
      const difficulty = suggestDifficulty({
        gasPerSecond: measured.gasPerSecond,
        windowSeconds,
        share: options.taskShare,
      })
      const result = {
        ...measured,
        blockSeconds: seconds,
        commitBlocks: options.commitBlocks,
        windowSeconds,
        difficulty,
        taskSeconds: Number(difficulty) / measured.gasPerSecond,
      }
      process.stdout.write(
        options.json
          ? `${stringifyJson(result)}\n`
          : [
              `class     ${measured.name}`,
              `rate      ${formatGas(measured.gasPerSecond)} gas/s (${Math.round(measured.iterationsPerSecond)} iterations/s of ${ITERATION_GAS} gas); ${measured.cores} cores here`,
              `window    ${options.commitBlocks} blocks × ${seconds.toFixed(2)} s = ${windowSeconds.toFixed(1)} s`,
              `suggest   --difficulty ${difficulty} (${result.taskSeconds.toFixed(1)} s per task on one such core)`,
              `          --class-gas-per-second ${measured.gasPerSecond} --commit-blocks ${options.commitBlocks}`,
              '',
            ].join('\n'),
      )
    })

  const create = challenge
    .command('create')
    .description('Open a challenge for registered agents and print its id.')
    .option(
      '--agents <n>',
      'invite the n most recently registered agents (APIARY_AGENTS; default all, at most 256)',
    )
    .option(
      '--invite <agentId,...>',
      'invite exactly these agents (ERC-8004 ids) instead; each answers from its operating wallet (APIARY_INVITE)',
    )
    .option('--min-agents <n>', 'correct answers needed to pass (APIARY_MIN_AGENTS; default every invitee)')
    .option('--commit-blocks <n>', 'blocks to commit in (APIARY_COMMIT_BLOCKS; default 5)')
    .option('--reveal-blocks <n>', 'blocks to reveal in, after the commits (APIARY_REVEAL_BLOCKS; default 5)')
    .option('--seed <hex>', '32-byte seed (APIARY_SEED; default random)')
    .option(
      '--difficulty <gas>',
      "gas of each invitee's task (APIARY_DIFFICULTY; default: calibrated here for the window)",
    )
    .option(
      '--class-gas-per-second <n>',
      'the rate of one unit of the class the bound counts in (APIARY_CLASS_GAS_PER_SECOND; default: measured here)',
    )
    .option('--class-name <text>', 'what that class is (APIARY_CLASS_NAME)')
    .option(
      '--task-share <x>',
      'without --difficulty: share of the window a task takes one core (APIARY_TASK_SHARE; default 0.6)',
    )
  common(create)
  signing(create)
  create
    .addHelpText(
      'after',
      `
Each invitee computes its own task — sequential SHA-256 work of --difficulty gas, seeded by the seed, the hash
of the block the challenge is created in and its wallet — commits within --commit-blocks and reveals after.
Without --difficulty, this machine is calibrated (2 s) and the chain's block time read, as
\`apiary challenge calibrate\` does. Finalize it after the reveal window.

Example:
  apiary challenge create --rpc http://127.0.0.1:8545 --keystore creator.json --password-file creator.pass \\
    --swarm-challenge 0xe7f1725e7734ce288f8367e1bb143e90bb3f0512 --agents 5 --commit-blocks 12 --reveal-blocks 5`,
    )
    .action(async (flags) => {
      const options = resolveOptions(createSchema, { flags, configFile: context.configFile() })
      const { chain, client } = await connectChain(options.rpc)
      const account = await loadSigner(options)
      const agents =
        options.invite ??
        (
          await registeredAgents(client, {
            contract: options.swarmChallenge,
            limit: options.agents,
            creator: account.address,
          })
        ).map((a) => a.agentId)
      if (agents.length === 0)
        throw new ApiaryError(
          'APIARY_NO_AGENTS',
          'no registered agent consents to challenges from this wallet',
          {
            usage: true,
            hints: [
              'agents register, and consent to challenges, with: apiary register --registry <AgentRegistry> --accept-challenges any …',
            ],
          },
        )
      const measured =
        options.difficulty !== undefined && options.classGasPerSecond !== undefined
          ? undefined
          : await calibrateCapacity()
      const machineClass: MachineClass =
        options.classGasPerSecond !== undefined
          ? { gasPerSecond: options.classGasPerSecond, name: options.className ?? 'given by the creator' }
          : (measured as MachineClass)
      const difficulty =
        options.difficulty ??
        suggestDifficulty({
          gasPerSecond: machineClass.gasPerSecond,
          windowSeconds: options.commitBlocks * (await blockSeconds(client)),
          share: options.taskShare,
        })
      const wallet = createWalletClient({ account, chain, transport: rpcTransport(options.rpc) })
      const opened = await openChallenge({
        client,
        wallet,
        contract: options.swarmChallenge,
        agents,
        seed: options.seed as Hex | undefined,
        difficulty,
        machineClass,
        commitBlocks: options.commitBlocks,
        revealBlocks: options.revealBlocks,
        minAgents: options.minAgents,
      })
      // When the creator's wallet operates an agent (its swarm, registered with apiary register), the result
      // is published as that agent's ERC-8004 validation.
      const validation = await requestChallengeValidation({
        client,
        wallet,
        contract: options.swarmChallenge,
        id: opened.id,
      })
      process.stdout.write(
        options.json
          ? `${stringifyJson({ ...opened, difficulty, machineClass, validation })}\n`
          : `challenge ${opened.id} for ${opened.invitees.length} agents: commits until block ${opened.commitDeadline}, reveals until ${opened.revealDeadline}\n  difficulty ${difficulty} gas: ${(Number(difficulty) / machineClass.gasPerSecond).toFixed(1)} s per task on ${machineClass.name}\n${
              validation === undefined
                ? ''
                : `validation of agent ${validation.agentId} requested in ValidationRegistry ${validation.registry}: finalize publishes the score there\n`
            }`,
      )
    })

  const status = challenge
    .command('status')
    .argument('<id>', 'challenge id')
    .description("A challenge's commits, reveals, metrics and score, read from the chain.")
    .option('--from-block <n>', 'first block to read events from (APIARY_FROM_BLOCK; default 0)')
  common(status)
  status
    .addHelpText(
      'after',
      `
Example:
  apiary challenge status 340282366920938463463374607431768211456 --rpc http://127.0.0.1:8545 \\
    --swarm-challenge 0xe7f1725e7734ce288f8367e1bb143e90bb3f0512`,
    )
    .action(async (idText, flags) => {
      const options = resolveOptions(statusSchema, { flags, configFile: context.configFile() })
      const id = parseId(idText)
      const { client } = await connectChain(options.rpc)
      const { record, head } = await readRecord(client, options.swarmChallenge, id, options.fromBlock)
      const metrics = challengeMetrics(record, head)
      const validation = await readChallengeValidation(client, options.swarmChallenge, id)
      const capacity = await readCapacityBound(client, record, metrics.verdicts)
      process.stdout.write(
        options.json
          ? `${stringifyJson({ ...record, metrics, head, validation, capacity })}\n`
          : describe(record, metrics, validation, capacity),
      )
    })

  const finalize = challenge
    .command('finalize')
    .argument('<id>', 'challenge id')
    .description(
      'Compute every invitee’s expected answer, finalize the challenge on-chain and print its score.',
    )
    .option('--from-block <n>', 'first block to read events from (APIARY_FROM_BLOCK; default 0)')
  common(finalize)
  signing(finalize)
  finalize.action(async (idText, flags) => {
    const options = resolveOptions(finalizeSchema, { flags, configFile: context.configFile() })
    const id = parseId(idText)
    const { chain, client } = await connectChain(options.rpc)
    const account = await loadSigner(options)
    const { record } = await readRecord(client, options.swarmChallenge, id, options.fromBlock)
    const answers = await expectedAnswers(record)
    const result = await finalizeChallenge({
      client,
      wallet: createWalletClient({ account, chain, transport: rpcTransport(options.rpc) }),
      contract: options.swarmChallenge,
      id,
      answers,
    })
    process.stdout.write(
      options.json
        ? `${stringifyJson(result)}\n`
        : `challenge ${id}: score ${formatScore(result.score)} (${result.answered}/${record.invitees.length} answered: ${result.revealed} revealed, ${result.participants} committed, spread ${result.spread} blocks) — ${result.passed ? 'passed' : 'not passed'}\n`,
    )
  })

  const verify = challenge
    .command('verify')
    .argument('<id>', 'challenge id')
    .description(
      "Recompute every revealed invitee's task and check the creator's expected answers and the reveals against it.",
    )
    .option('--from-block <n>', 'first block to read events from (APIARY_FROM_BLOCK; default 0)')
  common(verify)
  verify
    .addHelpText(
      'after',
      `
Anyone can dispute a finalized challenge this way: the tasks follow from the chain alone (seed, the opening
block's hash, each wallet, the difficulty). Exits 1 (APIARY_CHALLENGE_DISPUTED) when an expected answer the
creator passed to finalize differs from the recomputed one.`,
    )
    .action(async (idText, flags) => {
      const options = resolveOptions(statusSchema, { flags, configFile: context.configFile() })
      const id = parseId(idText)
      const { client } = await connectChain(options.rpc)
      const { record } = await readRecord(client, options.swarmChallenge, id, options.fromBlock)
      const recomputed = await expectedAnswers(record)
      const revealed = new Map(record.reveals.map((r) => [r.agent.toLowerCase(), r.answer.toLowerCase()]))
      const finalized = record.finalized?.expectedAnswers
      const invitees = record.invitees.map((agent, i) => {
        const answer = recomputed[i] as Hex
        const reveal = revealed.get(agent.toLowerCase())
        return {
          agent,
          revealed: reveal !== undefined,
          answer: reveal === undefined ? undefined : answer,
          revealCorrect: reveal === undefined ? undefined : reveal === answer.toLowerCase(),
          creatorAgrees:
            reveal === undefined || finalized === undefined
              ? undefined
              : finalized[i]?.toLowerCase() === answer.toLowerCase(),
        }
      })
      const disputed = invitees.filter((v) => v.creatorAgrees === false)
      process.stdout.write(
        options.json
          ? `${stringifyJson({ id, invitees, finalized: finalized !== undefined, disputed: disputed.length })}\n`
          : `${[
              `challenge ${id}: ${invitees.filter((v) => v.revealed).length} revealed tasks recomputed (${capacityIterations(record.difficulty)} iterations each)`,
              ...invitees.map(
                (v) =>
                  `  ${v.agent}  ${!v.revealed ? 'not revealed' : `reveal ${v.revealCorrect ? 'correct' : 'WRONG'}${v.creatorAgrees === undefined ? '' : v.creatorAgrees ? ', creator agrees' : ', CREATOR DISAGREES'}`}`,
              ),
            ].join('\n')}\n`,
      )
      if (disputed.length > 0)
        throw new ApiaryError(
          'APIARY_CHALLENGE_DISPUTED',
          `the creator's expected answers differ from the recomputed ones for ${disputed.length} invitee(s)`,
          { details: { agents: disputed.map((v) => v.agent) } },
        )
    })
}

async function readRecord(client: PublicClient, contract: Address, id: bigint, fromBlock: bigint) {
  const index = createChallengeIndex({ client, address: contract, fromBlock })
  const head = await index.sync()
  const record = index.get(id)
  if (record === undefined)
    throw new ApiaryError(
      'APIARY_CHALLENGE_UNKNOWN',
      `no challenge ${id} in ${contract} since block ${fromBlock}`,
      {
        usage: true,
      },
    )
  return { record, head }
}

const formatScore = (bps: number) => `${(bps / 100).toFixed(2)}%`

const formatGas = (gas: number) => `${(gas / 1e6).toFixed(0)} M`

function describe(
  record: ChallengeRecord,
  m: ReturnType<typeof challengeMetrics>,
  validation: ChallengeValidation | undefined,
  capacity: ChallengeCapacity | undefined,
): string {
  const lines = [
    `challenge ${record.id}  ${m.phase}  (${parseCapacityPrompt(record.prompt)?.task ?? record.prompt})`,
    `  creator ${record.creator}, opened in block ${record.startBlock}; commits until ${record.commitDeadline}, reveals until ${record.revealDeadline}; passes with ${record.minAgents} correct`,
    `  difficulty ${record.difficulty} gas (${capacityIterations(record.difficulty)} sequential SHA-256 iterations per task)`,
    `  commits ${m.commits}/${m.invitees} (participation ${formatScore(m.participationBps)}), reveals ${m.reveals} (reveal rate ${formatScore(m.revealRateBps)}), commit spread ${m.spread} blocks`,
  ]
  for (const [i, agent] of record.invitees.entries()) {
    const commit = record.commits.find((c) => c.agent.toLowerCase() === agent.toLowerCase())
    const reveal = record.reveals.find((r) => r.agent.toLowerCase() === agent.toLowerCase())
    const v = m.verdicts?.[i]
    const verdict =
      v === undefined
        ? ''
        : v.answered
          ? ' — answered'
          : ` — ${!v.committed ? 'no commit in the window' : !v.revealed ? 'not revealed' : 'wrong'}`
    lines.push(
      `    ${agent}  ${commit === undefined ? 'no commit' : `committed in ${commit.block}`}${reveal === undefined ? '' : `, revealed in ${reveal.block}`}${verdict}`,
    )
  }
  const f = record.finalized
  if (f !== undefined)
    lines.push(
      `  finalized in block ${f.block}: score ${formatScore(f.score)}, ${f.answered} answered — ${f.passed ? 'passed' : 'not passed'}; swarm ${f.swarmHash}`,
      `  off-chain: score ${m.score === undefined ? '?' : formatScore(m.score)}, ${m.agrees === true ? 'agrees with the contract' : 'DISAGREES with the contract'}`,
    )
  if (capacity !== undefined)
    lines.push(
      `  capacity: at least ${capacity.units} unit${capacity.units === 1 ? '' : 's'} of the class "${capacity.machineClass.name}" (${formatGas(capacity.machineClass.gasPerSecond)} gas/s each) worked at once:`,
      `    ${capacity.answered} answered task${capacity.answered === 1 ? '' : 's'} of ${capacity.taskSeconds.toFixed(1)} s each for one unit, all committed within ${capacity.elapsedSeconds} s of the opening block, so one unit did at most ${capacity.tasksPerUnit}`,
      '    assumes: nobody computes this SHA-256 chain faster per unit than the class (no faster core, no ASIC); block timestamps are honest to a second',
      '    does not prove: that the units are separate machines, or that they belong to different people',
    )
  if (validation !== undefined)
    lines.push(
      `  ERC-8004 validation of agent ${validation.agentId} in ${validation.registry}: ${validation.response === undefined ? 'requested' : `response ${validation.response}/100 (tag ${validation.tag})`}; request ${validation.requestHash}`,
    )
  return `${lines.join('\n')}\n`
}
