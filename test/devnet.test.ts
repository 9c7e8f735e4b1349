import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createWalletClient, http, parseEther, serializeTransaction } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { startDevnet } from '../src/chain/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import { createEngineCrypto, fromHex, validateEnvelope } from '../src/validation/index.ts'

const logger = createLogger({ level: 'silent' })

test('the devnet serves JSON-RPC on 127.0.0.1, mines a signed transfer, and L1 agrees on its hash and sender', async () => {
  const devnet = await startDevnet({ logger }, { port: 0 })
  try {
    assert.match(devnet.url, /^http:\/\/127\.0\.0\.1:\d+$/)
    const [first] = devnet.accounts
    assert.ok(first)
    const wallet = createWalletClient({
      account: privateKeyToAccount(first.privateKey),
      chain: devnet.chain,
      transport: http(devnet.url),
    })
    const hash = await wallet.sendTransaction({
      to: '0x000000000000000000000000000000000000bEEF',
      value: parseEther('1'),
    })
    const receipt = (await devnet.request('eth_getTransactionReceipt', [hash])) as {
      status: string
      gasUsed: string
      from: string
    }
    assert.equal(receipt.status, '0x1')
    assert.equal(BigInt(receipt.gasUsed), 21000n)
    // EDR has no eth_getRawTransactionByHash: re-encode the node's view of the transaction with viem.
    const rpc = (await devnet.request('eth_getTransactionByHash', [hash])) as Record<string, string>
    const raw = serializeTransaction(
      {
        type: 'eip1559',
        chainId: Number(rpc.chainId),
        nonce: Number(rpc.nonce),
        to: rpc.to as `0x${string}`,
        value: BigInt(rpc.value as string),
        gas: BigInt(rpc.gas as string),
        maxFeePerGas: BigInt(rpc.maxFeePerGas as string),
        maxPriorityFeePerGas: BigInt(rpc.maxPriorityFeePerGas as string),
        data: rpc.input as `0x${string}`,
      },
      { r: rpc.r as `0x${string}`, s: rpc.s as `0x${string}`, yParity: Number(rpc.yParity ?? rpc.v) },
    )
    assert.equal(rpc.type, '0x2')
    const verdict = validateEnvelope(
      { crypto: createEngineCrypto() },
      { raw: fromHex(raw) as Uint8Array, chainId: BigInt(devnet.chainId) },
    )
    assert.equal(verdict.valid, true)
    if (verdict.valid) {
      assert.equal(verdict.hash, hash)
      assert.equal(verdict.sender, first.address)
    }
    const response = await fetch(devnet.url, { method: 'POST', body: '{not json' })
    assert.equal(response.status, 400)
    assert.equal(((await response.json()) as { error: { code: number } }).error.code, -32700)
  } finally {
    await devnet.close()
  }
})
