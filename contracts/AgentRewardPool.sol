// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title AgentRewardPool
/// @notice Pays agents for their work, epoch by epoch. The coordinator (the owner, transferred in two steps)
/// calls `depositAndSettle` once per epoch with every agent's weight for that epoch: the weights are applied
/// first and the deposit — plus anything carried — is split over them, so an epoch's deposit pays that
/// epoch's work. Every wei is either claimable by an agent or carried into the next deposit (rounding dust
/// and plain transfers to the contract); a payout an agent cannot receive stays claimable.
/// Invariant: address(this).balance == Σ claimable + carried (Ether forced in without a call, by
/// SELFDESTRUCT or as a block reward, is outside it and stays in the contract).
contract AgentRewardPool is Ownable2Step, ReentrancyGuardTransient {
    /// One storage slot per agent.
    struct Agent {
        /// Wei the agent may claim.
        uint128 credit;
        /// The agent's weight in the last settled epoch.
        uint96 weight;
    }

    mapping(address => Agent) private _agents;
    /// The last settled epoch; the next settlement must name a greater one.
    uint64 public lastEpoch;
    /// Σ weights of the last settlement (equal to the sum of the weights it listed).
    uint96 public totalWeight;
    /// Wei waiting for the next deposit: rounding dust and plain transfers.
    uint96 public carried;

    /// @notice An epoch was settled: the deposit plus what was carried was split over `totalWeight`;
    /// `agents[i]` (with the weight the call listed for it) was credited `amounts[i]`, `distributed` in all,
    /// and `carried` waits for the next deposit. One event per settlement rather than one per agent: at 100
    /// agents a log per agent would cost more than the 25,000 gas per agent the settlement is allowed.
    event Settled(
        uint64 indexed epoch,
        uint256 deposit,
        uint256 distributed,
        uint256 carried,
        uint256 totalWeight,
        address[] agents,
        uint256[] amounts
    );
    /// @notice A payout reached the agent.
    event Claimed(address indexed agent, uint256 amount);
    /// @notice A payout in a batch could not be delivered; the credit stays with the agent.
    event ClaimFailed(address indexed agent, uint256 amount);
    /// @notice Ether sent to the contract without a settlement; it joins the next deposit.
    event Received(address indexed from, uint256 amount);

    error EpochNotIncreasing(uint64 epoch, uint64 lastEpoch);
    error LengthMismatch(uint256 agents, uint256 weights);
    /// The weights listed do not add up to the total weight after the call: an agent with weight was left
    /// out (list it with 0) or listed twice.
    error WeightsIncomplete(uint256 totalWeight, uint256 listed);
    error NoWeight();
    error ZeroAddress();
    error Overflow();
    error NothingToClaim(address agent);
    error TransferFailed(address agent, uint256 amount);

    constructor(address coordinator_) Ownable(coordinator_) {}

    /// @notice The coordinator allowed to settle (the owner).
    function coordinator() external view returns (address) {
        return owner();
    }

    /// @notice Settles `epoch`: sets each listed agent's weight, then splits msg.value plus what was carried
    /// in proportion to the weights. Every agent with weight must be listed (with 0 when it did no work).
    function depositAndSettle(uint64 epoch, address[] calldata agents, uint256[] calldata weights)
        external
        payable
        onlyOwner
    {
        if (epoch <= lastEpoch) revert EpochNotIncreasing(epoch, lastEpoch);
        if (agents.length != weights.length) revert LengthMismatch(agents.length, weights.length);
        uint256 listed;
        for (uint256 i; i < weights.length;) {
            listed += weights[i];
            unchecked {
                ++i;
            }
        }
        uint256 amount = msg.value + carried;
        if (listed == 0 && msg.value > 0) revert NoWeight();
        if (listed > type(uint96).max || amount > type(uint96).max) revert Overflow();
        // One pass over the agents: weight and credit share a slot, written once.
        uint256 total = totalWeight;
        uint256 distributed;
        uint256[] memory amounts = new uint256[](agents.length);
        for (uint256 i; i < agents.length;) {
            address agent = agents[i];
            if (agent == address(0)) revert ZeroAddress();
            uint256 w = weights[i];
            Agent storage a = _agents[agent];
            Agent memory current = a;
            uint256 share = listed == 0 ? 0 : amount * w / listed;
            a.credit = current.credit + uint128(share);
            a.weight = uint96(w);
            amounts[i] = share;
            unchecked {
                // total is the sum of the stored weights (so ≥ current.weight), w ≤ listed < 2^96 and
                // Σ share ≤ amount < 2^96: nothing here can wrap.
                total = total - current.weight + w;
                distributed += share;
                ++i;
            }
        }
        if (total != listed) revert WeightsIncomplete(total, listed);
        lastEpoch = epoch;
        totalWeight = uint96(listed);
        carried = uint96(amount - distributed);
        emit Settled(epoch, msg.value, distributed, amount - distributed, listed, agents, amounts);
    }

    /// @notice Pays the caller everything it may claim.
    function claim() external nonReentrant {
        _pay(msg.sender, true);
    }

    /// @notice Pays `agent` everything it may claim; anyone may trigger it, the funds always go to the agent.
    function claimFor(address agent) external nonReentrant {
        _pay(agent, true);
    }

    /// @notice Pays every listed agent that has something to claim; a payout that fails stays claimable and
    /// does not stop the others.
    function batchClaimFor(address[] calldata agents) external nonReentrant {
        for (uint256 i; i < agents.length;) {
            _pay(agents[i], false);
            unchecked {
                ++i;
            }
        }
    }

    /// @notice Wei `agent` may claim now.
    function claimable(address agent) external view returns (uint256) {
        return _agents[agent].credit;
    }

    /// @notice The agent's weight in the last settled epoch.
    function weightOf(address agent) external view returns (uint256) {
        return _agents[agent].weight;
    }

    receive() external payable {
        uint256 next = carried + msg.value;
        if (next > type(uint96).max) revert Overflow();
        carried = uint96(next);
        emit Received(msg.sender, msg.value);
    }

    /// Checks, effects, interaction (and a transient-storage reentrancy guard on the callers): the credit is
    /// zeroed before the transfer, so even a re-entrant call would find nothing to take.
    function _pay(address agent, bool strict) private {
        Agent storage a = _agents[agent];
        uint256 amount = a.credit;
        if (amount == 0) {
            if (strict) revert NothingToClaim(agent);
            return;
        }
        a.credit = 0;
        (bool ok,) = agent.call{value: amount}("");
        if (ok) {
            emit Claimed(agent, amount);
        } else if (strict) {
            revert TransferFailed(agent, amount);
        } else {
            a.credit = uint128(amount);
            emit ClaimFailed(agent, amount);
        }
    }
}
