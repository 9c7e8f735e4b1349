import { readFile } from 'node:fs/promises'
import { Wallet } from '@ethereumjs/wallet'
import { ApiaryError } from '../../internal/errors.ts'

export interface ReadKeystoreReturnType {
  address: `0x${string}`
  privateKey: `0x${string}`
}

/**
 * Opens a Web3 Secret Storage v3 keystore (field names in any case, as geth and ethers write them); a file
 * that is not one (APIARY_KEYSTORE_INVALID) and a wrong password (APIARY_KEYSTORE_LOCKED) are told apart.
 */
export async function readKeystore({
  path,
  password,
}: {
  path: string
  password: string
}): Promise<ReadKeystoreReturnType> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (cause) {
    throw new ApiaryError('APIARY_KEYSTORE_UNREADABLE', `cannot read keystore ${path}`, {
      usage: true,
      cause,
    })
  }
  const notV3 = (why: string, cause?: unknown) =>
    new ApiaryError('APIARY_KEYSTORE_INVALID', `${path} is not a v3 keystore: ${why}`, {
      usage: true,
      cause,
      hints: ['give the keystore file itself (apiary keygen, geth and ethers write them)'],
    })
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (cause) {
    throw notV3('it is not JSON', cause)
  }
  // Field names are case-insensitive in practice: ethers v6 writes `Crypto`, geth reads either.
  const v3 = lowerKeys(json) as { version?: unknown; crypto?: Record<string, unknown> }
  if (v3.version !== 3) throw notV3(`its version is ${JSON.stringify(v3.version ?? null)}, not 3`)
  for (const field of ['cipher', 'ciphertext', 'cipherparams', 'kdf', 'kdfparams', 'mac'])
    if (v3.crypto?.[field] === undefined) throw notV3(`crypto.${field} is missing`)
  let wallet: Wallet
  try {
    wallet = await Wallet.fromV3(v3 as never, password)
  } catch (cause) {
    if (!/wrong passphrase/.test(String((cause as Error).message)))
      throw notV3((cause as Error).message, cause)
    throw new ApiaryError('APIARY_KEYSTORE_LOCKED', `cannot open keystore ${path}: wrong password`, {
      usage: true,
      cause,
      hints: ['check --password-file (the password is its first line)'],
    })
  }
  return {
    address: wallet.getChecksumAddressString().toLowerCase() as `0x${string}`,
    privateKey: `0x${Buffer.from(wallet.getPrivateKey()).toString('hex')}`,
  }
}

/** The same JSON with every object key in lower case (values untouched). */
function lowerKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerKeys)
  if (value === null || typeof value !== 'object') return value
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.toLowerCase(), lowerKeys(v)]))
}
