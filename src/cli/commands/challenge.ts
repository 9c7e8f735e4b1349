import type { Command } from '@commander-js/extra-typings'
import { type Address, createWalletClient, type Hex, type PublicClient } from 'viem'
import { z } from 'zod'
import { connectChain, createRpcClient, rpcTransport } from '../../chain/index.ts'
import {
  type ChallengeRecord,
  type ChallengeValidation,
  challengeMetrics,
  createChallengeIndex,
  expectedAnswers,
  finalizeChallenge,
  openChallenge,
  readChallengeValidation,
  registeredWallets,
  requestChallengeValidation,
  TASK_WINDOW,
  windowTransactions,
} from '../../challenge/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { createEngineCrypto, createVmPool } from '../../validation/index.ts'
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
    .pipe(z.array(addressOption).min(1).max(256))
    .optional(),
  minAgents: z.coerce.number().int().min(1).max(256).optional(),
  commitBlocks: z.coerce.number().int().min(1).max(100_000).default(5),
  revealBlocks: z.coerce.number().int().min(1).max(100_000).default(5),
  seed: z
    .string()
    .regex(/^0x[0-9a-fA-F]{64}$/, '32 bytes of 0x hex')
    .optional(),
  allowEmptyWindow: booleanOption.default(false),
})
const statusSchema = z.object({ ...base, fromBlock: z.coerce.bigint().min(0n).default(0n) })
const finalizeSchema = z.object({
  ...base,
  ...signer,
  fromBlock: z.coerce.bigint().min(0n).default(0n),
  fork: z.string().default('prague'),
})
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

  const create = challenge
    .command('create')
    .description('Open a challenge for registered agents and print its id.')
    .option(
      '--agents <n>',
      'invite the n most recently registered agents (APIARY_AGENTS; default all, at most 256)',
    )
    .option('--invite <address,...>', 'invite exactly these agent wallets instead (APIARY_INVITE)')
    .option('--min-agents <n>', 'correct answers needed to pass (APIARY_MIN_AGENTS; default every invitee)')
    .option('--commit-blocks <n>', 'blocks to commit in (APIARY_COMMIT_BLOCKS; default 5)')
    .option('--reveal-blocks <n>', 'blocks to reveal in, after the commits (APIARY_REVEAL_BLOCKS; default 5)')
    .option('--seed <hex>', '32-byte seed (APIARY_SEED; default random)')
    .option(
      '--allow-empty-window',
      'open it even if the 16 blocks before have no transaction (APIARY_ALLOW_EMPTY_WINDOW)',
    )
  common(create)
  signing(create)
  create
    .addHelpText(
      'after',
      `
Each invitee re-executes its own transaction of the 16 blocks before the challenge, chosen by keccak256(seed,
wallet), commits within --commit-blocks and reveals after. Finalize it after the reveal window.

Example:
  apiary challenge create --rpc http://127.0.0.1:8545 --keystore creator.json --password-file creator.pass \\
    --swarm-challenge 0xe7f1725e7734ce288f8367e1bb143e90bb3f0512 --agents 5 --commit-blocks 5 --reveal-blocks 5`,
    )
    .action(async (flags) => {
      const options = resolveOptions(createSchema, { flags, configFile: context.configFile() })
      const { chain, client } = await connectChain(options.rpc)
      const account = await loadSigner(options)
      const invitees =
        options.invite ??
        (await registeredWallets(client, {
          contract: options.swarmChallenge,
          limit: options.agents,
          exclude: [account.address],
        }))
      if (invitees.length === 0)
        throw new ApiaryError('APIARY_NO_AGENTS', 'no registered agent to invite', {
          usage: true,
          hints: ['agents register with: apiary register --registry <AgentRegistry> …'],
        })
      if (!options.allowEmptyWindow && (await windowTransactions(client)) === 0)
        throw new ApiaryError(
          'APIARY_CHALLENGE_EMPTY_WINDOW',
          `the last ${TASK_WINDOW} blocks have no transaction, so the tasks would be trivial`,
          { usage: true, hints: ['wait for traffic, or pass --allow-empty-window'] },
        )
      const wallet = createWalletClient({ account, chain, transport: rpcTransport(options.rpc) })
      const opened = await openChallenge({
        client,
        wallet,
        contract: options.swarmChallenge,
        invitees,
        seed: options.seed as Hex | undefined,
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
          ? `${stringifyJson({ ...opened, validation })}\n`
          : `challenge ${opened.id} for ${opened.invitees.length} agents: commits until block ${opened.commitDeadline}, reveals until ${opened.revealDeadline}\n${
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
      process.stdout.write(
        options.json
          ? `${stringifyJson({ ...record, metrics, head, validation })}\n`
          : describe(record, metrics, validation),
      )
    })

  const finalize = challenge
    .command('finalize')
    .argument('<id>', 'challenge id')
    .description(
      'Compute every invitee’s expected answer, finalize the challenge on-chain and print its score.',
    )
    .option('--from-block <n>', 'first block to read events from (APIARY_FROM_BLOCK; default 0)')
    .option('--fork <name>', 'rules of the chain, for re-execution (APIARY_FORK; default prague)')
  common(finalize)
  signing(finalize)
  finalize.action(async (idText, flags) => {
    const options = resolveOptions(finalizeSchema, { flags, configFile: context.configFile() })
    const id = parseId(idText)
    const { chain, client } = await connectChain(options.rpc)
    const account = await loadSigner(options)
    const { record } = await readRecord(client, options.swarmChallenge, id, options.fromBlock)
    const crypto = createEngineCrypto()
    const answers = await expectedAnswers(
      { rpc: createRpcClient(options.rpc), crypto, vms: createVmPool(crypto) },
      { record, chainId: BigInt(chain.id), fork: options.fork },
    )
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
        : `challenge ${id}: score ${formatScore(result.score)} (${result.answered}/${record.invitees.length} answered: ${result.correct} correct, ${result.revealed} revealed, ${result.participants} committed, spread ${result.spread} blocks) — ${result.passed ? 'passed' : 'not passed'}\n`,
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

function describe(
  record: ChallengeRecord,
  m: ReturnType<typeof challengeMetrics>,
  validation: ChallengeValidation | undefined,
): string {
  const lines = [
    `challenge ${record.id}  ${m.phase}  (${record.prompt})`,
    `  creator ${record.creator}, opened in block ${record.startBlock}; commits until ${record.commitDeadline}, reveals until ${record.revealDeadline}; passes with ${record.minAgents} correct`,
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
          : ` — ${!v.committed ? 'silent' : !v.timely ? 'late' : !v.revealed ? 'not revealed' : 'wrong'}`
    lines.push(
      `    ${agent}  ${commit === undefined ? 'no commit' : `committed in ${commit.block}`}${reveal === undefined ? '' : `, revealed in ${reveal.block}`}${verdict}`,
    )
  }
  const f = record.finalized
  if (f !== undefined)
    lines.push(
      `  finalized in block ${f.block}: score ${formatScore(f.score)}, ${f.answered} answered (${f.correct} correct) — ${f.passed ? 'passed' : 'not passed'}; swarm ${f.swarmHash}`,
      `  off-chain: score ${m.score === undefined ? '?' : formatScore(m.score)}, ${m.agrees === true ? 'agrees with the contract' : 'DISAGREES with the contract'}`,
    )
  if (validation !== undefined)
    lines.push(
      `  ERC-8004 validation of agent ${validation.agentId} in ${validation.registry}: ${validation.response === undefined ? 'requested' : `response ${validation.response}/100 (tag ${validation.tag})`}; request ${validation.requestHash}`,
    )
  return `${lines.join('\n')}\n`
}
