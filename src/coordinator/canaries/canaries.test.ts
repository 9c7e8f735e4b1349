import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { describe, it } from 'node:test'
import { create } from '@bufbuild/protobuf'
import { type Hex, keccak256, parseTransaction, recoverTransactionAddress } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { buildWitness, type RpcBlock } from '../../chain/index.ts'
import { CANARY_VARIANTS, type CanaryVariant, canaryAddress } from '../../epoch/index.ts'
import { Level, TaskSchema } from '../../gen/apiary/v1/swarm_pb.js'
import { answerTask, witnessToMessage } from '../../protocol/index.ts'
import { createEngineCrypto, createVmPool, parseWitness } from '../../validation/index.ts'
import { breakAccount, buildCanaryTransaction } from './index.ts'

const crypto = createEngineCrypto()
const vms = createVmPool(crypto)
const chainId = 31337n
const block: RpcBlock = {
  number: '0x10',
  hash: `0x${'11'.repeat(32)}`,
  parentHash: `0x${'22'.repeat(32)}`,
  timestamp: '0x6560f000',
  miner: `0x${'c0'.repeat(20)}`,
  gasLimit: '0x1c9c380',
  baseFeePerGas: '0x3b9aca00',
  difficulty: '0x0',
  mixHash: `0x${'33'.repeat(32)}`,
}

/** A real signed template of each type, as JSON-RPC shows it, with its sender's prestate. */
async function template(type: 'legacy' | 'eip2930' | 'eip1559') {
  const account = privateKeyToAccount(generatePrivateKey())
  const fees =
    type === 'eip1559'
      ? { maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }
      : { gasPrice: 2_000_000_000n }
  const raw = await account.signTransaction({
    type,
    chainId: Number(chainId),
    nonce: 7,
    to: `0x${'ab'.repeat(20)}`,
    value: 10n ** 15n,
    gas: 21_000n,
    ...(type === 'legacy' ? {} : { accessList: [] }),
    ...fees,
  } as never)
  const p = parseTransaction(raw)
  const q = (v: bigint | number | undefined) => (v === undefined ? undefined : `0x${v.toString(16)}`)
  const tx: Record<string, unknown> = {
    type: q({ legacy: 0, eip2930: 1, eip1559: 2 }[type]),
    chainId: q(chainId),
    nonce: q(p.nonce ?? 0),
    to: p.to,
    value: q(p.value),
    input: '0x',
    gas: q(p.gas),
    gasPrice: q(p.gasPrice),
    maxFeePerGas: q(p.maxFeePerGas),
    maxPriorityFeePerGas: q(p.maxPriorityFeePerGas),
    ...(type === 'legacy' ? {} : { accessList: [] }),
    v: q(p.v),
    yParity: q(p.yParity),
    r: p.r,
    s: p.s,
    hash: keccak256(raw),
    from: account.address.toLowerCase(),
  }
  const prestate = { [account.address.toLowerCase()]: { balance: q(10n ** 18n) as string, nonce: 7 } }
  return { tx, prestate }
}

async function canary(type: 'legacy' | 'eip2930' | 'eip1559', variant: CanaryVariant, seed: Uint8Array) {
  const t = await template(type)
  const built = buildCanaryTransaction(
    crypto,
    { ...t, baseFeePerGas: BigInt(block.baseFeePerGas as string), chainId },
    seed,
    42,
    variant,
  )
  assert.ok(built !== undefined)
  const prestate = breakAccount(variant, built.tx, {
    ...t.prestate,
    [built.sender.address]: built.sender.account,
  })
  const witness = witnessToMessage(
    parseWitness(buildWitness({ tx: built.tx, block, prestate, chainId, fork: 'prague' })),
    { full: true },
  )
  const answers = await Promise.all(
    [Level.L1, Level.L2, Level.L3].map((level) =>
      answerTask({ crypto, vms }, create(TaskSchema, { taskId: 't', level, witness })),
    ),
  )
  return { built, answers: answers.map((a) => (a.valid ? 'valid' : a.rejectCode)) }
}

describe('canaries', () => {
  const expected: Record<CanaryVariant, string[]> = {
    valid: ['valid', 'valid', 'valid'],
    'bad-signature': ['TX_SIGNATURE_HIGH_S', 'TX_SIGNATURE_HIGH_S', 'TX_SIGNATURE_HIGH_S'],
    'wrong-chain-id': ['TX_CHAIN_ID_MISMATCH', 'TX_CHAIN_ID_MISMATCH', 'TX_CHAIN_ID_MISMATCH'],
    'nonce-too-low': ['valid', 'TX_NONCE_TOO_LOW', 'TX_NONCE_TOO_LOW'],
    'nonce-too-high': ['valid', 'TX_NONCE_TOO_HIGH', 'TX_NONCE_TOO_HIGH'],
    'fee-too-low': ['valid', 'TX_MAX_FEE_BELOW_BASE_FEE', 'TX_MAX_FEE_BELOW_BASE_FEE'],
    'insufficient-balance': ['valid', 'TX_INSUFFICIENT_FUNDS', 'TX_INSUFFICIENT_FUNDS'],
  }
  for (const type of ['legacy', 'eip2930', 'eip1559'] as const)
    it(`every variant of a ${type} canary is what the engine says it is, at L1, L2 and L3`, async () => {
      const seed = randomBytes(32)
      for (const variant of CANARY_VARIANTS) {
        const { answers } = await canary(type, variant, seed)
        assert.deepEqual(answers, expected[variant], `${type} ${variant}`)
      }
    })

  it('a canary is signed by the key its seed and index derive, so an auditor can tell it from a real one', async () => {
    const seed = randomBytes(32)
    for (const variant of ['valid', 'nonce-too-high', 'fee-too-low'] as const) {
      const { built } = await canary('eip1559', variant, seed)
      const signer = await recoverTransactionAddress({ serializedTransaction: rawOf(built.tx) as never })
      assert.equal(signer.toLowerCase(), canaryAddress(seed, 42))
      assert.equal(built.tx.from, canaryAddress(seed, 42))
    }
    assert.notEqual(canaryAddress(seed, 42), canaryAddress(seed, 43))
    assert.notEqual(canaryAddress(seed, 42), canaryAddress(randomBytes(32), 42))
  })

  it('blob and set-code transactions make no canary', async () => {
    const t = await template('eip1559')
    for (const type of ['0x3', '0x4'])
      assert.equal(
        buildCanaryTransaction(
          crypto,
          { tx: { ...t.tx, type }, prestate: t.prestate, baseFeePerGas: 1n, chainId },
          randomBytes(32),
          1,
          'valid',
        ),
        undefined,
      )
  })
})

/** The signed envelope of a canary, from the witness encoder's own view of it. */
function rawOf(tx: Record<string, unknown>): Hex {
  const witness = buildWitness({ tx, block, prestate: {}, chainId, fork: 'prague' })
  return witness.transaction as Hex
}
