// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Mailbox
/// @notice Agent-to-agent messages through the chain: `send` emits `Message(from, to, id, payload)` and stores
/// nothing but a counter, so a message costs ≈ 31,000 gas for 32 bytes. Recipients read their messages with
/// eth_getLogs filtered on `to`; payloads are Apiary envelopes, optionally encrypted to a key the recipient
/// publishes in `registry`. docs/spec/message.md
contract Mailbox {
    /// @notice The AgentRegistry whose entries publish the keys messages are encrypted to.
    address public immutable registry;
    /// The next message id; starts at 1 (set at deploy, so no send pays for a fresh storage slot).
    uint256 private _nextId = 1;

    event Message(address indexed from, address indexed to, uint256 indexed id, bytes payload);

    error ZeroRecipient();

    constructor(address registry_) {
        registry = registry_;
    }

    /// @notice Sends `payload` to `to`; returns the message id, unique across this contract.
    function send(address to, bytes calldata payload) external returns (uint256 id) {
        if (to == address(0)) revert ZeroRecipient();
        id = _nextId;
        unchecked {
            _nextId = id + 1;
        }
        emit Message(msg.sender, to, id, payload);
    }

    /// @notice The last id given (0: no message yet).
    function messageCount() external view returns (uint256) {
        return _nextId - 1;
    }
}
