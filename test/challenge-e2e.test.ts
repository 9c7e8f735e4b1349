/**
 * Proof of Swarm end to end on a devnet with 1-second blocks, with light tasks (a few milliseconds: timing is the
 * subject of test/capacity-e2e.solo.ts): five independent responders (the agent's challenge watcher, one per
 * wallet) pass; a silent, unrevealed or wrong minority lowers the score in proportion; a copied answer does not
 * count and a replayed reveal reverts; an agent declines what it did not consent to. The indexer's off-chain
 * metrics equal the contract's score.
 */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  type Address,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  toHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type ChallengeResponder, createChallengeResponder } from '../src/agent/challenge/index.ts'
import { SwarmChallenge } from '../src/chain/contracts.generated.ts'
import {
  type Devnet,
  deploySwarmContracts,
  registerAgent,
  sendCall,
  startDevnet,
} from '../src/chain/index.ts'
import {
  CONSENT_KEY,
  challengeCommitment,
  challengeMetrics,
  computeAnswer,
  createChallengeIndex,
  encodeConsent,
  expectedAnswers,
  finalizeChallenge,
  ITERATION_GAS,
  openChallenge,
} from '../src/challenge/index.ts'
import { logger, waitFor } from './_harness/swarm.ts'

const HONEST = [1, 2, 3, 4, 5]
const FAKER = [6, 7, 8, 9, 10]
const COPIER = 11
/** 200 iterations: milliseconds. */
const DIFFICULTY = 200n * ITERATION_GAS
const CLASS = { gasPerSecond: 600_000_000, name: 'test class' }
let devnet: Devnet
let client: PublicClient
let contract: Address
const responders: ChallengeResponder[] = []

const account = (i: number) => privateKeyToAccount((devnet.accounts[i] as { privateKey: Hex }).privateKey)
const walletOf = (i: number) =>
  createWalletClient({ account: account(i), chain: devnet.chain, transport: http(devnet.url) })
const addressOf = (i: number) => account(i).address.toLowerCase() as Address
const head = () => client.getBlockNumber({ cacheTime: 0 })
const untilBlock = (n: bigint) => waitFor(`block ${n}`, async () => (await head()) >= n, 120_000)
/** Opens a light challenge from the creator (dev account 0). */
/** ERC-8004 agent id of each registered wallet. */
const agentIds = new Map<Address, bigint>()
const open = (
  invitees: Address[],
  options: { commitBlocks?: number; minAgents?: number; difficulty?: bigint } = {},
) =>
  openChallenge({
    client,
    wallet: walletOf(0),
    contract,
    agents: invitees.map((a) => agentIds.get(a) as bigint),
    difficulty: options.difficulty ?? DIFFICULTY,
    machineClass: CLASS,
    commitBlocks: options.commitBlocks ?? 6,
    revealBlocks: 6,
    minAgents: options.minAgents,
  })

before(async () => {
  devnet = await startDevnet({ logger }, { port: 0, accounts: 14, blockTime: 1 })
  client = createPublicClient({ chain: devnet.chain, pollingInterval: 250, transport: http(devnet.url) })
  const deployed = await deploySwarmContracts({ rpcUrl: devnet.url, deployer: account(0) })
  contract = deployed.challenge
  await Promise.all(
    [...HONEST, ...FAKER, COPIER].map(async (i) => {
      const { agentId } = await registerAgent({
        client,
        chain: devnet.chain,
        rpcUrl: devnet.url,
        registry: deployed.registry,
        account: account(i),
        metadata: [
          { metadataKey: CONSENT_KEY, metadataValue: encodeConsent({ maxPerDay: 48, creators: undefined }) },
        ],
      })
      agentIds.set(addressOf(i), agentId)
    }),
  )
})

after(async () => {
  await Promise.all(responders.map((r) => r.close()))
  await devnet?.close()
})

/** Waits out the reveal window, finalizes with the creator's expected answers, and checks the indexer agrees. */
async function finalizeAndIndex(opened: Awaited<ReturnType<typeof openChallenge>>) {
  await untilBlock(opened.revealDeadline + 1n)
  const before = createChallengeIndex({ client, address: contract })
  await before.sync()
  const answers = await expectedAnswers(before.get(opened.id) as NonNullable<ReturnType<typeof before.get>>)
  const attested = await finalizeChallenge({ client, wallet: walletOf(0), contract, id: opened.id, answers })
  const index = createChallengeIndex({ client, address: contract })
  const at = await index.sync()
  const indexed = index.get(opened.id)
  assert.ok(indexed !== undefined, 'the indexer found the challenge')
  const metrics = challengeMetrics(indexed, at)
  assert.equal(metrics.phase, 'finalized')
  assert.equal(
    metrics.agrees,
    true,
    `off-chain ${JSON.stringify(metrics)} vs on-chain score ${attested.score}`,
  )
  assert.equal(metrics.score, attested.score)
  // And from independently recomputed answers, not the finalize calldata.
  assert.equal(challengeMetrics(indexed, at, answers).score, attested.score)
  return { attested, metrics, indexed }
}

/** An Apiary agent's challenge responder for dev account `i`, with its consent options. */
const responderFor = (
  i: number,
  consent: { creators?: Address[]; maxPerDay?: number; maxTaskSeconds?: number } = {},
) =>
  createChallengeResponder({
    logger,
    client,
    wallet: walletOf(i),
    privateKey: (devnet.accounts[i] as { privateKey: Hex }).privateKey,
    contract,
    ...consent,
  })

test('an honest swarm of 5 independent agents answers every task and passes', async () => {
  for (const i of HONEST) responders.push(responderFor(i))
  const opened = await open(HONEST.map(addressOf))
  const { attested, indexed } = await finalizeAndIndex(opened)
  assert.deepEqual(
    [attested.revealed, attested.answered, attested.score, attested.passed],
    [5, 5, 10000, true],
  )
  assert.equal(new Set(indexed.commits.map((c) => c.agent.toLowerCase())).size, 5)
  for (const r of responders) assert.equal(r.status().challenges.get(opened.id), 'revealed')
})

/** One process answering for `wallets`; some commit nothing, skip their reveal or reveal a wrong answer. */
async function fake(
  opened: Awaited<ReturnType<typeof openChallenge>>,
  wallets: number[],
  {
    silent = [],
    skipReveal = [],
    wrong = [],
  }: { silent?: number[]; skipReveal?: number[]; wrong?: number[] },
) {
  const salt = (i: number) => toHex(7000 + i, { size: 32 })
  const seed = await seedOf(opened.id)
  const answers = new Map<number, Hex>()
  await Promise.all(
    wallets.map(async (i) => {
      const task = { seed, openHash: opened.openHash, agent: addressOf(i), difficulty: DIFFICULTY }
      const { answer } = await computeAnswer(task)
      answers.set(i, wrong.includes(i) ? toHex(BigInt(answer) ^ 1n, { size: 32 }) : answer)
    }),
  )
  const send = (i: number, functionName: 'commit' | 'reveal', args: unknown[]) =>
    sendCall({ client, wallet: walletOf(i), address: contract, abi: SwarmChallenge.abi, functionName, args })
  const committing = wallets.filter((i) => !silent.includes(i))
  await Promise.all(
    committing.map((i) =>
      send(i, 'commit', [
        opened.id,
        challengeCommitment({ answer: answers.get(i) as Hex, salt: salt(i), agent: addressOf(i) }),
      ]),
    ),
  )
  await untilBlock(opened.commitDeadline + 1n)
  for (const i of silent)
    await assert.rejects(
      send(i, 'commit', [opened.id, toHex(1n << 255n, { size: 32 })]),
      /commit reverted: CommitClosed/,
    )
  await Promise.all(
    committing
      .filter((i) => !skipReveal.includes(i))
      .map((i) => send(i, 'reveal', [opened.id, answers.get(i), salt(i)])),
  )
}

async function seedOf(id: bigint): Promise<Hex> {
  const [log] = await client.getContractEvents({
    address: contract,
    abi: SwarmChallenge.abi,
    eventName: 'ChallengeCreated',
    args: { id },
    fromBlock: 0n,
    strict: true,
  })
  return log?.args.seed as Hex
}

test('a silent, unrevealed or wrong minority lowers the score in proportion, and each gets its verdict', async () => {
  // 20 blocks to commit: one process computing five light tasks and committing them, on a machine loaded by
  // the rest of the suite (with 10, a commit simulated in time was once mined after the window).
  const opened = await open(FAKER.map(addressOf), { commitBlocks: 20 })
  const [silent, unrevealed, wrong] = FAKER as [number, number, number]
  await fake(opened, FAKER, { silent: [silent], skipReveal: [unrevealed], wrong: [wrong] })
  const { attested, metrics } = await finalizeAndIndex(opened)
  assert.deepEqual([attested.participants, attested.revealed, attested.answered], [4, 3, 2])
  assert.equal(metrics.participationBps, 8000)
  assert.equal(metrics.revealRateBps, 7500)
  assert.equal(attested.score, 4000, 'in proportion: 2 of 5 answered')
  assert.equal(attested.passed, false)
  const verdict = (i: number) => metrics.verdicts?.find((v) => v.agent === addressOf(i))
  assert.deepEqual(verdict(silent), {
    agent: addressOf(silent),
    committed: false,
    revealed: false,
    answered: false,
  })
  assert.deepEqual(verdict(unrevealed), {
    agent: addressOf(unrevealed),
    committed: true,
    revealed: false,
    answered: false,
  })
  assert.deepEqual(verdict(wrong), {
    agent: addressOf(wrong),
    committed: true,
    revealed: true,
    answered: false,
  })
  // With 9 of 10 answering, one silent invitee costs 10 %, not the pass.
  const ten = [...FAKER, ...HONEST]
  const tenth = await open(ten.map(addressOf), { minAgents: 7, commitBlocks: 20 })
  await fake(tenth, FAKER, { silent: [silent] })
  const { attested: nine } = await finalizeAndIndex(tenth)
  assert.deepEqual([nine.answered, nine.score, nine.passed], [9, 9000, true])
})

test("copying another agent's answer fails: its task is another, and a replayed reveal reverts", async () => {
  const victim = addressOf(HONEST[0] as number)
  const opened = await open([victim, addressOf(COPIER)], { minAgents: 2 })
  // The copier learns the victim's answer off-chain before committing (collusion) and commits it as its own.
  const { answer: copied } = await computeAnswer({
    seed: await seedOf(opened.id),
    openHash: opened.openHash,
    agent: victim,
    difficulty: DIFFICULTY,
  })
  const salt = toHex(42, { size: 32 })
  const copier = { client, wallet: walletOf(COPIER), address: contract, abi: SwarmChallenge.abi }
  await sendCall({
    ...copier,
    functionName: 'commit',
    args: [opened.id, challengeCommitment({ answer: copied, salt, agent: addressOf(COPIER) })],
  })
  await untilBlock(opened.commitDeadline + 1n)
  // The honest responder reveals; replaying its answer from the copier's wallet reverts.
  await waitFor(
    'the victim reveals',
    async () => (await challengeRevealOf(opened.id, victim)) !== undefined,
    60_000,
  )
  const revealed = (await challengeRevealOf(opened.id, victim)) as Hex
  assert.equal(revealed, copied)
  const victimSalt = toHex(0, { size: 32 }) // the copier does not know it; any salt but its own fails
  await assert.rejects(
    sendCall({ ...copier, functionName: 'reveal', args: [opened.id, revealed, victimSalt] }),
    /reveal reverted: WrongReveal/,
  )
  await sendCall({ ...copier, functionName: 'reveal', args: [opened.id, copied, salt] })
  const { attested } = await finalizeAndIndex(opened)
  assert.deepEqual([attested.revealed, attested.answered, attested.passed], [2, 1, false])
})

async function challengeRevealOf(id: bigint, agent: Address): Promise<Hex | undefined> {
  const logs = await client.getContractEvents({
    address: contract,
    abi: SwarmChallenge.abi,
    eventName: 'Revealed',
    args: { id, agent },
    fromBlock: 0n,
    strict: true,
  })
  return logs[0]?.args.answer
}

test('consent: an agent declines, at no gas, challenges from creators it does not answer and those beyond its daily limit', async () => {
  const [picky, limited] = FAKER as [number, number]
  const nonceBefore = await client.getTransactionCount({ address: addressOf(picky) })
  const mine = [
    responderFor(picky, { creators: [addressOf(COPIER)] }),
    responderFor(limited, { maxPerDay: 1 }),
  ]
  try {
    const both = () => open([addressOf(picky), addressOf(limited)], { commitBlocks: 4 })
    const first = await both()
    await waitFor(
      'the first invitation seen',
      () => mine.every((r) => r.status().challenges.has(first.id)),
      20_000,
    )
    const second = await both()
    await waitFor(
      'the second invitation seen',
      () => mine.every((r) => r.status().challenges.has(second.id)),
      20_000,
    )
    const [pickyStatus, limitedStatus] = mine.map((r) => r.status().challenges)
    assert.equal(pickyStatus?.get(first.id), 'declined', 'not a creator it answers')
    assert.equal(pickyStatus?.get(second.id), 'declined')
    assert.notEqual(limitedStatus?.get(first.id), 'declined', 'the first of the day is answered')
    assert.equal(limitedStatus?.get(second.id), 'declined', 'the second is over its limit of 1 a day')
    await untilBlock(second.revealDeadline + 1n)
    assert.equal(
      await client.getTransactionCount({ address: addressOf(picky) }),
      nonceBefore,
      'the picky agent sent nothing',
    )
  } finally {
    await Promise.all(mine.map((r) => r.close()))
  }
})

test('a task still computing after --max-challenge-seconds is given up: the core is freed, no gas spent', async () => {
  const slow = FAKER[2] as number
  const nonceBefore = await client.getTransactionCount({ address: addressOf(slow) })
  const responder = responderFor(slow, { maxTaskSeconds: 1 })
  try {
    // About 20 minutes of work for one core, in a window of 60 blocks.
    const opened = await open([addressOf(slow)], {
      commitBlocks: 60,
      difficulty: 30_000_000n * ITERATION_GAS,
    })
    const started = Date.now()
    await waitFor(
      'the task given up',
      () => responder.status().challenges.get(opened.id) === 'declined',
      20_000,
    )
    assert.ok(Date.now() - started < 15_000, 'given up long before its window closes')
    assert.equal(await client.getTransactionCount({ address: addressOf(slow) }), nonceBefore, 'nothing sent')
  } finally {
    await responder.close()
  }
})
