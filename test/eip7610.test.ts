import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { createWalletClient, getContractAddress, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createRpcClient, type Devnet, rpcTransport, startDevnet, traceWitness } from '../src/chain/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import { witnessFromMessage, witnessToMessage } from '../src/protocol/index.ts'
import {
  createEngineCrypto,
  createVmPool,
  executeTransaction,
  parseWitness,
} from '../src/validation/index.ts'

let devnet: Devnet
before(async () => {
  devnet = await startDevnet({ logger: createLogger({ level: 'silent' }) }, { port: 0, accounts: 2 })
})
after(async () => {
  await devnet.close()
})

/** Init code that deploys an empty contract and reads no storage. */
const INIT_CODE = '0x60006000f3' as Hex

test('EIP-7610: a CREATE over an address that has storage but no code and nonce 0 fails; the witness carries the storage root, which prestateTracer alone cannot give', {
  timeout: 60_000,
}, async () => {
  const rpc = createRpcClient(devnet.url)
  const deployer = privateKeyToAccount(devnet.accounts[1]?.privateKey as Hex)
  const nonce = BigInt((await rpc('eth_getTransactionCount', [deployer.address, 'latest'])) as string)
  const target = getContractAddress({ from: deployer.address, nonce })
  // Storage at the address the deployment will go to, as a pre-EIP-161 leftover would leave it.
  await rpc('hardhat_setStorageAt', [target, '0x0', `0x${'00'.repeat(31)}2a`])
  const wallet = createWalletClient({
    account: deployer,
    chain: devnet.chain,
    transport: rpcTransport(devnet.url),
  })
  const hash = await wallet.sendTransaction({ data: INIT_CODE, gas: 100_000n })
  // EDR does not implement EIP-7610 (it deploys here); go-ethereum and reth refuse such a creation, as
  // Ethereum's execution specs do since the EIP was applied to every fork. The engine follows the specs.
  const receipt = (await rpc('eth_getTransactionReceipt', [hash])) as { status: string }
  assert.equal(receipt.status, '0x1', 'EDR deployed over the storage (it lacks EIP-7610)')

  const json = await traceWitness(rpc, { hash, chainId: BigInt(devnet.chainId), fork: 'prague' })
  const listed = (json.prestate as Record<string, { storageRoot?: string; storage?: object }>)[
    target.toLowerCase()
  ]
  assert.ok(listed !== undefined, 'the tracer lists the target')
  assert.equal(Object.keys(listed.storage ?? {}).length, 0, 'prestateTracer lists none of its slots')
  assert.match(listed.storageRoot ?? '', /^0x[0-9a-f]{64}$/, 'the witness gives its storage root')

  const crypto = createEngineCrypto()
  const ctx = { crypto, vms: createVmPool(crypto) }
  const witness = parseWitness(json)
  // Through the wire too: the root survives the protobuf form agents receive.
  const verdict = await executeTransaction(ctx, {
    witness: witnessFromMessage(witnessToMessage(witness, { full: true })),
  })
  assert.ok(verdict.valid && verdict.level === 'L3')
  assert.notEqual(verdict.status, 'success')
  assert.equal(verdict.gasUsed, 100_000n, 'a colliding creation burns all its gas')
  assert.equal(verdict.stateDiff.post[target.toLowerCase()], undefined, 'nothing deployed at the target')

  // Without the root the collision is invisible: the engine would deploy (what it did before).
  const { storageRoot: _root, ...bare } = listed
  const blind = await executeTransaction(ctx, {
    witness: parseWitness({
      ...json,
      prestate: { ...(json.prestate as object), [target.toLowerCase()]: bare },
    }),
  })
  assert.ok(blind.valid && blind.level === 'L3')
  assert.equal(blind.status, 'success')
  assert.ok(blind.stateDiff.post[target.toLowerCase()] !== undefined)
})
