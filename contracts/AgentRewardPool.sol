// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title AgentRewardPool
/// @notice Pays agents for their work, epoch by epoch. The coordinator (the owner, transferred in two steps)
/// settles each epoch with every agent's weight for it: the deposit — plus anything carried — is split over the
/// epoch's total weight, so an epoch's deposit pays that epoch's work. An epoch with many agents is settled in
/// chunks (`settle`, chunk 0 carries the deposit and declares the total weight; the epoch is settled when the
/// listed weights reach it), so no transaction needs more gas than a chunk of agents, whatever the swarm's size.
/// Every wei is either claimable by an agent or carried into the next deposit (rounding dust and plain
/// transfers to the contract); a payout an agent cannot receive stays claimable.
/// Invariant: address(this).balance == Σ claimable + carried + (the deposit of a settlement in progress that is
/// not credited yet) (Ether forced in without a call, by SELFDESTRUCT or as a block reward, is outside it).
contract AgentRewardPool is Ownable2Step, ReentrancyGuardTransient {
    /// One storage slot per agent.
    struct Agent {
        /// Wei the agent may claim.
        uint128 credit;
        /// The agent's weight in epoch `epoch`.
        uint96 weight;
        /// The last epoch that listed the agent (epochs are below 2^32).
        uint32 epoch;
    }

    /// A settlement in progress: two storage slots.
    struct Settling {
        uint64 epoch;
        /// Chunks applied so far.
        uint32 chunks;
        /// Σ weights listed so far.
        uint96 listed;
        /// What is split: the deposit plus what was carried when the settlement began.
        uint96 amount;
        /// The epoch's total weight, declared by chunk 0.
        uint96 total;
        /// Σ credited so far.
        uint96 distributed;
    }

    /// The largest step from one settled epoch to the next: an owner cannot jump to the end of the range.
    uint64 public constant MAX_EPOCH_STEP = 1_000_000;
    /// Epoch numbers are below this (they are kept in 32 bits per agent).
    uint64 public constant MAX_EPOCH = type(uint32).max;

    /// Gas a recipient's code gets for each payout of a batch (enough for a smart wallet's receive hook).
    uint256 public constant BATCH_CALL_GAS = 50_000;

    mapping(address => Agent) private _agents;
    /// The last settled epoch; the next settlement must name a greater one.
    uint64 public lastEpoch;
    /// The total weight of the last settlement.
    uint96 public totalWeight;
    /// Wei waiting for the next deposit: rounding dust and plain transfers.
    uint96 public carried;
    Settling private _settling;

    /// @notice A chunk of `epoch`'s settlement credited `agents[i]` (listed with `weights[i]`) `amounts[i]`.
    event Credited(uint64 indexed epoch, uint32 chunk, address[] agents, uint256[] amounts);
    /// @notice `epoch` is settled: `amount` (its deposit plus what was carried) was split over `totalWeight`;
    /// `distributed` went to the agents of its `Credited` events and `carried` waits for the next deposit.
    event Settled(uint64 indexed epoch, uint256 amount, uint256 distributed, uint256 carried, uint256 totalWeight);
    /// @notice A payout reached the agent.
    event Claimed(address indexed agent, uint256 amount);
    /// @notice A payout in a batch could not be delivered; the credit stays with the agent.
    event ClaimFailed(address indexed agent, uint256 amount);
    /// @notice Ether sent to the contract without a settlement; it joins the next deposit.
    event Received(address indexed from, uint256 amount);

    error EpochNotIncreasing(uint64 epoch, uint64 lastEpoch);
    error EpochTooFar(uint64 epoch, uint64 lastEpoch);
    error LengthMismatch(uint256 agents, uint256 weights);
    /// The chunk is not the next one of the settlement in progress (or a new epoch began while one is open).
    error ChunkOutOfOrder(uint64 epoch, uint32 chunk, uint64 settlingEpoch, uint32 nextChunk);
    /// Only chunk 0 deposits; later chunks repeat the total weight chunk 0 declared.
    error ChunkMismatch(uint64 epoch, uint32 chunk);
    /// The listed weights would exceed the declared total weight.
    error WeightsExceedTotal(uint256 totalWeight, uint256 listed);
    /// A one-call settlement did not list weights adding up to its total.
    error WeightsIncomplete(uint256 totalWeight, uint256 listed);
    error NoWeight();
    error ZeroAddress();
    error Overflow();
    error NothingToClaim(address agent);
    error TransferFailed(address agent, uint256 amount);
    error RenounceDisabled();

    constructor(address coordinator_) Ownable(coordinator_) {}

    /// @notice The coordinator allowed to settle (the owner).
    function coordinator() external view returns (address) {
        return owner();
    }

    /// @notice Ownership can be transferred (in two steps), never renounced: a pool without a coordinator
    /// could never settle again.
    function renounceOwnership() public view override onlyOwner {
        revert RenounceDisabled();
    }

    /// @notice Settles `epoch` in one call: the listed weights are the epoch's whole weight.
    function depositAndSettle(uint64 epoch, address[] calldata agents, uint256[] calldata weights)
        external
        payable
        onlyOwner
    {
        uint256 listed;
        for (uint256 i; i < weights.length;) {
            listed += weights[i];
            unchecked {
                ++i;
            }
        }
        _settle(epoch, 0, listed, agents, weights);
    }

    /// @notice Applies chunk `chunk` of `epoch`'s settlement. Chunk 0 begins it: it carries the deposit and
    /// declares `total`, the epoch's total weight; each chunk (0 included) credits its agents
    /// `amount × weight / total`; the chunk whose weights bring the listed sum to `total` settles the epoch.
    /// Agents with no weight need not be listed. A chunk sent twice, or out of order, reverts.
    function settle(uint64 epoch, uint32 chunk, uint256 total, address[] calldata agents, uint256[] calldata weights)
        external
        payable
        onlyOwner
    {
        _settle(epoch, chunk, total, agents, weights);
    }

    /// @notice The settlement in progress: its epoch (0 when none) and the next chunk it expects.
    function settling() external view returns (uint64 epoch, uint32 nextChunk, uint256 listed, uint256 total) {
        Settling memory s = _settling;
        return (s.epoch, s.chunks, s.listed, s.total);
    }

    function _settle(uint64 epoch, uint32 chunk, uint256 total, address[] calldata agents, uint256[] calldata weights)
        private
    {
        if (agents.length != weights.length) revert LengthMismatch(agents.length, weights.length);
        Settling memory s = _settling;
        if (chunk == 0) {
            if (s.epoch != 0) revert ChunkOutOfOrder(epoch, chunk, s.epoch, s.chunks);
            uint64 last = lastEpoch;
            if (epoch <= last) revert EpochNotIncreasing(epoch, last);
            if (epoch - last > MAX_EPOCH_STEP || epoch > MAX_EPOCH) revert EpochTooFar(epoch, last);
            uint256 amount = msg.value + carried;
            if (total == 0 && msg.value > 0) revert NoWeight();
            if (total > type(uint96).max || amount > type(uint96).max) revert Overflow();
            carried = 0;
            s = Settling(epoch, 0, 0, uint96(amount), uint96(total), 0);
        } else {
            if (s.epoch != epoch || s.chunks != chunk) revert ChunkOutOfOrder(epoch, chunk, s.epoch, s.chunks);
            if (msg.value != 0 || total != s.total) revert ChunkMismatch(epoch, chunk);
        }
        uint256 listed = s.listed;
        uint256 distributed = s.distributed;
        uint256[] memory amounts = new uint256[](agents.length);
        for (uint256 i; i < agents.length;) {
            address agent = agents[i];
            if (agent == address(0)) revert ZeroAddress();
            uint256 w = weights[i];
            listed += w;
            if (listed > s.total) revert WeightsExceedTotal(s.total, listed);
            uint256 share = s.total == 0 ? 0 : uint256(s.amount) * w / s.total;
            Agent storage a = _agents[agent];
            // One write of the agent's slot. w ≤ total < 2^96 and Σ share ≤ amount < 2^96.
            a.credit = a.credit + uint128(share);
            a.weight = uint96(w);
            a.epoch = uint32(epoch);
            amounts[i] = share;
            unchecked {
                distributed += share;
                ++i;
            }
        }
        emit Credited(epoch, chunk, agents, amounts);
        if (listed < s.total) {
            if (msg.sig == this.depositAndSettle.selector) revert WeightsIncomplete(s.total, listed);
            _settling = Settling(epoch, chunk + 1, uint96(listed), s.amount, s.total, uint96(distributed));
            return;
        }
        delete _settling;
        lastEpoch = epoch;
        totalWeight = s.total;
        uint256 rest = uint256(carried) + s.amount - distributed;
        if (rest > type(uint96).max) revert Overflow();
        carried = uint96(rest);
        emit Settled(epoch, s.amount, distributed, s.amount - distributed, s.total);
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

    /// @notice The agent's weight in the last settled epoch (0 if that epoch did not list it).
    function weightOf(address agent) external view returns (uint256) {
        Agent memory a = _agents[agent];
        return a.epoch == lastEpoch ? a.weight : 0;
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
        bool ok;
        if (strict) {
            (ok,) = agent.call{value: amount}("");
        } else {
            // In a batch a recipient gets a bounded stipend and its return data is never copied: a hostile
            // recipient can refuse its own payout (it stays claimable), not burn the batch's gas.
            assembly ("memory-safe") {
                ok := call(BATCH_CALL_GAS, agent, amount, 0, 0, 0, 0)
            }
        }
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
