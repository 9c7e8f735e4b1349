import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { type Abi, decodeEventLog, type Hex, parseEther } from 'viem'
import { compile } from '../contracts/compile.ts'
import { AgentRewardPool } from '../src/chain/contracts.generated.ts'
import { useDevnet } from './_harness/chain.ts'

const abi = AgentRewardPool.abi
const context = useDevnet()

const COORDINATOR = 0
const address = (n: number) => `0x${(0xa9e70000 + n).toString(16).padStart(40, '0')}` as Hex

async function deployPool(): Promise<Hex> {
  return context.chain.deploy(COORDINATOR, AgentRewardPool, [context.chain.accounts[COORDINATOR]?.address])
}
const settle = (pool: Hex, epoch: bigint, agents: Hex[], weights: bigint[], value = 0n) =>
  context.chain.send(COORDINATOR, {
    address: pool,
    abi,
    functionName: 'depositAndSettle',
    args: [epoch, agents, weights],
    value,
  })
const read = <T>(pool: Hex, functionName: string, args: unknown[] = []) =>
  context.chain.client.readContract({ address: pool, abi, functionName, args } as never) as Promise<T>
const balance = (a: Hex) => context.chain.client.getBalance({ address: a })

test('an epoch pays its own work: weights first, then the split; dust and plain transfers are carried', async () => {
  const pool = await deployPool()
  const [a, b, c] = [address(1), address(2), address(3)]
  await settle(pool, 1n, [a, b], [1000n, 1000n], parseEther('1'))
  assert.equal(await read(pool, 'claimable', [a]), parseEther('0.5'), 'two equal agents split exactly 50/50')
  assert.equal(await read(pool, 'claimable', [b]), parseEther('0.5'))

  // The first deposit of a fresh pool is paid out, and a new weight takes effect in its own epoch.
  await settle(pool, 2n, [a, b, c], [0n, 1000n, 2000n], 1000n)
  assert.equal(await read(pool, 'claimable', [a]), parseEther('0.5'), 'weight 0: nothing for epoch 2')
  assert.equal(await read(pool, 'claimable', [b]), parseEther('0.5') + 333n)
  assert.equal(await read(pool, 'claimable', [c]), 666n)
  assert.equal(await read(pool, 'carried'), 1n, 'the rounding wei is carried')

  await context.chain.wallet(1).sendTransaction({
    to: pool,
    value: 99n,
    account: context.chain.wallet(1).account,
    chain: context.devnet.chain,
  })
  assert.equal(await read(pool, 'carried'), 100n)
  await settle(pool, 3n, [b, c], [1n, 1n], 0n)
  assert.equal(await read(pool, 'carried'), 0n, 'carried wei goes to the next epoch')
  assert.equal(await read(pool, 'claimable', [c]), 666n + 50n)
  assert.equal(await read(pool, 'totalWeight'), 2n)
})

const chunk = (
  pool: Hex,
  epoch: bigint,
  index: number,
  total: bigint,
  agents: Hex[],
  weights: bigint[],
  value = 0n,
) =>
  context.chain.send(COORDINATOR, {
    address: pool,
    abi,
    functionName: 'settle',
    args: [epoch, index, total, agents, weights],
    value,
  })

test('settlement refuses replays, jumps to the end of the epoch range, deposits nobody can earn, and strangers', async () => {
  const pool = await deployPool()
  const [a, b] = [address(1), address(2)]
  await settle(pool, 5n, [a, b], [10n, 10n], 100n)
  await assert.rejects(settle(pool, 5n, [a, b], [10n, 10n], 100n), /EpochNotIncreasing/)
  await assert.rejects(settle(pool, 4n, [a, b], [10n, 10n], 100n), /EpochNotIncreasing/)
  await assert.rejects(settle(pool, 5n + 1_000_001n, [a], [1n], 1n), /EpochTooFar/, 'a bounded step')
  await assert.rejects(settle(pool, 2n ** 64n - 2n, [a], [1n], 1n), /EpochTooFar/, 'not the end of the range')
  await assert.rejects(settle(pool, 6n, [a, b], [0n, 0n], 100n), /NoWeight/, 'a deposit nobody can earn')
  await assert.rejects(settle(pool, 6n, [a], [1n, 2n], 0n), /LengthMismatch/)
  await assert.rejects(
    context.chain.send(1, { address: pool, abi, functionName: 'depositAndSettle', args: [6n, [a], [1n]] }),
    /OwnableUnauthorizedAccount/,
  )
  // An epoch without work is allowed without a deposit; the pool then holds only what agents may claim.
  await settle(pool, 6n, [], [], 0n)
  assert.equal(await read(pool, 'totalWeight'), 0n)
  assert.equal(await balance(pool), 100n)
})

test('an epoch settled in chunks: in order, each once, the deposit with the first, the total declared once; weights past it are refused', async () => {
  const pool = await deployPool()
  const [a, b, c] = [address(1), address(2), address(3)]
  await chunk(pool, 1n, 0, 4n, [a], [1n], 400n)
  assert.deepEqual(await read(pool, 'settling'), [1n, 1, 1n, 4n])
  assert.equal(await read(pool, 'lastEpoch'), 0n, 'not settled until the total is listed')
  await assert.rejects(chunk(pool, 1n, 0, 4n, [a], [1n], 400n), /ChunkOutOfOrder/, 'chunk 0 again')
  await assert.rejects(chunk(pool, 1n, 2, 4n, [b], [1n]), /ChunkOutOfOrder/, 'a chunk skipped')
  await assert.rejects(chunk(pool, 2n, 0, 1n, [b], [1n], 1n), /ChunkOutOfOrder/, 'another epoch meanwhile')
  await assert.rejects(chunk(pool, 1n, 1, 4n, [b], [1n], 1n), /ChunkMismatch/, 'only chunk 0 deposits')
  await assert.rejects(chunk(pool, 1n, 1, 5n, [b], [1n]), /ChunkMismatch/, 'the total is fixed')
  await assert.rejects(chunk(pool, 1n, 1, 4n, [b, c], [1n, 3n]), /WeightsExceedTotal/)
  await chunk(pool, 1n, 1, 4n, [b], [1n])
  await chunk(pool, 1n, 2, 4n, [c], [2n])
  assert.equal(await read(pool, 'lastEpoch'), 1n)
  assert.deepEqual(await read(pool, 'settling'), [0n, 0, 0n, 0n])
  assert.deepEqual(await Promise.all([a, b, c].map((x) => read(pool, 'claimable', [x]))), [100n, 100n, 200n])
  assert.equal(await read(pool, 'weightOf', [c]), 2n)
  await settle(pool, 2n, [a], [1n], 0n)
  assert.equal(await read(pool, 'weightOf', [c]), 0n, 'not listed in the last epoch: weight 0')
  await assert.rejects(settle(pool, 3n, [a, b], [1n, 2n, 3n], 0n), /LengthMismatch/)
})

test('neither contract can lose its coordinator: renounceOwnership is disabled', async () => {
  const pool = await deployPool()
  await assert.rejects(
    context.chain.send(COORDINATOR, { address: pool, abi, functionName: 'renounceOwnership' }),
    /RenounceDisabled/,
  )
  assert.equal(await read(pool, 'coordinator'), context.chain.accounts[COORDINATOR]?.address)
})

test('a batch of claims survives recipients that burn all gas or return a megabyte: bounded gas, their credit stays', async () => {
  const { Burner, Bomber } = compile(
    'solc',
    {
      'Hostile.sol': `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Burner { receive() external payable { while (true) {} } }
contract Bomber { receive() external payable { assembly { return(0, 1000000) } } }`,
    },
    { evmVersion: 'prague' },
  ) as Record<string, { abi: Abi; bytecode: Hex }>
  assert.ok(Burner && Bomber)
  const pool = await deployPool()
  const burner = await context.chain.deploy(0, Burner)
  const bomber = await context.chain.deploy(0, Bomber)
  const agent = context.chain.accounts[4]?.address as Hex
  await settle(pool, 1n, [burner, bomber, agent], [1n, 1n, 1n], 3000n)
  const before = await balance(agent)
  const batch = await context.chain.send(3, {
    address: pool,
    abi,
    functionName: 'batchClaimFor',
    args: [[burner, bomber, agent]],
    gas: 1_000_000n,
  })
  assert.equal(batch.status, 'success')
  assert.ok(batch.gasUsed < 250_000n, `the batch used ${batch.gasUsed} gas`)
  assert.deepEqual(
    batch.logs.map((log) => decodeEventLog({ abi, ...log }).eventName),
    ['ClaimFailed', 'ClaimFailed', 'Claimed'],
  )
  assert.equal((await balance(agent)) - before, 1000n)
  assert.equal(await read(pool, 'claimable', [burner]), 1000n)
  assert.equal(await read(pool, 'claimable', [bomber]), 1000n)
})

test('claims pay the agent only, once; batches survive a refusing agent; re-entry finds nothing', async () => {
  const { Rejecter, Reenterer } = compile(
    'solc',
    {
      'Helpers.sol': `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
interface IPool { function claimFor(address) external; }
contract Rejecter { receive() external payable { revert("no"); } }
contract Reenterer {
  IPool public pool; bool public reentered; uint256 public received;
  constructor(IPool p) { pool = p; }
  receive() external payable {
    received += msg.value;
    try pool.claimFor(address(this)) { reentered = true; } catch {}
  }
}`,
    },
    { evmVersion: 'prague' },
  ) as Record<string, { abi: Abi; bytecode: Hex }>
  assert.ok(Rejecter && Reenterer)
  const pool = await deployPool()
  const rejecter = await context.chain.deploy(0, Rejecter)
  const reenterer = await context.chain.deploy(0, Reenterer, [pool])
  const agent = context.chain.accounts[2]?.address as Hex
  await settle(pool, 1n, [agent, rejecter, reenterer], [1n, 1n, 1n], 3000n)

  const before = await balance(agent)
  const receipt = await context.chain.send(3, { address: pool, abi, functionName: 'claimFor', args: [agent] })
  assert.equal(receipt.status, 'success')
  assert.equal((await balance(agent)) - before, 1000n, 'a third party triggers, the agent gets paid')
  await assert.rejects(
    context.chain.send(3, { address: pool, abi, functionName: 'claimFor', args: [agent] }),
    /NothingToClaim/,
  )
  await assert.rejects(
    context.chain.send(3, { address: pool, abi, functionName: 'claimFor', args: [rejecter] }),
    /TransferFailed/,
  )

  const batch = await context.chain.send(3, {
    address: pool,
    abi,
    functionName: 'batchClaimFor',
    args: [[rejecter, reenterer, agent]],
  })
  const events = batch.logs.map((log) => decodeEventLog({ abi, ...log }))
  assert.deepEqual(
    events.map((e) => e.eventName),
    ['ClaimFailed', 'Claimed'],
  )
  assert.equal(await read(pool, 'claimable', [rejecter]), 1000n, 'a refused payout stays claimable')
  assert.equal(await balance(reenterer), 1000n, 'the re-entrant agent got exactly its credit')
  const reentered = await context.chain.client.readContract({
    address: reenterer,
    abi: Reenterer.abi,
    functionName: 'reentered',
  })
  assert.equal(reentered, false)
  assert.equal(await balance(pool), 1000n)
})

test('the coordinator role moves in two steps', async () => {
  const pool = await deployPool()
  const next = context.chain.accounts[1]?.address as Hex
  await context.chain.send(COORDINATOR, {
    address: pool,
    abi,
    functionName: 'transferOwnership',
    args: [next],
  })
  assert.equal(await read(pool, 'coordinator'), context.chain.accounts[COORDINATOR]?.address)
  await context.chain.send(1, { address: pool, abi, functionName: 'acceptOwnership' })
  assert.equal(await read(pool, 'coordinator'), next)
  await assert.rejects(settle(pool, 1n, [address(1)], [1n], 1n), /OwnableUnauthorizedAccount/)
})

test('property: at every step Σ claimed + Σ claimable + carried = Σ deposits + Σ received; weight 0 earns nothing', {
  timeout: 300_000,
}, async () => {
  const AGENTS = 6
  const step = fc.oneof(
    fc.record({
      kind: fc.constant('settle' as const),
      weights: fc.array(fc.oneof(fc.constant(0n), fc.bigInt(1n, 10_000n)), {
        minLength: AGENTS,
        maxLength: AGENTS,
      }),
      value: fc.oneof(fc.constant(0n), fc.bigInt(1n, 10n ** 18n)),
    }),
    fc.record({ kind: fc.constant('claim' as const), agent: fc.nat(AGENTS - 1) }),
    fc.record({ kind: fc.constant('receive' as const), value: fc.bigInt(1n, 10n ** 15n) }),
  )
  let runs = 0
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 5, maxLength: 25 }), async (steps) => {
      runs++
      const pool = await deployPool()
      // Fresh addresses per run: their balance is exactly what they claimed.
      const agents = Array.from({ length: AGENTS }, (_, i) => address(1000 * runs + i))
      let epoch = 0n
      let deposits = 0n
      let received = 0n
      for (const s of steps) {
        if (s.kind === 'settle') {
          const listed = s.weights.reduce((x, y) => x + y, 0n)
          if (listed === 0n && s.value > 0n) {
            await assert.rejects(settle(pool, epoch + 1n, agents, s.weights, s.value), /NoWeight/)
            continue
          }
          const before = await Promise.all(agents.map((a) => read<bigint>(pool, 'claimable', [a])))
          await settle(pool, ++epoch, agents, s.weights, s.value)
          deposits += s.value
          const now = await Promise.all(agents.map((a) => read<bigint>(pool, 'claimable', [a])))
          for (const [i, w] of s.weights.entries())
            if (w === 0n) assert.equal(now[i], before[i], `agent ${i} had weight 0 in epoch ${epoch}`)
        } else if (s.kind === 'claim') {
          const agent = agents[s.agent] as Hex
          if ((await read<bigint>(pool, 'claimable', [agent])) > 0n)
            await context.chain.send(1, { address: pool, abi, functionName: 'claimFor', args: [agent] })
        } else {
          await context.chain.wallet(1).sendTransaction({
            to: pool,
            value: s.value,
            account: context.chain.wallet(1).account,
            chain: context.devnet.chain,
          })
          received += s.value
        }
        const claimed = (await Promise.all(agents.map(balance))).reduce((x, y) => x + y, 0n)
        const claimable = (await Promise.all(agents.map((a) => read<bigint>(pool, 'claimable', [a])))).reduce(
          (x, y) => x + y,
          0n,
        )
        const carried = await read<bigint>(pool, 'carried')
        assert.equal(claimed + claimable + carried, deposits + received)
        assert.equal(await balance(pool), claimable + carried)
      }
    }),
    { numRuns: 25, seed: 20261121 },
  )
})
