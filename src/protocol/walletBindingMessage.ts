export interface WalletBinding {
  agentId: string
  /** 0x + 40 hex digits; compared case-insensitively. */
  wallet: string
  chainId: bigint
  /** Unix seconds. */
  signedAt: bigint
}

/** The EIP-191 message an agent's payout wallet signs to bind itself to the agent (docs/spec/protocol.md). */
export function walletBindingMessage({ agentId, wallet, chainId, signedAt }: WalletBinding): string {
  return [
    'Apiary agent registration',
    `agent: ${agentId}`,
    `wallet: ${wallet.toLowerCase()}`,
    `chain: ${chainId}`,
    `signed at: ${signedAt}`,
  ].join('\n')
}
