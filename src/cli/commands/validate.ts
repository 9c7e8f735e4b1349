import type { Command } from '@commander-js/extra-typings'
import type { CliContext } from '../context.ts'
import { registerValidateFixtures } from './validateFixtures.ts'
import { registerValidateTx } from './validateTx.ts'
import { registerValidateWitness } from './validateWitness.ts'

export function registerValidate(
  program: Command<[], { config?: string; logLevel?: string }>,
  context: CliContext,
): void {
  const validate = program
    .command('validate')
    .description('Validate transactions (L1), witnesses (L2/L3) and Ethereum fixture suites.')
  registerValidateTx(validate, context)
  registerValidateWitness(validate, context)
  registerValidateFixtures(validate, context)
}
