import type { Command } from '@commander-js/extra-typings'
import { createPublicClient, createWalletClient, type Hex, type LocalAccount } from 'viem'
import { createSiweMessage } from 'viem/siwe'
import { z } from 'zod'
import { jobs } from '../../api/index.ts'
import {
  connectChain,
  type EscrowAccount,
  type EscrowAsset,
  escrowCalls,
  readEscrowAccount,
  rpcTransport,
  sendCall,
} from '../../chain/index.ts'
import { deriveClientKey } from '../../coordinator/identity/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { addressOption, amountOption, loadSigner, masterSecretFrom, signerSchema } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { coordinatorJson } from '../coordinatorHttp.ts'

const common = {
  rpc: z.string().url(),
  escrow: addressOption,
  token: booleanOption.default(false),
  json: booleanOption.default(false),
}
const writeSchema = z.object({ ...common, ...signerSchema, amount: amountOption.optional() })
const balanceSchema = z.object({ ...common, ...signerSchema, address: addressOption.optional() })
const apikeySchema = z.object({
  address: addressOption.optional(),
  masterSecret: z.string().optional(),
  masterSecretFile: z.string().optional(),
  coordinatorHttp: z.string().url().optional(),
  ...signerSchema,
})

type Flags = Record<string, unknown>
const SIGNER_HELP = [
  ['--keystore <file>', "keystore of the client's wallet (APIARY_KEYSTORE)"],
  ['--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)'],
  [
    '--private-key-file <file>',
    'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
  ],
] as const

/**
 * `apiary client deposit|balance|withdraw`: a client's prepaid account in a JobEscrow (docs/jobs.md). Every
 * write is simulated first, so a refusal (a withdrawal not ready yet, more than the balance) is reported by
 * its contract error before anything is sent.
 */
export function registerClient(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const client = program
    .command('client')
    .description(
      "A client's prepaid account in a JobEscrow — deposit, balance, withdraw — and its API key (docs/jobs.md).",
    )
  const shared = (command: Command<[], Flags>) => {
    command
      .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
      .option('--escrow <address>', 'the JobEscrow (APIARY_ESCROW)')
      .option('--token', "the escrow's ERC-20 instead of the chain's coin (APIARY_TOKEN)")
      .option('--json', 'print the result as JSON (APIARY_JSON)')
    for (const [flag, help] of SIGNER_HELP) command.option(flag, help)
    return command
  }

  const apikey = client
    .command('apikey')
    .description(
      "Print a client's API key: the operator derives it (apiary_client_ + hex(HMAC-SHA256(master secret, client:ADDRESS))), or the client gets it by signing in with its wallet (EIP-4361) with --coordinator-http.",
    )
    .option('--address <address>', "the client's wallet, for the operator (APIARY_ADDRESS)")
    .option('--master-secret <secret>', "the coordinator's master secret (APIARY_MASTER_SECRET)")
    .option(
      '--master-secret-file <file>',
      'read the master secret from a file, trailing newline ignored (APIARY_MASTER_SECRET_FILE)',
    )
    .option(
      '--coordinator-http <url>',
      "sign in there with the client's wallet instead (APIARY_COORDINATOR_HTTP)",
    )
  for (const [flag, help] of SIGNER_HELP) apikey.option(flag, help)
  apikey
    .addHelpText(
      'after',
      `
Examples:
  apiary client apikey --master-secret-file secret --address 0xA11CE…      # the operator
  apiary client apikey --coordinator-http http://127.0.0.1:14690 --private-key-file me.key   # the client`,
    )
    .action(async (flags) => {
      const o = resolveOptions(apikeySchema, { flags, configFile: context.configFile() })
      if (o.coordinatorHttp !== undefined) {
        const signed = await signInWithEthereum(o.coordinatorHttp, await loadSigner(o))
        return void process.stdout.write(`${signed.apiKey}\n`)
      }
      if (o.address === undefined)
        throw new ApiaryError('APIARY_ADDRESS_MISSING', 'no --address given', {
          usage: true,
          hints: ['the operator passes --address; a client signs in with --coordinator-http and its key'],
        })
      const secret = masterSecretFrom(o)
      if (secret === undefined)
        throw new ApiaryError('APIARY_MASTER_SECRET_MISSING', 'no master secret given', {
          usage: true,
          hints: ['set APIARY_MASTER_SECRET or pass --master-secret-file FILE'],
        })
      process.stdout.write(`${deriveClientKey(secret, o.address)}\n`)
    })

  shared(client.command('deposit') as unknown as Command<[], Flags>)
    .description('Deposit into your account: the coin, or the token (approved, then deposited).')
    .option(
      '--amount <amount>',
      'wei or with a unit (0.5ether); for the token, its base units (APIARY_AMOUNT)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  apiary client deposit --rpc http://127.0.0.1:8545 --escrow 0xESC… --private-key-file me.key --amount 0.1ether',
    )
    .action(async (flags) => {
      const o = resolveOptions(writeSchema, { flags, configFile: context.configFile() })
      const amount = required(o.amount)
      const { wallet, read } = await open(o)
      const account = await read(wallet.account.address)
      for (const call of escrowCalls.deposit(
        o.escrow,
        assetOf(o.token),
        amount,
        account.token,
        wallet.account.address,
      ))
        await sendCall({ ...wallet.context, ...call } as never)
      print(o.json, await read(wallet.account.address))
    })

  shared(client.command('balance') as unknown as Command<[], Flags>)
    .description('Balances and announced withdrawals of an account (yours, or --address).')
    .option('--address <address>', "any client's address (default: your wallet's)")
    .action(async (flags) => {
      const o = resolveOptions(balanceSchema, { flags, configFile: context.configFile() })
      const { client: chain } = await connectChain(o.rpc)
      const address = o.address ?? (await loadSigner(o)).address
      print(o.json, await readEscrowAccount(chain, { escrow: o.escrow, account: address as Hex }))
    })

  shared(client.command('withdraw') as unknown as Command<[], Flags>)
    .description(
      'Take back what is not charged: with --amount, announce the withdrawal; after the escrow’s delay, without --amount, make it (you receive the amount less what was charged meanwhile).',
    )
    .option('--amount <amount>', 'announce a withdrawal of this much (APIARY_AMOUNT)')
    .action(async (flags) => {
      const o = resolveOptions(writeSchema, { flags, configFile: context.configFile() })
      const { wallet, read } = await open(o)
      const asset = assetOf(o.token)
      const calls =
        o.amount === undefined
          ? escrowCalls.withdraw(o.escrow, asset)
          : escrowCalls.announce(o.escrow, asset, o.amount)
      for (const call of calls) await sendCall({ ...wallet.context, ...call } as never)
      print(o.json, await read(wallet.account.address))
    })
}

const assetOf = (token: boolean): EscrowAsset => (token ? 'token' : 'coin')

function required(amount: bigint | undefined): bigint {
  if (amount === undefined || amount <= 0n)
    throw new ApiaryError('APIARY_AMOUNT_MISSING', 'give --amount (more than 0)', { usage: true })
  return amount
}

async function open(o: z.output<typeof writeSchema>) {
  const { chain, client } = await connectChain(o.rpc)
  const account = await loadSigner(o)
  const walletClient = createWalletClient({ account, chain, transport: rpcTransport(o.rpc) })
  const reader = createPublicClient({ chain, transport: rpcTransport(o.rpc) })
  return {
    wallet: { account, context: { client, wallet: walletClient } },
    read: (address: Hex) => readEscrowAccount(reader, { escrow: o.escrow, account: address }),
  }
}

function print(json: boolean, account: EscrowAccount) {
  if (json) return void process.stdout.write(`${stringifyJson(account)}\n`)
  const lines = [`client ${account.client}  (withdrawals wait ${account.withdrawDelaySeconds} s)`]
  for (const [kind, a] of Object.entries(account.assets)) {
    const name = kind === 'coin' ? 'coin (wei)' : `token ${account.token}`
    const pending =
      a.withdrawal === undefined
        ? ''
        : `  withdrawal ${a.withdrawal.amount} ready at ${new Date(a.withdrawal.readyAt * 1000).toISOString()}`
    lines.push(`  ${name}: ${a.balance}${pending}`)
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

/**
 * EIP-4361 sign-in: a nonce from the coordinator, a SIWE message for its host and chain signed by the
 * client's wallet, and the API key it answers.
 */
async function signInWithEthereum(base: string, account: LocalAccount) {
  const { nonce, chainId } = await coordinatorJson(
    base,
    '/v1/auth/nonce',
    jobs.signInNonce.schema.response[200],
  )
  const url = new URL(base)
  const message = createSiweMessage({
    domain: url.host,
    address: account.address,
    statement: 'Sign in to the Apiary coordinator to get my client API key.',
    uri: url.origin,
    version: '1',
    chainId,
    nonce,
    issuedAt: new Date(),
    expirationTime: new Date(Date.now() + 5 * 60_000),
  })
  return coordinatorJson(base, '/v1/auth/siwe', jobs.signIn.schema.response[200], {
    method: 'POST',
    json: { message, signature: await account.signMessage({ message }) },
  })
}
