// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.30;

/// @notice Fills a devnet with state for the L4 benchmark (bench/l4.bench.ts): many accounts, and contracts
/// with storage. Nothing else uses it.
contract StateFiller {
    /// @notice Sends 1 wei to `count` fresh addresses derived from `seed`: each becomes an account.
    function spray(uint256 seed, uint256 count) external payable {
        for (uint256 i = 0; i < count; i++) {
            address to = address(uint160(uint256(keccak256(abi.encode(seed, i)))));
            (bool ok,) = to.call{value: 1}("");
            require(ok);
        }
    }

    /// @notice Deploys `count` contracts, each writing `slots` storage slots.
    function deploy(uint256 count, uint256 slots) external {
        for (uint256 i = 0; i < count; i++) {
            new Filled(slots);
        }
    }
}

/// @notice A contract with `slots` non-zero storage slots.
contract Filled {
    mapping(uint256 => uint256) public values;

    constructor(uint256 slots) {
        for (uint256 i = 1; i <= slots; i++) {
            values[i] = i;
        }
    }
}
