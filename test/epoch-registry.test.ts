import assert from 'node:assert/strict'
import { test } from 'node:test'
import { type BaseError, ContractFunctionRevertedError, type Hex, parseEventLogs, toHex } from 'viem'
import { EpochRegistry } from '../src/chain/contracts.generated.ts'
import { buildPayoutTree } from '../src/epoch/index.ts'
import { useDevnet } from './_harness/chain.ts'
import { checkGasSnapshot } from './_harness/gasSnapshot.ts'

const abi = EpochRegistry.abi
const context = useDevnet()
const COORDINATOR = 0
const CID = toHex('bafybeidftbol6xizdw7ayqorir2byc5muvlctjkqpclqovxn257co3m4ru')
const JOB_ROOT = `0x${'ab'.repeat(32)}` as Hex
const filler = (n: number) => `0x${(0xc1a10000 + n).toString(16).padStart(40, '0')}`

async function deploy(): Promise<Hex> {
  return context.chain.deploy(COORDINATOR, EpochRegistry, [context.chain.accounts[COORDINATOR]?.address])
}
const seal = (registry: Hex, epoch: bigint, payoutRoot: Hex, value: bigint, from = COORDINATOR) =>
  context.chain.send(from, {
    address: registry,
    abi,
    functionName: 'seal',
    args: [epoch, JOB_ROOT, payoutRoot, CID],
    value,
  })
const claim = (registry: Hex, from: number, epoch: bigint, amount: bigint, proof: Hex[]) =>
  context.chain.send(from, { address: registry, abi, functionName: 'claim', args: [epoch, amount, proof] })

/** The custom error a call would revert with (simulated, so nothing is mined). */
async function revertName(call: {
  from: number
  functionName: string
  args: unknown[]
  registry: Hex
  value?: bigint
}) {
  try {
    await context.chain.client.simulateContract({
      address: call.registry,
      abi,
      functionName: call.functionName,
      args: call.args,
      account: context.chain.accounts[call.from]?.address as Hex,
      value: call.value,
    } as never)
  } catch (error) {
    const reverted = (error as BaseError).walk((e) => e instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError) return reverted.data?.errorName
    throw error
  }
  return undefined
}

/** A payout tree over dev accounts 2..5 plus `others` filler addresses; returns the tree and the amounts. */
function payouts(others: number) {
  const leaves = [
    ...[2, 3, 4, 5].map((i, k) => ({
      account: context.chain.accounts[i]?.address.toLowerCase() as string,
      amount: BigInt(k + 1) * 10n ** 17n,
    })),
    ...Array.from({ length: others }, (_, i) => ({ account: filler(i), amount: 10n ** 15n + BigInt(i) })),
  ]
  return { tree: buildPayoutTree(leaves), leaves, total: leaves.reduce((s, l) => s + l.amount, 0n) }
}

test('EpochRegistry: seal anchors roots and CID with the deposit; every payout-tree proof claims exactly once', async () => {
  const registry = await deploy()
  const { tree, leaves, total } = payouts(6)
  const sealed = await seal(registry, 1n, tree.root, total)
  assert.equal(sealed.status, 'success')
  const [event] = parseEventLogs({ abi, logs: sealed.logs, eventName: 'Sealed' })
  assert.deepEqual(event?.args, {
    epoch: 1n,
    jobRoot: JOB_ROOT,
    payoutRoot: tree.root,
    cid: CID,
    deposit: total,
  })
  for (const [k, i] of [2, 3, 4, 5].entries()) {
    const leaf = leaves[k] as { account: string; amount: bigint }
    const before = await context.chain.client.getBalance({ address: leaf.account as Hex })
    const receipt = await claim(registry, i, 1n, leaf.amount, tree.proof(leaf.account))
    assert.equal(receipt.status, 'success')
    const after = await context.chain.client.getBalance({ address: leaf.account as Hex })
    assert.equal(after - before, leaf.amount - receipt.gasUsed * receipt.effectiveGasPrice)
    assert.equal(
      await revertName({
        registry,
        from: i,
        functionName: 'claim',
        args: [1n, leaf.amount, tree.proof(leaf.account)],
      }),
      'AlreadyClaimed',
    )
  }
  const paid = leaves.slice(0, 4).reduce((s, l) => s + l.amount, 0n)
  assert.equal(await context.chain.client.getBalance({ address: registry }), total - paid)
})

test('EpochRegistry: wrong amounts, foreign proofs, unsealed epochs, old epochs and other senders revert by name', async () => {
  const registry = await deploy()
  const { tree, leaves, total } = payouts(3)
  const a = leaves[0] as { account: string; amount: bigint }
  const b = leaves[1] as { account: string; amount: bigint }
  assert.equal(
    await revertName({ registry, from: 1, functionName: 'seal', args: [1n, JOB_ROOT, tree.root, CID] }),
    'OwnableUnauthorizedAccount',
  )
  assert.equal(
    await revertName({
      registry,
      from: COORDINATOR,
      functionName: 'seal',
      args: [1n, JOB_ROOT, tree.root, '0x'],
    }),
    'EmptyCid',
  )
  assert.equal((await seal(registry, 5n, tree.root, total)).status, 'success')
  for (const epoch of [5n, 4n])
    assert.equal(
      await revertName({
        registry,
        from: COORDINATOR,
        functionName: 'seal',
        args: [epoch, JOB_ROOT, tree.root, CID],
      }),
      'EpochNotIncreasing',
    )
  assert.equal(
    await revertName({
      registry,
      from: 2,
      functionName: 'claim',
      args: [5n, a.amount + 1n, tree.proof(a.account)],
    }),
    'InvalidProof',
  )
  assert.equal(
    await revertName({
      registry,
      from: 2,
      functionName: 'claim',
      args: [5n, b.amount, tree.proof(b.account)],
    }),
    'InvalidProof',
  )
  assert.equal(
    await revertName({
      registry,
      from: 2,
      functionName: 'claim',
      args: [4n, a.amount, tree.proof(a.account)],
    }),
    'NothingToClaim',
  )
  // An epoch that pays nobody is sealed without a root: nothing can be claimed from it.
  assert.equal((await seal(registry, 6n, `0x${'00'.repeat(32)}`, 0n)).status, 'success')
  assert.equal(
    await revertName({
      registry,
      from: 2,
      functionName: 'claim',
      args: [6n, a.amount, tree.proof(a.account)],
    }),
    'NothingToClaim',
  )
  assert.equal(
    await context.chain.client.readContract({ address: registry, abi, functionName: 'lastEpoch' }),
    6n,
  )
})

test('EpochRegistry: the owner cannot jump to the end of the epoch range nor renounce the registry', async () => {
  const registry = await deploy()
  const sealAt = (epoch: bigint) =>
    revertName({
      registry,
      from: COORDINATOR,
      functionName: 'seal',
      args: [epoch, JOB_ROOT, `0x${'00'.repeat(32)}`, CID],
    })
  assert.equal(await sealAt(2n ** 64n - 2n), 'EpochTooFar')
  assert.equal(await sealAt(1_000_001n), 'EpochTooFar')
  assert.equal(await sealAt(1_000_000n), undefined, 'a step of up to 1,000,000 epochs is allowed')
  assert.equal(
    await revertName({ registry, from: COORDINATOR, functionName: 'renounceOwnership', args: [] }),
    'RenounceDisabled',
  )
})

test('EpochRegistry gas: seal is the same at 4 and 1,000 agents; claim with a 10-step proof; against the snapshot', {
  timeout: 120_000,
}, async () => {
  const registry = await deploy()
  const small = payouts(0)
  const large = payouts(996)
  const first = await seal(registry, 1n, small.tree.root, small.total)
  const seal4 = await seal(registry, 2n, small.tree.root, small.total)
  const seal1000 = await seal(registry, 3n, large.tree.root, large.total)
  const claimant = large.leaves[0] as { account: string; amount: bigint }
  const proof = large.tree.proof(claimant.account)
  assert.equal(proof.length, 10)
  const claim1000 = await claim(registry, 2, 3n, claimant.amount, proof)
  const claim4 = await claim(registry, 2, 2n, claimant.amount, small.tree.proof(claimant.account))
  for (const r of [first, seal4, seal1000, claim1000, claim4]) assert.equal(r.status, 'success')
  const figures = {
    'EpochRegistry.seal(first epoch)': Number(first.gasUsed),
    'EpochRegistry.seal(4 agents)': Number(seal4.gasUsed),
    'EpochRegistry.seal(1,000 agents)': Number(seal1000.gasUsed),
    'EpochRegistry.claim(1,000 agents, 10-step proof)': Number(claim1000.gasUsed),
    'EpochRegistry.claim(4 agents, 2-step proof)': Number(claim4.gasUsed),
  }
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`)
  assert.equal(seal4.gasUsed, seal1000.gasUsed, 'seal does not depend on the number of agents')
  assert.equal(first.gasUsed, seal4.gasUsed, 'the first seal costs what every later one does')
  assert.ok(seal1000.gasUsed <= 60_000n, `seal ${seal1000.gasUsed} > 60,000`)
  assert.ok(claim1000.gasUsed <= 65_000n, `claim ${claim1000.gasUsed} > 65,000`)
  checkGasSnapshot(figures)
})
