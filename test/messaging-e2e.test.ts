/**
 * Agent messaging end to end on a devnet making a block every second: agent A reaches the chain directly,
 * agent B only through a JSON-RPC proxy (a second endpoint). B runs `apiary messenger`; A uses the CLI.
 * Ping → autonomous pong (round trip measured), an encrypted message only B can read, a SIGKILL of B's
 * messenger in the middle of a stream (no message lost, no reply repeated), and malformed, oversized and
 * undecryptable payloads that are rejected while the messenger keeps answering.
 */
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import SQLite from 'better-sqlite3'
import { type Address, createPublicClient, createWalletClient, type Hex, http, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { Mailbox } from '../src/chain/contracts.generated.ts'
import { type Devnet, deploySwarmContracts, startDevnet } from '../src/chain/index.ts'
import { encodePayload, messagingPublicKey, readMessages } from '../src/messaging/index.ts'
import { runApiary, startApiary, stopProcess } from './_harness/cli.ts'
import { type RpcProxy, startRpcProxy } from './_harness/rpcProxy.ts'
import { logger, waitFor } from './_harness/swarm.ts'

let devnet: Devnet
let proxy: RpcProxy
const proxied = () => [...proxy.calls.values()].reduce((a, b) => a + b, 0)
let mailbox: Hex
let registry: Hex
const dir = mkdtempSync(join(tmpdir(), 'apiary-messaging-'))
const keyFile = (name: string) => join(dir, `${name}.key`)
const keys: Record<'a' | 'b' | 'c', Hex> = { a: '0x', b: '0x', c: '0x' }
const address = (who: 'a' | 'b' | 'c') => privateKeyToAccount(keys[who]).address.toLowerCase() as Address
let messenger: Awaited<ReturnType<typeof startApiary>> | undefined
const log: Record<string, unknown>[] = []

const startMessenger = () =>
  startApiary(
    [
      '--log-level',
      'info',
      'messenger',
      '--rpc',
      proxy.url,
      '--private-key-file',
      keyFile('b'),
      '--mailbox',
      mailbox,
      '--inbox',
      join(dir, 'b-inbox.sqlite'),
      '--messages-from-block',
      '0',
    ],
    {
      ready: 'Ctrl-C stops it',
      onLine: (line) => {
        try {
          log.push(JSON.parse(line) as Record<string, unknown>)
        } catch {}
      },
    },
  )

before(async () => {
  devnet = await startDevnet({ logger }, { port: 0, accounts: 6, blockTime: 1 })
  proxy = await startRpcProxy(devnet.url)
  for (const [i, who] of (['a', 'b', 'c'] as const).entries()) {
    keys[who] = devnet.accounts[i + 1]?.privateKey as Hex
    writeFileSync(keyFile(who), `${keys[who]}\n`, { mode: 0o600 })
  }
  const deployed = await deploySwarmContracts({
    rpcUrl: devnet.url,
    deployer: privateKeyToAccount(devnet.accounts[0]?.privateKey as Hex),
  })
  mailbox = deployed.mailbox
  registry = deployed.registry
  // B registers through its own endpoint, which also publishes its messaging key; so does A.
  for (const [who, rpc] of [
    ['b', proxy.url],
    ['a', devnet.url],
  ] as const) {
    const registered = await runApiary([
      'register',
      '--rpc',
      rpc,
      '--private-key-file',
      keyFile(who),
      '--registry',
      registry,
    ])
    assert.equal(registered.code, 0, registered.stderr)
  }
  messenger = await startMessenger()
})

after(async () => {
  if (messenger !== undefined) await stopProcess(messenger, 'SIGTERM')
  await proxy?.close()
  await devnet?.close()
  rmSync(dir, { recursive: true, force: true })
})

const send = (...args: string[]) =>
  runApiary([
    'message',
    'send',
    '--rpc',
    devnet.url,
    '--private-key-file',
    keyFile('a'),
    '--mailbox',
    mailbox,
    '--to',
    address('b'),
    ...args,
  ])

const client = () => createPublicClient({ transport: http(devnet.url), pollingInterval: 250 })
const walletOfA = () =>
  createWalletClient({
    account: privateKeyToAccount(keys.a),
    chain: devnet.chain,
    transport: http(devnet.url),
  })

/** Every message B sent to A, by the id it answers. */
async function repliesToA(): Promise<Map<string, string[]>> {
  const records = await readMessages({
    client: client(),
    mailbox,
    fromBlock: 0n,
    toBlock: await client().getBlockNumber({ cacheTime: 0 }),
    from: address('b'),
    to: address('a'),
    reader: { address: address('a'), privateKey: keys.a },
  })
  const byId = new Map<string, string[]>()
  for (const r of records) {
    assert.equal(r.decoded.status, 'ok', `B's reply #${r.id} reads`)
    if (r.decoded.status !== 'ok') continue
    const id = r.decoded.envelope.reply_to ?? '-'
    byId.set(id, [...(byId.get(id) ?? []), r.decoded.envelope.type])
  }
  return byId
}

test('agents list: both agents, with their wallets, accept encrypted messages', async () => {
  const listed = await runApiary(['agents', 'list', '--rpc', proxy.url, '--mailbox', mailbox, '--json'])
  assert.equal(listed.code, 0, listed.stderr)
  const agents = JSON.parse(listed.stdout) as { wallet: string; messagingKey: string | null }[]
  assert.deepEqual(
    agents.map((a) => [a.wallet, a.messagingKey]),
    [
      [address('b'), messagingPublicKey(keys.b)],
      [address('a'), messagingPublicKey(keys.a)],
    ],
  )
})

test('ping from A (devnet endpoint) → autonomous pong from B (proxy endpoint), round trip measured', async () => {
  const before = proxied()
  const sent = await send('--type', 'ping', '--body', 'are you there?', '--wait-reply', '30')
  assert.equal(sent.code, 0, sent.stderr + sent.stdout)
  const id = /sent message #(\d+)/.exec(sent.stdout)?.[1]
  assert.match(sent.stdout, new RegExp(`pong \\(reply to #${id}\\): "are you there\\?"`))
  const rtt = Number(/round trip ([0-9.]+) s/.exec(sent.stdout)?.[1])
  assert.ok(rtt > 0 && rtt < 30)
  assert.ok(proxied() > before, 'B reached the chain through the proxy')
  process.stdout.write(`# ping → pong round trip ${rtt} s (1-second blocks, 1 confirmation)\n`)
  // Nothing answers a reply that did not ask for one: --wait-reply of a pong with no one to answer times out.
  const unanswered = await send('--type', 'pong', '--wait-reply', '4')
  assert.equal(unanswered.code, 75, unanswered.stdout + unanswered.stderr)
  assert.match(unanswered.stderr, /APIARY_MESSAGE_NO_REPLY/)
})

test('an encrypted message is read by B alone; it acknowledges it encrypted to A', async () => {
  const secret = 'the vault code is 7421'
  const sent = await send(
    '--type',
    'text',
    '--body',
    secret,
    '--encrypt',
    '--ack',
    '--wait-reply',
    '30',
    '--json',
  )
  assert.equal(sent.code, 0, sent.stderr)
  const result = JSON.parse(sent.stdout) as {
    id: string
    reply: { type: string; encrypted: boolean; reply_to: string }
  }
  assert.equal(result.reply.type, 'ack')
  assert.equal(result.reply.encrypted, true, 'B encrypts its reply to the key A publishes')
  const id = BigInt(result.id)
  const [onChain] = await client().getContractEvents({
    address: mailbox,
    abi: Mailbox.abi,
    eventName: 'Message',
    args: { id },
    fromBlock: 0n,
  })
  assert.ok(onChain?.args.payload !== undefined)
  assert.ok(
    !Buffer.from(onChain.args.payload.slice(2), 'hex').toString('latin1').includes('vault'),
    'no plaintext on chain',
  )

  const as = async (who: 'b' | 'c' | undefined) => {
    const listed = await runApiary([
      'messages',
      '--rpc',
      devnet.url,
      '--mailbox',
      mailbox,
      '--address',
      address('b'),
      '--since',
      '0',
      '--json',
      ...(who === undefined ? [] : ['--private-key-file', keyFile(who)]),
    ])
    assert.equal(listed.code, 0, listed.stderr)
    return (JSON.parse(listed.stdout) as { id: string; status: string; body?: string }[]).find(
      (m) => BigInt(m.id) === id,
    )
  }
  assert.deepEqual([(await as('b'))?.status, (await as('b'))?.body], ['ok', secret])
  assert.equal((await as(undefined))?.status, 'encrypted')
  assert.equal((await as('c'))?.status, 'encrypted', 'a third wallet cannot open it')
})

test('SIGKILL of the messenger mid-stream: every ping answered exactly once, none lost', async () => {
  const wallet = walletOfA()
  const c = client()
  let nonce = await c.getTransactionCount({ address: address('a'), blockTag: 'pending' })
  const hashes: Hex[] = []
  for (let i = 0; i < 12; i++)
    hashes.push(
      await wallet.writeContract({
        address: mailbox,
        abi: Mailbox.abi,
        functionName: 'send',
        args: [
          address('b'),
          encodePayload({ envelope: { type: 'ping', body: `stream ${i}`, timestamp: 1_763_683_200 + i } }),
        ],
        nonce: nonce++,
        gas: 100_000n,
      }),
    )
  const ids = await Promise.all(
    hashes.map(async (hash) => {
      const receipt = await c.waitForTransactionReceipt({ hash })
      return BigInt(receipt.logs[0]?.topics[3] as Hex).toString()
    }),
  )
  const handled = () => log.filter((l) => l.msg === 'message handled' && ids.includes(String(l.id))).length
  await waitFor('B to handle some of the stream', () => handled() >= 2, 30_000)
  await stopProcess(messenger as NonNullable<typeof messenger>, 'SIGKILL')
  const atKill = handled()
  const repliedAtKill = [...(await repliesToA()).keys()].filter((id) => ids.includes(id)).length
  assert.ok(repliedAtKill < ids.length, 'killed before every pong was mined')
  process.stdout.write(`# SIGKILL after ${atKill} of 12 handled, ${repliedAtKill} pongs mined\n`)
  messenger = await startMessenger()
  await waitFor(
    'a pong for every ping of the stream',
    async () => {
      const replies = await repliesToA()
      return ids.every((id) => replies.has(id))
    },
    60_000,
  )
  // A few more blocks: a repeated reply would show up now.
  const head = await c.getBlockNumber({ cacheTime: 0 })
  await waitFor('3 more blocks', async () => (await c.getBlockNumber({ cacheTime: 0 })) >= head + 3n, 20_000)
  const replies = await repliesToA()
  for (const id of ids) assert.deepEqual(replies.get(id), ['pong'], `ping #${id}`)
  // Handled once each: never logged twice (a SIGKILL can swallow the last log line, never add one), and every
  // one marked handled in B's inbox.
  const logged = log
    .filter((l) => l.msg === 'message handled' && ids.includes(String(l.id)))
    .map((l) => String(l.id))
  assert.equal(new Set(logged).size, logged.length, `a message handled twice (${atKill} before the kill)`)
  const inbox = new SQLite(join(dir, 'b-inbox.sqlite'), { readonly: true })
  const statuses = inbox
    .prepare<[], { id: string; status: string }>('SELECT id, status FROM inbox')
    .all()
    .filter((row) => ids.includes(row.id))
  inbox.close()
  assert.deepEqual(
    statuses.map((row) => row.status),
    ids.map(() => 'handled'),
  )
})

test('malformed, oversized and undecryptable payloads are rejected with their code; the messenger goes on', async () => {
  const wallet = walletOfA()
  const c = client()
  const bad: [string, Hex][] = [
    ['MESSAGE_VERSION_UNSUPPORTED', '0xdeadbeef'],
    ['MESSAGE_MALFORMED', '0x01'],
    ['MESSAGE_MALFORMED', '0x0109'],
    ['MESSAGE_MALFORMED', toHex(Buffer.concat([Buffer.from([1, 0]), Buffer.from('{"type":"ping"')]))],
    ['MESSAGE_TOO_LARGE', toHex(Buffer.concat([Buffer.from([1, 0]), Buffer.alloc(5000, 0x20)]))],
    [
      'MESSAGE_UNDECRYPTABLE',
      // Encrypted to C's key, sent to B.
      encodePayload({
        envelope: { type: 'text', body: 'not for you', timestamp: 1_763_683_200, ack: true },
        encryptTo: { publicKey: messagingPublicKey(keys.c), from: address('a'), to: address('b') },
      }),
    ],
  ]
  const ids: string[] = []
  for (const [, payload] of bad) {
    const hash = await wallet.writeContract({
      address: mailbox,
      abi: Mailbox.abi,
      functionName: 'send',
      args: [address('b'), payload],
      gas: 500_000n,
    })
    const receipt = await c.waitForTransactionReceipt({ hash })
    ids.push(BigInt(receipt.logs[0]?.topics[3] as Hex).toString())
  }
  const sent = await send('--type', 'ping', '--body', 'still there?', '--wait-reply', '30')
  assert.equal(sent.code, 0, sent.stderr + sent.stdout)
  const rejected = log.filter((l) => l.msg === 'message rejected')
  for (const [i, [code]] of bad.entries())
    assert.equal(rejected.find((l) => String(l.id) === ids[i])?.code, code, `payload ${i} (#${ids[i]})`)
  const replies = await repliesToA()
  for (const id of ids) assert.equal(replies.get(id), undefined, `no reply to rejected #${id}`)
})
