import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  type Account,
  type Address,
  concat,
  createWalletClient,
  encodeAbiParameters,
  type Hex,
  http,
  keccak256,
  pad,
  parseAbiParameters,
  parseEventLogs,
  toHex,
} from 'viem'
import { AgentRegistry, SwarmChallenge, ValidationRegistry } from '../src/chain/contracts.generated.ts'
import { sendCall } from '../src/chain/index.ts'
import {
  CONSENT_KEY,
  challengeCommitment,
  challengeMetrics,
  computeScore,
  createChallengeIndex,
  deriveSalt,
  encodeConsent,
  inviteeVerdicts,
  openChallenge,
  parseChallengeId,
  parseConsent,
} from '../src/challenge/index.ts'
import { useDevnet } from './_harness/chain.ts'
import { REPO_ROOT } from './_harness/fixtures.ts'
import { checkGasSnapshot } from './_harness/gasSnapshot.ts'

const vectors = JSON.parse(readFileSync(join(REPO_ROOT, 'docs/spec/vectors/challenge.json'), 'utf8'))
const context = useDevnet()
const CREATOR = 0
const AGENTS = [1, 2, 3, 4, 5]
const STRANGER = 6
const gas: Record<string, number> = {}
const SEED = `0x${'ab'.repeat(32)}` as Hex
const DIFFICULTY = 24_821_000n
/** Registration metadata consenting to challenges from any creator, 48 a day. */
const ANY = [
  { metadataKey: CONSENT_KEY, metadataValue: encodeConsent({ maxPerDay: 48, creators: undefined }) },
]

const address = (i: number) => (context.chain.accounts[i] as Account).address.toLowerCase() as Address
const walletOf = (i: number) =>
  createWalletClient({
    account: context.chain.accounts[i] as Account,
    chain: context.devnet.chain,
    transport: http(context.devnet.url),
  })
const call = (
  from: number,
  contract: Address,
  abi: typeof SwarmChallenge.abi | typeof AgentRegistry.abi | typeof ValidationRegistry.abi,
  functionName: string,
  args: unknown[],
) =>
  sendCall({
    client: context.chain.client,
    wallet: walletOf(from),
    address: contract,
    abi,
    functionName,
    args,
  })
const mine = (blocks: number) =>
  context.chain.client.request({
    method: 'hardhat_mine' as never,
    params: [`0x${blocks.toString(16)}`] as never,
  })
const blockNumber = () => context.chain.client.getBlockNumber({ cacheTime: 0 })

async function deploySwarm(): Promise<{ registry: Address; validations: Address; challenge: Address }> {
  const registry = (await context.chain.deploy(CREATOR, AgentRegistry)) as Address
  const validations = (await context.chain.deploy(CREATOR, ValidationRegistry, [registry])) as Address
  const challenge = (await context.chain.deploy(CREATOR, SwarmChallenge, [registry, validations])) as Address
  for (const i of AGENTS)
    await call(i, registry, AgentRegistry.abi, 'register', [`https://agent${i}.example/agent.json`, ANY])
  return { registry, validations, challenge }
}

test('the challenge vectors hold for the TypeScript code and for SwarmChallenge.computeScore', async () => {
  const { challenge } = await deploySwarm()
  for (const v of vectors.scores as {
    note: string
    groups: { count: number; commitBlock: string | null; revealed: boolean; correct: boolean }[]
    invitees: number
    answered: number
    score: number
  }[]) {
    const entries = v.groups.flatMap((g) =>
      Array.from({ length: g.count }, () => ({
        commitBlock: g.commitBlock === null ? undefined : BigInt(g.commitBlock),
        revealed: g.revealed,
        correct: g.correct,
      })),
    )
    const answered = inviteeVerdicts(entries).filter((x) => x.answered).length
    assert.equal(answered, v.answered, v.note)
    assert.equal(computeScore({ invitees: entries.length, answered }), v.score, v.note)
    const onChain = await context.chain.client.readContract({
      address: challenge,
      abi: SwarmChallenge.abi,
      functionName: 'computeScore',
      args: [BigInt(v.invitees), BigInt(v.answered)],
    })
    assert.equal(onChain, v.score, `contract: ${v.note}`)
  }
  const id = parseChallengeId(BigInt(vectors.id.id))
  assert.deepEqual([id.sequence, id.commitDeadline, id.revealDeadline].map(String), [
    vectors.id.sequence,
    vectors.id.commitDeadline,
    vectors.id.revealDeadline,
  ])
  const c = vectors.commitment
  assert.equal(challengeCommitment({ answer: c.answer, salt: c.salt, agent: c.agent }), c.commitment)
  for (const v of vectors.consent as {
    note: string
    maxPerDay: number
    creators: Address[] | null
    value: Hex
  }[]) {
    const consent = { maxPerDay: v.maxPerDay, creators: v.creators ?? undefined }
    assert.equal(encodeConsent(consent), v.value, v.note)
    assert.deepEqual(parseConsent(v.value), v.maxPerDay === 0 ? undefined : consent, v.note)
  }
  const s = vectors.salt
  assert.equal(
    deriveSalt({ privateKey: s.privateKey, chainId: s.chainId, contract: s.contract, id: BigInt(s.id) }),
    s.salt,
  )
})

test('AgentRegistry: register, several agents per owner, URI updates by the owner, EIP-712 wallet change, transfer clears the wallet', async () => {
  const registry = (await context.chain.deploy(CREATOR, AgentRegistry)) as Address
  const abi = AgentRegistry.abi
  const read = (functionName: string, args: unknown[]) =>
    context.chain.client.readContract({
      address: registry,
      abi,
      functionName,
      args,
    } as never) as Promise<unknown>
  const receipt = await call(1, registry, abi, 'register', ['ipfs://agent-one'])
  const [registered] = parseEventLogs({ abi, logs: receipt.logs, eventName: 'Registered', strict: true })
  assert.equal(registered?.args.agentId, 0n)
  assert.equal(registered?.args.owner.toLowerCase(), address(1))
  assert.deepEqual(await read('agentOf', [address(1)]), [true, 0n])
  assert.equal(((await read('getAgentWallet', [0n])) as string).toLowerCase(), address(1))
  assert.equal(await read('tokenURI', [0n]), 'ipfs://agent-one')
  // An owner may register several agents (ERC-8004); its wallet then names the latest.
  const again = await call(1, registry, abi, 'register', ['ipfs://again'])
  assert.equal(
    parseEventLogs({ abi, logs: again.logs, eventName: 'Registered', strict: true })[0]?.args.agentId,
    1n,
  )
  assert.deepEqual(await read('agentOf', [address(1)]), [true, 1n])
  // Clearing the second agent's wallet clears the reverse entry: agentOf does not look for the wallet's other agents.
  await call(1, registry, abi, 'unsetAgentWallet', [1n])
  assert.deepEqual(await read('agentOf', [address(1)]), [false, 0n])
  await call(1, registry, abi, 'transferFrom', [address(1), address(3), 1n])
  await assert.rejects(call(2, registry, abi, 'setAgentURI', [0n, 'ipfs://hijack']), /NotAuthorized\(0, /)
  const updated = await call(1, registry, abi, 'setAgentURI', [0n, 'ipfs://agent-one-v2'])
  assert.equal(parseEventLogs({ abi, logs: updated.logs, eventName: 'URIUpdated' }).length, 1)

  // Move the operating wallet to account 7: account 7 signs AgentWalletSet.
  const block = await context.chain.client.getBlock()
  const deadline = block.timestamp + 60n
  const typed = (signer: number) =>
    walletOf(signer).signTypedData({
      domain: {
        name: 'ERC8004IdentityRegistry',
        version: '1',
        chainId: context.devnet.chain.id,
        verifyingContract: registry,
      },
      types: {
        AgentWalletSet: [
          { name: 'agentId', type: 'uint256' },
          { name: 'newWallet', type: 'address' },
          { name: 'owner', type: 'address' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'AgentWalletSet',
      message: { agentId: 0n, newWallet: address(7), owner: address(1), deadline },
    })
  await assert.rejects(
    call(1, registry, abi, 'setAgentWallet', [0n, address(7), deadline, await typed(6)]),
    /InvalidWalletSignature/,
  )
  await assert.rejects(
    call(1, registry, abi, 'setAgentWallet', [0n, address(7), block.timestamp + 3600n, await typed(7)]),
    /DeadlineTooFar/,
  )
  await call(1, registry, abi, 'setAgentWallet', [0n, address(7), deadline, await typed(7)])
  assert.deepEqual(await read('agentOf', [address(7)]), [true, 0n])

  // A transfer clears the wallet: the new owner sets its own.
  const transfer = await call(1, registry, abi, 'transferFrom', [address(1), address(2), 0n])
  const cleared = parseEventLogs({ abi, logs: transfer.logs, eventName: 'MetadataSet', strict: true })
  assert.equal(cleared[0]?.args.metadataValue, '0x')
  assert.deepEqual(await read('agentOf', [address(7)]), [false, 0n])
  assert.equal(await read('getAgentWallet', [0n]), '0x0000000000000000000000000000000000000000')
  // As in the official registry, an agent that does not exist has no wallet to read: the call reverts.
  await assert.rejects(read('getAgentWallet', [5n]), /ERC721NonexistentToken/)
})

test('SwarmChallenge: commit, reveal and finalize, every refusal with its error, and the gas of each step', async () => {
  const { registry, validations, challenge } = await deploySwarm()
  const abi = SwarmChallenge.abi
  // The agents were registered in AGENTS order, so their ERC-8004 ids are 0…4 (ids start at 0, as in the
  // official registry), and invitee k (in id order) is AGENTS[k].
  const ids = AGENTS.map((_, k) => BigInt(k))
  const invitees = AGENTS.map(address)
  const [a1, a2, a3, a4, a5] = AGENTS as [number, number, number, number, number]
  const wallet = walletOf(CREATOR)
  const client = context.chain.client
  const open = (commitBlocks: number, revealBlocks: number, who = ids) =>
    openChallenge({
      client,
      wallet,
      contract: challenge,
      agents: who,
      seed: SEED,
      difficulty: DIFFICULTY,
      machineClass: { gasPerSecond: 600_000_000, name: 'test class' },
      commitBlocks,
      revealBlocks,
    })

  // Creation: invitees must be registered agents with a wallet, ids ascending, wallets distinct; windows and
  // minAgents bounded.
  await assert.rejects(open(5, 5, [...ids, 99n]), /createChallenge reverted: NotRegistered\(99\)/)
  const sortedDesc = [...ids].reverse()
  await assert.rejects(
    call(CREATOR, challenge, abi, 'createChallenge', [SEED, '0x', DIFFICULTY, 5n, 5n, 1, sortedDesc]),
    /InviteesNotSorted\(1\)/,
  )
  await assert.rejects(
    call(CREATOR, challenge, abi, 'createChallenge', [SEED, '0x', DIFFICULTY, 0n, 5n, 1, ids]),
    /InvalidWindow/,
  )
  await assert.rejects(
    call(CREATOR, challenge, abi, 'createChallenge', [SEED, '0x', DIFFICULTY, 5n, 5n, 6, ids]),
    /InvalidMinAgents\(6, 5\)/,
  )

  // One wallet operating two agents is one invitee, not two; an agent whose wallet was cleared has none.
  await call(STRANGER, registry, AgentRegistry.abi, 'register', ['ipfs://stranger-1', ANY])
  await call(STRANGER, registry, AgentRegistry.abi, 'register', ['ipfs://stranger-2', ANY])
  await assert.rejects(open(5, 5, [5n, 6n]), /DuplicateWallet\(0x/i)
  await call(STRANGER, registry, AgentRegistry.abi, 'unsetAgentWallet', [6n])
  await assert.rejects(open(5, 5, [6n]), /NoAgentWallet\(6\)/)
  // Consent: an agent is invited only if its entry says it accepts challenges from this creator.
  const unwilling = 7
  await call(unwilling, registry, AgentRegistry.abi, 'register', ['ipfs://unwilling'])
  await assert.rejects(open(5, 5, [7n]), /NoConsent\(7\)/, 'nothing published')
  const consent = (value: Hex) =>
    call(unwilling, registry, AgentRegistry.abi, 'setMetadata', [7n, CONSENT_KEY, value])
  for (const value of [
    encodeConsent({ maxPerDay: 0, creators: undefined }), // withdrawn
    encodeConsent({ maxPerDay: 5, creators: [address(1), address(2)] }), // other creators only
    '0x000001' as Hex, // malformed
    `${encodeConsent({ maxPerDay: 5, creators: undefined })}00` as Hex, // malformed
  ]) {
    await consent(value)
    await assert.rejects(open(5, 5, [7n]), /NoConsent\(7\)/, value)
  }
  await consent(encodeConsent({ maxPerDay: 5, creators: [address(1), address(CREATOR)] }))
  await open(5, 5, [7n])

  const created = await open(6, 6)
  const createdReceipt = await client.getTransactionReceipt({ hash: created.txHash })
  gas['SwarmChallenge.createChallenge(5 invitees)'] = Number(createdReceipt.gasUsed)
  const single = await open(6, 6, ids.slice(0, 1))
  gas['SwarmChallenge.createChallenge(1 invitee)'] = Number(
    (await client.getTransactionReceipt({ hash: single.txHash })).gasUsed,
  )
  assert.equal(created.commitDeadline, created.startBlock + 6n)
  assert.deepEqual(parseChallengeId(created.id).commitDeadline, created.commitDeadline)
  const id = created.id
  const onChain = await client.readContract({
    address: challenge,
    abi,
    functionName: 'getChallenge',
    args: [id],
  })
  assert.equal(onChain[0].difficulty, DIFFICULTY, 'the contract records the difficulty')

  const answers = AGENTS.map((i) => toHex(i, { size: 32 }))
  const salts = AGENTS.map((i) => toHex(1000 + i, { size: 32 }))
  const commitment = (k: number) =>
    challengeCommitment({ answer: answers[k] as Hex, salt: salts[k] as Hex, agent: invitees[k] as Address })

  await assert.rejects(
    call(STRANGER, challenge, abi, 'commit', [id, commitment(0)]),
    /commit reverted: NotInvited/,
  )
  const first = await call(a1, challenge, abi, 'commit', [id, commitment(0)])
  gas['SwarmChallenge.commit (first)'] = Number(first.gasUsed)
  const second = await call(a2, challenge, abi, 'commit', [id, commitment(1)])
  gas['SwarmChallenge.commit'] = Number(second.gasUsed)
  await assert.rejects(call(a1, challenge, abi, 'commit', [id, commitment(0)]), /AlreadyCommitted/)
  await assert.rejects(call(a3, challenge, abi, 'commit', [id, toHex(3, { size: 32 })]), /InvalidCommitment/)
  await assert.rejects(
    call(a1, challenge, abi, 'reveal', [id, answers[0], salts[0]]),
    /reveal reverted: RevealNotOpen/,
  )
  await call(a3, challenge, abi, 'commit', [id, commitment(2)])
  await call(a4, challenge, abi, 'commit', [id, commitment(3)])
  // Agent 5 commits nothing; after the deadline it cannot.
  await mine(Number(created.commitDeadline - (await blockNumber())))
  await assert.rejects(
    call(a5, challenge, abi, 'commit', [id, commitment(4)]),
    /commit reverted: CommitClosed/,
  )
  await mine(1)

  await assert.rejects(
    call(a1, challenge, abi, 'reveal', [id, answers[0], salts[1]]),
    /reveal reverted: WrongReveal/,
  )
  const revealed = await call(a1, challenge, abi, 'reveal', [id, answers[0], salts[0]])
  gas['SwarmChallenge.reveal'] = Number(revealed.gasUsed)
  await assert.rejects(call(a1, challenge, abi, 'reveal', [id, answers[0], salts[0]]), /AlreadyRevealed/)
  // Copying: agent 2 replays agent 1's revealed answer and salt; the commitment binds the sender.
  await assert.rejects(call(a2, challenge, abi, 'reveal', [id, answers[0], salts[0]]), /WrongReveal/)
  await assert.rejects(call(a5, challenge, abi, 'reveal', [id, answers[4], salts[4]]), /NotCommitted/)
  await call(a2, challenge, abi, 'reveal', [id, answers[1], salts[1]])
  await call(a3, challenge, abi, 'reveal', [id, answers[2], salts[2]])
  // Agent 4 never reveals.
  await assert.rejects(call(CREATOR, challenge, abi, 'finalize', [id, answers]), /RevealNotOver/)
  await mine(Number(created.revealDeadline - (await blockNumber())))
  await assert.rejects(call(a1, challenge, abi, 'reveal', [id, answers[0], salts[0]]), /RevealClosed/)
  await mine(1)

  await assert.rejects(call(a1, challenge, abi, 'finalize', [id, answers]), /NotCreator/)
  await assert.rejects(
    call(CREATOR, challenge, abi, 'finalize', [id, answers.slice(1)]),
    /AnswerCountMismatch\(5, 4\)/,
  )
  await assert.rejects(call(CREATOR, challenge, abi, 'finalize', [id + 1n, answers]), /UnknownChallenge/)
  // The creator's swarm is an ERC-8004 agent: its owner asks for the challenge's validation, naming the
  // contract as validator, so that finalize publishes the score.
  await call(CREATOR, registry, AgentRegistry.abi, 'register', ['ipfs://the-swarm'])
  const [, swarmAgent] = await client.readContract({
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'agentOf',
    args: [address(CREATOR)],
  })
  const requestHash = await client.readContract({
    address: challenge,
    abi,
    functionName: 'validationRequestHash',
    args: [id],
  })
  assert.equal(
    requestHash,
    keccak256(
      encodeAbiParameters(parseAbiParameters('uint256, address, uint256'), [
        BigInt(context.devnet.chain.id),
        challenge,
        id,
      ]),
    ),
  )
  const uri = `eip155:${context.devnet.chain.id}:${challenge.toLowerCase()}/challenges/${id}`
  await call(CREATOR, validations, ValidationRegistry.abi, 'validationRequest', [
    challenge,
    swarmAgent,
    uri,
    requestHash,
  ])
  // Agent 3's answer is not the expected one.
  const expected = answers.map((a, k) => (k === 2 ? toHex(99, { size: 32 }) : a))
  const finalized = await call(CREATOR, challenge, abi, 'finalize', [id, expected])
  gas['SwarmChallenge.finalize(5 invitees)'] = Number(finalized.gasUsed)
  const [event] = parseEventLogs({ abi, logs: finalized.logs, eventName: 'Finalized', strict: true })
  const progress = await client.readContract({
    address: challenge,
    abi,
    functionName: 'getChallenge',
    args: [id],
  })
  const actualSpread = Number(progress[1].lastCommitBlock - progress[1].firstCommitBlock)
  assert.equal(progress[1].firstCommitBlock, first.blockNumber)
  // 4 of 5 committed, 3 of 4 revealed, 2 of 3 correct: 2 answered, by the same rule off-chain.
  const index = createChallengeIndex({ client, address: challenge })
  const at = await index.sync()
  const metrics = challengeMetrics(index.get(id) as NonNullable<ReturnType<typeof index.get>>, at, expected)
  const answered = metrics.answered as number
  assert.ok(actualSpread >= 0)
  assert.equal(answered, 2)
  const score = computeScore({ invitees: 5, answered })
  assert.deepEqual(
    [
      event?.args.score,
      event?.args.participants,
      event?.args.revealed,
      event?.args.answered,
      event?.args.passed,
    ],
    [4000, 4, 3, 2, false],
  )
  assert.equal(metrics.agrees, true)
  const attestation = await client.readContract({
    address: challenge,
    abi,
    functionName: 'attestation',
    args: [id],
  })
  assert.equal(attestation.score, score)
  assert.equal(attestation.finalizedBlock, finalized.blockNumber)
  const answeredAgents = (metrics.verdicts ?? []).filter((v) => v.answered).map((v) => v.agent)
  assert.equal(attestation.swarmHash, keccak256(concat(answeredAgents.map((a) => pad(a as Hex)))))
  assert.equal(
    attestation.answeredMask,
    (metrics.verdicts ?? []).reduce((mask, v, i) => (v.answered ? mask | (1n << BigInt(i)) : mask), 0n),
  )
  // Published: the score in percent, the challenge's on-chain record, swarmHash, the tag.
  const [published] = parseEventLogs({
    abi: ValidationRegistry.abi,
    logs: finalized.logs,
    eventName: 'ValidationResponse',
    strict: true,
  })
  assert.deepEqual(
    [
      published?.args.agentId,
      published?.args.response,
      published?.args.responseURI,
      published?.args.responseHash,
      published?.args.tag,
      published?.args.validatorAddress.toLowerCase(),
    ],
    [
      swarmAgent,
      Math.floor(score / 100),
      uri,
      attestation.swarmHash,
      'apiary/proof-of-swarm',
      challenge.toLowerCase(),
    ],
  )
  await assert.rejects(call(CREATOR, challenge, abi, 'finalize', [id, expected]), /AlreadyFinalized/)
  checkGasSnapshot(gas)
  for (const key of ['SwarmChallenge.commit', 'SwarmChallenge.commit (first)'])
    assert.ok((gas[key] as number) <= 45_000, `${key}: ${gas[key]} gas`)
  assert.ok((gas['SwarmChallenge.reveal'] as number) <= 30_000, `reveal ${gas['SwarmChallenge.reveal']} gas`)
})
