import { hash } from 'node:crypto'
import { type JobRecord, jobLeaf } from './jobRecord.ts'

/** One step of an inclusion proof: the sibling's hash and the side it sits on. */
export interface JobProofStep {
  hash: `0x${string}`
  position: 'left' | 'right'
}

export interface JobTree {
  /** 0x-hex root; 32 zero bytes for an epoch without jobs. */
  root: `0x${string}`
  count: number
  /** The inclusion proof of the job at `index` (in id order). */
  proof(index: number): JobProofStep[]
  /**
   * The same proof packed as 33 bytes per step (position byte 0 = sibling on the left, 1 = right, then the
   * hash): what `proof` formats, without making strings.
   */
  proofBytes(index: number): Uint8Array
  /**
   * Writes the packed proof into `out` (at least 33 × depth bytes) and returns its length: every proof of
   * a large tree without an allocation per proof.
   */
  proofInto(index: number, out: Uint8Array): number
  /** Levels above the leaves: the longest proof has this many steps. */
  depth: number
}

export const EMPTY_JOB_ROOT = `0x${'00'.repeat(32)}` as const

/**
 * The epoch job tree (docs/spec/epoch-merkle.md): leaves sha256(0x00 ‖ JCS(job)) in job-id order, parents
 * sha256(0x01 ‖ left ‖ right), and the last node of an odd level promoted unchanged. Jobs must already be
 * sorted by id (the caller checks; see verifyBundle). Each level is kept in one buffer (32 bytes per node).
 */
export function buildJobTree(jobs: readonly JobRecord[]): JobTree {
  const leaves = new Uint8Array(jobs.length * 32)
  for (const [i, job] of jobs.entries()) leaves.set(jobLeaf(job), i * 32)
  return buildTreeFromLeaves(leaves)
}

/** The tree over leaf hashes already computed (n × 32 bytes). */
export function buildTreeFromLeaves(leaves: Uint8Array): JobTree {
  const count = leaves.length / 32
  const levels: Uint8Array[] = [leaves]
  const pair = Buffer.alloc(65)
  pair[0] = 1
  let level = leaves
  let width = count
  while (width > 1) {
    const next = new Uint8Array(Math.ceil(width / 2) * 32)
    for (let i = 0; i + 1 < width; i += 2) {
      pair.set(level.subarray(i * 32, i * 32 + 64), 1)
      next.set(hash('sha256', pair, 'buffer'), i * 16)
    }
    if (width % 2 === 1) next.set(level.subarray((width - 1) * 32, width * 32), (width - 1) * 16)
    levels.push(next)
    level = next
    width = Math.ceil(width / 2)
  }
  const root =
    count === 0 ? EMPTY_JOB_ROOT : (`0x${Buffer.from(level.subarray(0, 32)).toString('hex')}` as const)

  const proofInto = (index: number, out: Uint8Array): number => {
    if (!Number.isInteger(index) || index < 0 || index >= count)
      throw new RangeError(`job index ${index} is outside 0..${count - 1}`)
    let length = 0
    let at = index
    let w = count
    for (let d = 0; d + 1 < levels.length; d++) {
      const sibling = at ^ 1
      if (sibling < w) {
        out[length] = sibling & 1
        out.set((levels[d] as Uint8Array).subarray(sibling * 32, sibling * 32 + 32), length + 1)
        length += 33
      }
      at >>= 1
      w = Math.ceil(w / 2)
    }
    return length
  }
  const depth = levels.length - 1
  const proofBytes = (index: number): Uint8Array => {
    const out = new Uint8Array(depth * 33)
    return out.subarray(0, proofInto(index, out))
  }

  return {
    root,
    count,
    depth,
    proofInto,
    proofBytes,
    proof(index) {
      const bytes = proofBytes(index)
      const steps: JobProofStep[] = []
      for (let o = 0; o < bytes.length; o += 33)
        steps.push({
          hash: `0x${Buffer.from(bytes.subarray(o + 1, o + 33)).toString('hex')}`,
          position: bytes[o] === 1 ? 'right' : 'left',
        })
      return steps
    },
  }
}

/** The root an inclusion proof leads to from a job: compare it with the sealed root. */
export function jobProofRoot(
  job: JobRecord,
  proof: readonly { hash: string; position: 'left' | 'right' }[],
): `0x${string}` {
  return proofRoot(jobLeaf(job), proof)
}

/** The root an inclusion proof leads to from a leaf hash (of any tree buildTreeFromLeaves makes). */
export function proofRoot(
  leaf: Uint8Array,
  proof: readonly { hash: string; position: 'left' | 'right' }[],
): `0x${string}` {
  let node: Uint8Array = leaf
  const pair = Buffer.alloc(65)
  pair[0] = 1
  for (const step of proof) {
    const sibling = Buffer.from(step.hash.slice(2), 'hex')
    if (sibling.length !== 32) throw new RangeError(`proof hash ${step.hash} is not 32 bytes`)
    if (step.position === 'left') {
      pair.set(sibling, 1)
      pair.set(node, 33)
    } else {
      pair.set(node, 1)
      pair.set(sibling, 33)
    }
    node = hash('sha256', pair, 'buffer')
  }
  return `0x${Buffer.from(node).toString('hex')}`
}
