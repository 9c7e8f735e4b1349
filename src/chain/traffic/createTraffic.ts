import { setTimeout as sleep } from 'node:timers/promises'
import {
  type Account,
  createPublicClient,
  createWalletClient,
  encodeDeployData,
  encodeFunctionData,
  type Hex,
  keccak256,
  type PublicClient,
  parseEther,
  toHex,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { Logger } from '../../internal/logger.ts'
import { ConstantProductPool, TrafficToken } from '../contracts.generated.ts'
import { evmChain } from '../evmChain.ts'
import { rpcTransport } from '../rpcTransport.ts'

export const TRAFFIC_KINDS = [
  'eth transfer',
  'erc20 transfer',
  'erc20 approve',
  'amm swap',
  'deployment',
  'reverting swap',
  'set code (7702)',
] as const
export type TrafficKind = (typeof TRAFFIC_KINDS)[number]

/** Relative frequency of each kind in the mix. */
const WEIGHTS: Record<TrafficKind, number> = {
  'eth transfer': 30,
  'erc20 transfer': 20,
  'erc20 approve': 8,
  'amm swap': 25,
  deployment: 3,
  'reverting swap': 8,
  'set code (7702)': 6,
}
/** Gas limits are set, not estimated: estimation would refuse the reverting share and cost a round trip. */
const GAS: Record<TrafficKind, bigint> = {
  'eth transfer': 25_000n, // 21,000 + 2,400 when an EIP-2930 access list names the recipient
  'erc20 transfer': 80_000n,
  'erc20 approve': 60_000n,
  'amm swap': 160_000n,
  deployment: 1_500_000n,
  'reverting swap': 160_000n,
  'set code (7702)': 80_000n,
}
const TX_TYPES = ['legacy', 'eip2930', 'eip1559'] as const

export interface CreateTrafficParameters {
  rpcUrl: string
  chainId: number
  /** Funded accounts: the first deploys and provides liquidity, the others send the traffic. */
  accounts: ReadonlyArray<{ privateKey: Hex }>
  /** Seed of the pseudo-random mix, so that a run can be repeated. */
  seed?: number
}

export interface SentTransaction {
  hash: Hex
  kind: TrafficKind
  type: (typeof TX_TYPES)[number] | 'eip7702'
}

export interface Traffic {
  /** Deploys two OpenZeppelin ERC-20 tokens and a constant-product pool, funds and approves the senders. */
  setup(options?: { signal?: AbortSignal }): Promise<{ tokens: [Hex, Hex]; pool: Hex }>
  /** Sends one transaction of a random kind from the next sender; resolves when the node accepted it. */
  sendOne(): Promise<SentTransaction>
  /** Sends at `tps` until `signal` aborts or `maxTransactions` were sent; counts what the node refused. */
  run(options: {
    tps: number
    signal?: AbortSignal
    maxTransactions?: number
  }): Promise<{ sent: SentTransaction[]; refused: number }>
}

/**
 * Realistic signed traffic for a devnet: ETH transfers, ERC-20 transfers and approvals, swaps on a
 * constant-product pool, contract deployments, swaps that revert on slippage, and EIP-7702 set-code
 * transactions, spread over legacy, EIP-2930 and EIP-1559 envelopes.
 */
export function createTraffic({ logger }: { logger: Logger }, params: CreateTrafficParameters): Traffic {
  const chain = evmChain(params.chainId, params.rpcUrl, 'apiary')
  const transport = rpcTransport(params.rpcUrl)
  const client: PublicClient = createPublicClient({ chain, transport })
  const accounts = params.accounts.map((a) => privateKeyToAccount(a.privateKey))
  const [owner, ...senders] = accounts
  if (owner === undefined || senders.length === 0)
    throw new Error('traffic needs at least two funded accounts')
  const wallets = new Map<string, WalletClient>(
    accounts.map((a) => [a.address, createWalletClient({ account: a, chain, transport })]),
  )
  const nonces = new Map<string, number>()
  const seed = params.seed ?? 1
  let random = seed
  let authorities = 0
  const next = () => {
    random = (Math.imul(random, 1103515245) + 12345) >>> 0
    return random / 2 ** 32
  }
  let turn = 0
  let deployment: { tokens: [Hex, Hex]; pool: Hex } | undefined

  const nonceOf = async (account: Account) => {
    const known = nonces.get(account.address)
    const nonce =
      known ?? (await client.getTransactionCount({ address: account.address, blockTag: 'pending' }))
    nonces.set(account.address, nonce + 1)
    return nonce
  }
  const fees = async () => {
    const block = await client.getBlock({ blockTag: 'latest' })
    const base = block.baseFeePerGas ?? 1_000_000_000n
    return {
      maxFeePerGas: base * 2n + 2_000_000_000n,
      maxPriorityFeePerGas: 1_000_000_000n,
      gasPrice: base * 2n + 2_000_000_000n,
    }
  }
  const send = async (
    account: Account,
    kind: TrafficKind,
    request: { to?: Hex; data?: Hex; value?: bigint },
    type: (typeof TX_TYPES)[number],
  ) => {
    const wallet = wallets.get(account.address) as WalletClient
    const fee = await fees()
    const nonce = await nonceOf(account)
    const common = { account, chain, nonce, gas: GAS[kind], ...request }
    const hash =
      type === 'eip1559'
        ? await wallet.sendTransaction({
            ...common,
            type,
            maxFeePerGas: fee.maxFeePerGas,
            maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
          })
        : await wallet.sendTransaction({
            ...common,
            type,
            gasPrice: fee.gasPrice,
            ...(type === 'eip2930' && request.to !== undefined
              ? { accessList: [{ address: request.to, storageKeys: [] }] }
              : {}),
          } as never)
    return hash
  }
  /** Polls for a receipt until it exists or `signal` aborts (a stopped node must not keep a process alive). */
  const receipt = async (hash: Hex, signal: AbortSignal | undefined) => {
    for (;;) {
      signal?.throwIfAborted()
      const found = await client.getTransactionReceipt({ hash }).catch(() => undefined)
      if (found !== undefined) return found
      await sleep(100, undefined, { signal })
    }
  }
  const waitAll = async (hashes: Hex[], signal: AbortSignal | undefined) => {
    for (const hash of hashes) await receipt(hash, signal)
  }

  const traffic: Traffic = {
    async setup({ signal } = {}) {
      const supply = parseEther('1000000000')
      const deployToken = (symbol: string) =>
        send(
          owner,
          'deployment',
          {
            data: encodeDeployData({
              abi: TrafficToken.abi,
              bytecode: TrafficToken.bytecode,
              args: [symbol, symbol, supply],
            }),
          },
          'eip1559',
        )
      const a = await receipt(await deployToken('ALPHA'), signal)
      const b = await receipt(await deployToken('BETA'), signal)
      const tokens = [a.contractAddress, b.contractAddress] as [Hex, Hex]
      const poolReceipt = await receipt(
        await send(
          owner,
          'deployment',
          {
            data: encodeDeployData({
              abi: ConstantProductPool.abi,
              bytecode: ConstantProductPool.bytecode,
              args: tokens,
            }),
          },
          'eip1559',
        ),
        signal,
      )
      const pool = poolReceipt.contractAddress as Hex
      const approve = encodeFunctionData({
        abi: TrafficToken.abi,
        functionName: 'approve',
        args: [pool, 2n ** 255n],
      })
      const pending: Hex[] = []
      for (const account of [owner, ...senders]) {
        for (const token of tokens)
          pending.push(await send(account, 'erc20 approve', { to: token, data: approve }, 'eip1559'))
      }
      for (const account of senders) {
        for (const token of tokens) {
          const data = encodeFunctionData({
            abi: TrafficToken.abi,
            functionName: 'transfer',
            args: [account.address, parseEther('1000000')],
          })
          pending.push(await send(owner, 'erc20 transfer', { to: token, data }, 'eip1559'))
        }
      }
      const liquidity = encodeFunctionData({
        abi: ConstantProductPool.abi,
        functionName: 'addLiquidity',
        args: [parseEther('10000000'), parseEther('10000000')],
      })
      pending.push(await send(owner, 'amm swap', { to: pool, data: liquidity }, 'eip1559'))
      await waitAll(pending, signal)
      deployment = { tokens, pool }
      logger.info({ tokens, pool, senders: senders.length }, 'traffic contracts deployed')
      return deployment
    },

    async sendOne() {
      if (deployment === undefined) throw new Error('call setup() first')
      const { tokens, pool } = deployment
      const account = senders[turn++ % senders.length] as Account
      const type = TX_TYPES[turn % TX_TYPES.length] as (typeof TX_TYPES)[number]
      const kind = pickKind(next() * Object.values(WEIGHTS).reduce((a, b) => a + b, 0))
      const token = tokens[Math.floor(next() * 2)] as Hex
      const other = (senders[Math.floor(next() * senders.length)] as Account).address
      // Ether goes to plain addresses: a contract (or an account delegated to a token) may refuse it.
      const payee = `0x${(0xbeef0000 + Math.floor(next() * 64)).toString(16).padStart(40, '0')}` as Hex
      const amount = BigInt(1 + Math.floor(next() * 1000)) * 10n ** 15n
      switch (kind) {
        case 'eth transfer':
          return { kind, type, hash: await send(account, kind, { to: payee, value: amount }, type) }
        case 'erc20 transfer':
        case 'erc20 approve': {
          const functionName = kind === 'erc20 transfer' ? 'transfer' : 'approve'
          const data = encodeFunctionData({ abi: TrafficToken.abi, functionName, args: [other, amount] })
          return { kind, type, hash: await send(account, kind, { to: token, data }, type) }
        }
        case 'amm swap':
        case 'reverting swap': {
          const minimumOut = kind === 'reverting swap' ? 2n ** 200n : 0n
          const data = encodeFunctionData({
            abi: ConstantProductPool.abi,
            functionName: 'swap',
            args: [next() < 0.5, amount, minimumOut],
          })
          return { kind, type, hash: await send(account, kind, { to: pool, data }, type) }
        }
        case 'deployment': {
          const data = encodeDeployData({
            abi: TrafficToken.abi,
            bytecode: TrafficToken.bytecode,
            args: ['T', 'T', amount],
          })
          return { kind, type, hash: await send(account, kind, { data }, type) }
        }
        case 'set code (7702)': {
          // Sponsored, as wallets do it: a fresh account signs the authorization and the sender pays. A
          // sender authorizing itself would bump its own nonce twice, which EDR's pool does not foresee:
          // the sender's next transactions would wait forever for a nonce that was already used.
          const authority = privateKeyToAccount(keccak256(toHex(`apiary traffic ${seed} ${authorities++}`)))
          const authorization = await authority.signAuthorization({
            chainId: params.chainId,
            address: token,
            nonce: 0,
          })
          const wallet = wallets.get(account.address) as WalletClient
          const fee = await fees()
          const hash = await wallet.sendTransaction({
            account,
            chain,
            type: 'eip7702',
            nonce: await nonceOf(account),
            gas: GAS[kind],
            to: payee,
            authorizationList: [authorization],
            maxFeePerGas: fee.maxFeePerGas,
            maxPriorityFeePerGas: fee.maxPriorityFeePerGas,
          })
          return { kind, type: 'eip7702', hash }
        }
      }
    },

    async run({ tps, signal, maxTransactions = Number.POSITIVE_INFINITY }) {
      const sent: SentTransaction[] = []
      let refused = 0
      const interval = 1000 / tps
      let due = performance.now()
      while (signal?.aborted !== true && sent.length < maxTransactions) {
        try {
          sent.push(await traffic.sendOne())
        } catch (error) {
          const e = error as Error & { details?: string }
          refused++
          logger.warn({ error: e.message.split('\n')[0], details: e.details }, 'traffic transaction refused')
          nonces.clear() // re-read nonces from the node after a refusal
        }
        due += interval
        const wait = due - performance.now()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        else due = performance.now()
      }
      return { sent, refused }
    },
  }
  return traffic
}

/** The kind whose cumulative weight first exceeds `point` (0 ≤ point < total weight). */
function pickKind(point: number): TrafficKind {
  let left = point
  for (const kind of TRAFFIC_KINDS) {
    left -= WEIGHTS[kind]
    if (left < 0) return kind
  }
  return 'eth transfer'
}
