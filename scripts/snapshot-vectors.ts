/**
 * Writes docs/spec/vectors/snapshot.json (docs/spec/snapshot.md): a three-account state — an account with
 * code and two slots, two without — its snapshot's uncompressed bytes, digest and state root. Run it after a
 * deliberate format change (`node scripts/snapshot-vectors.ts`); src/state/snapshot.test.ts checks that the
 * writer still gives these bytes and that @ethereumjs/mpt gives the same root.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zstdDecompressSync } from 'node:zlib'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { type SnapshotSourceAccount, verifySnapshot, writeSnapshot } from '../src/state/index.ts'
import { type AccountState, bigIntToBytes, createEngineCrypto, stateRoot } from '../src/validation/index.ts'

const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const address = (byte: number) => new Uint8Array(20).fill(byte)
const slot = (n: number) => {
  const s = new Uint8Array(32)
  s[31] = n
  return s
}
const accounts: SnapshotSourceAccount[] = [
  { address: address(0x11), nonce: 0n, balance: 10n ** 18n, code: new Uint8Array(), storage: [] },
  { address: address(0x22), nonce: 5n, balance: 1n, code: new Uint8Array(), storage: [] },
  {
    address: address(0x33),
    nonce: 1n,
    balance: 0n,
    // PUSH0 SLOAD PUSH0 MSTORE PUSH1 32 PUSH0 RETURN: returns slot 0
    code: Uint8Array.of(0x5f, 0x54, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3),
    storage: [
      [slot(0), 42n],
      [slot(1), 2n ** 255n],
    ],
  },
]
const sorted = [...accounts].sort((a, b) => Buffer.compare(keccak_256(a.address), keccak_256(b.address)))
if (sorted[0]?.code.length !== 0) throw new Error('the first account in trie order must have no code')
const root = await stateRoot(
  createEngineCrypto({ backend: 'js' }),
  new Map<string, AccountState>(
    sorted.map((a) => [
      hex(a.address),
      {
        nonce: a.nonce,
        balance: a.balance,
        code: a.code,
        storage: new Map([...a.storage].map(([s, v]) => [hex(s), v])),
      },
    ]),
  ),
)
const fields: Uint8Array[] = Array.from({ length: 17 }, (_, i) => new Uint8Array(i === 2 ? 20 : 32))
fields[3] = root
fields[8] = bigIntToBytes(7n)
const header = RLP.encode(fields)
const path = join(tmpdir(), 'apiary-snapshot-vector.snap')
await writeSnapshot({ path, chainId: 31337n, header, accounts: sorted })
const report = await verifySnapshot(path)
const vector = {
  description:
    'A snapshot (docs/spec/snapshot.md) of three accounts at block 7 of chain 31337 (a synthetic 17-field header): the accounts, the header, the uncompressed bytes, their digest and the state root.',
  chain_id: 31337,
  accounts: accounts.map((a) => ({
    address: hex(a.address),
    nonce: a.nonce.toString(),
    balance: a.balance.toString(),
    code: hex(a.code),
    storage: [...a.storage].map(([s, v]) => [hex(s), v.toString()]),
  })),
  header: hex(header),
  block_hash: hex(report.hash),
  state_root: hex(root),
  digest: hex(report.digest),
  uncompressed: hex(zstdDecompressSync(readFileSync(path))),
}
writeFileSync(
  join(import.meta.dirname, '..', 'docs', 'spec', 'vectors', 'snapshot.json'),
  `${JSON.stringify(vector, null, 2)}\n`,
)
console.log(`wrote snapshot.json (root ${vector.state_root})`)
