/**
 * Writes docs/spec/vectors/protocol-state-diff.json (docs/spec/protocol.md#state-diffs-l4): block 8's state
 * diff on top of the snapshot vector's state at block 7 — a transfer from 0x11… to a new account 0x44…, and
 * 0x33…'s slot 0 set to 43 and slot 1 cleared — as a StreamStateDiffsResponse, its wire bytes, and the state
 * root after it (computed by the engine's stateRoot over the whole post-state, not by the L4 store). Run it
 * after a deliberate change (`node scripts/state-diff-vector.ts`); src/agent/state/stateStore.test.ts checks
 * the bytes and that a store loaded from the snapshot vector reaches this root.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { toBinary } from '@bufbuild/protobuf'
import { RLP } from '@ethereumjs/rlp'
import { keccak_256 } from '@noble/hashes/sha3.js'
import { StreamStateDiffsResponseSchema } from '../src/gen/apiary/v1/swarm_pb.js'
import { stateDiffToMessage } from '../src/protocol/index.ts'
import { type AccountState, bigIntToBytes, createEngineCrypto, stateRoot } from '../src/validation/index.ts'

const vectors = join(import.meta.dirname, '..', 'docs', 'spec', 'vectors')
const snapshot = JSON.parse(readFileSync(join(vectors, 'snapshot.json'), 'utf8')) as {
  block_hash: string
  accounts: { address: string; nonce: string; balance: string; code: string; storage: [string, string][] }[]
}
const hex = (b: Uint8Array) => `0x${Buffer.from(b).toString('hex')}`
const bytes = (h: string) => Buffer.from(h.slice(2), 'hex')
const state = new Map<string, AccountState>(
  snapshot.accounts.map((a) => [
    a.address,
    {
      nonce: BigInt(a.nonce),
      balance: BigInt(a.balance),
      code: bytes(a.code),
      storage: new Map(a.storage.map(([s, v]) => [s, BigInt(v)])),
    },
  ]),
)
const slot = (n: number) => `0x${n.toString(16).padStart(64, '0')}`
const sender = '0x1111111111111111111111111111111111111111'
const fresh = '0x4444444444444444444444444444444444444444'
const contract = '0x3333333333333333333333333333333333333333'
/** Block 8: each touched account after it, with the slots it touched. */
const touched = new Map([
  [
    sender,
    { nonce: 1n, balance: 10n ** 18n - 1000n, code: new Uint8Array(), storage: new Map<string, bigint>() },
  ],
  [fresh, { nonce: 0n, balance: 1000n, code: new Uint8Array(), storage: new Map<string, bigint>() }],
  [
    contract,
    {
      nonce: 1n,
      balance: 0n,
      code: state.get(contract)?.code ?? new Uint8Array(),
      storage: new Map([
        [slot(0), 43n],
        [slot(1), 0n],
      ]),
    },
  ],
])
for (const [address, after] of touched) {
  const storage = new Map(state.get(address)?.storage ?? [])
  for (const [s, v] of after.storage)
    if (v === 0n) storage.delete(s)
    else storage.set(s, v)
  state.set(address, { ...after, storage })
}
const root = await stateRoot(createEngineCrypto({ backend: 'js' }), state)
const fields: Uint8Array[] = Array.from({ length: 17 }, (_, i) => new Uint8Array(i === 2 ? 20 : 32))
fields[0] = bytes(snapshot.block_hash)
fields[3] = root
fields[8] = bigIntToBytes(8n)
const header = RLP.encode(fields)
const hash = hex(keccak_256(header))
const message = stateDiffToMessage({
  number: 8n,
  header,
  hash,
  parentHash: snapshot.block_hash,
  stateRoot: hex(root),
  accounts: touched,
})
const vector = {
  description:
    "StreamStateDiffsResponse for block 8 on top of snapshot.json's state at block 7: 0x11… sends 1,000 wei to the new 0x44… (its nonce 0 → 1), and 0x33…'s slot 0 becomes 43 and slot 1 is cleared (code unchanged: not sent). A store loaded from snapshot.json applies it and reaches state_root.",
  diff: {
    number: 8,
    parent_hash: snapshot.block_hash,
    accounts: [...touched].map(([address, a]) => ({
      address,
      nonce: a.nonce.toString(),
      balance: a.balance.toString(),
      storage: [...a.storage].map(([s, v]) => [s, v.toString()]),
    })),
  },
  header: hex(header),
  block_hash: hash,
  state_root: hex(root),
  wire: Buffer.from(toBinary(StreamStateDiffsResponseSchema, message)).toString('hex'),
}
writeFileSync(join(vectors, 'protocol-state-diff.json'), `${JSON.stringify(vector, null, 2)}\n`)
console.log(`wrote protocol-state-diff.json (root ${vector.state_root})`)
