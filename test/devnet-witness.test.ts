import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import {
  type Abi,
  createWalletClient,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
  http,
  parseEther,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { compile } from '../contracts/compile.ts'
import { type Devnet, startDevnet, traceWitness } from '../src/chain/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import {
  createEngineCrypto,
  createVmPool,
  executeTransaction,
  parseWitness,
} from '../src/validation/index.ts'

const PROBE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Probe {
  event Bumped(address indexed by, uint256 value);
  uint256 public count;
  mapping(address => uint256) public seen;
  function bump(uint256 by) external { count += by; seen[msg.sender] = block.number; emit Bumped(msg.sender, count); }
  function fail() external pure { revert("nope"); }
  function remember() external { seen[address(0)] = uint256(blockhash(block.number - 1)); }
}`

let devnet: Devnet
before(async () => {
  devnet = await startDevnet({ logger: createLogger({ level: 'silent' }) }, { port: 0 })
})
after(async () => {
  await devnet.close()
})

test('L3 on witnesses traced from the devnet agrees with its receipts for every transaction type', {
  timeout: 120_000,
}, async () => {
  const { Probe } = compile('solc', { 'Probe.sol': PROBE }, { evmVersion: 'prague' }) as Record<
    string,
    { abi: Abi; bytecode: Hex }
  >
  assert.ok(Probe)
  const [first, second] = devnet.accounts
  assert.ok(first && second)
  const alice = createWalletClient({
    account: privateKeyToAccount(first.privateKey),
    chain: devnet.chain,
    transport: http(devnet.url),
  })
  const bob = createWalletClient({
    account: privateKeyToAccount(second.privateKey),
    chain: devnet.chain,
    transport: http(devnet.url),
  })

  const hashes: Hex[] = []
  const deploy = await alice.sendTransaction({
    data: encodeDeployData({ abi: Probe.abi, bytecode: Probe.bytecode }),
  })
  hashes.push(deploy)
  const receipt = (await devnet.request('eth_getTransactionReceipt', [deploy])) as { contractAddress: Hex }
  const probe = receipt.contractAddress
  const call = (functionName: string, args: unknown[] = []) =>
    encodeFunctionData({ abi: Probe.abi, functionName, args } as never)
  hashes.push(await alice.sendTransaction({ to: probe, data: call('bump', [7n]), type: 'legacy' }))
  hashes.push(
    await bob.sendTransaction({
      to: probe,
      data: call('bump', [5n]),
      type: 'eip2930',
      accessList: [{ address: probe, storageKeys: [`0x${'0'.repeat(64)}`] }],
    }),
  )
  hashes.push(await bob.sendTransaction({ to: probe, data: call('bump', [1n]), type: 'eip1559' }))
  hashes.push(await alice.sendTransaction({ to: probe, data: call('fail'), gas: 100_000n }))
  hashes.push(await alice.sendTransaction({ to: probe, data: call('remember') }))
  hashes.push(
    await bob.sendTransaction({ to: '0x000000000000000000000000000000000000bEEF', value: parseEther('0.5') }),
  )

  const crypto = createEngineCrypto()
  const ctx = { crypto, vms: createVmPool(crypto) }
  for (const hash of hashes) {
    const witness = parseWitness(
      await traceWitness(devnet.request, { hash, chainId: BigInt(devnet.chainId), fork: 'prague' }),
    )
    const verdict = await executeTransaction(ctx, { witness })
    const truth = (await devnet.request('eth_getTransactionReceipt', [hash])) as {
      status: string
      gasUsed: string
      contractAddress: string | null
      logs: Array<{ address: string; topics: string[]; data: string }>
    }
    assert.ok(
      verdict.valid,
      `transaction ${hashes.indexOf(hash)}: ${verdict.valid ? '' : JSON.stringify(verdict.reason)}`,
    )
    if (!verdict.valid) continue
    assert.equal(verdict.hash, hash)
    assert.equal(verdict.status === 'success' ? '0x1' : '0x0', truth.status, hash)
    assert.equal(verdict.gasUsed, BigInt(truth.gasUsed), hash)
    assert.equal(verdict.createdAddress ?? null, truth.contractAddress?.toLowerCase() ?? null)
    assert.deepEqual(
      verdict.logs,
      truth.logs.map((l) => ({ address: l.address.toLowerCase(), topics: l.topics, data: l.data })),
    )
  }
})
