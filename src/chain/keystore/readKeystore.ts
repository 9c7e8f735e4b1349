import { readFile } from 'node:fs/promises'
import { Wallet } from '@ethereumjs/wallet'
import { ApiaryError } from '../../internal/errors.ts'

export interface ReadKeystoreReturnType {
  address: `0x${string}`
  privateKey: `0x${string}`
}

/** Opens a Web3 Secret Storage v3 keystore; a wrong password or a damaged file is a clear error. */
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
  let wallet: Wallet
  try {
    wallet = await Wallet.fromV3(text, password)
  } catch (cause) {
    throw new ApiaryError(
      'APIARY_KEYSTORE_LOCKED',
      `cannot open keystore ${path}: wrong password or not a v3 keystore`,
      {
        usage: true,
        cause,
        hints: ['check --password-file; create a keystore with apiary keygen'],
      },
    )
  }
  return {
    address: wallet.getChecksumAddressString().toLowerCase() as `0x${string}`,
    privateKey: `0x${Buffer.from(wallet.getPrivateKey()).toString('hex')}`,
  }
}
