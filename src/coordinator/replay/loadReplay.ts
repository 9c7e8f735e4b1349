import { readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { toBinary } from '@bufbuild/protobuf'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { WitnessSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { ApiaryError } from '../../internal/errors.ts'
import type { Logger } from '../../internal/logger.ts'
import { canonicalChanges, changesFromDiff, witnessToMessage } from '../../protocol/index.ts'
import { parseWitness, type StateDiff, toHex } from '../../validation/index.ts'
import type { Truth } from '../scoring/index.ts'
import type { Store } from '../store/index.ts'
import type { TaskHub } from '../work/index.ts'

type Json = Record<string, unknown>

/**
 * Replay mode: every go-ethereum tracer test under `dir` (real chain transactions with their prestate and
 * the tracer's expected output) becomes an inclusion that is final from the start, its truth taken from
 * the fixture: always valid and its hash; from a callTracer result also sender, status and gas used; from
 * a diffMode prestateTracer result (code and storage enabled) also the state changes.
 */
export async function loadReplay({
  dir,
  store,
  hub,
  logger,
  now = Date.now,
}: {
  dir: string
  store: Store
  hub: TaskHub
  logger: Logger
  now?: () => number
}): Promise<{ loaded: number; skipped: number }> {
  let files: string[]
  try {
    files = readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.json'))
      .sort()
  } catch (cause) {
    throw new ApiaryError('APIARY_REPLAY_UNREADABLE', `cannot read the replay directory ${dir}`, {
      cause,
      usage: true,
    })
  }
  let loaded = 0
  let skipped = 0
  for (const file of files) {
    const path = join(dir, file)
    let json: Json
    let witness: ReturnType<typeof parseWitness>
    try {
      json = JSON.parse(readFileSync(path, 'utf8')) as Json
      witness = parseWitness(json)
    } catch (error) {
      skipped++
      logger.warn({ file: path, err: error }, 'not a tracer fixture: skipped')
      continue
    }
    const message = witnessToMessage(witness, { full: true })
    const hash = toHex(keccak_256(witness.transaction))
    const truth = truthOf(json, hash)
    const key = `replay:${relative(dir, path)}`
    const added = await store.work.addInclusions([
      {
        key,
        source: 'replay',
        block_number: Number(witness.block.number),
        block_hash: '',
        tx_index: 0,
        tx_hash: hash,
        witness: toBinary(WitnessSchema, message),
        state: 'final',
        truth: JSON.stringify(truth),
        created_at: now(),
      },
    ])
    if (added.has(key)) hub.enqueue(key, { witness: message })
    loaded++
  }
  return { loaded, skipped }
}

function truthOf(json: Json, hash: string): Truth {
  const truth: Truth = { valid: true, hash }
  const result = json.result as Json | Json[] | undefined
  const config = (json.tracerConfig ?? {}) as Json
  if (result === undefined || Array.isArray(result)) return truth
  if ('gasUsed' in result && typeof result.gasUsed === 'string') {
    truth.status = result.error === undefined ? 'success' : 'failed'
    truth.gasUsed = BigInt(result.gasUsed).toString()
    if (typeof result.from === 'string') truth.sender = result.from.toLowerCase()
  } else if (config.diffMode === true && config.disableCode !== true && config.disableStorage !== true) {
    const diff = result as unknown as StateDiff
    truth.changes = canonicalChanges(changesFromDiff({ pre: diff.pre ?? {}, post: diff.post ?? {} }))
  }
  return truth
}
