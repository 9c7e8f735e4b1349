import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import OpenAI from 'openai'
import type { Hex } from 'viem'
import type { Agent } from '../src/agent/index.ts'
import { createChatBackend } from '../src/agent/index.ts'
import { type Devnet, startDevnet } from '../src/chain/index.ts'
import type { StartedCoordinator } from '../src/cli/startCoordinator.ts'
import { deriveClientKey } from '../src/coordinator/identity/index.ts'
import { startPaidCoordinator } from './_harness/jobs.ts'
import { answerOf, type LlmProvider, startLlmProvider } from './_harness/llmProvider.ts'
import { Level, logger, SECRET, startAgent, waitFor } from './_harness/swarm.ts'

const PRICE = { input: 2n * 10n ** 15n, output: 3n * 10n ** 15n }
const SHA = 'ab'.repeat(32)

describe('the OpenAI-compatible gateway, with the openai package as the client', () => {
  let devnet: Devnet
  let coordinator: StartedCoordinator
  let provider: LlmProvider
  let agents: Agent[] = []
  let client: Hex
  let openai: OpenAI
  const clientOf = (address: Hex) =>
    new OpenAI({
      baseURL: `${coordinator.httpUrl}/v1`,
      apiKey: deriveClientKey(SECRET, address),
      defaultHeaders: { 'x-apiary-client': address },
      maxRetries: 0,
    })

  before(async () => {
    devnet = await startDevnet({ logger }, { port: 0, accounts: 10 })
    provider = await startLlmProvider()
    ;({ coordinator, client } = await startPaidCoordinator(devnet, {
      deposit: 10n ** 18n,
      jobs: { prices: { 'evm.simulate': { coin: 10n ** 12n, token: 1000n } }, chatPrices: { '*': PRICE } },
    }))
    agents = [
      startAgent(coordinator.grpcUrl, 'llm-openai', Level.L1, {
        mode: 'llm',
        chat: createChatBackend({
          kind: 'openai',
          url: `${provider.url}/v1`,
          apiKey: 'provider-secret-1',
          models: [{ name: 'tiny-echo', upstream: 'echo-1', sha256: SHA }],
        }),
      }),
      startAgent(coordinator.grpcUrl, 'llm-anthropic', Level.L1, {
        mode: 'llm',
        chat: createChatBackend({
          kind: 'anthropic',
          url: provider.url,
          apiKey: 'provider-secret-2',
          models: [{ name: 'claude-echo' }],
        }),
      }),
      startAgent(coordinator.grpcUrl, 'llm-gemini', Level.L1, {
        mode: 'llm',
        chat: createChatBackend({
          kind: 'gemini',
          url: provider.url,
          apiKey: 'provider-secret-3',
          models: [{ name: 'gemini-echo', upstream: 'gemini-2.5-flash' }],
        }),
      }),
    ]
    openai = clientOf(client)
    await waitFor(
      'the agents serve their models',
      async () => (await openai.models.list()).data.length === 3,
      20_000,
    )
  })
  after(async () => {
    await Promise.all(agents.map((a) => a.close({ graceMs: 1000 })))
    await coordinator?.close()
    await provider?.close()
    await devnet?.close()
  })

  test('models.list lists what live agents serve, with the prices', async () => {
    const { data } = await openai.models.list()
    assert.deepEqual(
      data.map((m) => ({ id: m.id, apiary: (m as unknown as { apiary: unknown }).apiary })),
      [
        {
          id: 'claude-echo',
          apiary: {
            agents: 1,
            backends: ['anthropic'],
            sha256: [],
            price: { input: PRICE.input.toString(), output: PRICE.output.toString() },
          },
        },
        {
          id: 'gemini-echo',
          apiary: {
            agents: 1,
            backends: ['gemini'],
            sha256: [],
            price: { input: PRICE.input.toString(), output: PRICE.output.toString() },
          },
        },
        {
          id: 'tiny-echo',
          apiary: {
            agents: 1,
            backends: ['openai'],
            sha256: [SHA],
            price: { input: PRICE.input.toString(), output: PRICE.output.toString() },
          },
        },
      ],
    )
  })

  test('a completion, whole and streamed, is the backend’s answer with its usage, billed by tokens', async () => {
    const messages = [
      { role: 'system' as const, content: 'be brief' },
      { role: 'user' as const, content: 'hello swarm of bees' },
    ]
    const expected = answerOf(messages)
    // Anthropic's and Gemini's APIs take the system prompt apart from the turns: the stand-in counts only the
    // latter.
    const prompts: Record<string, number> = { 'tiny-echo': 6, 'claude-echo': 4, 'gemini-echo': 4 }
    for (const [model, prompt] of Object.entries(prompts)) {
      const whole = await openai.chat.completions.create({ model, messages, temperature: 0 })
      assert.equal(whole.choices[0]?.message.content, expected, model)
      assert.deepEqual(
        { prompt: whole.usage?.prompt_tokens, completion: whole.usage?.completion_tokens },
        { prompt, completion: 5 },
        model,
      )
      const stream = await openai.chat.completions.create({
        model,
        messages,
        stream: true,
        stream_options: { include_usage: true },
      })
      let text = ''
      let usage: OpenAI.CompletionUsage | undefined | null
      let chunks = 0
      for await (const chunk of stream) {
        chunks++
        text += chunk.choices[0]?.delta.content ?? ''
        if (chunk.usage != null) usage = chunk.usage
      }
      assert.equal(text, expected, `${model} streamed`)
      assert.ok(chunks >= 5, `${model}: one chunk per word, not one block (${chunks})`)
      assert.deepEqual(
        { prompt: usage?.prompt_tokens, completion: usage?.completion_tokens },
        { prompt, completion: 5 },
        `${model} streamed`,
      )
    }
    // The backend got the upstream model name and the agent's key; the client's key never reached it.
    const seen = provider.requests.filter((r) => r.path === '/v1/chat/completions')
    assert.ok(seen.every((r) => r.key === 'Bearer provider-secret-1' && r.body.model === 'echo-1'))
    assert.ok(provider.requests.every((r) => !JSON.stringify(r).includes('apiary_client_')))
    const geminis = provider.requests.filter((r) => r.path.startsWith('/v1beta/'))
    assert.ok(geminis.length === 2 && geminis.every((r) => r.key === 'provider-secret-3'))
    assert.ok(
      geminis.every((r) => r.path === '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse'),
    )
    // Each chat is a completed llm.chat job charged (input × its price + output × its price) / 10^6, rounded up.
    const response = await fetch(`${coordinator.httpUrl}/v1/jobs?client=${client}`, {
      headers: { 'x-apiary-client': client, authorization: `Bearer ${deriveClientKey(SECRET, client)}` },
    })
    const { jobs } = (await response.json()) as { jobs: { type: string; state: string; fee: string }[] }
    const chats = jobs.filter((j) => j.type === 'llm.chat')
    assert.equal(chats.length, 6)
    const fee = (input: bigint) => (input * PRICE.input + 5n * PRICE.output + 999_999n) / 1_000_000n
    assert.deepEqual(
      chats.map((j) => [j.state, BigInt(j.fee)] as const).sort((a, b) => (a[1] < b[1] ? -1 : 1)),
      [
        ['completed', fee(4n)],
        ['completed', fee(4n)],
        ['completed', fee(4n)],
        ['completed', fee(4n)],
        ['completed', fee(6n)],
        ['completed', fee(6n)],
      ],
    )
    // The chat agents took no validation work.
    for (const agent of agents) assert.equal(agent.status().coordinators[0]?.accepted, 0)
  })

  test('refusals: no balance is 402 with what is needed, an unknown model 404, a wrong key 401', async () => {
    const broke = (devnet.accounts[6] as { address: Hex }).address.toLowerCase() as Hex
    const messages = [{ role: 'user' as const, content: 'hi' }]
    await assert.rejects(
      clientOf(broke).chat.completions.create({ model: 'tiny-echo', messages }),
      (error: InstanceType<typeof OpenAI.APIError>) =>
        error.status === 402 && (error.error as { code?: string }).code === 'PAYMENT_REQUIRED',
    )
    await assert.rejects(
      openai.chat.completions.create({ model: 'no-such-model', messages }),
      (error: InstanceType<typeof OpenAI.APIError>) => error.status === 404,
    )
    const stranger = new OpenAI({
      baseURL: `${coordinator.httpUrl}/v1`,
      apiKey: `apiary_client_${'0'.repeat(64)}`,
      defaultHeaders: { 'x-apiary-client': client },
      maxRetries: 0,
    })
    await assert.rejects(
      stranger.chat.completions.create({ model: 'tiny-echo', messages }),
      (error: InstanceType<typeof OpenAI.APIError>) => error.status === 401,
    )
  })

  test('x-apiary-verify: 2 at temperature 0 — two agents of one pinned model answer, both billed; agreement reported, never scored', async () => {
    const other = await startLlmProvider({ prefix: 'other' })
    const pinned = (id: string, url: string, name: string, sha256: string) =>
      startAgent(coordinator.grpcUrl, id, Level.L1, {
        mode: 'llm',
        chat: createChatBackend({ kind: 'openai', url: `${url}/v1`, models: [{ name, sha256 }] }),
      })
    const same = 'cd'.repeat(32)
    const mixed = 'ef'.repeat(32)
    const verifiers = [
      pinned('pin-a', provider.url, 'pinned', same),
      pinned('pin-bb', provider.url, 'pinned', same),
      pinned('pin-ccc', provider.url, 'pinned-mixed', mixed),
      pinned('pin-dddd', other.url, 'pinned-mixed', mixed),
    ]
    try {
      await waitFor(
        'the pinned agents serve',
        async () => (await openai.models.list()).data.filter((m) => m.id.startsWith('pinned')).length === 2,
        20_000,
      )
      const messages = [{ role: 'user' as const, content: 'same answer please' }]
      const verify = { headers: { 'x-apiary-verify': '2' } }
      type Verified = { apiary: { verification: { agree: boolean | null; agents: { agentId: string }[] } } }
      const agreed = (await openai.chat.completions.create(
        { model: 'pinned', messages, temperature: 0 },
        verify,
      )) as unknown as OpenAI.ChatCompletion & Verified
      assert.equal(agreed.choices[0]?.message.content, answerOf(messages))
      assert.equal(agreed.apiary.verification.agree, true)
      assert.deepEqual(agreed.apiary.verification.agents.map((a) => a.agentId).sort(), ['pin-a', 'pin-bb'])
      const split = (await openai.chat.completions.create(
        { model: 'pinned-mixed', messages, temperature: 0 },
        verify,
      )) as unknown as OpenAI.ChatCompletion & Verified
      assert.equal(split.apiary.verification.agree, false)
      // Streamed: the verdict comes in a chunk of its own before the usage.
      const stream = await openai.chat.completions.create(
        { model: 'pinned', messages, temperature: 0, stream: true, stream_options: { include_usage: true } },
        verify,
      )
      let verdict: unknown
      for await (const chunk of stream)
        verdict ??= (chunk as unknown as Partial<Verified>).apiary?.verification.agree
      assert.equal(verdict, true)
      // Both answers are billed: twice one agent's fee.
      const { jobs } = (await (
        await fetch(`${coordinator.httpUrl}/v1/jobs?client=${client}&limit=3`, {
          headers: { 'x-apiary-client': client, authorization: `Bearer ${deriveClientKey(SECRET, client)}` },
        })
      ).json()) as { jobs: { fee: string }[] }
      const one = (3n * PRICE.input + 4n * PRICE.output + 999_999n) / 1_000_000n
      assert.equal(BigInt(jobs[0]?.fee ?? '0'), 2n * one)
      // Refused: not at temperature 0; a model no two pinned agents serve.
      await assert.rejects(
        openai.chat.completions.create({ model: 'pinned', messages, temperature: 0.7 }, verify),
        (error: InstanceType<typeof OpenAI.APIError>) => error.status === 400,
      )
      await assert.rejects(
        openai.chat.completions.create({ model: 'tiny-echo', messages, temperature: 0 }, verify),
        (error: InstanceType<typeof OpenAI.APIError>) =>
          error.status === 400 && (error.error as { code?: string }).code === 'VERIFY_UNAVAILABLE',
      )
    } finally {
      await Promise.all(verifiers.map((a) => a.close({ graceMs: 1000 })))
      await other.close()
    }
  })
})
