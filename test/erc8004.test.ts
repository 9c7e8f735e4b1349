import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { test } from 'node:test'
import {
  type Abi,
  type AbiEvent,
  type AbiFunction,
  type Account,
  type Address,
  createWalletClient,
  http,
  keccak256,
  parseEventLogs,
  toEventSelector,
  toFunctionSelector,
  toHex,
} from 'viem'
import { AgentRegistry, ValidationRegistry } from '../src/chain/contracts.generated.ts'
import { sendCall } from '../src/chain/index.ts'
import { useDevnet } from './_harness/chain.ts'
import { REPO_ROOT } from './_harness/fixtures.ts'

/**
 * ERC-8004 interoperability: the official IdentityRegistry ABI (erc-8004/erc-8004-contracts at b9e466c, from
 * ../shared/reference/erc8004, see its SOURCE.md), used as is against our AgentRegistry on the devnet.
 */
const REFERENCE = resolve(REPO_ROOT, '..', 'shared', 'reference', 'erc8004')
const official = (name: string) => {
  const json = JSON.parse(readFileSync(join(REFERENCE, `${name}.json`), 'utf8'))
  return (Array.isArray(json) ? json : json.abi) as Abi
}
/** The UUPS proxy and ownership plumbing of the official deployment: not the standard's interface. */
const PLUMBING = new Set([
  'initialize',
  'upgradeToAndCall',
  'proxiableUUID',
  'UPGRADE_INTERFACE_VERSION',
  'owner',
  'transferOwnership',
  'renounceOwnership',
  'Initialized',
  'Upgraded',
  'OwnershipTransferred',
])
const identity = official('IdentityRegistry')
const ZERO = '0x0000000000000000000000000000000000000000'
const context = useDevnet()
const address = (i: number) => (context.chain.accounts[i] as Account).address.toLowerCase() as Address
const wallet = (i: number) =>
  createWalletClient({
    account: context.chain.accounts[i] as Account,
    chain: context.devnet.chain,
    transport: http(context.devnet.url),
  })

/**
 * Every function and event of an official ABI (but the plumbing) is in ours with the same selector, and a
 * function that only reads there only reads here (callers use eth_call on it).
 */
function assertImplements(official: Abi, ours: Abi, atLeast: number) {
  const wanted = official.filter(
    (x): x is AbiFunction | AbiEvent =>
      (x.type === 'function' || x.type === 'event') && !PLUMBING.has(x.name),
  )
  assert.ok(wanted.length >= atLeast, `${wanted.length} functions and events in the official ABI`)
  const readOnly = (m: string | undefined) => m === 'view' || m === 'pure'
  for (const item of wanted) {
    const match = ours.find((x) =>
      item.type === 'function'
        ? x.type === 'function' && toFunctionSelector(x) === toFunctionSelector(item)
        : x.type === 'event' && toEventSelector(x) === toEventSelector(item),
    )
    assert.ok(match, `${item.type} ${item.name}(${item.inputs.map((i) => i.type).join(',')}) is missing`)
    if (item.type === 'function')
      assert.equal(
        readOnly((match as AbiFunction).stateMutability),
        readOnly(item.stateMutability),
        item.name,
      )
  }
}

test('AgentRegistry has every function and event of the official ERC-8004 IdentityRegistry ABI, with the same signatures', () => {
  assertImplements(identity, AgentRegistry.abi as Abi, 30)
})

test('the official IdentityRegistry ABI drives our AgentRegistry: the three registers, several agents per owner, metadata, wallets, authorization, ERC-721', async () => {
  const registry = (await context.chain.deploy(0, AgentRegistry)) as Address
  const send = (from: number, functionName: string, args: unknown[]) =>
    sendCall({
      client: context.chain.client,
      wallet: wallet(from),
      address: registry,
      abi: identity,
      functionName,
      args,
    })
  const read = <T>(functionName: string, args: unknown[] = []) =>
    context.chain.client.readContract({
      address: registry,
      abi: identity,
      functionName,
      args,
    } as never) as Promise<T>
  const registered = (logs: Parameters<typeof parseEventLogs>[0]['logs']) =>
    parseEventLogs({ abi: identity, logs, eventName: 'Registered' }) as unknown as {
      args: { agentId: bigint; agentURI: string; owner: string }
    }[]

  assert.equal(await read('getVersion'), '2.0.0')
  // register(): no URI; register(uri); register(uri, metadata) — all by the same owner.
  const bare = registered((await send(1, 'register', [])).logs)[0]
  assert.equal(bare?.args.agentURI, '')
  assert.equal(bare?.args.owner.toLowerCase(), address(1))
  const withUri = registered((await send(1, 'register', ['ipfs://two'])).logs)[0]
  const withMeta = await send(1, 'register', [
    'ipfs://three',
    [
      { metadataKey: 'messagingKey', metadataValue: toHex('key') },
      { metadataKey: 'role', metadataValue: toHex('validator') },
    ],
  ])
  const three = registered(withMeta.logs)[0]?.args.agentId as bigint
  assert.deepEqual(
    [bare?.args.agentId, withUri?.args.agentId, three],
    [0n, 1n, 2n],
    'ids number the agents in order from 0, as the official registry does',
  )
  const sets = parseEventLogs({
    abi: identity,
    logs: withMeta.logs,
    eventName: 'MetadataSet',
  }) as unknown as {
    args: { metadataKey: string; metadataValue: string }
  }[]
  assert.deepEqual(
    sets.map((e) => e.args.metadataKey),
    ['agentWallet', 'messagingKey', 'role'],
  )
  assert.equal(await read('getMetadata', [three, 'role']), toHex('validator'))
  assert.equal(await read<bigint>('balanceOf', [address(1)]), 3n)
  assert.equal((await read<string>('ownerOf', [three])).toLowerCase(), address(1))
  assert.equal(await read('tokenURI', [three]), 'ipfs://three')
  assert.equal((await read<string>('getAgentWallet', [three])).toLowerCase(), address(1))
  // agentWallet is reserved: at registration and after.
  await assert.rejects(
    send(1, 'register', ['ipfs://x', [{ metadataKey: 'agentWallet', metadataValue: address(2) }]]),
    /reverted/,
  )
  await assert.rejects(send(1, 'setMetadata', [three, 'agentWallet', address(2)]), /reverted/)

  // Authorization: the owner, an approved address, an operator; nobody else. `isAuthorizedOrOwner` is not in
  // this ABI snapshot (the 2.0.0 contracts have it, and the official ReputationRegistry calls it): our ABI.
  const authorized = (spender: Address, agentId: bigint) =>
    context.chain.client.readContract({
      address: registry,
      abi: AgentRegistry.abi,
      functionName: 'isAuthorizedOrOwner',
      args: [spender, agentId],
    })
  assert.equal(await authorized(address(1), three), true)
  assert.equal(await authorized(address(2), three), false)
  await send(1, 'approve', [address(2), three])
  assert.equal((await read<string>('getApproved', [three])).toLowerCase(), address(2))
  assert.equal(await authorized(address(2), three), true)
  await send(1, 'setApprovalForAll', [address(3), true])
  assert.equal(await read('isApprovedForAll', [address(1), address(3)]), true)
  assert.equal(await authorized(address(3), three), true)
  await assert.rejects(authorized(address(1), 999n), /ERC721NonexistentToken|reverted/)
  // An approved address may update the URI and the metadata; a stranger may not.
  const uri = await send(2, 'setAgentURI', [three, 'ipfs://three-v2'])
  assert.equal(parseEventLogs({ abi: identity, logs: uri.logs, eventName: 'URIUpdated' }).length, 1)
  await send(3, 'setMetadata', [three, 'role', toHex('auditor')])
  assert.equal(await read('getMetadata', [three, 'role']), toHex('auditor'))
  await assert.rejects(send(4, 'setMetadata', [three, 'role', '0x']), /reverted/)

  // The operating wallet: set with the new wallet's EIP-712 signature, in the official domain.
  const [, name, version, chainId, verifyingContract] = await read<readonly unknown[]>('eip712Domain')
  const deadline = (await context.chain.client.getBlock()).timestamp + 60n
  const signature = await wallet(5).signTypedData({
    domain: {
      name: name as string,
      version: version as string,
      chainId: chainId as bigint,
      verifyingContract: verifyingContract as Address,
    },
    types: {
      AgentWalletSet: [
        { name: 'agentId', type: 'uint256' },
        { name: 'newWallet', type: 'address' },
        { name: 'owner', type: 'address' },
        { name: 'deadline', type: 'uint256' },
      ],
    },
    primaryType: 'AgentWalletSet',
    message: { agentId: three, newWallet: address(5), owner: address(1), deadline },
  })
  await send(1, 'setAgentWallet', [three, address(5), deadline, signature])
  assert.equal((await read<string>('getAgentWallet', [three])).toLowerCase(), address(5))
  assert.equal(await read('getMetadata', [three, 'agentWallet']), address(5))
  await send(1, 'unsetAgentWallet', [three])
  assert.equal(await read('getAgentWallet', [three]), '0x0000000000000000000000000000000000000000')

  // ERC-721: transfers (both safeTransferFrom overloads and transferFrom) move the agent and clear its wallet.
  await send(1, 'safeTransferFrom', [address(1), address(6), withUri?.args.agentId])
  await send(6, 'safeTransferFrom', [address(6), address(7), withUri?.args.agentId, '0x'])
  const moved = await send(7, 'transferFrom', [address(7), address(4), withUri?.args.agentId])
  assert.equal(parseEventLogs({ abi: identity, logs: moved.logs, eventName: 'Transfer' }).length, 1)
  assert.equal((await read<string>('ownerOf', [withUri?.args.agentId])).toLowerCase(), address(4))
  assert.equal(
    await read('getAgentWallet', [withUri?.args.agentId]),
    '0x0000000000000000000000000000000000000000',
  )
  assert.equal(await read('supportsInterface', ['0x80ac58cd']), true, 'ERC-721')
  assert.equal(typeof (await read('name')), 'string')
  assert.equal(typeof (await read('symbol')), 'string')
})

const validation = official('ValidationRegistry')

test('ValidationRegistry has every function and event of the official ERC-8004 ValidationRegistry ABI, with the same signatures', () => {
  assertImplements(validation, ValidationRegistry.abi as Abi, 10)
})

test('the official ValidationRegistry ABI drives our ValidationRegistry: requests by the owner or an approved address, answers by the validator only, 0–100, the last answer stands, summaries by validator and tag', async () => {
  const identityAddress = (await context.chain.deploy(0, AgentRegistry)) as Address
  const registry = (await context.chain.deploy(0, ValidationRegistry, [identityAddress])) as Address
  const send = (from: number, to: Address, abi: Abi, functionName: string, args: unknown[]) =>
    sendCall({ client: context.chain.client, wallet: wallet(from), address: to, abi, functionName, args })
  const read = <T>(functionName: string, args: unknown[] = []) =>
    context.chain.client.readContract({
      address: registry,
      abi: validation,
      functionName,
      args,
    } as never) as Promise<T>
  const registerAgent = async (from: number) =>
    (
      parseEventLogs({
        abi: identity,
        logs: (await send(from, identityAddress, identity, 'register', ['ipfs://agent'])).logs,
        eventName: 'Registered',
      })[0] as unknown as { args: { agentId: bigint } }
    ).args.agentId
  const agent = await registerAgent(1)
  const other = await registerAgent(2)
  const hash = (n: number) => keccak256(toHex(`request ${n}`))

  assert.equal(await read('getVersion'), '2.0.0')
  assert.equal((await read<string>('getIdentityRegistry')).toLowerCase(), identityAddress)
  // Only the agent's owner or an address approved for it may ask; a request hash is used once.
  await assert.rejects(
    send(3, registry, validation, 'validationRequest', [address(5), agent, 'ipfs://r', hash(1)]),
    /Not authorized/,
  )
  await assert.rejects(
    send(1, registry, validation, 'validationRequest', [ZERO, agent, 'ipfs://r', hash(1)]),
    /bad validator/,
  )
  const requested = await send(1, registry, validation, 'validationRequest', [
    address(5),
    agent,
    'ipfs://r1',
    hash(1),
  ])
  const [event] = parseEventLogs({
    abi: validation,
    logs: requested.logs,
    eventName: 'ValidationRequest',
  }) as unknown as {
    args: { validatorAddress: string; agentId: bigint; requestURI: string; requestHash: string }
  }[]
  assert.deepEqual(
    [
      event?.args.validatorAddress.toLowerCase(),
      event?.args.agentId,
      event?.args.requestURI,
      event?.args.requestHash,
    ],
    [address(5), agent, 'ipfs://r1', hash(1)],
  )
  await assert.rejects(
    send(1, registry, validation, 'validationRequest', [address(5), agent, 'ipfs://r', hash(1)]),
    /exists/,
  )
  await send(1, identityAddress, identity, 'approve', [address(3), agent])
  await send(3, registry, validation, 'validationRequest', [address(6), agent, 'ipfs://r2', hash(2)])
  await send(2, registry, validation, 'validationRequest', [address(5), other, 'ipfs://r3', hash(3)])
  // A request without an answer: response 0, no tag.
  const pending = await read<readonly unknown[]>('getValidationStatus', [hash(1)])
  assert.deepEqual(
    [String(pending[0]).toLowerCase(), pending[1], pending[2], pending[4]],
    [address(5), agent, 0, ''],
  )
  await assert.rejects(read('getValidationStatus', [hash(9)]), /unknown/)

  // Only the named validator answers, 0–100; it may answer again.
  await assert.rejects(
    send(6, registry, validation, 'validationResponse', [hash(1), 90, 'ipfs://a', hash(7), 'swarm']),
    /not validator/,
  )
  await assert.rejects(
    send(5, registry, validation, 'validationResponse', [hash(1), 101, 'ipfs://a', hash(7), 'swarm']),
    /resp>100/,
  )
  await assert.rejects(
    send(5, registry, validation, 'validationResponse', [hash(9), 1, '', hash(7), '']),
    /unknown/,
  )
  await send(5, registry, validation, 'validationResponse', [hash(1), 40, 'ipfs://a', hash(7), 'swarm'])
  const answered = await send(5, registry, validation, 'validationResponse', [
    hash(1),
    90,
    'ipfs://b',
    hash(8),
    'swarm',
  ])
  const [response] = parseEventLogs({
    abi: validation,
    logs: answered.logs,
    eventName: 'ValidationResponse',
  }) as unknown as {
    args: { agentId: bigint; response: number; responseURI: string; tag: string }
  }[]
  assert.deepEqual(
    [response?.args.agentId, response?.args.response, response?.args.responseURI, response?.args.tag],
    [agent, 90, 'ipfs://b', 'swarm'],
  )
  const status = await read<readonly unknown[]>('getValidationStatus', [hash(1)])
  assert.deepEqual([status[2], status[3], status[4]], [90, hash(8), 'swarm'])
  await send(6, registry, validation, 'validationResponse', [hash(2), 61, '', hash(7), 'other'])

  // Summaries: answered requests only, by validator and tag (empty: all), average floored.
  assert.deepEqual(await read('getSummary', [agent, [], '']), [2n, 75])
  assert.deepEqual(await read('getSummary', [agent, [address(5)], '']), [1n, 90])
  assert.deepEqual(await read('getSummary', [agent, [], 'other']), [1n, 61])
  assert.deepEqual(await read('getSummary', [other, [], '']), [0n, 0])
  assert.deepEqual(await read('getAgentValidations', [agent]), [hash(1), hash(2)])
  assert.deepEqual(await read('getValidatorRequests', [address(5)]), [hash(1), hash(3)])
})
