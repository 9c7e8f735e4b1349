import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPublicClient, createWalletClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createMessenger } from '../src/agent/index.ts'
import { deploySwarmContracts, registerAgent, startDevnet } from '../src/chain/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import { publishMessagingKey, sendMessage, waitForReply } from '../src/messaging/index.ts'
import { machine } from './_lib/machine.ts'

const ROUND_TRIPS = 10

/**
 * Ping → pong round trips through the chain (issue 7; AITBC's took ≈ 10 s): agent A sends a ping with
 * `sendMessage` and waits for the reply with `waitForReply`; agent B's messenger (`createMessenger`, as in
 * `apiary agent`) answers it. Baseline in the same run: one Mailbox message from send to receipt, the floor
 * of a round trip being two of them. Devnets: 1-second blocks (as `apiary up`) with 1 and 0 confirmations,
 * and automine with 0.
 */
export async function benchMessaging() {
  const logger = createLogger({ level: 'silent' })
  const rows: Record<string, string | number>[] = []
  for (const [blockTime, confirmations] of [
    [1, 1],
    [1, 0],
    [0, 0],
  ] as const) {
    const devnet = await startDevnet({ logger }, { port: 0, accounts: 3, blockTime })
    const dir = mkdtempSync(join(tmpdir(), 'apiary-bench-msg-'))
    try {
      const client = createPublicClient({
        chain: devnet.chain,
        transport: http(devnet.url),
        pollingInterval: 100,
      })
      const keys = devnet.accounts.map((a) => a.privateKey)
      const walletOf = (key: Hex) =>
        createWalletClient({
          account: privateKeyToAccount(key),
          chain: devnet.chain,
          transport: http(devnet.url),
        })
      const deployed = await deploySwarmContracts({
        rpcUrl: devnet.url,
        deployer: privateKeyToAccount(keys[0] as Hex),
      })
      for (const key of [keys[1], keys[2]] as Hex[]) {
        await registerAgent({
          client,
          chain: devnet.chain,
          rpcUrl: devnet.url,
          registry: deployed.registry,
          account: privateKeyToAccount(key),
        })
        await publishMessagingKey({
          client,
          wallet: walletOf(key),
          registry: deployed.registry,
          privateKey: key,
        })
      }
      const a = walletOf(keys[1] as Hex)
      const bKey = keys[2] as Hex
      const b = walletOf(bKey)
      const messenger = createMessenger({
        logger,
        client,
        account: b.account,
        chainId: devnet.chainId,
        maxFeePerGasWei: 100_000_000_000n,
        privateKey: bKey,
        mailbox: deployed.mailbox,
        inboxPath: join(dir, 'b.sqlite'),
        confirmations,
      })
      const hop: number[] = []
      const rtt: number[] = []
      // One warm-up round trip, then the timed ones; a baseline hop (A → B, no reply asked) before each.
      for (let i = 0; i <= ROUND_TRIPS; i++) {
        const h0 = performance.now()
        await sendMessage({
          client,
          wallet: a,
          mailbox: deployed.mailbox,
          to: b.account.address,
          envelope: { type: 'pong', timestamp: 1 },
        })
        const hopMs = performance.now() - h0
        const t0 = performance.now()
        const sent = await sendMessage({
          client,
          wallet: a,
          mailbox: deployed.mailbox,
          to: b.account.address,
          envelope: { type: 'ping', body: `bench ${i}`, timestamp: Math.floor(Date.now() / 1000) },
        })
        const reply = await waitForReply({
          client,
          mailbox: deployed.mailbox,
          me: a.account.address,
          privateKey: keys[1] as Hex,
          peer: b.account.address,
          id: sent.id,
          fromBlock: sent.blockNumber,
          timeoutMs: 60_000,
          pollMs: 100,
        })
        if (reply === undefined) throw new Error('no pong within 60 s')
        if (i > 0) {
          hop.push(hopMs)
          rtt.push(performance.now() - t0)
        }
      }
      await messenger.close()
      const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)] as number
      const max = (xs: number[]) => Math.max(...xs)
      rows.push({
        devnet: blockTime === 0 ? 'automine' : `${blockTime}-s blocks`,
        confirmations,
        'one message, send→receipt (ms, median)': Math.round(median(hop)),
        'ping→pong (ms, median)': Math.round(median(rtt)),
        'ping→pong (ms, max)': Math.round(max(rtt)),
        'round trip ÷ one message': (median(rtt) / median(hop)).toFixed(2),
      })
    } finally {
      await devnet.close()
      rmSync(dir, { recursive: true, force: true })
    }
  }
  return { unit: `${ROUND_TRIPS} round trips each`, machine: machine(), rows }
}
