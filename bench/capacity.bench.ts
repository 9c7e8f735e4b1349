import { createEVM } from '@ethereumjs/evm'
import { createPublicClient, type Hex, hexToBytes, http, keccak256, toHex } from 'viem'
import { startDevnet } from '../src/chain/index.ts'
import {
  capacityTaskCall,
  ITERATION_GAS,
  solveCapacityTask,
  solveCapacityTaskInWorker,
} from '../src/challenge/index.ts'
import { createLogger } from '../src/internal/logger.ts'
import { createEngineCrypto, evmCommon } from '../src/validation/index.ts'
import { machine } from './_lib/machine.ts'

const seed = (i: number): Hex => keccak256(toHex(`apiary-bench-capacity-${i}`))
const gasPerSecond = (iterations: number, ms: number) => (iterations * Number(ITERATION_GAS) * 1000) / ms
const mgas = (rate: number) => `${(rate / 1e6).toFixed(0)} Mgas/s`

/**
 * The Proof of Swarm capacity task (issue 19): one task's speed on one core with the solver agents run
 * (OpenSSL SHA-256, the class `apiary challenge calibrate` measures), the same task as EVM code in the
 * @ethereumjs interpreter and through `eth_call` in EDR (revm, native), each the best of 3; then k tasks at
 * once on k worker threads, as a faker with k wallets runs them: the time of the whole batch over one task's
 * time is what an extra core buys.
 */
export async function benchCapacity() {
  const crypto = createEngineCrypto()
  const rows: Record<string, string | number>[] = []
  const row = (engine: string, iterations: number, ms: number, versus: string) =>
    rows.push({
      engine,
      iterations,
      ms: ms.toFixed(0),
      rate: mgas(gasPerSecond(iterations, ms)),
      'vs solver': versus,
    })
  const best = async (run: (i: number) => Promise<number> | number) => {
    let ms = Number.POSITIVE_INFINITY
    for (let i = 0; i < 3; i++) ms = Math.min(ms, await run(i))
    return ms
  }
  const time = (f: () => unknown) => {
    const started = performance.now()
    f()
    return performance.now() - started
  }
  const N = 20_000
  const solver = await best((i) =>
    time(() => solveCapacityTask(crypto.keccak256, { taskSeed: seed(i), iterations: N })),
  )
  row('solver: SHA-256 on OpenSSL (the class)', N, solver, '1.00')
  const evm = await createEVM({ common: evmCommon(crypto, 1n, 'prague') })
  const interpreted = await best(async (i) => {
    const started = performance.now()
    await evm.runCall({ data: hexToBytes(capacityTaskCall(seed(i), N)), gasLimit: 10n ** 12n })
    return performance.now() - started
  })
  row('EVM: @ethereumjs interpreter', N, interpreted, (interpreted / solver).toFixed(2))
  const devnet = await startDevnet({ logger: createLogger({ level: 'silent' }) }, { port: 0, accounts: 1 })
  try {
    const client = createPublicClient({ chain: devnet.chain, transport: http(devnet.url) })
    const M = 1_500 // ≈ 37 M gas: under the node's call gas cap
    const solverM = await best((i) =>
      time(() => solveCapacityTask(crypto.keccak256, { taskSeed: seed(i), iterations: M })),
    )
    const edr = await best(async (i) => {
      const started = performance.now()
      await client.call({ data: capacityTaskCall(seed(i), M), gas: 45_000_000n })
      return performance.now() - started
    })
    row('EVM: eth_call to EDR (revm), incl. JSON-RPC', M, edr, (edr / solverM).toFixed(2))
  } finally {
    await devnet.close()
  }
  const one = await best(
    async (i) => (await solveCapacityTaskInWorker({ taskSeed: seed(i), iterations: N })).ms,
  )
  for (const k of [1, 2, 3, 4, 6]) {
    const started = performance.now()
    await Promise.all(
      Array.from({ length: k }, (_, i) =>
        solveCapacityTaskInWorker({ taskSeed: seed(100 + i), iterations: N }),
      ),
    )
    const ms = performance.now() - started
    row(`${k} tasks at once on ${k} worker threads`, N * k, ms, `${(ms / one).toFixed(2)} × one task`)
  }
  return { unit: 'one capacity task: time and rate per engine; k tasks at once', machine: machine(), rows }
}
