import { createBlock } from '@ethereumjs/block'
import { SimpleStateManager } from '@ethereumjs/statemanager'
import { createTxFromRLP } from '@ethereumjs/tx'
import { Account, Address } from '@ethereumjs/util'
import { createVM, runTx } from '@ethereumjs/vm'
import { type Abi, encodeDeployData, encodeFunctionData, getAddress } from 'viem'
import { compile, packageSource } from '../contracts/compile.ts'
import {
  type AccountState,
  captureWitness,
  createEngineCrypto,
  createVmPool,
  evmCommon,
  executeTransaction,
  fromHex,
  type Witness,
} from '../src/validation/index.ts'
import { machine } from './_lib/machine.ts'
import { addressOfKey, signTransaction } from './_lib/sign.ts'

const CHAIN_ID = 1n
const USERS = 240
const crypto = createEngineCrypto()

interface Step {
  kind: 'eth transfer' | 'erc20 transfer' | 'amm swap' | 'deployment'
  raw: Uint8Array
  witness: Witness
  gasUsed: bigint
}

/**
 * L3: Mgas/s on one core over a realistic mix (ETH transfers, OpenZeppelin ERC-20 transfers, Uniswap V2
 * swaps, ERC-20 deployments), compiled here from the packages' Solidity sources. Each transaction is
 * executed from its own captured per-transaction witness, as an agent receives it. Baseline in the same
 * run: plain @ethereumjs/vm `runTx` of the same transactions in sequence on one VM holding the full state.
 */
export async function benchL3() {
  const { steps, fullStateBefore, block } = await buildWorkload()
  if (process.env.APIARY_BENCH_PROFILE) await profile(steps)
  const totalGas = steps.reduce((sum, s) => sum + s.gasUsed, 0n)

  const vms = createVmPool(crypto)
  let mismatches = 0
  const apiary = await measure(async () => {
    for (const step of steps) {
      const verdict = await executeTransaction({ crypto, vms }, { witness: step.witness })
      if (!verdict.valid || verdict.gasUsed !== step.gasUsed) mismatches++
    }
  })

  // the same Common as ours (native ECDSA), so that the comparison is of the execution paths alone
  const common = evmCommon(crypto, CHAIN_ID, 'prague')
  const baseline = await measure(
    async ({ vm, txs, header }) => {
      for (const tx of txs) await runTx(vm, { tx, block: header, skipHardForkValidation: true })
    },
    async () => {
      const state = new SimpleStateManager({ common })
      for (const [address, account] of fullStateBefore) {
        const a = new Address(fromHex(address) as Uint8Array)
        await state.putAccount(a, new Account(account.nonce, account.balance))
        if (account.code.length > 0) await state.putCode(a, account.code)
        for (const [slot, value] of account.storage)
          await state.putStorage(
            a,
            fromHex(slot) as Uint8Array,
            fromHex(`0x${value.toString(16).padStart(64, '0')}`) as Uint8Array,
          )
      }
      const vm = await createVM({ common, stateManager: state })
      const header = createBlock(
        { header: blockHeader(block) },
        { common, skipConsensusFormatValidation: true },
      )
      const txs = steps.map((s) => createTxFromRLP(s.raw, { common }))
      return { vm, txs, header }
    },
  )

  const kinds = new Map<string, { count: number; gas: bigint }>()
  for (const s of steps) {
    const k = kinds.get(s.kind) ?? { count: 0, gas: 0n }
    kinds.set(s.kind, { count: k.count + 1, gas: k.gas + s.gasUsed })
  }
  const mgas = (ms: number) => Number((Number(totalGas) / ms / 1000).toFixed(1))
  return {
    name: 'l3',
    unit: 'Mgas/s (one core)',
    machine: machine(),
    workload: {
      transactions: steps.length,
      gas: totalGas.toString(),
      mix: Object.fromEntries(
        [...kinds].map(([k, v]) => [k, { count: v.count, avgGas: Number(v.gas / BigInt(v.count)) }]),
      ),
      witnessAccountsAvg: Number(
        (steps.reduce((n, s) => n + s.witness.prestate.size, 0) / steps.length).toFixed(1),
      ),
      gasMismatches: mismatches,
    },
    rows: [
      {
        variant: 'plain runTx, one VM, full state (baseline)',
        medianMs: baseline,
        mgasPerSecond: mgas(baseline),
        vsBaseline: 1,
      },
      {
        variant: 'executeTransaction from per-tx witnesses (L1+L2+L3)',
        medianMs: apiary,
        mgasPerSecond: mgas(apiary),
        vsBaseline: Number((baseline / apiary).toFixed(3)),
      },
    ],
  }
}

async function measure<T>(run: (prepared: T) => Promise<void>, prepare?: () => Promise<T>): Promise<number> {
  const samples: number[] = []
  for (let i = 0; i < 6; i++) {
    const prepared = (await prepare?.()) as T
    const start = performance.now()
    await run(prepared)
    if (i > 0) samples.push(performance.now() - start) // the first run warms the JIT
  }
  samples.sort((a, b) => a - b)
  return Number((samples[Math.floor(samples.length / 2)] as number).toFixed(1))
}

function key(i: number): Uint8Array {
  return crypto.keccak256(new TextEncoder().encode(`apiary-bench-${i}`))
}

const BLOCK = {
  number: 1_000_000n,
  timestamp: 1_750_000_000n,
  coinbase: fromHex('0x000000000000000000000000000000000000c0de') as Uint8Array,
  gasLimit: 60_000_000n,
  baseFeePerGas: 7n,
  difficulty: 0n,
  prevRandao: new Uint8Array(32).fill(1),
  excessBlobGas: 0n,
  parentBeaconBlockRoot: undefined,
}

function blockHeader(b: typeof BLOCK) {
  return {
    number: b.number,
    timestamp: b.timestamp,
    coinbase: new Address(b.coinbase),
    gasLimit: b.gasLimit,
    baseFeePerGas: b.baseFeePerGas,
    mixHash: b.prevRandao,
    excessBlobGas: 0n,
    blobGasUsed: 0n,
    difficulty: 0n,
  }
}

async function buildWorkload() {
  const tokenSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
contract BenchToken is ERC20 {
  constructor(string memory name_, string memory symbol_, uint256 supply) ERC20(name_, symbol_) { _mint(msg.sender, supply); }
}`
  const { BenchToken } = compile('solc', { 'BenchToken.sol': tokenSource }, { evmVersion: 'cancun' })
  const factoryPath = '@uniswap/v2-core/contracts/UniswapV2Factory.sol'
  const uniswap = compile('solc-0.5.16', { [factoryPath]: packageSource(factoryPath) }, { runs: 999999 })
  const token = BenchToken as { abi: Abi; bytecode: `0x${string}` }
  const factory = uniswap.UniswapV2Factory as { abi: Abi; bytecode: `0x${string}` }
  const pair = uniswap.UniswapV2Pair as { abi: Abi; bytecode: `0x${string}` }

  const deployerKey = key(0)
  const deployer = addressOfKey(crypto, deployerKey)
  const users = Array.from({ length: USERS }, (_, i) => ({
    key: key(i + 1),
    address: addressOfKey(crypto, key(i + 1)),
  }))
  let state = new Map<string, AccountState>()
  const fund = (address: string) =>
    state.set(address, { balance: 10n ** 24n, nonce: 0n, code: new Uint8Array(0), storage: new Map() })
  fund(deployer)
  for (const u of users) fund(u.address)
  const nonces = new Map<string, bigint>()
  const steps: Step[] = []
  let recording = false
  let fullStateBefore = state

  const send = async (
    privateKey: Uint8Array,
    to: string | undefined,
    data: `0x${string}`,
    kind: Step['kind'],
    value = 0n,
  ) => {
    const from = addressOfKey(crypto, privateKey)
    const nonce = nonces.get(from) ?? 0n
    nonces.set(from, nonce + 1n)
    const raw = signTransaction(
      crypto,
      {
        type: 2,
        chainId: CHAIN_ID,
        nonce,
        maxFeePerGas: 100n,
        maxPriorityFeePerGas: 2n,
        gasLimit: 10_000_000n,
        to: to === undefined ? undefined : (fromHex(to) as Uint8Array),
        value,
        data: fromHex(data) as Uint8Array,
        accessList: [],
        maxFeePerBlobGas: 0n,
        blobVersionedHashes: [],
        authorizationList: [],
      },
      privateKey,
    )
    const full: Witness = {
      version: 1,
      chainId: CHAIN_ID,
      fork: 'prague',
      transaction: raw,
      block: BLOCK,
      blockHashes: new Map(),
      prestate: state,
    }
    const { verdict, witness } = await captureWitness({ crypto }, { witness: full })
    if (!verdict.valid || verdict.status !== 'success')
      throw new Error(
        `bench setup: ${kind} failed: ${JSON.stringify(verdict.valid ? verdict.error : verdict.reason)}`,
      )
    state = verdict.postState
    if (recording) steps.push({ kind, raw, witness, gasUsed: verdict.gasUsed })
    return verdict
  }
  const call = (address: string, abi: Abi, functionName: string, args: unknown[]) => ({
    address,
    data: encodeFunctionData({ abi, functionName, args } as never),
  })

  // Setup: two tokens, the Uniswap V2 factory and pair, liquidity, and tokens for every user.
  const supply = 10n ** 30n
  const deployToken = (name: string) =>
    encodeDeployData({ abi: token.abi, bytecode: token.bytecode, args: [name, name, supply] } as never)
  const tokenA = (await send(deployerKey, undefined, deployToken('Alpha'), 'deployment'))
    .createdAddress as string
  const tokenB = (await send(deployerKey, undefined, deployToken('Beta'), 'deployment'))
    .createdAddress as string
  const factoryAddress = (
    await send(
      deployerKey,
      undefined,
      encodeDeployData({ abi: factory.abi, bytecode: factory.bytecode, args: [deployer] } as never),
      'deployment',
    )
  ).createdAddress as string
  const create = call(factoryAddress, factory.abi, 'createPair', [getAddress(tokenA), getAddress(tokenB)])
  await send(deployerKey, create.address, create.data, 'amm swap')
  const pairAddress = [...state.keys()].find(
    (a) => a !== factoryAddress && a !== tokenA && a !== tokenB && (state.get(a)?.code.length ?? 0) > 0,
  ) as string
  const aIsToken0 = BigInt(tokenA) < BigInt(tokenB)
  let reserveA = 10n ** 26n
  let reserveB = 10n ** 26n
  for (const [t, amount] of [
    [tokenA, reserveA],
    [tokenB, reserveB],
  ] as const) {
    const transfer = call(t, token.abi, 'transfer', [getAddress(pairAddress), amount])
    await send(deployerKey, transfer.address, transfer.data, 'erc20 transfer')
  }
  const mint = call(pairAddress, pair.abi, 'mint', [getAddress(deployer)])
  await send(deployerKey, mint.address, mint.data, 'amm swap')
  for (const u of users) {
    const transfer = call(tokenA, token.abi, 'transfer', [getAddress(u.address), 10n ** 24n])
    await send(deployerKey, transfer.address, transfer.data, 'erc20 transfer')
  }

  // The measured mix, recorded with a witness per transaction.
  fullStateBefore = state
  recording = true
  for (const [i, u] of users.entries()) {
    const friend = users[(i + 1) % users.length]?.address as string
    await send(
      u.key,
      `0x${(0xbeef0000 + i).toString(16).padStart(40, '0')}`,
      '0x',
      'eth transfer',
      10n ** 15n,
    )
    const transfer = call(tokenA, token.abi, 'transfer', [getAddress(friend), 10n ** 18n])
    await send(u.key, transfer.address, transfer.data, 'erc20 transfer')
    const amountIn = 10n ** 20n + BigInt(i) * 10n ** 17n
    const amountOut = (amountIn * 997n * reserveB) / (reserveA * 1000n + amountIn * 997n)
    const pay = call(tokenA, token.abi, 'transfer', [getAddress(pairAddress), amountIn])
    await send(u.key, pay.address, pay.data, 'amm swap')
    const swap = call(
      pairAddress,
      pair.abi,
      'swap',
      aIsToken0 ? [0n, amountOut, getAddress(u.address), '0x'] : [amountOut, 0n, getAddress(u.address), '0x'],
    )
    await send(u.key, swap.address, swap.data, 'amm swap')
    reserveA += amountIn
    reserveB -= amountOut
    if (i % 12 === 0) await send(u.key, undefined, deployToken(`T${i}`), 'deployment')
  }
  return { steps, fullStateBefore, block: BLOCK }
}

async function profile(steps: Step[]) {
  const { Session } = await import('node:inspector/promises')
  const { writeFileSync } = await import('node:fs')
  const session = new Session()
  session.connect()
  const vms = createVmPool(crypto)
  for (const step of steps) await executeTransaction({ crypto, vms }, { witness: step.witness })
  await session.post('Profiler.enable')
  await session.post('Profiler.start')
  for (let i = 0; i < 3; i++)
    for (const step of steps) await executeTransaction({ crypto, vms }, { witness: step.witness })
  const { profile } = await session.post('Profiler.stop')
  writeFileSync(process.env.APIARY_BENCH_PROFILE as string, JSON.stringify(profile))
}
