import {
  type Account,
  type Address,
  type Chain,
  encodeFunctionData,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
import { operatedAgent, revertError, SwarmChallenge } from '../../chain/index.ts'
import {
  challengeCommitment,
  computeAnswer,
  deriveSalt,
  parseCapacityPrompt,
  readConsent,
} from '../../challenge/index.ts'
import type { Logger } from '../../internal/logger.ts'

export interface ChallengeResponderOptions {
  logger: Logger
  client: PublicClient
  wallet: WalletClient<Transport, Chain, Account>
  /** The wallet's private key: salts are derived from it (docs/spec/challenge.md#commit-and-reveal). */
  privateKey: Hex
  contract: Address
  pollMs?: number
  /** A transaction not mined after this many blocks is sent again with the same nonce and a higher fee. */
  resendAfterBlocks?: number
  /** How far back to look for open challenges at start. */
  lookbackBlocks?: number
  /**
   * Consent: answer only challenges opened by these wallets (undefined: any creator). Every other invitation is
   * declined: the agent spends no gas on it.
   */
  creators?: readonly Address[] | undefined
  /** Consent: answer at most this many challenges in any 24 hours (default 48); the rest are declined. */
  maxPerDay?: number | undefined
  /** A task still computing after this many seconds is given up (default 120), whatever its window says. */
  maxTaskSeconds?: number | undefined
}

export interface ChallengeResponderStatus {
  registered: boolean | undefined
  /** Challenges this agent was invited to, by id, with where it stands. */
  challenges: Map<bigint, 'computing' | 'committed' | 'revealed' | 'missed' | 'skipped' | 'declined'>
}

export interface ChallengeResponder {
  status(): ChallengeResponderStatus
  close(): Promise<void>
}

type Open = {
  id: bigint
  seed: Hex
  prompt: Hex
  openHash: Hex
  difficulty: bigint
  commitDeadline: bigint
  revealDeadline: bigint
  answer?: Hex
  /** Stops the task while it runs on its worker thread (the window closed). */
  computing?: AbortController | undefined
  pending?:
    | { hash: Hex; nonce: number; sentAt: bigint; step: 'commit' | 'reveal'; maxFeePerGas: bigint }
    | undefined
}

const ENTRY_INVITED = 2n

/**
 * Answers Proof of Swarm challenges for one registered agent wallet: watches `ChallengeCreated` for
 * challenges that invite it, computes its task, commits within the window, reveals after the deadline, and
 * sends a transaction again (same nonce, higher fee) when it was dropped or sits unmined. Stateless: what to do
 * next is read from the contract (`entryOf`) and the salt is derived from the key, so a restart resumes.
 */
export function createChallengeResponder(options: ChallengeResponderOptions): ChallengeResponder {
  const {
    logger,
    client,
    wallet,
    contract,
    pollMs = 250,
    resendAfterBlocks = 3,
    lookbackBlocks = 256,
    maxPerDay = 48,
    maxTaskSeconds = 120,
  } = options
  const creators =
    options.creators === undefined ? undefined : new Set(options.creators.map((a) => a.toLowerCase()))
  /** When the challenges answered in the last 24 hours were accepted (in memory: a restart forgets them). */
  const accepted: number[] = []
  const me = wallet.account.address
  /** Stops the tasks still computing when the responder closes. */
  const closing = new AbortController()
  const open = new Map<bigint, Open>()
  const status: ChallengeResponderStatus = { registered: undefined, challenges: new Map() }
  let scanned: bigint | undefined
  let stopped = false
  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> = Promise.resolve()

  const checkRegistration = async () => {
    const registry = await client.readContract({
      address: contract,
      abi: SwarmChallenge.abi,
      functionName: 'registry',
    })
    const agentId = await operatedAgent(client, { registry, wallet: me })
    status.registered = agentId !== undefined
    if (agentId !== undefined) {
      const consent = await readConsent(client, { registry, agentId })
      if (consent === undefined)
        logger.warn(
          { wallet: me, agentId: agentId.toString(), registry },
          "this agent's registry entry accepts no challenges, so none can invite it (apiary register --accept-challenges any)",
        )
      else
        logger.info(
          { wallet: me, agentId: agentId.toString(), contract, consent },
          'answering swarm challenges',
        )
    } else
      logger.warn(
        { wallet: me, registry },
        'this wallet is not a registered agent, so no challenge can invite it (apiary register)',
      )
  }

  const scan = async (head: bigint) => {
    const from =
      scanned === undefined
        ? head > BigInt(lookbackBlocks)
          ? head - BigInt(lookbackBlocks)
          : 0n
        : scanned + 1n
    if (from > head) return
    const logs = await client.getContractEvents({
      address: contract,
      abi: SwarmChallenge.abi,
      eventName: 'ChallengeCreated',
      fromBlock: from,
      toBlock: head,
      strict: true,
    })
    scanned = head
    for (const { args, blockHash } of logs) {
      if (!args.invitees.some((a) => a.toLowerCase() === me.toLowerCase()) || args.revealDeadline < head)
        continue
      if (open.has(args.id) || status.challenges.has(args.id)) continue
      const now = Date.now()
      while (accepted.length > 0 && (accepted[0] as number) < now - 86_400_000) accepted.shift()
      const refusal =
        creators !== undefined && !creators.has(args.creator.toLowerCase())
          ? 'its creator is not one this agent answers'
          : accepted.length >= maxPerDay
            ? `this agent answered ${maxPerDay} challenges in the last 24 hours`
            : undefined
      if (refusal !== undefined) {
        status.challenges.set(args.id, 'declined')
        logger.info(
          { challenge: args.id.toString(), creator: args.creator, reason: refusal },
          'declined a challenge: no gas spent',
        )
        continue
      }
      accepted.push(now)
      open.set(args.id, {
        id: args.id,
        seed: args.seed,
        prompt: args.promptOrCid,
        openHash: blockHash,
        difficulty: args.difficulty,
        commitDeadline: args.commitDeadline,
        revealDeadline: args.revealDeadline,
      })
      status.challenges.set(args.id, 'computing')
      logger.info(
        { challenge: args.id.toString(), commitDeadline: args.commitDeadline.toString() },
        'invited to a challenge',
      )
    }
  }

  const send = async (c: Open, step: 'commit' | 'reveal', args: readonly unknown[], head: bigint) => {
    const data = encodeFunctionData({ abi: SwarmChallenge.abi, functionName: step, args } as never)
    const replacing = c.pending?.step === step ? c.pending : undefined
    try {
      await client.call({ account: me, to: contract, data, blockTag: 'pending' })
    } catch (error) {
      throw revertError(step, error, SwarmChallenge.abi)
    }
    const fees = await client.estimateFeesPerGas()
    const maxFeePerGas =
      replacing === undefined
        ? fees.maxFeePerGas
        : bigMax(fees.maxFeePerGas, (replacing.maxFeePerGas * 13n) / 10n)
    const nonce = replacing?.nonce ?? (await client.getTransactionCount({ address: me, blockTag: 'pending' }))
    let hash: Hex
    try {
      hash = await wallet.sendTransaction({
        to: contract,
        data,
        nonce,
        gas: 80_000n,
        maxFeePerGas,
        maxPriorityFeePerGas: bigMin(
          fees.maxPriorityFeePerGas * (replacing === undefined ? 1n : 2n),
          maxFeePerGas,
        ),
      })
    } catch (error) {
      c.pending = undefined // the nonce may have gone elsewhere: the next attempt takes a fresh one
      throw error
    }
    c.pending = { hash, nonce, sentAt: head, step, maxFeePerGas }
    logger.info(
      { challenge: c.id.toString(), tx: hash, nonce, resent: replacing !== undefined },
      `challenge ${step} sent`,
    )
  }

  const act = async (c: Open, head: bigint) => {
    const key = c.id
    if (parseCapacityPrompt(Buffer.from(c.prompt.slice(2), 'hex').toString('utf8')) === undefined) {
      logger.warn({ challenge: key.toString() }, 'a challenge of an unknown task kind: skipped')
      status.challenges.set(key, 'skipped')
      open.delete(key)
      return
    }
    if (c.pending !== undefined) {
      const receipt = await client.getTransactionReceipt({ hash: c.pending.hash }).catch(() => undefined)
      if (receipt !== undefined) {
        if (receipt.status !== 'success')
          logger.warn(
            { challenge: key.toString(), tx: c.pending.hash },
            `the challenge ${c.pending.step} reverted`,
          )
        c.pending = undefined
      }
    }
    const word = await client.readContract({
      address: contract,
      abi: SwarmChallenge.abi,
      functionName: 'entryOf',
      args: [key, me],
      blockTag: 'latest',
    })
    const salt = deriveSalt({
      privateKey: options.privateKey,
      chainId: client.chain?.id ?? 0,
      contract,
      id: key,
    })
    if ((word & 1n) === 1n) {
      status.challenges.set(key, 'revealed')
      open.delete(key)
      logger.info({ challenge: key.toString() }, 'challenge revealed')
      return
    }
    if (head > c.revealDeadline || (word === ENTRY_INVITED && head > c.commitDeadline)) {
      c.computing?.abort()
      status.challenges.set(key, 'missed')
      open.delete(key)
      logger.warn({ challenge: key.toString(), entry: word.toString() }, 'missed a challenge window')
      return
    }
    if (c.answer === undefined) {
      if (c.computing !== undefined) return
      const stop = new AbortController()
      c.computing = stop
      void computeAnswer(
        { seed: c.seed, openHash: c.openHash, agent: me, difficulty: c.difficulty },
        AbortSignal.any([stop.signal, closing.signal, AbortSignal.timeout(maxTaskSeconds * 1000)]),
      ).then(
        ({ answer, iterations, ms }) => {
          c.answer = answer
          logger.info(
            { challenge: key.toString(), iterations, ms: Math.round(ms) },
            'challenge task computed',
          )
        },
        (error) => {
          c.computing = undefined
          if (stop.signal.aborted || closing.signal.aborted) return
          logger.warn(
            { challenge: key.toString(), err: error },
            'challenge task failed or ran too long; declined',
          )
          status.challenges.set(key, 'declined')
          open.delete(key)
        },
      )
      return
    }
    const stale = c.pending !== undefined && head - c.pending.sentAt >= BigInt(resendAfterBlocks)
    if (c.pending !== undefined && !stale) return
    if (word === ENTRY_INVITED) {
      await send(c, 'commit', [key, challengeCommitment({ answer: c.answer, salt, agent: me })], head)
      return
    }
    status.challenges.set(key, 'committed')
    if (head > c.commitDeadline) await send(c, 'reveal', [key, c.answer, salt], head)
  }

  const tick = async () => {
    if (status.registered === undefined) await checkRegistration()
    const head = await client.getBlockNumber({ cacheTime: 0 })
    await scan(head)
    for (const c of open.values()) {
      try {
        await act(c, head)
      } catch (error) {
        logger.warn({ challenge: c.id.toString(), err: error }, 'challenge step failed; retrying')
      }
    }
  }

  const loop = () => {
    if (stopped) return
    running = tick()
      .catch((error) => logger.warn({ err: error }, 'challenge watcher: reading the chain failed; retrying'))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, pollMs)
      })
  }
  loop()

  return {
    status: () => status,
    async close() {
      stopped = true
      closing.abort()
      if (timer !== undefined) clearTimeout(timer)
      await running
    },
  }
}

const bigMax = (a: bigint, b: bigint) => (a > b ? a : b)
const bigMin = (a: bigint, b: bigint) => (a < b ? a : b)
