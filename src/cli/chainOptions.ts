import { readFileSync } from 'node:fs'
import { createWalletClient, type Hex, isAddress, type LocalAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { z } from 'zod'
import { type ConnectedChain, parseAmount, readKeystore, rpcTransport } from '../chain/index.ts'
import { ApiaryError } from '../internal/errors.ts'

/** An amount of Ether: wei, or with a unit (`0.5ether`, `20gwei`). */
export const amountOption = z
  .union([z.string(), z.number()])
  .transform(String)
  .refine(
    (text) => {
      try {
        parseAmount(text)
        return true
      } catch {
        return false
      }
    },
    { error: 'not an amount of Ether (write wei, or 0.5ether, 20gwei)' },
  )
  .transform(parseAmount)

export const addressOption = z
  .string()
  .refine((text) => isAddress(text, { strict: false }), { error: 'not a 0x address of 20 bytes' })
  .transform((text) => text.toLowerCase() as Hex)

/** A file's content without its final line break; a clear error when it cannot be read. */
/** The master secret from --master-secret-file or --master-secret (the file wins); undefined when neither. */
export function masterSecretFrom(o: {
  masterSecret?: string | undefined
  masterSecretFile?: string | undefined
}) {
  return o.masterSecretFile === undefined ? o.masterSecret : readSecretFile(o.masterSecretFile)
}

export function readSecretFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '')
  } catch (cause) {
    throw new ApiaryError('APIARY_PASSWORD_UNREADABLE', `cannot read ${path}`, { usage: true, cause })
  }
}

/** The wallet flags of every command that signs: a keystore with its password file, or a key file. */
export const signerSchema = {
  keystore: z.string().optional(),
  passwordFile: z.string().optional(),
  privateKeyFile: z.string().optional(),
}

/** The signer from a keystore and its password file, or from a file holding a 0x private key. */
export async function loadSigner(flags: SignerFlags): Promise<LocalAccount> {
  return privateKeyToAccount(await loadPrivateKey(flags))
}

type SignerFlags = {
  keystore?: string | undefined
  passwordFile?: string | undefined
  privateKeyFile?: string | undefined
}

/** The signer's private key (to decrypt messages, derive salts): from a keystore or a key file. */
export async function loadPrivateKey({ keystore, passwordFile, privateKeyFile }: SignerFlags): Promise<Hex> {
  if (privateKeyFile !== undefined && keystore === undefined) {
    const key = readSecretFile(privateKeyFile).trim()
    if (!/^(0x)?[0-9a-fA-F]{64}$/.test(key))
      throw new ApiaryError(
        'APIARY_PRIVATE_KEY_INVALID',
        `${privateKeyFile} does not hold a 32-byte hex private key`,
        {
          usage: true,
        },
      )
    return (key.startsWith('0x') ? key : `0x${key}`) as Hex
  }
  if (keystore === undefined || passwordFile === undefined || privateKeyFile !== undefined)
    throw new ApiaryError(
      'APIARY_SIGNER_MISSING',
      'give a wallet: --keystore F with --password-file F, or --private-key-file F',
      { usage: true },
    )
  return (await readKeystore({ path: keystore, password: readSecretFile(passwordFile) })).privateKey
}

/** What an agent needs to answer swarm challenges with its wallet (apiary agent, apiary up). */
export function challengeResponderOptions(
  { chain, client, rpcUrl }: ConnectedChain & { rpcUrl: string },
  {
    contract,
    privateKey,
    creators,
    maxPerDay,
    maxTaskSeconds,
  }: {
    contract: Hex
    privateKey: Hex
    creators?: readonly Hex[] | undefined
    maxPerDay?: number | undefined
    maxTaskSeconds?: number | undefined
  },
) {
  const wallet = createWalletClient({
    account: privateKeyToAccount(privateKey),
    chain,
    transport: rpcTransport(rpcUrl),
  })
  return { client, wallet, privateKey, contract, creators, maxPerDay, maxTaskSeconds }
}

/** Never pay more per gas than this unless told (--max-fee-per-gas): settlement, anchoring, message replies. */
export const DEFAULT_MAX_FEE_PER_GAS = 100_000_000_000n

/** What an agent needs to read and answer its messages with its wallet (apiary agent, messenger, up). */
export function messengerOptions(
  { chain, client }: ConnectedChain,
  {
    mailbox,
    privateKey,
    inboxPath,
    confirmations,
    fromBlock,
    replyTo,
    repliesPerSenderHour,
    repliesPerDay,
  }: {
    mailbox: Hex
    privateKey: Hex
    inboxPath: string
    confirmations: number
    fromBlock?: bigint | undefined
    /** Senders answered without being registered agents. */
    replyTo?: readonly string[] | undefined
    repliesPerSenderHour?: number | undefined
    repliesPerDay?: number | undefined
  },
) {
  return {
    client,
    account: privateKeyToAccount(privateKey),
    chainId: chain.id,
    maxFeePerGasWei: DEFAULT_MAX_FEE_PER_GAS,
    privateKey,
    mailbox,
    inboxPath,
    confirmations,
    fromBlock,
    allowedSenders: replyTo,
    replyLimits: {
      ...(repliesPerSenderHour === undefined ? {} : { perSenderPerHour: repliesPerSenderHour }),
      ...(repliesPerDay === undefined ? {} : { perDay: repliesPerDay }),
    },
  }
}

/** The messenger's flags (apiary messenger, apiary agent). */
export const messengerSchema = {
  mailbox: addressOption,
  inbox: z.string().optional(),
  messageConfirmations: z.coerce.number().int().min(0).max(1000).default(1),
  messagesFromBlock: z.coerce.number().int().min(0).optional(),
  replyTo: z
    .string()
    .default('')
    .transform((s) => s.split(',').filter((a) => a !== ''))
    .pipe(z.array(addressOption)),
  repliesPerSenderHour: z.coerce.number().int().min(0).max(100_000).optional(),
  repliesPerDay: z.coerce.number().int().min(0).max(1_000_000).optional(),
}

/** The messenger's reply flags (apiary messenger, apiary agent). */
export function addReplyFlags(command: { option(flags: string, description: string): unknown }): void {
  command.option(
    '--reply-to <addresses>',
    'comma-separated senders that get replies without being registered agents (APIARY_REPLY_TO)',
  )
  command.option(
    '--replies-per-sender-hour <n>',
    'paid replies to one sender in an hour (APIARY_REPLIES_PER_SENDER_HOUR; default 20)',
  )
  command.option(
    '--replies-per-day <n>',
    'paid replies in all in a day (APIARY_REPLIES_PER_DAY; default 500)',
  )
}

/** The reply options of the messenger from the resolved messenger flags. */
export const replyOptionsFrom = (o: {
  replyTo: readonly string[]
  repliesPerSenderHour?: number | undefined
  repliesPerDay?: number | undefined
}) => ({ replyTo: o.replyTo, repliesPerSenderHour: o.repliesPerSenderHour, repliesPerDay: o.repliesPerDay })

/** The messenger's SQLite file when --inbox is not given: one per wallet, in the working directory. */
export function defaultInbox(address: string): string {
  return `apiary-inbox-${address.toLowerCase()}.sqlite`
}
