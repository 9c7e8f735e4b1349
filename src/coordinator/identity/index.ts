export {
  type AuthenticateAgentParameters,
  type AuthenticateAgentReturnType,
  authenticateAgent,
} from './authenticateAgent.ts'
export { createSignIn, type SignIn, type SignInDependencies, type SignInResult } from './createSignIn.ts'
export { AGENT_ID_PATTERN, deriveApiKey, MIN_MASTER_SECRET_BYTES } from './deriveApiKey.ts'
export { type AuthenticateClientReturnType, authenticateClient, deriveClientKey } from './deriveClientKey.ts'
export {
  type VerifyWalletBindingParameters,
  type VerifyWalletBindingReturnType,
  verifyWalletBinding,
} from './verifyWalletBinding.ts'
