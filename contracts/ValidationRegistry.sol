// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// The slice of the ERC-8004 identity registry (ERC-721) a validation request is authorized against.
interface IAgentIdentity {
    function ownerOf(uint256 agentId) external view returns (address);
    function getApproved(uint256 agentId) external view returns (address);
    function isApprovedForAll(address owner, address operator) external view returns (bool);
}

/// @title ValidationRegistry
/// @notice The validation registry of ERC-8004 ("Trustless Agents"; the interface of the official
/// ValidationRegistry, version 2.0.0, without its upgrade plumbing): an agent's owner (or an address approved
/// for the agent) asks a validator to validate work named by a URI and a hash; the validator answers with a
/// response of 0–100, a URI, a hash and a tag, as often as it likes (the last answer stands). Reverts carry the
/// official contract's reason strings. Apiary publishes finalized Proof of Swarm challenges here
/// (docs/challenges.md#erc-8004).
contract ValidationRegistry {
    struct ValidationStatus {
        address validatorAddress;
        uint8 response;
        bool hasResponse;
        uint256 agentId;
        bytes32 responseHash;
        uint256 lastUpdate;
        string tag;
    }

    IAgentIdentity private immutable _identityRegistry;
    mapping(bytes32 requestHash => ValidationStatus) private _validations;
    mapping(uint256 agentId => bytes32[]) private _agentValidations;
    mapping(address validator => bytes32[]) private _validatorRequests;

    event ValidationRequest(
        address indexed validatorAddress, uint256 indexed agentId, string requestURI, bytes32 indexed requestHash
    );
    event ValidationResponse(
        address indexed validatorAddress,
        uint256 indexed agentId,
        bytes32 indexed requestHash,
        uint8 response,
        string responseURI,
        bytes32 responseHash,
        string tag
    );

    constructor(IAgentIdentity identityRegistry) {
        _identityRegistry = identityRegistry;
    }

    /// @notice Asks `validatorAddress` to validate `agentId`'s work at `requestURI` (`requestHash` names the
    /// request, once). Only the agent's owner or an address approved for it may ask.
    function validationRequest(
        address validatorAddress,
        uint256 agentId,
        string calldata requestURI,
        bytes32 requestHash
    ) external {
        require(validatorAddress != address(0), "bad validator");
        require(_validations[requestHash].validatorAddress == address(0), "exists");
        address owner = _identityRegistry.ownerOf(agentId);
        require(
            msg.sender == owner || _identityRegistry.isApprovedForAll(owner, msg.sender)
                || _identityRegistry.getApproved(agentId) == msg.sender,
            "Not authorized"
        );
        ValidationStatus storage status = _validations[requestHash];
        status.validatorAddress = validatorAddress;
        status.agentId = agentId;
        status.lastUpdate = block.timestamp;
        _agentValidations[agentId].push(requestHash);
        _validatorRequests[validatorAddress].push(requestHash);
        emit ValidationRequest(validatorAddress, agentId, requestURI, requestHash);
    }

    /// @notice The validator's answer to a request: 0–100, with its evidence (`responseURI`, `responseHash`) and a
    /// tag. It may answer again; the last answer stands.
    function validationResponse(
        bytes32 requestHash,
        uint8 response,
        string calldata responseURI,
        bytes32 responseHash,
        string calldata tag
    ) external {
        ValidationStatus storage status = _validations[requestHash];
        require(status.validatorAddress != address(0), "unknown");
        require(msg.sender == status.validatorAddress, "not validator");
        require(response <= 100, "resp>100");
        status.response = response;
        status.hasResponse = true;
        status.responseHash = responseHash;
        status.tag = tag;
        status.lastUpdate = block.timestamp;
        emit ValidationResponse(
            status.validatorAddress, status.agentId, requestHash, response, responseURI, responseHash, tag
        );
    }

    function getValidationStatus(bytes32 requestHash)
        external
        view
        returns (
            address validatorAddress,
            uint256 agentId,
            uint8 response,
            bytes32 responseHash,
            string memory tag,
            uint256 lastUpdate
        )
    {
        ValidationStatus storage status = _validations[requestHash];
        require(status.validatorAddress != address(0), "unknown");
        return (
            status.validatorAddress,
            status.agentId,
            status.response,
            status.responseHash,
            status.tag,
            status.lastUpdate
        );
    }

    /// @notice How many of the agent's requests were answered, by any of `validatorAddresses` (all when empty)
    /// with `tag` (any when empty), and their average response (floored).
    function getSummary(uint256 agentId, address[] calldata validatorAddresses, string calldata tag)
        external
        view
        returns (uint64 count, uint8 avgResponse)
    {
        bytes32[] storage requests = _agentValidations[agentId];
        bytes32 wanted = keccak256(bytes(tag));
        uint256 total = 0;
        for (uint256 i = 0; i < requests.length; ++i) {
            ValidationStatus storage status = _validations[requests[i]];
            if (!status.hasResponse) continue;
            if (bytes(tag).length > 0 && keccak256(bytes(status.tag)) != wanted) continue;
            bool byValidator = validatorAddresses.length == 0;
            for (uint256 j = 0; j < validatorAddresses.length && !byValidator; ++j) {
                byValidator = status.validatorAddress == validatorAddresses[j];
            }
            if (!byValidator) continue;
            total += status.response;
            ++count;
        }
        avgResponse = count == 0 ? 0 : uint8(total / count);
    }

    function getAgentValidations(uint256 agentId) external view returns (bytes32[] memory) {
        return _agentValidations[agentId];
    }

    function getValidatorRequests(address validatorAddress) external view returns (bytes32[] memory) {
        return _validatorRequests[validatorAddress];
    }

    function getIdentityRegistry() external view returns (address) {
        return address(_identityRegistry);
    }

    function getVersion() external pure returns (string memory) {
        return "2.0.0";
    }
}
