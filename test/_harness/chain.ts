import { after, before } from 'node:test'
import {
  type Abi,
  type Account,
  createPublicClient,
  createWalletClient,
  type Hex,
  http,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { createTraffic, type Devnet, startDevnet } from '../../src/chain/index.ts'
import { createLogger } from '../../src/internal/logger.ts'

/** viem clients for a devnet's dev accounts, with deploy and call helpers that wait for the receipt. */
export function devnetClients(devnet: Devnet) {
  const transport = http(devnet.url)
  const client: PublicClient = createPublicClient({ chain: devnet.chain, transport })
  const accounts: Account[] = devnet.accounts.map((a) => privateKeyToAccount(a.privateKey))
  const wallets: WalletClient[] = accounts.map((account) =>
    createWalletClient({ account, chain: devnet.chain, transport }),
  )
  const wallet = (i: number) => wallets[i] as WalletClient & { account: Account }

  return {
    client,
    accounts,
    wallet,
    async deploy(from: number, contract: { abi: Abi; bytecode: Hex }, args: unknown[] = []): Promise<Hex> {
      const hash = await wallet(from).deployContract({
        abi: contract.abi,
        bytecode: contract.bytecode,
        args,
        account: wallet(from).account,
        chain: devnet.chain,
      } as never)
      const receipt = await client.waitForTransactionReceipt({ hash })
      if (receipt.contractAddress == null) throw new Error('deployment created nothing')
      return receipt.contractAddress
    },
    /** Sends a contract call and returns its receipt (status 'reverted' when it failed on-chain). */
    async send(
      from: number,
      call: { address: Hex; abi: Abi; functionName: string; args?: unknown[]; value?: bigint; gas?: bigint },
    ): Promise<TransactionReceipt> {
      const hash = await wallet(from).writeContract({
        ...call,
        account: wallet(from).account,
        chain: devnet.chain,
      } as never)
      return client.waitForTransactionReceipt({ hash })
    },
  }
}

/** Starts a devnet (automine, 8 accounts) before the file's tests and stops it after them. */
export function useDevnet({ hardfork }: { hardfork?: string } = {}): {
  devnet: Devnet
  chain: ReturnType<typeof devnetClients>
} {
  const context = {} as { devnet: Devnet; chain: ReturnType<typeof devnetClients> }
  before(async () => {
    context.devnet = await startDevnet(
      { logger: createLogger({ level: 'silent' }) },
      { port: 0, accounts: 8, ...(hardfork === undefined ? {} : { hardfork }) },
    )
    context.chain = devnetClients(context.devnet)
  })
  after(async () => {
    await context.devnet.close()
  })
  return context
}

/**
 * The embedded devnet (10 accounts, a block a second) after `seconds` of traffic at 20 tx/s from its first six
 * accounts: transfers, ERC-20 and escrow contracts, storage — a chain with state to export and follow.
 */
export async function devnetAfterTraffic(seed: number, seconds = 6): Promise<Devnet> {
  const logger = createLogger({ level: 'silent' })
  const devnet = await startDevnet({ logger }, { port: 0, accounts: 10, blockTime: 1 })
  const traffic = createTraffic(
    { logger },
    { rpcUrl: devnet.url, chainId: devnet.chainId, accounts: devnet.accounts.slice(0, 6), seed },
  )
  await traffic.setup()
  const stop = new AbortController()
  const sending = traffic.run({ tps: 20, signal: stop.signal })
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000))
  stop.abort()
  await sending
  return devnet
}
