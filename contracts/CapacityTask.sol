// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title CapacityTask
/// @notice The work of an `apiary/capacity-v1` challenge task (docs/spec/challenge.md#tasks) as EVM code that
/// is never deployed: its creation code, run with the constructor arguments (taskSeed, iterations), returns
/// (x, iterations) instead of runtime code. Anyone checks an answer with one `eth_call` without `to` on any EVM
/// whose call gas cap allows it, or with `apiary challenge verify`.
///
/// Memory holds a word x followed by a 64 KiB pad derived from the task seed; each iteration replaces x by
/// SHA-256 (the 0x02 precompile) of the whole 65,568 bytes. Every iteration needs the previous one's result,
/// and x comes first, so no compression of one iteration can be reused in the next: the task is `iterations`
/// sequential SHA-256 runs of 1,025 compressions each, which no number of parallel cores shortens.
contract CapacityTask {
    /// Words of the pad after x.
    uint256 private constant PAD_WORDS = 2048;

    constructor(bytes32 taskSeed, uint256 iterations) payable {
        assembly {
            // The pad: word j (1..2048) is keccak256 of word j-1, word 0 being the seed.
            mstore(0, taskSeed)
            for { let j := 1 } lt(j, add(PAD_WORDS, 1)) { j := add(j, 1) } {
                let at := shl(5, j)
                mstore(at, keccak256(sub(at, 0x20), 0x20))
            }
            // x₀ = taskSeed; x_{i+1} = sha256(x_i ‖ pad).
            mstore(0, taskSeed)
            let size := shl(5, add(PAD_WORDS, 1))
            for { let i := 0 } lt(i, iterations) { i := add(i, 1) } {
                if iszero(staticcall(gas(), 0x02, 0, size, 0, 0x20)) { revert(0, 0) }
            }
            mstore(0x20, iterations)
            return(0, 0x40)
        }
    }
}
