import type { Command } from '@commander-js/extra-typings'
import { formatEther, type Hex, type LocalAccount } from 'viem'
import { z } from 'zod'
import { epochs } from '../../api/index.ts'
import { claimReward, claimSealedPayout } from '../../chain/index.ts'
import { type AgentsFile, agentsFileSchema, type Summary, summarySchema } from '../../epoch/index.ts'
import { ApiaryError } from '../../internal/errors.ts'
import { stringifyJson } from '../../internal/json.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { addressOption, loadSigner, signerSchema } from '../chainOptions.ts'
import type { CliContext } from '../context.ts'
import { coordinatorJson, DEFAULT_COORDINATOR_HTTP } from '../coordinatorHttp.ts'
import { readBundleFiles } from '../readBundlePath.ts'

const schema = z.object({
  rpc: z.string().url(),
  contract: addressOption.optional(),
  epoch: z.coerce.number().int().min(1).max(999_999_999).optional(),
  coordinatorHttp: z.string().url().default(DEFAULT_COORDINATOR_HTTP),
  bundle: z.string().min(1).optional(),
  ...signerSchema,
  address: addressOption.optional(),
  dryRun: booleanOption.default(false),
  json: booleanOption.default(false),
})

export function registerClaim(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('claim')
    .description(
      "Claim a payout wallet's rewards: from an AgentRewardPool (f1 settlement), or with --epoch N its sealed payout from an EpochRegistry (merkle settlement). The wallet pays the gas and receives everything.",
    )
    .option('--rpc <url>', 'JSON-RPC endpoint (APIARY_RPC)')
    .option(
      '--contract <address>',
      "the AgentRewardPool (APIARY_CONTRACT; /swarm/epochs shows it); with --epoch, the EpochRegistry (default: the bundle's)",
    )
    .option('--epoch <n>', "claim this sealed epoch's payout from an EpochRegistry (APIARY_EPOCH)")
    .option(
      '--coordinator-http <url>',
      `with --epoch: where to fetch the payout proof (APIARY_COORDINATOR_HTTP; default ${DEFAULT_COORDINATOR_HTTP})`,
    )
    .option(
      '--bundle <path>',
      'with --epoch: take the payout proof from this bundle directory or .car instead (APIARY_BUNDLE)',
    )
    .option('--keystore <file>', 'the payout wallet, a v3 keystore (APIARY_KEYSTORE)')
    .option('--password-file <file>', 'password of the keystore (APIARY_PASSWORD_FILE)')
    .option(
      '--private-key-file <file>',
      'instead of a keystore, a file holding a 0x private key (APIARY_PRIVATE_KEY_FILE)',
    )
    .option('--address <address>', 'with --dry-run and no key: the payout wallet to check (APIARY_ADDRESS)')
    .option('--dry-run', 'show what is claimable and the gas a claim takes; send nothing (APIARY_DRY_RUN)')
    .option('--json', 'print the outcome as JSON (amounts in wei, decimal) (APIARY_JSON)')
    .addHelpText(
      'after',
      `
Anyone may also trigger a payout for a wallet with claimFor; the funds always go to the wallet.

Examples:
  apiary claim --rpc http://127.0.0.1:8545 --contract 0xPOOL… --keystore wallet.json --password-file wallet.pass
  apiary claim --rpc http://127.0.0.1:8545 --contract 0xPOOL… --address 0xWALLET… --dry-run
  apiary claim --rpc http://127.0.0.1:8545 --epoch 3 --keystore wallet.json --password-file wallet.pass
  apiary claim --rpc http://127.0.0.1:8545 --epoch 3 --bundle ./bundles/epoch-000003 --address 0xWALLET… --dry-run`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const keyless = options.keystore === undefined && options.privateKeyFile === undefined
      if (keyless && !(options.dryRun && options.address !== undefined))
        throw new ApiaryError(
          'APIARY_SIGNER_MISSING',
          'give the payout wallet: --keystore F with --password-file F, or --private-key-file F (a dry run may give --address)',
          { usage: true },
        )
      const account = keyless ? undefined : await loadSigner(options)
      if (options.epoch !== undefined) return claimEpoch(options, options.epoch, account)
      if (options.contract === undefined)
        throw new ApiaryError(
          'APIARY_CONTRACT_MISSING',
          'give the AgentRewardPool (--contract), or --epoch N',
          {
            usage: true,
          },
        )
      const result = await claimReward({
        rpcUrl: options.rpc,
        pool: options.contract,
        account,
        address: options.address,
        dryRun: options.dryRun,
      })
      const out = {
        address: result.address,
        pool: options.contract,
        claimableWei: result.claimable.toString(),
        claimedWei: result.claimed.toString(),
        gas: Number(result.gas),
        txHash: result.txHash ?? null,
        dryRun: options.dryRun,
      }
      if (options.json) process.stdout.write(`${stringifyJson(out)}\n`)
      else if (result.claimable === 0n) process.stdout.write(`${result.address}: nothing to claim\n`)
      else if (result.txHash === undefined)
        process.stdout.write(
          `dry run: ${result.address} can claim ${formatEther(result.claimable)} ETH (${result.claimable} wei); gas ≈ ${result.gas}\n`,
        )
      else
        process.stdout.write(
          `claimed ${formatEther(result.claimed)} ETH (${result.claimed} wei) to ${result.address}  tx ${result.txHash}\n`,
        )
    })
}

type ClaimOptions = z.infer<typeof schema>

/** Merkle settlement: the epoch's SUMMARY.json and agents.json, from a bundle or the coordinator. */
async function claimEpoch(options: ClaimOptions, epoch: number, account: LocalAccount | undefined) {
  let summary: unknown
  let agents: unknown
  const source = options.bundle ?? `${options.coordinatorHttp}/v1/epochs/${epoch}`
  if (options.bundle !== undefined) {
    const files = await readBundleFiles(options.bundle)
    const json = (name: string) => {
      try {
        return JSON.parse(Buffer.from(files[name] ?? '').toString('utf8'))
      } catch {
        return undefined
      }
    }
    summary = json('SUMMARY.json')
    agents = json('agents.json')
  } else {
    const view = await coordinatorJson(
      options.coordinatorHttp,
      `/v1/epochs/${epoch}`,
      epochs.SealedEpochWithSummary,
    )
    if (view.summary === null)
      throw new ApiaryError('APIARY_EPOCH_NOT_SEALED', `epoch ${epoch} is not sealed yet`, {
        retryable: true,
      })
    summary = view.summary
    agents = await coordinatorJson(options.coordinatorHttp, `/v1/epochs/${epoch}/agents`, agentsFileSchema)
  }
  const s = summarySchema.safeParse(summary)
  const a = agentsFileSchema.safeParse(agents)
  if (!s.success || !a.success || s.data.epoch !== epoch)
    throw new ApiaryError(
      'APIARY_BUNDLE_INVALID',
      `${source} is not the bundle of epoch ${epoch}: ${
        !s.success
          ? `SUMMARY.json ${s.error.issues[0]?.path.join('.')}: ${s.error.issues[0]?.message}`
          : !a.success
            ? `agents.json ${a.error.issues[0]?.path.join('.')}: ${a.error.issues[0]?.message}`
            : `it is epoch ${s.data.epoch}'s`
      }`,
      { usage: options.bundle !== undefined },
    )
  return claimPayout(options, s.data, a.data, account)
}

/** The wallet's payout and proof from agents.json, claimed from the EpochRegistry. */
async function claimPayout(
  options: ClaimOptions,
  summary: Summary,
  agents: AgentsFile,
  account: LocalAccount | undefined,
) {
  const epoch = summary.epoch
  const address = (account?.address ?? options.address)?.toLowerCase() as Hex
  const registry = options.contract ?? (summary.registry as Hex | null)
  if (registry === null)
    throw new ApiaryError(
      'APIARY_CONTRACT_MISSING',
      `epoch ${epoch} names no EpochRegistry: give --contract`,
      {
        usage: true,
      },
    )
  if (summary.params.model !== 'pools')
    throw new ApiaryError(
      'APIARY_EPOCH_NOT_CLAIMABLE',
      `epoch ${epoch} was paid through the AgentRewardPool (f1 settlement): claim without --epoch`,
      { usage: true },
    )
  const payout = agents.payouts.find((x) => x.address === address)
  const out = {
    address,
    registry,
    epoch,
    amountWei: payout?.amount ?? '0',
    claimedWei: '0',
    alreadyClaimed: false,
    gas: 0,
    txHash: null as Hex | null,
    dryRun: options.dryRun,
  }
  if (payout !== undefined) {
    const result = await claimSealedPayout({
      rpcUrl: options.rpc,
      registry,
      epoch,
      amount: BigInt(payout.amount),
      proof: payout.proof as Hex[],
      account,
      address,
      dryRun: options.dryRun,
    })
    Object.assign(out, {
      claimedWei: result.claimed.toString(),
      alreadyClaimed: result.alreadyClaimed,
      gas: Number(result.gas),
      txHash: result.txHash ?? null,
    })
  }
  const eth = `${formatEther(BigInt(out.amountWei))} ETH (${out.amountWei} wei)`
  if (options.json) process.stdout.write(`${stringifyJson(out)}\n`)
  else if (payout === undefined) process.stdout.write(`${address}: epoch ${epoch} pays it nothing\n`)
  else if (out.alreadyClaimed) process.stdout.write(`${address}: epoch ${epoch} already claimed: ${eth}\n`)
  else if (out.txHash === null)
    process.stdout.write(`dry run: ${address} can claim ${eth} of epoch ${epoch}; gas ≈ ${out.gas}\n`)
  else process.stdout.write(`claimed ${eth} of epoch ${epoch} to ${address}  tx ${out.txHash}\n`)
}
