import { StandardMerkleTree } from '@openzeppelin/merkle-tree'

export interface PayoutLeaf {
  /** Lower-case 0x address. */
  account: string
  /** Wei. */
  amount: bigint
}

export interface PayoutTree {
  /** 0x-hex root; 32 zero bytes when nobody is paid. */
  root: `0x${string}`
  /** The OpenZeppelin proof (sibling hashes, bottom up) of an account's leaf, for `EpochRegistry.claim`. */
  proof(account: string): `0x${string}`[]
}

const LEAF_ENCODING = ['address', 'uint256']

/**
 * The payout tree of an epoch: an OpenZeppelin `StandardMerkleTree` over `(address account, uint256 amount)`
 * leaves (leaf = keccak256(keccak256(abi.encode(account, amount))), sorted-pair parents), so the
 * EpochRegistry checks claims with OpenZeppelin's `MerkleProof`. One leaf per account with amount > 0.
 */
export function buildPayoutTree(leaves: readonly PayoutLeaf[]): PayoutTree {
  const paid = leaves.filter((l) => l.amount > 0n)
  const seen = new Set<string>()
  for (const l of paid) {
    const account = l.account.toLowerCase()
    if (seen.has(account)) throw new RangeError(`${account} has two payout leaves`)
    seen.add(account)
  }
  if (paid.length === 0)
    return {
      root: `0x${'00'.repeat(32)}`,
      proof(account) {
        throw new RangeError(`${account} is not paid in this epoch`)
      },
    }
  const tree = StandardMerkleTree.of(
    paid.map((l) => [l.account.toLowerCase(), l.amount.toString()]),
    LEAF_ENCODING,
  )
  const index = new Map<string, number>()
  for (const [i, [account]] of tree.entries()) index.set(String(account), i)
  return {
    root: tree.root as `0x${string}`,
    proof(account) {
      const i = index.get(account.toLowerCase())
      if (i === undefined) throw new RangeError(`${account} is not paid in this epoch`)
      return tree.getProof(i) as `0x${string}`[]
    },
  }
}

/** Whether `proof` shows that `account` is owed `amount` under `root` (the check the contract makes). */
export function verifyPayoutProof(root: string, leaf: PayoutLeaf, proof: readonly string[]): boolean {
  try {
    return StandardMerkleTree.verify(
      root,
      LEAF_ENCODING,
      [leaf.account.toLowerCase(), leaf.amount.toString()],
      [...proof],
    )
  } catch {
    return false
  }
}
