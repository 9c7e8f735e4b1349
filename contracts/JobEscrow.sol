// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title JobEscrow
/// @notice What clients prepay for the swarm's jobs (docs/jobs.md). A client deposits the chain's coin or the
/// one ERC-20 the escrow takes (e.g. a stablecoin); the coordinator (the owner, transferred in two steps)
/// charges, once per epoch and asset, what each client's completed jobs cost — the charges are sealed in the
/// epoch's bundle under `chargeRoot`, so a client can check its own — and the charged total goes to `payTo`,
/// where it funds the epoch's split. A client takes back what is not charged: it announces a withdrawal, and
/// after `withdrawDelay` seconds it withdraws that amount, less what was charged meanwhile for jobs it ran
/// before (the delay is what lets the coordinator charge work already done; it cannot charge more than a
/// client holds, nor move a client's money anywhere but to `payTo` in a charge).
contract JobEscrow is Ownable2Step, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    uint8 public constant NATIVE = 0;
    uint8 public constant TOKEN = 1;

    /// The ERC-20 the escrow takes besides the coin (address(0): the coin only).
    IERC20 public immutable token;
    /// Seconds between announcing a withdrawal and making it.
    uint64 public immutable withdrawDelay;

    mapping(address client => mapping(uint8 asset => uint256)) public balanceOf;

    struct Withdrawal {
        uint192 amount;
        uint64 readyAt;
    }

    mapping(address client => mapping(uint8 asset => Withdrawal)) public withdrawalOf;
    /// The last charged epoch per asset: charges are made once per epoch, in increasing order.
    mapping(uint8 asset => uint64) public lastCharged;

    event Deposited(address indexed client, uint8 indexed asset, uint256 amount);
    event WithdrawalAnnounced(address indexed client, uint8 indexed asset, uint256 amount, uint64 readyAt);
    event Withdrawn(address indexed client, uint8 indexed asset, uint256 amount);
    /// @notice The coordinator charged `clients` clients `total` of `asset` for `epoch` (their charges are the
    /// leaves of `chargeRoot`, sealed in the epoch's bundle) and sent it to `payTo`.
    event Charged(uint64 indexed epoch, uint8 indexed asset, bytes32 chargeRoot, uint256 total, uint256 clients, address payTo);

    error UnknownAsset(uint8 asset);
    error NoToken();
    error ZeroAmount();
    error AmountTooLarge(uint256 amount);
    error NoWithdrawal(address client, uint8 asset);
    error WithdrawalNotReady(uint64 readyAt);
    error InsufficientBalance(address client, uint8 asset, uint256 balance, uint256 amount);
    error EpochNotIncreasing(uint64 epoch, uint64 lastEpoch);
    error LengthMismatch(uint256 clients, uint256 amounts);
    error ZeroRecipient();
    error RenounceDisabled();
    error TransferFailed(address to, uint256 amount);

    constructor(address coordinator, IERC20 token_, uint64 withdrawDelay_) Ownable(coordinator) {
        token = token_;
        withdrawDelay = withdrawDelay_;
    }

    /// @notice Ownership can be transferred (in two steps), never renounced: nobody could charge again.
    function renounceOwnership() public view override onlyOwner {
        revert RenounceDisabled();
    }

    /// @notice Deposits the coin sent, for the caller.
    function deposit() external payable {
        depositFor(msg.sender);
    }

    /// @notice Deposits the coin sent for `client` (anyone may fund a client; only the client withdraws).
    function depositFor(address client) public payable {
        if (msg.value == 0) revert ZeroAmount();
        balanceOf[client][NATIVE] += msg.value;
        emit Deposited(client, NATIVE, msg.value);
    }

    /// @notice Deposits `amount` of the token (approved to this escrow first) for `client`. Counts what
    /// arrived (a token that takes a fee on transfer credits less).
    function depositToken(address client, uint256 amount) external nonReentrant {
        if (address(token) == address(0)) revert NoToken();
        if (amount == 0) revert ZeroAmount();
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = token.balanceOf(address(this)) - before;
        balanceOf[client][TOKEN] += received;
        emit Deposited(client, TOKEN, received);
    }

    /// @notice Announces the withdrawal of `amount` of `asset` (replacing an earlier announcement), possible
    /// from `block.timestamp + withdrawDelay`.
    function announceWithdrawal(uint8 asset, uint256 amount) external {
        _checkAsset(asset);
        if (amount == 0) revert ZeroAmount();
        if (amount > type(uint192).max) revert AmountTooLarge(amount);
        uint256 balance = balanceOf[msg.sender][asset];
        if (amount > balance) revert InsufficientBalance(msg.sender, asset, balance, amount);
        uint64 readyAt = uint64(block.timestamp) + withdrawDelay;
        withdrawalOf[msg.sender][asset] = Withdrawal(uint192(amount), readyAt);
        emit WithdrawalAnnounced(msg.sender, asset, amount, readyAt);
    }

    /// @notice Withdraws the announced amount of `asset` once it is ready, less what was charged since.
    function withdraw(uint8 asset) external nonReentrant {
        _checkAsset(asset);
        Withdrawal memory w = withdrawalOf[msg.sender][asset];
        if (w.amount == 0) revert NoWithdrawal(msg.sender, asset);
        if (block.timestamp < w.readyAt) revert WithdrawalNotReady(w.readyAt);
        uint256 balance = balanceOf[msg.sender][asset];
        uint256 amount = w.amount < balance ? w.amount : balance;
        delete withdrawalOf[msg.sender][asset];
        balanceOf[msg.sender][asset] = balance - amount;
        emit Withdrawn(msg.sender, asset, amount);
        _pay(asset, msg.sender, amount);
    }

    /// @notice Charges `epoch`'s jobs: each client's amount of `asset`, at most what it holds; the total goes
    /// to `payTo`. Once per epoch and asset, in increasing order.
    function charge(
        uint64 epoch,
        uint8 asset,
        address[] calldata clients,
        uint256[] calldata amounts,
        bytes32 chargeRoot,
        address payTo
    ) external onlyOwner nonReentrant {
        _checkAsset(asset);
        uint64 last = lastCharged[asset];
        if (epoch <= last) revert EpochNotIncreasing(epoch, last);
        if (clients.length != amounts.length) revert LengthMismatch(clients.length, amounts.length);
        if (payTo == address(0)) revert ZeroRecipient();
        lastCharged[asset] = epoch;
        uint256 total;
        for (uint256 i = 0; i < clients.length; i++) {
            address client = clients[i];
            uint256 amount = amounts[i];
            uint256 balance = balanceOf[client][asset];
            if (amount > balance) revert InsufficientBalance(client, asset, balance, amount);
            unchecked {
                balanceOf[client][asset] = balance - amount;
                total += amount;
            }
        }
        emit Charged(epoch, asset, chargeRoot, total, clients.length, payTo);
        _pay(asset, payTo, total);
    }

    function _checkAsset(uint8 asset) private view {
        if (asset > TOKEN) revert UnknownAsset(asset);
        if (asset == TOKEN && address(token) == address(0)) revert NoToken();
    }

    function _pay(uint8 asset, address to, uint256 amount) private {
        if (amount == 0) return;
        if (asset == TOKEN) {
            token.safeTransfer(to, amount);
            return;
        }
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }
}
