import { StandardMerkleTree } from '@openzeppelin/merkle-tree'
import { privateKeyToAccount } from 'viem/accounts'
import {
  buildBundle,
  buildJobTree,
  bundleCar,
  DEFAULT_PAYOUT_PARAMETERS,
  DEFAULT_WEIGHT_PARAMETERS,
  type JobRecord,
  jobId,
  jobProofRoot,
  signBundle,
} from '../src/epoch/index.ts'
import { machine } from './_lib/machine.ts'

/** `count` job records shaped like the coordinator's (8 agents, 4 levels, 16 transactions per block). */
export function syntheticJobs(count: number, epoch = 1): JobRecord[] {
  const agents = Array.from({ length: 8 }, (_, i) => `0x${(i + 1).toString(16).repeat(40)}`)
  return Array.from({ length: count }, (_, i) => ({
    id: jobId(epoch, i + 1),
    type: `tx.validate.l${(i % 4) + 1}`,
    agent: agents[i % 8] as string,
    agent_id: `bee-${i % 8}`,
    source: {
      chain_id: 31337,
      block: 1000 + (i >> 6),
      tx_hash: `0x${(i >> 2).toString(16).padStart(64, '0')}`,
      tx_index: (i >> 2) % 16,
    },
    fee: '0',
    execution_ms: i % 97,
    poe_hash: `0x${i.toString(16).padStart(64, 'e')}`,
    submitted_at: new Date(1_790_000_000_000 + i).toISOString(),
    completed_at: new Date(1_790_000_000_000 + i + 12).toISOString(),
    verdict: 'valid',
    matched: i % 50 !== 0,
    kind: 'preconfirmation' as const,
    committed_at: new Date(1_790_000_000_000 + i + 12).toISOString(),
    block_seen_at: new Date(1_790_000_000_000 + i + 400).toISOString(),
    block_absent_at: new Date(1_790_000_000_000 + i + 300).toISOString(),
  }))
}

/**
 * Job tree: root plus every inclusion proof (binary form, 33 bytes per step, each written into one reused
 * buffer as a consumer streaming receipts would), one core, at 16 … 1,048,576
 * jobs; a sample of proofs re-checked. Baseline in the same run: @openzeppelin/merkle-tree 1.0.8
 * `StandardMerkleTree.of` over ['uint256', 'address', 'uint256'] leaves of the same count (build only).
 * Then the pure sealing path at 100,000 jobs: bundle (trees, payouts, JSON), signature, CID and CAR.
 * APIARY_BENCH_OZ_MAX caps the baseline's size (default 1,048,576: about 2.5 minutes there).
 */
export async function benchMerkle() {
  const ozMax = Number(process.env.APIARY_BENCH_OZ_MAX ?? 1_048_576)
  const rows: Record<string, string | number>[] = []
  for (const count of [16, 1024, 131_072, 1_048_576]) {
    const jobs = syntheticJobs(count)
    const t0 = performance.now()
    const tree = buildJobTree(jobs)
    const built = performance.now()
    let bytes = 0
    const out = new Uint8Array(tree.depth * 33)
    for (let i = 0; i < count; i++) bytes += tree.proofInto(i, out)
    const proved = performance.now()
    for (let i = 0; i < count; i += Math.max(1, Math.floor(count / 64)))
      if (jobProofRoot(jobs[i] as JobRecord, tree.proof(i)) !== tree.root)
        throw new Error(`proof ${i} is wrong`)
    let oz: number | undefined
    if (count <= ozMax) {
      const values = jobs.map((j, i) => [i, j.agent, j.execution_ms])
      const o0 = performance.now()
      StandardMerkleTree.of(values, ['uint256', 'address', 'uint256'])
      oz = performance.now() - o0
    }
    const ours = proved - t0
    rows.push({
      jobs: count,
      'root (s)': ((built - t0) / 1000).toFixed(3),
      'root + every proof (s)': (ours / 1000).toFixed(3),
      'proof bytes (MB)': (bytes / 1e6).toFixed(1),
      'OZ StandardMerkleTree.of (s)': oz === undefined ? '—' : (oz / 1000).toFixed(3),
      'OZ ÷ ours': oz === undefined ? '—' : (oz / ours).toFixed(1),
    })
    process.stderr.write(`merkle: ${count} jobs done\n`)
  }
  const jobs = syntheticJobs(100_000)
  const signer = privateKeyToAccount(`0x${'11'.repeat(32)}`)
  const s0 = performance.now()
  const bundle = await signBundle(
    buildBundle({
      chainId: 31337,
      epoch: 1,
      startedAt: 1_790_000_000_000,
      closedAt: 1_790_000_030_000,
      blocks: { from: 1000, to: 2563 },
      jobs,
      agents: Array.from({ length: 8 }, (_, i) => ({
        agentId: `bee-${i}`,
        address: `0x${(i + 1).toString(16).repeat(40)}`,
        uptimeSeconds: 30,
      })),
      revenue: 10n ** 18n,
      weights: DEFAULT_WEIGHT_PARAMETERS,
      payouts: DEFAULT_PAYOUT_PARAMETERS,
      coordinator: signer.address,
      registry: null,
    }),
    signer,
  )
  const { car } = await bundleCar(bundle.dir, bundle.files)
  const sealMs = performance.now() - s0
  rows.push({
    jobs: 100_000,
    'root (s)': '—',
    'root + every proof (s)': `bundle + sign + CID + CAR: ${(sealMs / 1000).toFixed(3)}`,
    'proof bytes (MB)': `CAR ${(car.length / 1e6).toFixed(1)}`,
    'OZ StandardMerkleTree.of (s)': '—',
    'OZ ÷ ours': '—',
  })
  return { unit: 'seconds, one core', machine: machine(), rows }
}
