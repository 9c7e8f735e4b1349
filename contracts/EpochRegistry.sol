// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title EpochRegistry
/// @notice Anchors sealed epochs and pays them by Merkle claims. The coordinator (the owner, transferred in two
/// steps) calls `seal` once per epoch, in strictly increasing order, with the epoch's job root, payout root and
/// bundle CID, depositing what the payout tree pays; each agent then claims its amount with its proof from the
/// bundle (docs/spec/epoch-merkle.md#payout-tree). One storage slot per epoch whatever the number of agents:
/// the job root and the CID live in the `Sealed` event, which is what `apiary verify --rpc` reads.
/// Trust: the contract cannot sum a Merkle tree, so it does not know that a root pays exactly its deposit;
/// claims are paid from the contract's balance. `apiary verify bundle --rpc` checks that the payouts of the
/// bundle add up to the deposit in the `Sealed` event.
contract EpochRegistry is Ownable2Step, ReentrancyGuardTransient {
    /// The last sealed epoch + 1, so that the slot (packed into Ownable2Step's pending-owner slot) is never
    /// zero and the first seal costs what every later one does.
    uint64 private _nextEpoch = 1;
    /// The payout root of each epoch that pays someone (0 otherwise).
    mapping(uint64 epoch => bytes32) public payoutRootOf;
    mapping(uint64 epoch => mapping(address account => bool)) public claimed;

    /// @notice The coordinator sealed `epoch`: its bundle (content address `cid`, UTF-8 of the CIDv1 string)
    /// commits to its jobs by `jobRoot` and to its payouts by `payoutRoot`; `deposit` wei came with it.
    event Sealed(uint64 indexed epoch, bytes32 jobRoot, bytes32 payoutRoot, bytes cid, uint256 deposit);
    event Claimed(uint64 indexed epoch, address indexed account, uint256 amount);

    error EpochNotIncreasing(uint64 epoch, uint64 lastEpoch);
    error EpochTooFar(uint64 epoch, uint64 lastEpoch);
    error RenounceDisabled();
    error EmptyCid();
    error NothingToClaim(uint64 epoch);
    error AlreadyClaimed(uint64 epoch, address account);
    error InvalidProof(uint64 epoch, address account, uint256 amount);
    error TransferFailed(address account, uint256 amount);

    /// The largest step from one sealed epoch to the next: an owner cannot jump to the end of the range and
    /// leave no epoch to seal after it.
    uint64 public constant MAX_EPOCH_STEP = 1_000_000;

    constructor(address coordinator) Ownable(coordinator) {}

    /// @notice Ownership can be transferred (in two steps), never renounced: a registry without a coordinator
    /// could never seal again.
    function renounceOwnership() public view override onlyOwner {
        revert RenounceDisabled();
    }

    /// @notice Seals `epoch` (greater than every sealed epoch) and deposits what its payout tree pays.
    function seal(uint64 epoch, bytes32 jobRoot, bytes32 payoutRoot, bytes calldata cid) external payable onlyOwner {
        uint64 next = _nextEpoch;
        if (epoch < next) revert EpochNotIncreasing(epoch, next - 1);
        if (epoch - next >= MAX_EPOCH_STEP) revert EpochTooFar(epoch, next - 1);
        if (cid.length == 0) revert EmptyCid();
        _nextEpoch = epoch + 1;
        if (payoutRoot != bytes32(0)) payoutRootOf[epoch] = payoutRoot;
        emit Sealed(epoch, jobRoot, payoutRoot, cid, msg.value);
    }

    /// @notice The last sealed epoch (0 before the first seal).
    function lastEpoch() external view returns (uint64) {
        return _nextEpoch - 1;
    }

    /// @notice Pays the caller its `amount` of `epoch`, once, if `proof` shows the payout tree owes it.
    function claim(uint64 epoch, uint256 amount, bytes32[] calldata proof) external nonReentrant {
        bytes32 root = payoutRootOf[epoch];
        if (root == bytes32(0)) revert NothingToClaim(epoch);
        if (claimed[epoch][msg.sender]) revert AlreadyClaimed(epoch, msg.sender);
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(msg.sender, amount))));
        if (!MerkleProof.verifyCalldata(proof, root, leaf)) revert InvalidProof(epoch, msg.sender, amount);
        claimed[epoch][msg.sender] = true;
        emit Claimed(epoch, msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }
}
