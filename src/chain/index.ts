export { createRpcClient, type RpcRequest, redactUrl } from './createRpcClient.ts'
export { parseAmount } from './parseAmount.ts'
export { DEVNET_MNEMONIC, type Devnet, type StartDevnetParameters, startDevnet } from './startDevnet.ts'
export * from './traffic/index.ts'
