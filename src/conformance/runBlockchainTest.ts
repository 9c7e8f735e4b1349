import { RLP } from '@ethereumjs/rlp'
import {
  BEACON_ROOTS_ADDRESS,
  beaconRootWrites,
  executeTransaction,
  fromHex,
  parseFork,
  parseWitness,
  stateRoot,
  toHex,
} from '../validation/index.ts'
import { comparePostState } from './comparePostState.ts'
import { matchException } from './matchException.ts'
import { STATE_TEST_FORKS } from './runStateTest.ts'
import type { CaseResult, FixtureContext, FixtureFile } from './types.ts'

type Header = Record<string, string>
interface BlockchainTest {
  network: string
  pre: Record<string, unknown>
  genesisBlockHeader: Header
  blocks: Array<{ rlp: string; blockHeader?: Header; expectException?: string }>
  postState?: Record<string, never>
  postStateHash?: string
}

/**
 * One-block BlockchainTests (the twins of GeneralStateTests): the block's single transaction is run at L3 on
 * `pre` in the block's context; its gas used must equal the header's `gasUsed` and the state must equal
 * `postState`. A block marked `expectException` must be rejected.
 */
export async function runBlockchainTest(ctx: FixtureContext, file: FixtureFile): Promise<CaseResult[]> {
  const results: CaseResult[] = []
  for (const [name, test] of Object.entries(file.json as Record<string, BlockchainTest>)) {
    const base = { id: `${file.path}::${name}`, format: 'blockchain-test' } as const
    const fork = parseFork(test.network)
    if (!STATE_TEST_FORKS.includes(fork)) {
      results.push({ ...base, status: 'skipped', reason: `fork ${test.network} is older than Shanghai` })
      continue
    }
    if (test.blocks.length !== 1) {
      results.push({ ...base, status: 'skipped', reason: 'more than one block: not a per-transaction test' })
      continue
    }
    const block = test.blocks[0] as BlockchainTest['blocks'][number]
    const transactions = blockTransactions(block.rlp)
    if (transactions?.length !== 1) {
      results.push(
        block.expectException !== undefined
          ? { ...base, status: 'passed', exceptionMatched: false }
          : { ...base, status: 'failed', reason: 'the block does not hold exactly one transaction' },
      )
      continue
    }
    const header = block.blockHeader ?? headerFromRlp(block.rlp)
    const witness = parseWitness({
      version: 1,
      chainId: 1,
      fork,
      transaction: toHex(transactions[0] as Uint8Array),
      block: {
        number: header.number,
        timestamp: header.timestamp,
        coinbase: header.coinbase,
        gasLimit: header.gasLimit,
        baseFeePerGas: header.baseFeePerGas,
        difficulty: header.difficulty,
        prevRandao: header.mixHash,
        excessBlobGas: header.excessBlobGas,
        parentBeaconBlockRoot: header.parentBeaconBlockRoot,
      },
      blockHashes: { '0': test.genesisBlockHeader.hash },
      prestate: withBeaconRoot(test.pre, header),
    })
    const verdict = await executeTransaction(ctx, { witness })
    if (block.expectException !== undefined) {
      results.push(
        verdict.valid
          ? { ...base, status: 'failed', reason: `executed, expected ${block.expectException}` }
          : {
              ...base,
              status: 'passed',
              exceptionMatched: matchException(verdict.reason.code, block.expectException),
            },
      )
      continue
    }
    if (!verdict.valid) {
      results.push({
        ...base,
        status: 'failed',
        reason: `rejected (${verdict.reason.code}: ${verdict.reason.message})`,
      })
      continue
    }
    const problems: string[] = []
    const gasUsed = BigInt(header.gasUsed ?? -1)
    if (verdict.gasUsed !== gasUsed) problems.push(`gas used ${verdict.gasUsed} ≠ ${gasUsed}`)
    if (test.postState !== undefined) problems.push(...comparePostState(test.postState, verdict.postState))
    else if (test.postStateHash !== undefined) {
      const root = toHex(await stateRoot(ctx.crypto, verdict.postState))
      if (root !== test.postStateHash.toLowerCase())
        problems.push(`state root ${root} ≠ ${test.postStateHash}`)
    }
    results.push(
      problems.length === 0
        ? { ...base, status: 'passed' }
        : { ...base, status: 'failed', reason: problems.join('; ') },
    )
  }
  return results
}

/**
 * The state the block's transaction starts from: before any transaction, a Cancun block's system call
 * stores the parent beacon root in the EIP-4788 contract (timestamp at `t % 8191`, root at `t % 8191 + 8191`).
 * A per-transaction witness from a node already holds this; a test's `pre` does not.
 */
function withBeaconRoot(pre: Record<string, unknown>, header: Header): Record<string, unknown> {
  const root = header.parentBeaconBlockRoot
  const entry = Object.entries(pre).find(([address]) => address.toLowerCase() === BEACON_ROOTS_ADDRESS)
  if (root === undefined || entry === undefined) return pre
  const [address, account] = entry as [string, { code?: string; storage?: Record<string, string> }]
  if (account.code === undefined || account.code === '0x' || account.code === '') return pre
  const writes = beaconRootWrites(BigInt(header.timestamp ?? 0), BigInt(root))
  const storage = {
    ...account.storage,
    ...Object.fromEntries(writes.map(([slot, value]) => [toHex32(slot), toHex32(value)])),
  }
  return { ...pre, [address]: { ...account, storage } }
}

function toHex32(value: bigint): string {
  return `0x${value.toString(16).padStart(64, '0')}`
}

/** The transactions of an RLP block `[header, transactions, …]`, each as envelope bytes; undefined if undecodable. */
function blockTransactions(rlp: string): Uint8Array[] | undefined {
  try {
    const block = RLP.decode(fromHex(rlp) ?? new Uint8Array(0))
    if (!Array.isArray(block) || !Array.isArray(block[1])) return undefined
    return block[1].map((tx) => (tx instanceof Uint8Array ? tx : RLP.encode(tx)))
  } catch {
    return undefined
  }
}

const HEADER_FIELDS = [
  'parentHash',
  'uncleHash',
  'coinbase',
  'stateRoot',
  'transactionsTrie',
  'receiptTrie',
  'bloom',
  'difficulty',
  'number',
  'gasLimit',
  'gasUsed',
  'timestamp',
  'extraData',
  'mixHash',
  'nonce',
  'baseFeePerGas',
  'withdrawalsRoot',
  'blobGasUsed',
  'excessBlobGas',
  'parentBeaconBlockRoot',
  'requestsHash',
]

function headerFromRlp(rlp: string): Header {
  const block = RLP.decode(fromHex(rlp) ?? new Uint8Array(0)) as unknown as Uint8Array[][]
  const fields = block[0] ?? []
  return Object.fromEntries(fields.map((v, i) => [HEADER_FIELDS[i] ?? `field${i}`, toHex(v)]))
}
