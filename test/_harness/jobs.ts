import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeFunctionData, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type Devnet, deployJobEscrow, JobEscrow } from '../../src/chain/index.ts'
import { type StartedCoordinator, startCoordinator } from '../../src/cli/startCoordinator.ts'
import { deriveClientKey } from '../../src/coordinator/identity/index.ts'
import type { JobOptions } from '../../src/coordinator/index.ts'
import { logger, SECRET } from './swarm.ts'

type CoordinatorOptions = Parameters<typeof startCoordinator>[0]

/**
 * A coordinator that takes client jobs on a devnet: a JobEscrow charged by dev account 0, `deposit` wei of
 * dev account `clientIndex` in it, the coordinator (SQLite in a new datadir, k = 2, no pending work)
 * with `jobs` added to the escrow. Returns the client's address and its request headers.
 */
export async function startPaidCoordinator(
  devnet: Devnet,
  {
    deposit,
    clientIndex = 5,
    jobs,
    ...options
  }: {
    deposit: bigint
    clientIndex?: number
    jobs: Omit<JobOptions, 'escrow'>
  } & Partial<Omit<CoordinatorOptions, 'jobs'>>,
): Promise<{
  coordinator: StartedCoordinator
  escrow: Hex
  client: Hex
  datadir: string
  headers: Record<string, string>
}> {
  const owner = privateKeyToAccount(devnet.accounts[0]?.privateKey as Hex)
  const { address: escrow } = await deployJobEscrow({
    rpcUrl: devnet.url,
    deployer: owner,
    coordinator: owner.address,
    withdrawDelaySeconds: 3600,
  })
  const client = (devnet.accounts[clientIndex] as { address: Hex }).address.toLowerCase() as Hex
  const hash = (await devnet.request('eth_sendTransaction', [
    {
      from: client,
      to: escrow,
      value: `0x${deposit.toString(16)}`,
      data: encodeFunctionData({ abi: JobEscrow.abi, functionName: 'deposit' }),
    },
  ])) as Hex
  const receipt = (await devnet.request('eth_getTransactionReceipt', [hash])) as { status: string }
  if (receipt.status !== '0x1') throw new Error('the deposit failed')
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-jobs-'))
  const coordinator = await startCoordinator({
    logger,
    datadir,
    masterSecret: SECRET,
    rpcUrl: devnet.url,
    fork: 'prague',
    confirmations: 0,
    pollMs: 100,
    host: '127.0.0.1',
    grpcPort: 0,
    httpPort: 0,
    redundancy: 2,
    deadlineMs: 5000,
    pending: false,
    ...options,
    jobs: { escrow, ...jobs },
  })
  return {
    coordinator,
    escrow,
    client,
    datadir,
    headers: { 'x-apiary-client': client, authorization: `Bearer ${deriveClientKey(SECRET, client)}` },
  }
}
