import { open } from 'node:fs/promises'
import { Wallet } from '@ethereumjs/wallet'
import { ApiaryError } from '../../internal/errors.ts'

export interface WriteKeystoreParameters {
  /** Where to write; an existing file is never overwritten. */
  path: string
  password: string
  /** An existing key (0x-hex, 32 bytes) to encrypt; a new random key when absent. */
  privateKey?: Uint8Array | undefined
}

export interface WriteKeystoreReturnType {
  address: `0x${string}`
}

/** Writes a Web3 Secret Storage v3 keystore (scrypt, AES-128-CTR) readable only by its owner (0600). */
export async function writeKeystore({
  path,
  password,
  privateKey,
}: WriteKeystoreParameters): Promise<WriteKeystoreReturnType> {
  if (password.length < 8) {
    throw new ApiaryError(
      'APIARY_KEYSTORE_PASSWORD_WEAK',
      'the keystore password must be at least 8 characters',
      { usage: true },
    )
  }
  const wallet = privateKey === undefined ? Wallet.generate() : Wallet.fromPrivateKey(privateKey)
  const json = await wallet.toV3String(password)
  let file: Awaited<ReturnType<typeof open>>
  try {
    file = await open(path, 'wx', 0o600)
  } catch (cause) {
    const exists = (cause as NodeJS.ErrnoException).code === 'EEXIST'
    throw new ApiaryError(
      'APIARY_KEYSTORE_UNWRITABLE',
      exists ? `${path} exists; keystores are never overwritten` : `cannot create ${path}`,
      {
        usage: true,
        cause,
      },
    )
  }
  try {
    await file.writeFile(`${json}\n`)
  } finally {
    await file.close()
  }
  return { address: wallet.getChecksumAddressString().toLowerCase() as `0x${string}` }
}
