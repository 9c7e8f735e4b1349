import { Command } from '@commander-js/extra-typings'
import { exitCodeFor, isApiaryError } from '../internal/errors.ts'
import { registerAgent } from './commands/agent.ts'
import { registerAgents } from './commands/agents.ts'
import { registerApikey } from './commands/apikey.ts'
import { registerChallenge } from './commands/challenge.ts'
import { registerClaim } from './commands/claim.ts'
import { registerClient } from './commands/client.ts'
import { registerCoordinator } from './commands/coordinator.ts'
import { registerDeploy } from './commands/deploy.ts'
import { registerDevnet } from './commands/devnet.ts'
import { registerEpoch } from './commands/epoch.ts'
import { registerFund } from './commands/fund.ts'
import { registerJob } from './commands/job.ts'
import { registerKeygen } from './commands/keygen.ts'
import { registerMessage } from './commands/message.ts'
import { registerMessages } from './commands/messages.ts'
import { registerMessenger } from './commands/messenger.ts'
import { registerRegister } from './commands/register.ts'
import { registerRewards } from './commands/rewards.ts'
import { registerSnapshot } from './commands/snapshot.ts'
import { registerTraffic } from './commands/traffic.ts'
import { registerUp } from './commands/up.ts'
import { registerValidate } from './commands/validate.ts'
import { registerVerify } from './commands/verify.ts'
import { createCliContext } from './context.ts'

// A reader that stops early (`apiary … | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw error
})

const program = new Command('apiary')
  .description('Apiary: an execution layer for autonomous agent swarms on EVM chains.')
  .version('0.1.0')
  .option('--config <file>', 'JSON config file (also APIARY_CONFIG)')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (also APIARY_LOG_LEVEL)')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride()

const context = createCliContext(program)
registerUp(program, context)
registerCoordinator(program, context)
registerAgent(program, context)
registerValidate(program, context)
registerEpoch(program, context)
registerVerify(program, context)
registerDevnet(program, context)
registerApikey(program, context)
registerKeygen(program, context)
registerRewards(program, context)
registerClaim(program, context)
registerRegister(program, context)
registerChallenge(program, context)
registerMessage(program, context)
registerMessages(program, context)
registerMessenger(program, context)
registerAgents(program, context)
registerFund(program, context)
registerDeploy(program, context)
registerClient(program, context)
registerJob(program, context)
registerTraffic(program, context)
registerSnapshot(program, context)

try {
  await program.parseAsync(process.argv)
} catch (error) {
  process.exitCode = report(error)
}

function report(error: unknown): number {
  const code = (error as { code?: string }).code
  if (typeof code === 'string' && code.startsWith('commander.')) {
    // commander already printed help, the version or the usage error
    return code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help'
      ? 0
      : 2
  }
  if (isApiaryError(error)) {
    process.stderr.write(`error: ${error.message} [${error.code}]\n`)
    for (const hint of error.hints) process.stderr.write(`hint: ${hint}\n`)
  } else {
    process.stderr.write(
      `error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
  }
  return exitCodeFor(error)
}
