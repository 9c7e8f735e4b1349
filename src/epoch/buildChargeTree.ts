import { StandardMerkleTree } from '@openzeppelin/merkle-tree'

/** JobEscrow's asset ids: 0 the chain's coin, 1 its ERC-20. */
export const CHARGE_ASSETS = { coin: 0, token: 1 } as const

export interface ChargeLeaf {
  /** Lower-case 0x address. */
  client: string
  asset: keyof typeof CHARGE_ASSETS
  /** Base units of the asset. */
  amount: bigint
}

export interface ChargeTree {
  /** 0x-hex root; 32 zero bytes when nobody is charged. */
  root: `0x${string}`
  /** The OpenZeppelin proof of a client's leaf. */
  proof(client: string): `0x${string}`[]
}

const LEAF_ENCODING = ['address', 'uint8', 'uint256']

/**
 * The charge tree of one epoch and asset (docs/spec/jobs.md#in-the-sealed-epoch): an OpenZeppelin
 * `StandardMerkleTree` over `(address client, uint8 asset, uint256 amount)`, one leaf per charged client. Its
 * root is what JobEscrow.charge records in its `Charged` event, so a client checks its charge against the
 * chain with its proof.
 */
export function buildChargeTree(leaves: readonly ChargeLeaf[]): ChargeTree {
  const charged = leaves.filter((l) => l.amount > 0n)
  const seen = new Set<string>()
  for (const l of charged) {
    const key = `${l.asset}:${l.client.toLowerCase()}`
    if (seen.has(key)) throw new RangeError(`${l.client} has two ${l.asset} charge leaves`)
    seen.add(key)
  }
  if (charged.length === 0)
    return {
      root: `0x${'00'.repeat(32)}`,
      proof(client) {
        throw new RangeError(`${client} is not charged`)
      },
    }
  const tree = StandardMerkleTree.of(
    charged.map((l) => [l.client.toLowerCase(), CHARGE_ASSETS[l.asset], l.amount.toString()]),
    LEAF_ENCODING,
  )
  const index = new Map<string, number>()
  for (const [i, [client]] of tree.entries()) index.set(String(client), i)
  return {
    root: tree.root as `0x${string}`,
    proof(client) {
      const i = index.get(client.toLowerCase())
      if (i === undefined) throw new RangeError(`${client} is not charged`)
      return tree.getProof(i) as `0x${string}`[]
    },
  }
}

/** Whether `proof` shows that `leaf` is in the charge tree of `root`. */
export function verifyChargeProof(root: string, leaf: ChargeLeaf, proof: readonly string[]): boolean {
  try {
    return StandardMerkleTree.verify(
      root,
      LEAF_ENCODING,
      [leaf.client.toLowerCase(), CHARGE_ASSETS[leaf.asset], leaf.amount.toString()],
      [...proof],
    )
  } catch {
    return false
  }
}
