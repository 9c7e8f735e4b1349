import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type Hex, parseEventLogs, toHex } from 'viem'
import { AgentRegistry, Mailbox } from '../src/chain/contracts.generated.ts'
import { useDevnet } from './_harness/chain.ts'
import { checkGasSnapshot } from './_harness/gasSnapshot.ts'

const ctx = useDevnet()

test('Mailbox: send emits Message(from, to, id, payload) with ids unique and increasing; ≤ 32,000 gas for 32 bytes', async () => {
  const { chain } = ctx
  const registry = await chain.deploy(0, AgentRegistry)
  const mailbox = await chain.deploy(0, Mailbox, [registry])
  assert.equal(
    (
      await chain.client.readContract({ address: mailbox, abi: Mailbox.abi, functionName: 'registry' })
    ).toLowerCase(),
    registry.toLowerCase(),
  )
  const to = chain.accounts[2]?.address as Hex
  const payload32 = toHex(new Uint8Array(32).map((_, i) => i + 1))
  const sent = []
  for (const from of [0, 1, 0, 1]) {
    const receipt = await chain.send(from, {
      address: mailbox,
      abi: Mailbox.abi,
      functionName: 'send',
      args: [to, payload32],
    })
    assert.equal(receipt.status, 'success')
    const [event] = parseEventLogs({ abi: Mailbox.abi, logs: receipt.logs, eventName: 'Message' })
    assert.ok(event)
    assert.equal(event.args.from.toLowerCase(), chain.accounts[from]?.address.toLowerCase())
    assert.equal(event.args.to.toLowerCase(), to.toLowerCase())
    assert.equal(event.args.payload, payload32)
    sent.push({ id: event.args.id, gas: receipt.gasUsed })
  }
  assert.deepEqual(
    sent.map((s) => s.id),
    [1n, 2n, 3n, 4n],
  )
  assert.equal(
    await chain.client.readContract({ address: mailbox, abi: Mailbox.abi, functionName: 'messageCount' }),
    4n,
  )
  const first = Number(sent[0]?.gas)
  const later = Number(sent[3]?.gas)
  assert.ok(first <= 32_000, `first send of 32 bytes costs ${first} gas`)
  assert.ok(later <= 32_000, `send of 32 bytes costs ${later} gas`)

  const payload256 = toHex(new Uint8Array(256).fill(0xab))
  const big = await chain.send(0, {
    address: mailbox,
    abi: Mailbox.abi,
    functionName: 'send',
    args: [to, payload256],
  })
  const zero = await chain.send(0, {
    address: mailbox,
    abi: Mailbox.abi,
    functionName: 'send',
    args: ['0x0000000000000000000000000000000000000000', payload32],
    gas: 100_000n,
  })
  assert.equal(zero.status, 'reverted', 'a message to the zero address reverts ZeroRecipient')
  checkGasSnapshot({ 'Mailbox.send(32 bytes)': later, 'Mailbox.send(256 bytes)': Number(big.gasUsed) })
})

test('AgentRegistry metadata: the owner sets messagingKey; agentWallet is reserved; others may not', async () => {
  const { chain } = ctx
  const registry = await chain.deploy(0, AgentRegistry)
  await chain.send(3, {
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'register',
    args: ['data:,a'],
  })
  const key = `0x02${'11'.repeat(32)}` as Hex
  const set = await chain.send(3, {
    address: registry,
    abi: AgentRegistry.abi,
    functionName: 'setMetadata',
    args: [0n, 'messagingKey', key],
  })
  assert.equal(set.status, 'success')
  const [event] = parseEventLogs({ abi: AgentRegistry.abi, logs: set.logs, eventName: 'MetadataSet' })
  assert.equal(event?.args.metadataKey, 'messagingKey')
  assert.equal(event?.args.metadataValue, key)
  const read = (k: string) =>
    chain.client.readContract({
      address: registry,
      abi: AgentRegistry.abi,
      functionName: 'getMetadata',
      args: [0n, k],
    })
  assert.equal(await read('messagingKey'), key)
  assert.equal((await read('agentWallet')).toLowerCase(), chain.accounts[3]?.address.toLowerCase())
  assert.equal(await read('unknown'), '0x')
  for (const [from, k] of [
    [4, 'messagingKey'],
    [3, 'agentWallet'],
  ] as const) {
    const refused = await chain.send(from, {
      address: registry,
      abi: AgentRegistry.abi,
      functionName: 'setMetadata',
      args: [0n, k, key],
      gas: 200_000n,
    })
    assert.equal(refused.status, 'reverted', `setMetadata(${k}) from account ${from}`)
  }
})
