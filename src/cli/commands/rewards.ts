import type { Command } from '@commander-js/extra-typings'
import { formatEther } from 'viem'
import { z } from 'zod'
import { rewards } from '../../api/index.ts'
import { booleanOption, resolveOptions } from '../../internal/options.ts'
import { formatTable } from '../../internal/table.ts'
import type { CliContext } from '../context.ts'
import { coordinatorJson, DEFAULT_COORDINATOR_HTTP } from '../coordinatorHttp.ts'

const schema = z.object({
  coordinatorHttp: z.string().url().default(DEFAULT_COORDINATOR_HTTP),
  agentId: z.string().min(1),
  json: booleanOption.default(false),
})

export function registerRewards(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  program
    .command('rewards')
    .description(
      "An agent's rewards per epoch from a coordinator: work, weight, rank, amount and settlement.",
    )
    .option(
      '--coordinator-http <url>',
      "the coordinator's HTTP API (APIARY_COORDINATOR_HTTP; default http://127.0.0.1:14690)",
    )
    .option('--agent-id <id>', 'the agent (APIARY_AGENT_ID)')
    .option(
      '--json',
      "print the coordinator's answer as JSON (amounts in wei, decimal strings) (APIARY_JSON)",
    )
    .addHelpText(
      'after',
      `
Settled amounts are what the pool credited (claim them with apiary claim); owed ones are closed epochs not
paid into the pool yet.

Example:
  apiary rewards --coordinator-http http://127.0.0.1:14690 --agent-id agent-1-L3`,
    )
    .action(async (flags) => {
      const options = resolveOptions(schema, { flags, configFile: context.configFile() })
      const body = await coordinatorJson(
        options.coordinatorHttp,
        `/api/rewards?agent=${encodeURIComponent(options.agentId)}`,
        rewards.AgentRewards,
      )
      if (options.json) {
        process.stdout.write(`${JSON.stringify(body, null, 2)}\n`)
        return
      }
      const eth = (wei: string) => formatEther(BigInt(wei))
      process.stdout.write(
        `${formatTable(
          [
            'epoch',
            'state',
            'scored',
            'matched',
            'accuracy',
            'weight',
            'rank',
            'of',
            'amount (ETH)',
            'transaction',
          ],
          body.epochs.map((e) => [
            e.epoch,
            e.state,
            e.scored,
            e.matched,
            `${(e.accuracyBps / 100).toFixed(2)}%`,
            e.weight,
            e.rank === 0 ? '-' : e.rank,
            e.agentsPaid,
            eth(e.amountWei),
            e.txHash ?? '-',
          ]),
        )}\n\n${body.agentId}: ${eth(body.totals.settledWei)} ETH settled over ${body.totals.paidEpochs} epoch(s), ${eth(body.totals.owedWei)} ETH owed${body.pool === null ? '' : `; pool ${body.pool}`}\n`,
      )
    })
}
