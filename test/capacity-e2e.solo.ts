/**
 * Proof of Swarm's capacity bound, shown on this machine (issue 19): the difficulty is calibrated so that one core
 * needs 60 % of the 12-block commit window for one task. Two honest agents — each its own process, so its own
 * core — pass, and `apiary challenge status` says at least 2 units of the class answered; one process holding 6
 * wallets, or 3, that computes on every core at once and commits each answer the moment it has it, fails.
 *
 * It needs every core of the machine to itself, so `npm test` runs it after the other tests, alone.
 */
import assert from 'node:assert/strict'
import { type ChildProcess, spawn } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { type Address, createPublicClient, createWalletClient, type Hex, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { SwarmChallenge } from '../src/chain/contracts.generated.ts'
import {
  type Devnet,
  deploySwarmContracts,
  registerAgent,
  sendCall,
  startDevnet,
} from '../src/chain/index.ts'
import {
  type Calibration,
  type ChallengeRecord,
  CONSENT_KEY,
  calibrateCapacity,
  challengeCommitment,
  challengeMetrics,
  computeAnswer,
  createChallengeIndex,
  encodeConsent,
  expectedAnswers,
  finalizeChallenge,
  type OpenChallengeReturnType,
  openChallenge,
  readCapacityBound,
  suggestDifficulty,
} from '../src/challenge/index.ts'
import { runApiary } from './_harness/cli.ts'
import { REPO_ROOT } from './_harness/fixtures.ts'
import { logger, waitFor } from './_harness/swarm.ts'

const COMMIT_BLOCKS = 12
const REVEAL_BLOCKS = 3
/**
 * One task takes 70 % of the commit window on one calibrated core: a faker's third task on two cores needs
 * 140 % of it, so a calibration 20 % slow or blocks 20 % late (its worker threads starve the devnet's
 * timer) do not let it through, as they did once at 60 % in a clean-clone CI run; an honest agent keeps 30 %.
 */
const SHARE = 0.7
const HONEST = [1, 2]
const FAKER = [3, 4, 5, 6, 7, 8]
let devnet: Devnet
let client: PublicClient
let contract: Address
let calibration: Calibration
let difficulty: bigint
const children: ChildProcess[] = []
/** ERC-8004 agent id of each dev account registered. */
const agentIds = new Map<number, bigint>()

const keyOf = (i: number) => (devnet.accounts[i] as { privateKey: Hex }).privateKey
const walletOf = (i: number) =>
  createWalletClient({
    account: privateKeyToAccount(keyOf(i)),
    chain: devnet.chain,
    transport: http(devnet.url),
  })
const addressOf = (i: number) => privateKeyToAccount(keyOf(i)).address.toLowerCase() as Address
const head = () => client.getBlockNumber({ cacheTime: 0 })
const untilBlock = (n: bigint) => waitFor(`block ${n}`, async () => (await head()) >= n, 120_000)

before(async () => {
  assert.ok(availableParallelism() >= 2, 'the demonstration needs two cores')
  // Measured first, while nothing else runs: the class is "one core of this machine".
  calibration = await calibrateCapacity({ seconds: 2 })
  difficulty = suggestDifficulty({
    gasPerSecond: calibration.gasPerSecond,
    windowSeconds: COMMIT_BLOCKS,
    share: SHARE,
  })
  devnet = await startDevnet({ logger }, { port: 0, accounts: 10, blockTime: 1 })
  client = createPublicClient({ chain: devnet.chain, pollingInterval: 250, transport: http(devnet.url) })
  const deployed = await deploySwarmContracts({ rpcUrl: devnet.url, deployer: privateKeyToAccount(keyOf(0)) })
  contract = deployed.challenge
  for (const i of [...HONEST, ...FAKER]) {
    const account = privateKeyToAccount(keyOf(i))
    const registry = deployed.registry
    const { agentId } = await registerAgent({
      client,
      chain: devnet.chain,
      rpcUrl: devnet.url,
      registry,
      account,
      metadata: [
        { metadataKey: CONSENT_KEY, metadataValue: encodeConsent({ maxPerDay: 48, creators: undefined }) },
      ],
    })
    agentIds.set(i, agentId)
  }
  // Each honest agent: an Apiary challenge responder in a process of its own.
  for (const i of HONEST) {
    const child = spawn(
      process.execPath,
      [join(REPO_ROOT, 'test/_harness/responderChild.ts'), devnet.url, contract, keyOf(i)],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    )
    children.push(child)
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    await waitFor(`honest agent ${i} ready`, () => output.includes('ready'), 30_000)
  }
})

after(async () => {
  for (const child of children) child.kill('SIGTERM')
  await devnet?.close()
})

const open = (invitees: number[]) =>
  openChallenge({
    client,
    wallet: walletOf(0),
    contract,
    agents: invitees.map((i) => agentIds.get(i) as bigint),
    difficulty,
    machineClass: calibration,
    commitBlocks: COMMIT_BLOCKS,
    revealBlocks: REVEAL_BLOCKS,
  })

async function recordOf(id: bigint): Promise<ChallengeRecord> {
  const index = createChallengeIndex({ client, address: contract })
  await index.sync()
  return index.get(id) as ChallengeRecord
}

/** Waits out the reveal window, finalizes with the expected answers, and returns the result with its bound. */
async function finalize(opened: OpenChallengeReturnType) {
  await untilBlock(opened.revealDeadline + 1n)
  const answers = await expectedAnswers(await recordOf(opened.id))
  const attested = await finalizeChallenge({ client, wallet: walletOf(0), contract, id: opened.id, answers })
  const record = await recordOf(opened.id)
  const metrics = challengeMetrics(record, await head())
  assert.equal(metrics.agrees, true)
  const bound = await readCapacityBound(client, record, metrics.verdicts)
  assert.ok(bound !== undefined)
  return { attested, bound, record }
}

/**
 * The best a faker with one process can do: compute its wallets' tasks on every core at once (one worker thread
 * per core), commit each answer as soon as it has it, and reveal every commit after the deadline.
 */
async function fakeInParallel(opened: OpenChallengeReturnType, wallets: number[]) {
  const record = await recordOf(opened.id)
  const salt = (i: number) => `0x${(7000 + i).toString(16).padStart(64, '0')}` as Hex
  const send = (i: number, functionName: 'commit' | 'reveal', args: unknown[]) =>
    sendCall({ client, wallet: walletOf(i), address: contract, abi: SwarmChallenge.abi, functionName, args })
  const queue = [...wallets]
  const commits: Promise<unknown>[] = []
  const answers = new Map<number, Hex>()
  // Work that cannot be committed in time is given up at the deadline.
  const deadline = new AbortController()
  const closed = untilBlock(opened.commitDeadline).then(() => deadline.abort())
  const core = async () => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const task = { seed: record.seed, openHash: record.openHash, agent: addressOf(i), difficulty }
      const solved = await computeAnswer(task, deadline.signal).catch(() => undefined)
      if (solved === undefined) return
      const { answer } = solved
      answers.set(i, answer)
      const commitment = challengeCommitment({ answer, salt: salt(i), agent: addressOf(i) })
      commits.push(send(i, 'commit', [opened.id, commitment]).catch(() => answers.delete(i)))
    }
  }
  await Promise.all(Array.from({ length: availableParallelism() }, core))
  await Promise.all(commits)
  await closed
  await untilBlock(opened.commitDeadline + 1n)
  await Promise.all([...answers].map(([i, answer]) => send(i, 'reveal', [opened.id, answer, salt(i)])))
  return answers.size
}

test('the calibrated task takes one core more than half the commit window', () => {
  const taskSeconds = Number(difficulty) / calibration.gasPerSecond
  assert.ok(taskSeconds > COMMIT_BLOCKS / 2 && taskSeconds < COMMIT_BLOCKS, `${taskSeconds} s per task`)
})

test('two honest agents, each its own process and core, pass; the bound is at least 2 units of the class', async () => {
  const opened = await open(HONEST)
  const { attested, bound } = await finalize(opened)
  assert.deepEqual([attested.answered, attested.score, attested.passed], [2, 10000, true])
  assert.equal(bound.units, 2, `${bound.elapsedSeconds} s for ${bound.taskSeconds} s tasks`)
  assert.equal(bound.tasksPerUnit, 1)
  const status = await runApiary([
    'challenge',
    'status',
    opened.id.toString(),
    '--rpc',
    devnet.url,
    '--swarm-challenge',
    contract,
  ])
  assert.equal(status.code, 0, status.stderr)
  assert.match(status.stdout, /capacity: at least 2 units of the class "one core of .*SHA-256/)
  assert.match(status.stdout, /does not prove: that the units are separate machines/)
})

for (const count of [6, 3])
  test(`one process with ${count} wallets, computing on every core at once, fails`, async (t) => {
    const wallets = FAKER.slice(0, count)
    const opened = await open(wallets)
    const committed = await fakeInParallel(opened, wallets)
    const { attested, bound } = await finalize(opened)
    t.diagnostic(`committed ${committed}, answered ${attested.answered}, score ${attested.score}`)
    assert.ok(attested.answered <= availableParallelism(), `answered ${attested.answered}`)
    assert.ok(attested.score < 7000, `score ${attested.score}`)
    assert.equal(attested.passed, false)
    assert.ok(bound.units <= availableParallelism(), `bound ${bound.units}`)
  })
