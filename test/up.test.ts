import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { privateKeyToAccount } from 'viem/accounts'
import { createSiweMessage } from 'viem/siwe'
import { deriveClientKey } from '../src/coordinator/identity/index.ts'
import { openStore } from '../src/coordinator/store/index.ts'
import { runApiary, runShell, startApiary, stopProcess } from './_harness/cli.ts'
import { startLlmProvider } from './_harness/llmProvider.ts'
import { openapiChecker } from './_harness/openapi.ts'
import { storeSql } from './_harness/storeSql.ts'
import { freePort, waitFor } from './_harness/swarm.ts'

test('apiary up settles every epoch on the embedded devnet, its agents claim with apiary claim, a sealed epoch and its receipts verify with only the CLI against the devnet anchor, and its registered agents pass its swarm challenges', {
  timeout: 180_000,
}, async () => {
  const httpPort = await freePort()
  const datadir = mkdtempSync(join(tmpdir(), 'apiary-up-test-'))
  const api = `http://127.0.0.1:${httpPort}`
  // The LLM provider stand-in (its side of the wire only): up's llm agent answers chats from it.
  const provider = await startLlmProvider()
  const up = await startApiary(
    ['up', '--agents', '2', '--epoch-seconds', '3', '--epoch-reward', '2ether', '--tps', '4'].concat([
      '--llm-url',
      `${provider.url}/v1`,
      '--llm-model',
      'tiny-echo',
      '--http-port',
      String(httpPort),
      '--grpc-port',
      '0',
      '--datadir',
      datadir,
    ]),
    { ready: 'Ctrl-C stops everything.' },
  )
  try {
    // Every command up prints is pasted as it is, through a shell, from another directory.
    const claimLine = /claim: (\S+ \S+ claim .+)/.exec(up.output())?.[1]
    assert.ok(claimLine !== undefined, up.output())
    const rewards = async () =>
      (await (await fetch(`${api}/api/rewards?agent=agent-1-L3`)).json()) as {
        totals: { settledWei: string }
      }
    const settledEpochs = async () =>
      ((await (await fetch(`${api}/swarm/epochs`)).json()) as { epochs: { state: string }[] }).epochs.filter(
        (e) => e.state === 'settled',
      ).length
    await waitFor(
      'two epochs settled, agent-1-L3 paid',
      async () => (await settledEpochs()) >= 2 && BigInt((await rewards()).totals.settledWei) > 0n,
      120_000,
    )
    const settled = BigInt((await rewards()).totals.settledWei)
    const claim = await runShell(`${claimLine} --json`)
    assert.equal(claim.code, 0, claim.stderr)
    const claimed = BigInt(JSON.parse(claim.stdout).claimedWei)
    assert.ok(claimed >= settled, `claimed ${claimed} < settled ${settled}`)
    // A sealed, anchored epoch checked with only the CLI, as up prints it; one of its job receipts too.
    await waitFor(
      'the line to check a sealed epoch',
      () => /check it with only the CLI:\n {2}\S+ \S+ epoch export /.test(up.output()),
      60_000,
    )
    const checkLine = /check it with only the CLI:\n {2}(.+)\n/.exec(up.output())?.[1] ?? ''
    const verifyLine = checkLine.split(' && ')[1] as string
    const verified = await runShell(`${checkLine} --json`)
    assert.equal(verified.code, 0, verified.stdout + verified.stderr)
    // The export prints a line, then verify its JSON report.
    const report = JSON.parse(verified.stdout.slice(verified.stdout.indexOf('{'))) as {
      epoch: number
      checks: { id: string; ok: boolean }[]
    }
    assert.ok(
      report.checks.some((c) => c.id === 'anchor' && c.ok),
      verified.stdout,
    )
    const rpc = /--rpc (\S+)/.exec(verifyLine as string)?.[1] as string
    const page = (await (await fetch(`${api}/v1/epochs/${report.epoch}/jobs?limit=1`)).json()) as {
      jobs: { id: string }[]
    }
    const receipt = await (await fetch(`${api}/v1/jobs/${page.jobs[0]?.id}/receipt`)).text()
    const receiptFile = join(datadir, 'receipt.json')
    writeFileSync(receiptFile, receipt)
    for (const extra of [[], ['--rpc', rpc]]) {
      const checked = await runApiary(['verify', 'receipt', receiptFile, ...extra])
      assert.equal(checked.code, 0, checked.stdout + checked.stderr)
    }
    // Proof of Swarm: up's agents are registered and answer the challenges up opens; one is finalized.
    await waitFor(
      'a finalized challenge',
      () => /challenge \d+ finalized; read it from the chain:\n/.test(up.output()),
      90_000,
    )
    const statusLine = /read it from the chain:\n {2}(.+)\n/.exec(up.output())?.[1] as string
    const status = await runShell(`${statusLine} --json`)
    assert.equal(status.code, 0, status.stdout + status.stderr)
    const challenge = JSON.parse(status.stdout) as {
      id: string
      invitees: string[]
      finalized: { score: number; passed: boolean }
      metrics: { phase: string; agrees: boolean; commits: number; reveals: number }
      validation: { response: number; tag: string } | undefined
      capacity: { units: number; answered: number; machineClass: { name: string } }
    }
    assert.equal(challenge.metrics.phase, 'finalized')
    assert.equal(challenge.invitees.length, 2)
    assert.deepEqual(
      [challenge.metrics.commits, challenge.metrics.reveals, challenge.metrics.agrees],
      [2, 2, true],
    )
    assert.ok(challenge.finalized.score >= 7000 && challenge.finalized.passed, status.stdout)
    // One machine runs the swarm, with short tasks: the bound says 1 unit, and what it counts in.
    assert.equal(challenge.capacity.answered, 2)
    // Tasks of 0.25 s for one core and at least 1 s elapsed: one unit could have answered both, so 1 unit.
    assert.equal(challenge.capacity.units, 1, status.stdout)
    assert.match(challenge.capacity.machineClass.name, /^one core of .*SHA-256 on OpenSSL/)
    // Published as the swarm's ERC-8004 validation, by the SwarmChallenge contract.
    assert.deepEqual(challenge.validation, {
      ...challenge.validation,
      response: Math.floor(challenge.finalized.score / 100),
      tag: 'apiary/proof-of-swarm',
    })
    await waitFor(
      'the validation and the capacity bound in /v1/challenges/:id',
      async () => {
        const served = (await (await fetch(`${api}/v1/challenges/${challenge.id}`)).json()) as {
          validation: { response: number } | null
          capacity: { units: number } | null
        }
        return (
          served.validation?.response === Math.floor(challenge.finalized.score / 100) &&
          served.capacity?.units === challenge.capacity.units
        )
      },
      10_000,
    )
    const listed = (await (await fetch(`${api}/v1/challenges`)).json()) as {
      challenges: { id: string; phase: string; score: number | null }[]
    }
    assert.equal(listed.challenges.find((c) => c.id === challenge.id)?.score, challenge.finalized.score)
    const one = await fetch(`${api}/v1/challenges/${challenge.id}`)
    assert.equal(((await one.json()) as { metrics: { agrees: boolean } }).metrics.agrees, true)
    assert.equal((await fetch(`${api}/v1/challenges/12345`)).status, 404)
    assert.equal((await fetch(`${api}/v1/challenges/x`)).status, 400)
    assert.match(up.output(), /challenge #\d+ \w+ \(last score \d+%/)
    // The runner's transactions went through the coordinator's outbox (signed, stored, then broadcast):
    // the creation, the validation request and the finalization of the finalized challenge, each mined.
    const store = await openStore({ path: join(datadir, 'coordinator.db') })
    try {
      const id = BigInt(challenge.id).toString()
      const rows = await storeSql(store).all<{ key: string; state: string }>(
        "SELECT key, state FROM outbox WHERE key LIKE 'challenge:%' ORDER BY key",
      )
      for (const what of [`${id}:validation`, `${id}:finalize`, 'open:1'])
        assert.equal(rows.find((r) => r.key.endsWith(`:${what}`))?.state, 'mined', JSON.stringify(rows))
    } finally {
      await store.close()
    }

    // Messaging: the ping printed at start, answered by the agent's messenger; then the chain query API.
    const pingLine = /\n {13}(\S+ \S+ message send .+)\n/.exec(up.output())?.[1] as string
    assert.ok(pingLine !== undefined, up.output())
    const ping = await runShell(`${pingLine} --json`)
    assert.equal(ping.code, 0, ping.stdout + ping.stderr)
    const sent = JSON.parse(ping.stdout) as {
      id: string
      to: string
      txHash: string
      block: string
      reply: { type: string; body: string; reply_to: string; from: string }
    }
    assert.deepEqual(
      [sent.reply.type, sent.reply.body, sent.reply.reply_to, sent.reply.from],
      ['pong', 'hello', BigInt(sent.id).toString(), sent.to],
    )
    const messages = (await (await fetch(`${api}/v1/messages?address=${sent.to}&since=0`)).json()) as {
      messages: { id: string; type: string; txHash: string }[]
    }
    assert.equal(messages.messages.find((m) => m.txHash === sent.txHash)?.type, 'ping')
    const you = /--private-key-file (\S+)/.exec(pingLine)?.[1] as string
    const me = privateKeyToAccount(readFileSync(you, 'utf8').trim() as `0x${string}`).address.toLowerCase()
    await waitFor(
      'the follower to index the ping',
      async () => {
        const txs = (await (await fetch(`${api}/v1/transactions?address=${me}`)).json()) as {
          transactions: { hash: string }[]
        }
        return txs.transactions.some((t) => t.hash === sent.txHash)
      },
      15_000,
    )
    const block = (await (await fetch(`${api}/v1/blocks?from=${BigInt(sent.block)}`)).json()) as {
      blocks: { transactions: { hash: string }[] }[]
    }
    assert.ok(block.blocks[0]?.transactions.some((t) => t.hash === sent.txHash))
    assert.equal((await fetch(`${api}/v1/blocks?from=0&to=1000`)).status, 400)
    assert.equal((await fetch(`${api}/v1/transactions?address=nope`)).status, 400)
    // Every operation of /openapi.json, on a swarm with everything on: the real answers match the document.
    const openapi = openapiChecker(await (await fetch(`${api}/openapi.json`)).json())
    const taskId = ((await (await fetch(`${api}/swarm/agents/agent-1-L3`)).json()) as { id: string }).id
    const requests: [string, string, string, number][] = [
      ['GET', '/healthz', '/healthz', 200],
      ['GET', '/readyz', '/readyz', 200],
      ['GET', '/swarm/status', '/swarm/status', 200],
      ['GET', '/swarm/agents', '/swarm/agents', 200],
      ['GET', `/swarm/agents/${taskId}`, '/swarm/agents/{id}', 200],
      ['GET', '/swarm/shadow', '/swarm/shadow', 200],
      ['GET', '/swarm/leaderboard', '/swarm/leaderboard', 200],
      ['GET', '/swarm/tasks/none', '/swarm/tasks/{id}', 404],
      ['GET', '/swarm/epoch', '/swarm/epoch', 200],
      ['GET', '/swarm/epochs', '/swarm/epochs', 200],
      ['GET', `/swarm/epochs/${report.epoch}`, '/swarm/epochs/{number}', 200],
      ['GET', '/api/rewards?agent=agent-1-L3', '/api/rewards', 200],
      ['GET', '/api/rewards', '/api/rewards', 400],
      ['GET', '/v1/epochs', '/v1/epochs', 200],
      ['GET', '/v1/epochs/current', '/v1/epochs/current', 200],
      ['GET', `/v1/epochs/${report.epoch}`, '/v1/epochs/{id}', 200],
      ['GET', `/v1/epochs/${report.epoch}/jobs?limit=3`, '/v1/epochs/{id}/jobs', 200],
      ['GET', `/v1/epochs/${report.epoch}/agents`, '/v1/epochs/{id}/agents', 200],
      ['GET', `/v1/epochs/${report.epoch}/signature`, '/v1/epochs/{id}/signature', 200],
      ['GET', `/v1/epochs/${report.epoch}/ipfs`, '/v1/epochs/{id}/ipfs', 200],
      ['GET', `/v1/jobs/${page.jobs[0]?.id}/receipt`, '/v1/jobs/{jobId}/receipt', 200],
      ['GET', '/v1/challenges', '/v1/challenges', 200],
      ['GET', `/v1/challenges/${challenge.id}`, '/v1/challenges/{id}', 200],
      ['GET', '/v1/challenges/x', '/v1/challenges/{id}', 400],
      ['GET', `/v1/blocks?from=${BigInt(sent.block)}`, '/v1/blocks', 200],
      ['GET', `/v1/transactions?address=${me}`, '/v1/transactions', 200],
      ['GET', `/v1/messages?since=0`, '/v1/messages', 200],
      ['POST', '/v1/verify', '/v1/verify', 200],
    ]
    for (const [method, url, path, status] of requests) {
      const response = await fetch(`${api}${url}`, {
        method,
        ...(method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: receipt } : {}),
      })
      const text = await response.text()
      assert.equal(response.status, status, `${method} ${url}: ${text.slice(0, 300)}`)
      openapi.check(method, path, status, JSON.parse(text))
    }
    // A paid job with the command up prints: simulated by two agents, charged its price.
    const jobLine = /jobs .*\n {13}(.+ job submit .+)\n/.exec(up.output())?.[1]
    assert.ok(jobLine !== undefined, up.output())
    const submitted = await runShell(`${jobLine} --json`)
    assert.equal(submitted.code, 0, submitted.stdout + submitted.stderr)
    const job = JSON.parse(submitted.stdout) as { id: string; state: string; fee: string; output: unknown }
    assert.equal(job.state, 'completed')
    assert.equal(job.fee, '1000000000000')
    const clientHeaders = {
      'x-apiary-client': me,
      authorization: `Bearer ${deriveClientKey(readFileSync(join(datadir, 'master-secret'), 'utf8').trim(), me)}`,
    }
    const transfer = { transactions: [{ from: me, to: me, value: '0x1' }] }
    const jobRequests: [string, string, string, number, unknown][] = [
      ['GET', '/v1/jobs/prices', '/v1/jobs/prices', 200, undefined],
      [
        'POST',
        '/v1/jobs',
        '/v1/jobs',
        202,
        { type: 'evm.simulate', input: transfer, maxFee: '1000000000000' },
      ],
      [
        'POST',
        '/v1/jobs',
        '/v1/jobs',
        402,
        { type: 'evm.simulate', input: transfer, maxFee: '10'.repeat(20) },
      ],
      ['GET', `/v1/jobs?client=${me}`, '/v1/jobs', 200, undefined],
      ['GET', `/v1/jobs/${job.id}`, '/v1/jobs/{id}', 200, undefined],
      ['GET', '/v1/jobs/00000000000000000000000000000000', '/v1/jobs/{id}', 404, undefined],
      ['DELETE', `/v1/jobs/${job.id}`, '/v1/jobs/{id}', 409, undefined],
    ]
    // A chat with the command up prints, answered by its llm agent from the backend.
    const chatLine = /chat .*\n {13}(curl .+)\n/.exec(up.output())?.[1]
    assert.ok(chatLine !== undefined, up.output())
    const chatted = await runShell(chatLine)
    assert.equal(chatted.code, 0, chatted.stderr)
    const completion = JSON.parse(chatted.stdout) as { choices: { message: { content: string } }[] }
    assert.equal(completion.choices[0]?.message.content, 'echo: hello')
    // Sign-in (EIP-4361) with you.key: a SIWE message for this coordinator's host, or for another site.
    const wallet = privateKeyToAccount(readFileSync(you, 'utf8').trim() as `0x${string}`)
    const signedIn = async (domain: string) => {
      const { nonce, chainId } = (await (await fetch(`${api}/v1/auth/nonce`)).json()) as {
        nonce: string
        chainId: number
      }
      const message = createSiweMessage({
        domain,
        address: wallet.address,
        uri: api,
        version: '1',
        chainId,
        nonce,
      })
      return { message, signature: await wallet.signMessage({ message }) }
    }
    // Every job and chat operation, with the client's credentials.
    const clientRequests: [string, string, string, number, unknown][] = [
      ...jobRequests,
      ['GET', '/v1/models', '/v1/models', 200, undefined],
      [
        'POST',
        '/v1/chat/completions',
        '/v1/chat/completions',
        200,
        { model: 'tiny-echo', messages: [{ role: 'user', content: 'hi' }] },
      ],
      [
        'POST',
        '/v1/chat/completions',
        '/v1/chat/completions',
        404,
        { model: 'none', messages: [{ role: 'user', content: 'hi' }] },
      ],
      ['GET', `/v1/epochs/${report.epoch}/charges`, '/v1/epochs/{id}/charges', 200, undefined],
      ['GET', '/v1/auth/nonce', '/v1/auth/nonce', 200, undefined],
      ['POST', '/v1/auth/siwe', '/v1/auth/siwe', 200, await signedIn(new URL(api).host)],
      ['POST', '/v1/auth/siwe', '/v1/auth/siwe', 400, await signedIn('elsewhere.example')],
    ]
    for (const [method, url, path, status, body] of clientRequests) {
      const response = await fetch(`${api}${url}`, {
        method,
        headers: { ...clientHeaders, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      })
      const text = await response.text()
      assert.equal(response.status, status, `${method} ${url}: ${text.slice(0, 300)}`)
      openapi.check(method, path, status, JSON.parse(text))
    }
    const binary = ['GET /metrics', 'GET /openapi.json', 'GET /v1/epochs/{id}/car']
    assert.deepEqual(
      openapi.operations().filter((o) => !openapi.checked().includes(o) && !binary.includes(o)),
      [],
      'every JSON operation was checked',
    )
    // Your own agent joins with the printed line (its key derived from DATADIR/master-secret) and works.
    const joinLine = /join .*\n {13}(.+ agent .+)\n/.exec(up.output())?.[1] as string
    assert.ok(joinLine !== undefined, up.output())
    const joined = spawn('bash', ['-c', `exec ${joinLine}`], { cwd: tmpdir(), stdio: 'ignore' })
    try {
      await waitFor(
        'my-agent answering tasks',
        async () => {
          const agent = (await (await fetch(`${api}/swarm/agents/my-agent`)).json()) as { live?: boolean }
          return agent.live === true
        },
        30_000,
      )
    } finally {
      joined.kill('SIGINT')
    }
    await waitFor(
      'a status line with the last settlement',
      () =>
        /\[\d+s\].* epoch \d+ {2}settled \d+ \(tx 0x[0-9a-f]{8}…\) {2}sealed \d+ {2}anchored \d+/.test(
          up.output(),
        ),
      15_000,
    )
    // Pre-confirmation work by default, apart from history, with the canaries the agents passed.
    const line =
      /\[\d+s\].*pre-confirmation (\d+) \(\d+ landed, \d+ void\) {2}history \d+ {2}canaries (\d+) passed, (\d+) failed/.exec(
        up.output().split('\n').reverse().join('\n'),
      )
    assert.ok(line !== null, up.output().slice(-2000))
    assert.ok(Number(line[1]) > 0, 'pending transactions dispatched')
    assert.equal(line[3], '0', 'honest agents fail no canary')
    // The L4 agent, on its own state from the snapshot up exported: every block's root checked, answers right.
    const shadow = (await (await fetch(`${api}/swarm/shadow`)).json()) as {
      levels: Record<string, { scored: number; matched: number }>
      stateRoot: {
        agentId: string
        block: number
        error: string | null
        onChain: boolean | null
        applied: number
      }[]
    }
    const l4 = shadow.stateRoot.find((r) => r.agentId === 'agent-l4')
    assert.ok(l4 !== undefined && l4.applied > 0 && l4.error === null, JSON.stringify(shadow.stateRoot))
    assert.notEqual(l4.onChain, false)
    assert.ok((shadow.levels.L4?.scored ?? 0) > 0, JSON.stringify(shadow.levels))
    assert.equal(shadow.levels.L4?.matched, shadow.levels.L4?.scored, 'L4 answers right')
  } finally {
    await stopProcess(up, 'SIGINT')
    await provider.close()
  }
  assert.equal(up.exitCode, 0, up.output().slice(-2000))
})

test('apiary up without --datadir says its state is temporary and removes it when it stops', {
  timeout: 120_000,
}, async () => {
  const up = await startApiary(
    ['up', '--agents', '1', '--http-port', '0', '--grpc-port', '0', '--tps', '2'],
    { ready: 'Ctrl-C stops everything.' },
  )
  let datadir: string | undefined
  try {
    datadir = /datadir {6}(\S+) {2}\(temporary: removed when up stops/.exec(up.output())?.[1]
    assert.ok(datadir !== undefined && existsSync(join(datadir, 'master-secret')), up.output())
    assert.match(
      up.output(),
      /\[\d+s\] {2}starting the embedded devnet…/,
      'the first seconds say what is starting',
    )
  } finally {
    await stopProcess(up, 'SIGINT')
  }
  assert.equal(up.exitCode, 0, up.output().slice(-2000))
  assert.equal(existsSync(datadir), false, `${datadir} was removed`)
})
