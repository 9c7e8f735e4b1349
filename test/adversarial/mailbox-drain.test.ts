import assert from 'node:assert/strict'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Abi, Address, Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { compile } from '../../contracts/compile.ts'
import { createMessenger, type Messenger } from '../../src/agent/messenger/index.ts'
import { deploySwarmContracts, registerAgent } from '../../src/chain/challenges/index.ts'
import { Mailbox } from '../../src/chain/contracts.generated.ts'
import { connectChain, type Devnet, startDevnet } from '../../src/chain/index.ts'
import { createLogger } from '../../src/internal/logger.ts'
import { encodePayload } from '../../src/messaging/index.ts'
import { devnetClients } from '../_harness/chain.ts'
import { waitFor } from '../_harness/swarm.ts'

const logger = createLogger({ level: process.env.DBG ? 'debug' : 'silent' })

let devnet: Devnet
let chain: ReturnType<typeof devnetClients>
let mailbox: Address
let registry: Address
let batcher: Address
let messenger: Messenger

const ping = (body = 'hello') =>
  encodePayload({ envelope: { type: 'ping', body, timestamp: Math.floor(Date.now() / 1000), ack: false } })

before(async () => {
  devnet = await startDevnet({ logger }, { port: 0, accounts: 6 })
  chain = devnetClients(devnet)
  const deployed = await deploySwarmContracts({
    rpcUrl: devnet.url,
    deployer: privateKeyToAccount(devnet.accounts[0]?.privateKey as Hex),
  })
  mailbox = deployed.mailbox
  registry = deployed.registry
  const { Batcher } = compile(
    'solc',
    {
      'Batcher.sol': `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
interface IMailbox { function send(address to, bytes calldata payload) external; }
contract Batcher {
  function blast(IMailbox m, address to, bytes calldata payload, uint256 n) external {
    for (uint256 i; i < n; i++) m.send(to, payload);
  }
}`,
    },
    { evmVersion: 'prague' },
  ) as Record<string, { abi: Abi; bytecode: Hex }>
  assert.ok(Batcher)
  batcher = await chain.deploy(3, Batcher)
  const connected = await connectChain(devnet.url)
  const agentKey = devnet.accounts[1]?.privateKey as Hex
  const agent = privateKeyToAccount(agentKey)
  await registerAgent({ ...connected, rpcUrl: devnet.url, registry, account: agent })
  await registerAgent({
    ...connected,
    rpcUrl: devnet.url,
    registry,
    account: privateKeyToAccount(devnet.accounts[2]?.privateKey as Hex),
  })
  messenger = await startMessenger({ fromBlock: 0n, replyLimits: { perSenderPerHour: 5 } })
})

/** The agent's messenger (dev account 1) on a fresh inbox, with these reply settings. */
async function startMessenger(settings: Partial<Parameters<typeof createMessenger>[0]>) {
  const connected = await connectChain(devnet.url)
  const agentKey = devnet.accounts[1]?.privateKey as Hex
  return createMessenger({
    logger,
    client: connected.client,
    account: privateKeyToAccount(agentKey),
    chainId: devnet.chainId,
    maxFeePerGasWei: 100n * 10n ** 9n,
    privateKey: agentKey,
    mailbox,
    inboxPath: join(mkdtempSync(join(tmpdir(), 'apiary-drain-')), 'inbox.sqlite'),
    confirmations: 0,
    pollMs: 100,
    ...settings,
  })
}

after(async () => {
  await messenger?.close()
  await devnet?.close()
})

const agentAddress = () => privateKeyToAccount(devnet.accounts[1]?.privateKey as Hex).address
/** Gas of the agent's own transactions from `fromBlock` on (its replies). */
async function agentSpent(fromBlock: bigint) {
  const logs = await chain.client.getContractEvents({
    address: mailbox,
    abi: Mailbox.abi,
    eventName: 'Message',
    args: { from: agentAddress() },
    fromBlock,
  })
  let gas = 0n
  for (const log of logs)
    gas += (await chain.client.getTransactionReceipt({ hash: log.transactionHash })).gasUsed
  return { replies: logs.length, gas }
}
async function blast(from: number, n: number) {
  const receipt = await chain.send(from, {
    address: batcher,
    abi: [
      {
        type: 'function',
        name: 'blast',
        stateMutability: 'nonpayable',
        inputs: [
          { name: 'm', type: 'address' },
          { name: 'to', type: 'address' },
          { name: 'payload', type: 'bytes' },
          { name: 'n', type: 'uint256' },
        ],
        outputs: [],
      },
    ],
    functionName: 'blast',
    args: [mailbox, agentAddress(), ping(), BigInt(n)],
  })
  return receipt
}
const settled = (handled: number) =>
  waitFor(`${handled} messages handled`, () => messenger.status().handled >= handled, 30_000)

test('40 pings in one transaction from an unregistered contract draw no paid reply', async (t) => {
  const start = (await chain.client.getBlockNumber({ cacheTime: 0 })) + 1n
  const receipt = await blast(3, 40)
  await settled(40)
  await new Promise((r) => setTimeout(r, 500))
  const spent = await agentSpent(start)
  assert.equal(spent.replies, 0)
  assert.equal(messenger.status().withheld, 40)
  t.diagnostic(`unregistered, 40 pings in one transaction: attacker ${receipt.gasUsed} gas, agent 0`)
})

test('a registered sender pinging one transaction at a time is answered up to the hourly rate, and pays more than the agent', async (t) => {
  // A registered agent's wallet pings 7 times, one transaction each: the cheapest way to be answered.
  const b = 2
  const start = (await chain.client.getBlockNumber({ cacheTime: 0 })) + 1n
  let attacker = 0n
  for (let i = 0; i < 7; i++) {
    const receipt = await chain.send(b, {
      address: mailbox,
      abi: Mailbox.abi,
      functionName: 'send',
      args: [agentAddress(), ping(`#${i}`)],
    })
    attacker += receipt.gasUsed
  }
  await settled(47)
  await waitFor('the pongs mined', async () => (await agentSpent(start)).replies >= 5, 30_000)
  await new Promise((r) => setTimeout(r, 1000))
  const spent = await agentSpent(start)
  assert.equal(spent.replies, 5, 'at most 5 replies to one sender an hour (the limit set here)')
  t.diagnostic(
    `registered sender, 7 single pings: attacker ${attacker} gas, agent ${spent.gas} gas for ${spent.replies} pongs; ratio ${(Number(attacker) / Number(spent.gas)).toFixed(2)}`,
  )
  assert.ok(attacker > spent.gas, 'the sender paid more than the agent')
})

test('an allowed batching contract: 40 pings in one transaction draw exactly one pong', async (t) => {
  await messenger.close()
  messenger = await startMessenger({
    fromBlock: await chain.client.getBlockNumber({ cacheTime: 0 }),
    allowedSenders: [batcher],
  })
  const start = (await chain.client.getBlockNumber({ cacheTime: 0 })) + 1n
  const receipt = await blast(3, 40)
  await settled(40)
  await waitFor('the pong mined', async () => (await agentSpent(start)).replies >= 1, 30_000)
  await new Promise((r) => setTimeout(r, 1000))
  const spent = await agentSpent(start)
  assert.equal(spent.replies, 1)
  t.diagnostic(
    `40 pings in one transaction: attacker ${receipt.gasUsed} gas, agent ${spent.gas} gas; ratio ${(Number(receipt.gasUsed) / Number(spent.gas)).toFixed(2)}`,
  )
  assert.ok(receipt.gasUsed > 5n * spent.gas)
})
