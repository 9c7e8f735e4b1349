/** EIP-4788: the beacon roots contract, and the length of its ring buffers (also EIP-2935's window). */
export const BEACON_ROOTS_ADDRESS = '0x000f3df6d732807ef1319fb7b8bb8522d0beac02'
/** EIP-2935: the block hash history contract. */
export const HISTORY_STORAGE_ADDRESS = '0x0000f90827f1c53a10cb7a02335b175320002935'
const RING = 8191n

/**
 * The storage writes of EIP-4788's system call at the start of a Cancun+ block: the timestamp at
 * `t % 8191` and the parent beacon root at `t % 8191 + 8191` of BEACON_ROOTS_ADDRESS. As [slot, value].
 */
export function beaconRootWrites(timestamp: bigint, parentBeaconBlockRoot: bigint): [bigint, bigint][] {
  return [
    [timestamp % RING, timestamp],
    [(timestamp % RING) + RING, parentBeaconBlockRoot],
  ]
}

/** The storage write of EIP-2935's system call at the start of a Prague+ block: the parent hash at `(n − 1) % 8191`. */
export function historyWrites(number: bigint, parentHash: bigint): [bigint, bigint][] {
  return number === 0n ? [] : [[(number - 1n) % RING, parentHash]]
}
