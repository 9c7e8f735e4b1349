export interface SplitDepositParameters {
  /** Wallet → weight for the epoch (several agent ids may pay to one wallet: their weights add up). */
  weights: ReadonlyMap<string, bigint>
  /** Wei the call deposits plus what the contract carries from before. */
  amount: bigint
}

export interface SplitDepositReturnType {
  /** Wallet → wei credited, exactly as AgentRewardPool computes it: floor(amount × weight ÷ Σ weights). */
  credits: Map<string, bigint>
  /** What stays in the contract for the next deposit (rounding dust; everything when Σ weights is 0). */
  carried: bigint
}

/** The split AgentRewardPool.depositAndSettle makes, computed off-chain to tell agents what they earn. */
export function splitDeposit({ weights, amount }: SplitDepositParameters): SplitDepositReturnType {
  let total = 0n
  for (const w of weights.values()) total += w
  const credits = new Map<string, bigint>()
  let distributed = 0n
  for (const [wallet, w] of weights) {
    const share = total === 0n ? 0n : (amount * w) / total
    credits.set(wallet, share)
    distributed += share
  }
  return { credits, carried: amount - distributed }
}
