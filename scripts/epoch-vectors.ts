/**
 * Writes the epoch test vectors of docs/spec/epoch-merkle.md and docs/spec/bundle.md. Run it after a
 * deliberate format change (`node scripts/epoch-vectors.ts`); src/epoch/vectors.test.ts checks that the code
 * still gives exactly these bytes, and re-derives the tree with a second, independent implementation.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { create, toBinary } from '@bufbuild/protobuf'
import { keccak256, toBytes } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  type BundleAgent,
  type BundleCanary,
  buildBundle,
  buildChargeTree,
  buildClientReceipt,
  buildJobTree,
  buildReceipt,
  bundleCar,
  type ClientJobRecord,
  canaryCommitment,
  canaryKey,
  clientJobProof,
  DEFAULT_PAYOUT_PARAMETERS,
  DEFAULT_WEIGHT_PARAMETERS,
  EMPTY_JOB_ROOT,
  type JobRecord,
  jobCanonicalJson,
  jobId,
  jobLeaf,
  proofOfExecution,
  signBundle,
} from '../src/epoch/index.ts'
import { WitnessSchema } from '../src/gen/apiary/v1/swarm_pb.js'

const out = join(import.meta.dirname, '..', 'docs', 'spec', 'vectors')
const enc = new TextEncoder()
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`

/** A fixed sealing key: never use it for anything but these vectors. */
const SEALING_KEY = `0x${'11'.repeat(32)}` as const
// bee-03's canary skips were judged deliberate (its weight is 0); bee-04 was excluded before the close.
const agents: BundleAgent[] = [
  { agentId: 'bee-01', address: '0x1111111111111111111111111111111111111111', uptimeSeconds: 30 },
  { agentId: 'bee-02', address: '0x2222222222222222222222222222222222222222', uptimeSeconds: 20 },
  {
    agentId: 'bee-03',
    address: '0x3333333333333333333333333333333333333333',
    uptimeSeconds: 30,
    canariesSkipped: 3,
  },
  {
    agentId: 'bee-04',
    address: '0x4444444444444444444444444444444444444444',
    uptimeSeconds: 10,
    excluded: true,
  },
]

/** The epoch's canary seed (revealed) and the next epoch's (only its commitment appears). */
const CANARY_SEED = `0x${'22'.repeat(32)}`
const NEXT_CANARY_SEED = `0x${'33'.repeat(32)}`
/** Canary 5 of the seed: a transfer signed for another chain, so invalid at every level. */
const canaryAccount = privateKeyToAccount(canaryKey(Buffer.from(CANARY_SEED.slice(2), 'hex'), 5))
const canaryTx = await canaryAccount.signTransaction({
  type: 'eip1559',
  chainId: 31338,
  nonce: 3,
  to: '0x00000000000000000000000000000000000000aa',
  value: 10n ** 15n,
  gas: 21_000n,
  maxFeePerGas: 2_000_000_000n,
  maxPriorityFeePerGas: 1_000_000_000n,
})
const canaryHash = keccak256(canaryTx)
const rejected = { valid: false, hash: canaryHash }
const canary: BundleCanary = {
  tx_hash: canaryHash,
  index: 5,
  variant: 'wrong-chain-id',
  transaction: canaryTx,
  witness: hex(
    toBinary(
      WitnessSchema,
      create(WitnessSchema, { chainId: 31337n, fork: 'prague', transaction: toBytes(canaryTx) }),
    ),
  ),
  expected: { l1: rejected, l2: rejected, l3: rejected },
}

export function vectorJobs(): JobRecord[] {
  return Array.from({ length: 7 }, (_, i) => {
    const agent = agents[i % 3] as BundleAgent
    return {
      id: jobId(7, i + 1),
      type: `tx.validate.l${i === 3 ? 1 : (i % 4) + 1}`,
      agent: agent.address,
      agent_id: agent.agentId,
      source: {
        chain_id: 31337,
        block: 100 + Math.floor(i / 2),
        tx_hash: i === 3 ? canaryHash : `0x${(i + 1).toString(16).padStart(64, 'a')}`,
        tx_index: i % 2,
      },
      fee: '0',
      execution_ms: 3 + i,
      poe_hash: proofOfExecution({
        input: enc.encode(`witness ${i}`),
        result: enc.encode(`result ${i}`),
        agent: agent.address,
      }),
      submitted_at: new Date(Date.UTC(2026, 10, 21, 12, 0, i)).toISOString(),
      completed_at: new Date(Date.UTC(2026, 10, 21, 12, 0, i, 3 + i)).toISOString(),
      verdict: i === 5 || i === 3 ? 'invalid' : 'valid',
      matched: i !== 6,
      // Jobs 1-3 pre-confirmation (job 3 committed after its block was there: earns nothing), 4 a canary
      // (L1, found invalid: earns),
      // 5-7 history.
      kind: i < 3 ? 'preconfirmation' : i === 3 ? 'canary' : 'history',
      committed_at: new Date(Date.UTC(2026, 10, 21, 12, 0, i, 3 + i)).toISOString(),
      block_seen_at:
        i === 3 ? null : new Date(Date.UTC(2026, 10, 21, 12, 0, i, i === 2 ? 5 : 400)).toISOString(),
      block_absent_at:
        i === 3 ? null : new Date(Date.UTC(2026, 10, 21, 12, 0, i, i === 2 ? 2 : 300)).toISOString(),
    }
  })
}

const jobs = vectorJobs()
const merkle = {
  description:
    'Job Merkle tree vectors (docs/spec/epoch-merkle.md). leaf = sha256(0x00 || canonical), node = sha256(0x01 || left || right), odd last node promoted. trees[n-1] is the tree of the first n jobs.',
  jobs: jobs.map((job) => ({ job, canonical: jobCanonicalJson(job), leaf: hex(jobLeaf(job)) })),
  empty_root: EMPTY_JOB_ROOT,
  trees: jobs.map((_, n) => {
    const tree = buildJobTree(jobs.slice(0, n + 1))
    return { count: n + 1, root: tree.root, proofs: jobs.slice(0, n + 1).map((__, i) => tree.proof(i)) }
  }),
}
writeFileSync(join(out, 'epoch-merkle.json'), `${JSON.stringify(merkle, null, 2)}\n`)

/** Three client jobs of two clients: two simulations (one outvoted answer) and a chat. */
const CLIENT_A = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'
const CLIENT_B = '0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc'
const clientJob = (
  id: string,
  client: string,
  type: ClientJobRecord['type'],
  fee: string,
  answers: { agent: BundleAgent; matched: boolean | null }[],
): ClientJobRecord => ({
  id,
  client,
  type,
  asset: 'coin',
  fee,
  execution_ms: 40,
  poe_hash: clientJobProof({
    input: `{"id":"${id}"}`,
    witness: type === 'llm.chat' ? null : enc.encode(id),
    outputSha256: id.repeat(2),
    agents: answers.filter((a) => a.matched !== false).map((a) => a.agent.address),
  }),
  agents: answers.map(({ agent, matched }) => ({ agent_id: agent.agentId, agent: agent.address, matched })),
  submitted_at: new Date(Date.UTC(2026, 10, 21, 12, 0, 5)).toISOString(),
  completed_at: new Date(Date.UTC(2026, 10, 21, 12, 0, 6)).toISOString(),
})
const [bee1, bee2, bee3] = agents as [BundleAgent, BundleAgent, BundleAgent]
const clientJobs = [
  clientJob('0a'.repeat(16), CLIENT_A, 'evm.simulate', '2000000000000000', [
    { agent: bee1, matched: true },
    { agent: bee2, matched: true },
  ]),
  clientJob('0b'.repeat(16), CLIENT_A, 'llm.chat', '1000000000000000', [{ agent: bee1, matched: null }]),
  clientJob('0c'.repeat(16), CLIENT_B, 'evm.simulate', '1000000000000000', [
    { agent: bee1, matched: true },
    { agent: bee2, matched: true },
    { agent: bee3, matched: false },
  ]),
]

const signer = privateKeyToAccount(SEALING_KEY)
const bundle = await signBundle(
  buildBundle({
    chainId: 31337,
    epoch: 7,
    startedAt: Date.UTC(2026, 10, 21, 12, 0, 0),
    closedAt: Date.UTC(2026, 10, 21, 12, 0, 30),
    blocks: { from: 100, to: 103 },
    jobs,
    agents,
    revenue: 10n ** 18n + 7n,
    weights: DEFAULT_WEIGHT_PARAMETERS,
    payouts: DEFAULT_PAYOUT_PARAMETERS,
    coordinator: signer.address,
    registry: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
    canaries: { seed: CANARY_SEED, nextCommitment: canaryCommitment(NEXT_CANARY_SEED), list: [canary] },
    clientJobs,
  }),
  signer,
)
const { cid, car } = await bundleCar(bundle.dir, bundle.files)
const text = (b: Uint8Array) => Buffer.from(b).toString('utf8')
const vector = {
  description:
    'An epoch bundle (docs/spec/bundle.md): the files byte for byte (UTF-8), the UnixFS CIDv1 of the directory (ipfs add -r --cid-version=1), the CAR size, a receipt of job 3 and a client receipt of client job 2 (0b…).',
  sealing_key: SEALING_KEY,
  signer: signer.address.toLowerCase(),
  dir: bundle.dir,
  files: Object.fromEntries(Object.entries(bundle.files).map(([name, bytes]) => [name, text(bytes)])),
  cid,
  car_bytes: car.length,
  car_sha256: `sha256:${(await import('node:crypto')).hash('sha256', car, 'hex')}`,
  receipt: buildReceipt({
    chainId: 31337,
    epoch: 7,
    job: jobs[2] as JobRecord,
    proof: bundle.jobTree.proof(2),
    jobRoot: bundle.jobTree.root,
    seal: text(bundle.files['SIGNATURE.txt']),
    cid,
    anchor: null,
  }),
  client_receipt: buildClientReceipt({
    chainId: 31337,
    epoch: 7,
    job: clientJobs[1] as ClientJobRecord,
    proof: bundle.clientJobTree.proof(1),
    clientJobRoot: bundle.clientJobTree.root,
    charge: {
      asset: 'coin',
      amount: '3000000000000000',
      root: bundle.summary.charges?.coin as string,
      proof: buildChargeTree([
        { client: CLIENT_A, asset: 'coin', amount: 3_000_000_000_000_000n },
        { client: CLIENT_B, asset: 'coin', amount: 1_000_000_000_000_000n },
      ]).proof(CLIENT_A),
    },
    summary: text(bundle.files['SUMMARY.json']),
    seal: text(bundle.files['SIGNATURE.txt']),
    cid,
    anchor: null,
  }),
  kubo_planets: {
    description:
      "Kubo's own vector (test/sharness/t0040-add-and-cat.sh): a directory planets/ with mars.txt = 'Hello Mars!\\n' and venus.txt = 'Hello Venus!\\n', ipfs add -r --cid-version=1",
    files: { 'mars.txt': 'Hello Mars!\n', 'venus.txt': 'Hello Venus!\n' },
    cid: 'bafybeih7e5dmkyk25up5vxug4q3hrg2fxbzf23dfrac2fns5h7z4aa7ioi',
  },
}
writeFileSync(join(out, 'epoch-bundle.json'), `${JSON.stringify(vector, null, 2)}\n`)
console.log(`wrote epoch-merkle.json (${jobs.length} jobs) and epoch-bundle.json (${cid})`)
