import { erc20Abi, type Hex } from 'viem'
import { JobEscrow } from '../contracts.generated.ts'
import { ESCROW_ASSETS, type EscrowAsset } from './readEscrowAccount.ts'

/**
 * A client's writes to a JobEscrow, as calls for sendCall (which simulates each first, so a refusal is
 * named before anything is sent): depositing (a token deposit is an approve, then the deposit), announcing
 * a withdrawal and making it.
 */
export const escrowCalls = {
  deposit: (escrow: Hex, asset: EscrowAsset, amount: bigint, token: Hex | undefined, client: Hex) =>
    asset === 'coin'
      ? [{ address: escrow, abi: JobEscrow.abi, functionName: 'depositFor', args: [client], value: amount }]
      : [
          { address: token as Hex, abi: erc20Abi, functionName: 'approve', args: [escrow, amount] },
          { address: escrow, abi: JobEscrow.abi, functionName: 'depositToken', args: [client, amount] },
        ],
  announce: (escrow: Hex, asset: EscrowAsset, amount: bigint) => [
    {
      address: escrow,
      abi: JobEscrow.abi,
      functionName: 'announceWithdrawal',
      args: [ESCROW_ASSETS[asset], amount],
    },
  ],
  withdraw: (escrow: Hex, asset: EscrowAsset) => [
    { address: escrow, abi: JobEscrow.abi, functionName: 'withdraw', args: [ESCROW_ASSETS[asset]] },
  ],
}
