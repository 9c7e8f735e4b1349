// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ERC721URIStorage} from "@openzeppelin/contracts/token/ERC721/extensions/ERC721URIStorage.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

/// @title AgentRegistry
/// @notice The identity registry of ERC-8004 ("Trustless Agents"; the interface of the official
/// IdentityRegistry, version 2.0.0): each agent is an ERC-721 token whose URI points at its registration file
/// (endpoints, public key), with an operating wallet that defaults to the registering account, is changed only
/// with the new wallet's EIP-712 signature and is cleared when the agent is transferred. An owner may register
/// several agents. Ids start at 0, as in the official contract. Beyond ERC-8004: `agentOf(wallet)` maps a wallet
/// back to the agent it operates (the one it was set for last), for tools that start from a wallet; SwarmChallenge
/// uses only the standard's calls. docs/spec/challenge.md#identity
contract AgentRegistry is ERC721URIStorage, EIP712 {
    /// @notice One on-chain metadata entry given at registration (ERC-8004).
    struct MetadataEntry {
        string metadataKey;
        bytes metadataValue;
    }

    bytes32 private constant AGENT_WALLET_SET_TYPEHASH =
        keccak256("AgentWalletSet(uint256 agentId,address newWallet,address owner,uint256 deadline)");
    uint256 private constant MAX_DEADLINE_DELAY = 5 minutes;
    string private constant AGENT_WALLET_KEY = "agentWallet";

    uint256 private _lastId;
    mapping(uint256 agentId => address) private _wallets;
    /// The agent a wallet operates, plus one (0: none).
    mapping(address wallet => uint256 agentIdPlusOne) private _operated;
    mapping(uint256 agentId => mapping(string metadataKey => bytes)) private _metadata;

    event Registered(uint256 indexed agentId, string agentURI, address indexed owner);
    event URIUpdated(uint256 indexed agentId, string newURI, address indexed updatedBy);
    event MetadataSet(
        uint256 indexed agentId, string indexed indexedMetadataKey, string metadataKey, bytes metadataValue
    );

    error NotAuthorized(uint256 agentId, address caller);
    error ZeroWallet();
    error SignatureExpired(uint256 deadline);
    error DeadlineTooFar(uint256 deadline);
    error InvalidWalletSignature(address wallet);
    error ReservedMetadataKey(string metadataKey);

    constructor() ERC721("Apiary Agent", "AGENT") EIP712("ERC8004IdentityRegistry", "1") {}

    /// @notice Registers the caller as a new agent without a registration file yet; the caller is its owner
    /// and its operating wallet.
    function register() external returns (uint256 agentId) {
        agentId = _register();
        emit Registered(agentId, "", msg.sender);
        _setWallet(agentId, msg.sender);
    }

    /// @notice Registers the caller as a new agent whose registration file is at `agentURI`; the caller is its
    /// owner and its operating wallet.
    function register(string calldata agentURI) external returns (uint256 agentId) {
        agentId = _register();
        _setTokenURI(agentId, agentURI);
        emit Registered(agentId, agentURI, msg.sender);
        _setWallet(agentId, msg.sender);
    }

    /// @notice The same, with on-chain metadata entries ("agentWallet" is reserved: set it with setAgentWallet).
    function register(string calldata agentURI, MetadataEntry[] calldata metadata) external returns (uint256 agentId) {
        agentId = _register();
        _setTokenURI(agentId, agentURI);
        emit Registered(agentId, agentURI, msg.sender);
        _setWallet(agentId, msg.sender);
        for (uint256 i = 0; i < metadata.length; ++i) {
            _setMetadata(agentId, metadata[i].metadataKey, metadata[i].metadataValue);
        }
    }

    /// @notice The ERC-8004 IdentityRegistry version whose interface this implements.
    function getVersion() external pure returns (string memory) {
        return "2.0.0";
    }

    /// @notice Whether `spender` is the agent's owner or approved for it (ERC-721); reverts for an unknown agent.
    function isAuthorizedOrOwner(address spender, uint256 agentId) external view returns (bool) {
        return _isAuthorized(_requireOwned(agentId), spender, agentId);
    }

    function setAgentURI(uint256 agentId, string calldata newURI) external {
        _checkAuthorized(agentId);
        _setTokenURI(agentId, newURI);
        emit URIUpdated(agentId, newURI, msg.sender);
    }

    /// @notice Makes `newWallet` the agent's operating wallet; `signature` is newWallet's EIP-712 signature (or
    /// ERC-1271 approval) of AgentWalletSet(agentId, newWallet, owner, deadline), at most 5 minutes ahead.
    function setAgentWallet(uint256 agentId, address newWallet, uint256 deadline, bytes calldata signature) external {
        address owner = _checkAuthorized(agentId);
        if (newWallet == address(0)) revert ZeroWallet();
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        if (deadline > block.timestamp + MAX_DEADLINE_DELAY) revert DeadlineTooFar(deadline);
        bytes32 digest =
            _hashTypedDataV4(keccak256(abi.encode(AGENT_WALLET_SET_TYPEHASH, agentId, newWallet, owner, deadline)));
        if (!SignatureChecker.isValidSignatureNow(newWallet, digest, signature)) {
            revert InvalidWalletSignature(newWallet);
        }
        _setWallet(agentId, newWallet);
    }

    /// @notice Sets one of the agent's on-chain metadata entries (ERC-8004), e.g. "messagingKey", the public key
    /// messages to it are encrypted to (docs/spec/message.md). "agentWallet" is set only through setAgentWallet.
    function setMetadata(uint256 agentId, string calldata metadataKey, bytes calldata metadataValue) external {
        _checkAuthorized(agentId);
        _setMetadata(agentId, metadataKey, metadataValue);
    }

    function getMetadata(uint256 agentId, string calldata metadataKey) external view returns (bytes memory) {
        if (keccak256(bytes(metadataKey)) == keccak256(bytes(AGENT_WALLET_KEY))) {
            address wallet = _wallets[agentId];
            return wallet == address(0) ? bytes("") : abi.encodePacked(wallet);
        }
        return _metadata[agentId][metadataKey];
    }

    function unsetAgentWallet(uint256 agentId) external {
        _checkAuthorized(agentId);
        _clearWallet(agentId);
    }

    /// @notice The agent's operating wallet (0 when cleared); reverts for an agent that does not exist, as the
    /// official contract does.
    function getAgentWallet(uint256 agentId) external view returns (address) {
        _requireOwned(agentId);
        return _wallets[agentId];
    }

    /// @notice The agent `wallet` operates (the one it was made the operating wallet of last), if any.
    function agentOf(address wallet) external view returns (bool operates, uint256 agentId) {
        uint256 plusOne = _operated[wallet];
        return (plusOne != 0, plusOne == 0 ? 0 : plusOne - 1);
    }

    /// @notice How many agents were registered (ids 0 to agentCount() - 1).
    function agentCount() external view returns (uint256) {
        return _lastId;
    }

    /// Mints the next id to the caller; a contract caller must accept ERC-721 tokens (as in the official one).
    function _register() private returns (uint256 agentId) {
        agentId = _lastId++;
        _safeMint(msg.sender, agentId);
    }

    function _setMetadata(uint256 agentId, string calldata metadataKey, bytes calldata metadataValue) private {
        if (keccak256(bytes(metadataKey)) == keccak256(bytes(AGENT_WALLET_KEY))) {
            revert ReservedMetadataKey(metadataKey);
        }
        _metadata[agentId][metadataKey] = metadataValue;
        emit MetadataSet(agentId, metadataKey, metadataKey, metadataValue);
    }

    function _checkAuthorized(uint256 agentId) private view returns (address owner) {
        owner = _requireOwned(agentId);
        if (!_isAuthorized(owner, msg.sender, agentId)) revert NotAuthorized(agentId, msg.sender);
    }

    /// A wallet may operate several agents (ERC-8004 does not forbid it); `agentOf` names the latest.
    function _setWallet(uint256 agentId, address wallet) private {
        address previous = _wallets[agentId];
        if (previous != address(0) && _operated[previous] == agentId + 1) delete _operated[previous];
        _wallets[agentId] = wallet;
        _operated[wallet] = agentId + 1;
        emit MetadataSet(agentId, AGENT_WALLET_KEY, AGENT_WALLET_KEY, abi.encodePacked(wallet));
    }

    function _clearWallet(uint256 agentId) private {
        address previous = _wallets[agentId];
        if (previous == address(0)) return;
        if (_operated[previous] == agentId + 1) delete _operated[previous];
        delete _wallets[agentId];
        emit MetadataSet(agentId, AGENT_WALLET_KEY, AGENT_WALLET_KEY, "");
    }

    /// A transfer (or burn) clears the operating wallet: the new owner sets its own.
    function _update(address to, uint256 tokenId, address auth) internal override returns (address from) {
        from = super._update(to, tokenId, auth);
        if (from != address(0) && from != to) _clearWallet(tokenId);
    }
}
