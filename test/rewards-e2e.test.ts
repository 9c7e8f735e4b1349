import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { createPublicClient, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { AgentRewardPool } from '../src/chain/contracts.generated.ts'
import { createTraffic, startDevnet } from '../src/chain/index.ts'
import { deployWithHotWallet, runApiary, startApiary, stopProcess } from './_harness/cli.ts'
import { DIALECTS, storeLocation } from './_harness/postgres.ts'
import { freePort, Level, logger, SECRET, startAgent, waitFor, walletKeyOf } from './_harness/swarm.ts'

const abi = AgentRewardPool.abi

for (const dialect of DIALECTS)
  test(`rewards end to end (${dialect}): a coordinator SIGKILLed while settling pays every epoch exactly once; agents learn the credited amount by heartbeat and claim it`, {
    timeout: 300_000,
  }, async () => {
    // Interval mining: pending transactions are pre-confirmation work, the only chain work that earns.
    const devnet = await startDevnet({ logger }, { port: 0, accounts: 8, blockTime: 1 })
    const client = createPublicClient({ chain: devnet.chain, transport: http(devnet.url) })
    const dir = mkdtempSync(join(tmpdir(), 'apiary-rewards-'))
    const keyFile = (name: string, key: Hex) => {
      const path = join(dir, name)
      writeFileSync(path, `${key}\n`, { mode: 0o600 })
      return path
    }
    // The operator: a hot wallet in a keystore, a pool deployed and the hot wallet funded with the CLI.
    const { hot, contract: pool, hotWalletFlags } = await deployWithHotWallet(devnet, dir, 'reward-pool')
    assert.equal(await client.getBalance({ address: hot }), 50n * 10n ** 18n)

    const location = await storeLocation(dialect, join(dir, 'coordinator', 'coordinator.db'))
    const port = await freePort()
    const httpPort = await freePort()
    const api = `http://127.0.0.1:${httpPort}`
    const args = [
      'coordinator',
      ...['--rpc', devnet.url, '--datadir', join(dir, 'coordinator'), '--master-secret', SECRET],
      ...('url' in location ? ['--database', location.url] : []),
      ...[
        '--grpc-port',
        String(port),
        '--http-port',
        String(httpPort),
        '--confirmations',
        '0',
        '--poll-ms',
        '100',
      ],
      ...['--epoch-seconds', '3', '--epoch-reward', '1ether', '--reward-pool', pool],
      ...hotWalletFlags,
      ...['--log-level', 'info'],
    ]
    let killedWhileSettling: number | undefined
    const killOnSettling = (line: string, child: ChildProcess) => {
      if (killedWhileSettling === undefined && line.includes('settling an epoch')) {
        killedWhileSettling = (JSON.parse(line) as { epoch: number }).epoch
        child.kill('SIGKILL')
      }
    }
    let coordinator = await startApiary(args, { ready: 'coordinator  grpc', onLine: killOnSettling })
    const url = `http://127.0.0.1:${port}`
    // Agent ids of different lengths get different payout wallets (dev accounts 1-3).
    const ids = ['rw-l3-aa', 'rw-l3-bbb', 'rw-l1-cccc']
    const agents = ids.map((id, i) => startAgent(url, id, i < 2 ? Level.L3 : Level.L1))
    const walletOf = (id: string) => privateKeyToAccount(walletKeyOf(id)).address.toLowerCase() as Hex
    const traffic = createTraffic(
      { logger },
      { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(4, 6), seed: 5 },
    )
    const stop = new AbortController()
    try {
      await traffic.setup()
      const sending = traffic.run({ tps: 20, signal: stop.signal })
      await waitFor(
        'the coordinator killed while settling',
        () => coordinator.signalCode === 'SIGKILL',
        60_000,
      )
      coordinator = await startApiary(args, { ready: 'coordinator  grpc' })
      const settled = async () => {
        const body = (await (await fetch(`${api}/swarm/epochs`)).json()) as {
          epochs: { epoch: number; state: string; settlement: { txHash: string | null } | null }[]
        }
        return body.epochs
      }
      await waitFor(
        '3 epochs settled after the restart',
        async () => (await settled()).filter((e) => e.state === 'settled').length >= 3,
        90_000,
      )
      // The heartbeat reports the newest settled epoch the agent worked in, with what the pool credited it.
      await waitFor(
        'a payout in every heartbeat',
        () =>
          agents.every(
            (a) => (a.status().coordinators[0]?.lastPayout?.epoch ?? 0) > (killedWhileSettling ?? 0),
          ),
        30_000,
      )
      const payouts = agents.map((a) => a.status().coordinators[0]?.lastPayout)
      stop.abort()
      await sending
      await Promise.all(agents.map((a) => a.close({ graceMs: 1000 })))
      // Without agents (each settlement is a transaction agents would validate), nothing more is earned: wait for
      // everything closed to be settled and the newest closed epoch to carry its reward forward.
      await waitFor(
        'the last work settled',
        async () => {
          const closed = (await settled()).filter((e) => e.state !== 'open')
          return (
            closed[0]?.state === 'carried' &&
            closed.every((e) => e.state === 'settled' || e.state === 'carried')
          )
        },
        60_000,
      )
      const epochs = (await settled()).filter((e) => e.state === 'settled')
      assert.ok(killedWhileSettling !== undefined && epochs.some((e) => e.epoch === killedWhileSettling))

      // Exactly one Settled event per settled epoch, and it is the transaction the coordinator recorded.
      const events = await client.getContractEvents({
        address: pool,
        abi,
        eventName: 'Settled',
        fromBlock: 0n,
      })
      const credits = await client.getContractEvents({
        address: pool,
        abi,
        eventName: 'Credited',
        fromBlock: 0n,
      })
      const byEpoch = new Map<number, string[]>()
      for (const e of events)
        byEpoch.set(Number(e.args.epoch), [...(byEpoch.get(Number(e.args.epoch)) ?? []), e.transactionHash])
      assert.deepEqual(
        [...byEpoch.keys()].sort((a, b) => a - b),
        epochs.map((e) => e.epoch).sort((a, b) => a - b),
      )
      for (const e of epochs) assert.deepEqual(byEpoch.get(e.epoch), [e.settlement?.txHash])

      // The HTTP views agree: the current epoch names the pool and the last settlement; an epoch's leaderboard
      // adds up to what its Settled event says was distributed.
      const current = (await (await fetch(`${api}/swarm/epoch`)).json()) as Record<string, unknown>
      assert.equal(current.pool, pool)
      assert.equal(current.hotWallet, hot)
      assert.equal(current.owedEpochs, 0)
      const newest = epochs.reduce((a, b) => (a.epoch > b.epoch ? a : b))
      assert.deepEqual(current.lastSettled, {
        epoch: newest.epoch,
        txHash: newest.settlement?.txHash,
        block: (current.lastSettled as { block: number }).block,
      })
      const first = (await (await fetch(`${api}/swarm/epochs/${newest.epoch}`)).json()) as {
        leaderboard: { amountWei: string }[]
      }
      const event = events.find((e) => Number(e.args.epoch) === newest.epoch)
      assert.equal(
        first.leaderboard.reduce((sum, row) => sum + BigInt(row.amountWei), 0n),
        event?.args.distributed,
      )

      // What each wallet was credited per epoch, from the chain; the heartbeat amounts are exactly those.
      const credit = new Map<string, bigint>()
      for (const e of credits) {
        const {
          agents: wallets,
          amounts,
          epoch,
        } = e.args as { agents: Hex[]; amounts: bigint[]; epoch: bigint }
        for (const [i, w] of wallets.entries())
          credit.set(
            `${epoch}:${w.toLowerCase()}`,
            (credit.get(`${epoch}:${w.toLowerCase()}`) ?? 0n) + (amounts[i] ?? 0n),
          )
      }
      const creditedTo = (wallet: Hex) =>
        [...credit].filter(([key]) => key.endsWith(wallet)).reduce((sum, [, amount]) => sum + amount, 0n)
      for (const [i, payout] of payouts.entries()) {
        assert.ok(payout !== undefined)
        // The L1 agent earns only from invalid canaries (docs/rewards.md#what-earns): an epoch may pay it 0,
        // which the pool credits nobody.
        const credited = credit.get(`${payout.epoch}:${walletOf(ids[i] as string)}`)
        assert.equal(payout.amountWei, credited ?? 0n)
        assert.equal(payout.txHash, byEpoch.get(payout.epoch)?.[0])
        assert.equal(payout.pool, pool)
        assert.ok(payout.agentsPaid >= 1)
        assert.ok(payout.amountWei === 0n ? payout.rank === 0 : payout.rank >= 1)
      }
      const rewards = await runApiary([
        'rewards',
        '--coordinator-http',
        api,
        '--agent-id',
        'rw-l3-aa',
        '--json',
      ])
      assert.equal(rewards.code, 0, rewards.stderr)
      const report = JSON.parse(rewards.stdout) as { totals: { settledWei: string; owedWei: string } }
      const walletA = walletOf('rw-l3-aa')
      assert.equal(BigInt(report.totals.settledWei), creditedTo(walletA))
      assert.equal(report.totals.owedWei, '0')

      await stopProcess(coordinator, 'SIGTERM')
      // The agent claims everything it was credited, with the CLI.
      const dry = await runApiary([
        'claim',
        '--rpc',
        devnet.url,
        '--contract',
        pool,
        '--address',
        walletA,
        '--dry-run',
        '--json',
      ])
      assert.equal(dry.code, 0, dry.stderr)
      assert.equal(BigInt(JSON.parse(dry.stdout).claimableWei), creditedTo(walletA))
      const claim = await runApiary([
        ...['claim', '--rpc', devnet.url, '--contract', pool, '--json'],
        ...['--private-key-file', keyFile('agent.key', walletKeyOf('rw-l3-aa'))],
      ])
      assert.equal(claim.code, 0, claim.stderr)
      assert.equal(BigInt(JSON.parse(claim.stdout).claimedWei), creditedTo(walletA))
      assert.equal(
        await client.readContract({ address: pool, abi, functionName: 'claimable', args: [walletA] }),
        0n,
      )
    } finally {
      stop.abort()
      await Promise.all(agents.map((a) => a.close({ graceMs: 0 })))
      await stopProcess(coordinator, 'SIGKILL')
      await devnet.close()
    }
  })
