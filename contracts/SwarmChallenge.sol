// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// The slice of an ERC-8004 IdentityRegistry that SwarmChallenge reads: the standard's own call, so the
/// canonical deployed registries serve as well as ours.
interface IAgentWallets {
    function getAgentWallet(uint256 agentId) external view returns (address wallet);
    function getMetadata(uint256 agentId, string memory metadataKey) external view returns (bytes memory);
}

/// The slice of an ERC-8004 ValidationRegistry SwarmChallenge answers in, as the validator of its challenges.
interface IValidationResponses {
    function validationResponse(
        bytes32 requestHash,
        uint8 response,
        string calldata responseURI,
        bytes32 responseHash,
        string calldata tag
    ) external;
}

/// @title SwarmChallenge
/// @notice Proof of Swarm: on-chain commit-reveal challenges (docs/spec/challenge.md). The creator invites
/// registered agents (AgentRegistry wallets); each derives its own task from the seed, the hash of the block the
/// challenge was created in and its address — a task of `difficulty` gas of sequential work — commits
/// keccak256(abi.encode(answer, salt, agent)) before the commit deadline, and reveals after it. `finalize`
/// gives each invitee its verdict (committed, revealed, correct) and scores the swarm by the share of invitees
/// that answered (revealed the correct answer), so a silent, late or wrong minority lowers the score in
/// proportion; it stores an attestation anyone can read.
/// Gas: the challenge id carries its two deadlines, and the creator pre-writes one word per invitee, so a
/// commit rewrites two existing words and a reveal reads and rewrites one (commit < 45,000, reveal < 30,000
/// gas per transaction). The invitee list is bounded (256), so `finalize` is too.
contract SwarmChallenge {
    uint256 public constant MAX_INVITEES = 256;
    /// The entry word of an invitee that has not committed (docs/spec/challenge.md#entry-word).
    uint256 private constant INVITED = 2;
    /// An entry word keeps the high 192 bits of a hash; the low 64 hold the commit block (bits 1-63) and the
    /// revealed flag (bit 0).
    uint256 private constant HASH_MASK = ~uint256(type(uint64).max);

    struct Challenge {
        address creator;
        uint16 minAgents;
        uint64 startBlock;
        /// Gas of sequential work each invitee's task takes (docs/spec/challenge.md#tasks).
        uint64 difficulty;
    }

    /// Written at creation (invitees ≠ 0), so that the first commit rewrites a word instead of creating one.
    struct Progress {
        uint64 firstCommitBlock;
        uint64 lastCommitBlock;
        uint16 commits;
        uint16 invitees;
    }

    /// @notice What `finalize` established (finalizedBlock 0: not finalized). `answeredMask` has bit i set when
    /// invitee i (in invitee order) answered: revealed the correct answer.
    struct Attestation {
        bytes32 swarmHash;
        uint64 firstCommitBlock;
        uint64 lastCommitBlock;
        uint64 finalizedBlock;
        uint16 score;
        uint16 participants;
        uint16 revealed;
        uint16 answered;
        bool passed;
        uint256 answeredMask;
    }

    IAgentWallets public immutable registry;
    /// @notice Where finalized challenges are published (docs/spec/challenge.md#erc-8004-validation); 0: nowhere.
    IValidationResponses public immutable validations;
    /// @notice The tag of every validation response this contract gives.
    string public constant VALIDATION_TAG = "apiary/proof-of-swarm";
    /// @notice The registry metadata key under which an agent consents to challenges
    /// (docs/spec/challenge.md#consent): 4 bytes of challenges a day (0: none), then the 20-byte creators it
    /// accepts (none: any).
    string public constant CONSENT_KEY = "apiary.challenges";
    uint64 private _lastSequence;
    mapping(uint256 id => Challenge) private _challenges;
    mapping(uint256 id => Progress) private _progress;
    mapping(uint256 id => address[]) private _invitees;
    mapping(uint256 id => mapping(address agent => uint256 word)) private _entries;
    mapping(uint256 id => Attestation) private _attestations;

    event ChallengeCreated(
        uint256 indexed id,
        address indexed creator,
        bytes32 seed,
        bytes promptOrCid,
        uint64 startBlock,
        uint64 difficulty,
        uint64 commitDeadline,
        uint64 revealDeadline,
        uint16 minAgents,
        address[] invitees,
        uint256[] agentIds
    );
    event Committed(uint256 indexed id, address indexed agent, bytes32 commitment);
    event Revealed(uint256 indexed id, address indexed agent, bytes32 answer);
    event Finalized(
        uint256 indexed id,
        uint16 score,
        uint16 participants,
        uint16 revealed,
        uint16 answered,
        uint64 spread,
        bytes32 swarmHash,
        bool passed
    );

    error InvalidWindow(uint64 commitBlocks, uint64 revealBlocks);
    error InvalidInvitees(uint256 count);
    error InvalidMinAgents(uint16 minAgents, uint256 invitees);
    error InviteesNotSorted(uint256 index);
    error NotRegistered(uint256 agentId);
    error NoAgentWallet(uint256 agentId);
    error DuplicateWallet(address wallet);
    error NoConsent(uint256 agentId);
    error NotInvited(uint256 id, address agent);
    error CommitClosed(uint256 id, uint256 blockNumber, uint64 commitDeadline);
    error AlreadyCommitted(uint256 id, address agent);
    error InvalidCommitment();
    error RevealNotOpen(uint256 id, uint256 blockNumber, uint64 commitDeadline);
    error RevealClosed(uint256 id, uint256 blockNumber, uint64 revealDeadline);
    error NotCommitted(uint256 id, address agent);
    error AlreadyRevealed(uint256 id, address agent);
    error WrongReveal(uint256 id, address agent);
    error UnknownChallenge(uint256 id);
    error NotCreator(uint256 id, address caller);
    error RevealNotOver(uint256 id, uint256 blockNumber, uint64 revealDeadline);
    error AlreadyFinalized(uint256 id);
    error AnswerCountMismatch(uint256 invitees, uint256 answers);

    constructor(IAgentWallets agentRegistry, IValidationResponses validationRegistry) {
        registry = agentRegistry;
        validations = validationRegistry;
    }

    /// @notice The ERC-8004 validation request a challenge answers: keccak256(abi.encode(chainid, this, id)).
    function validationRequestHash(uint256 id) public view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), id));
    }

    /// @notice Opens a challenge for the agents `agentIds` (ERC-8004 ids, strictly ascending), each answering from
    /// its operating wallet (`getAgentWallet`) as it is now — the invitees, in the same order: commits until
    /// block.number + commitBlocks, reveals for revealBlocks after that. Returns the id, which carries both
    /// deadlines. `promptOrCid` says what task to answer (docs/spec/challenge.md#tasks); it is only emitted.
    /// `difficulty` (gas) is how much work that task is; recorded, so anyone can read the bound a pass supports.
    function createChallenge(
        bytes32 seed,
        bytes calldata promptOrCid,
        uint64 difficulty,
        uint64 commitBlocks,
        uint64 revealBlocks,
        uint16 minAgents,
        uint256[] calldata agentIds
    ) external returns (uint256 id) {
        if (commitBlocks == 0 || revealBlocks == 0 || commitBlocks > type(uint32).max || revealBlocks > type(uint32).max)
        {
            revert InvalidWindow(commitBlocks, revealBlocks);
        }
        uint256 count = agentIds.length;
        if (count == 0 || count > MAX_INVITEES) revert InvalidInvitees(count);
        if (minAgents == 0 || minAgents > count) revert InvalidMinAgents(minAgents, count);
        uint64 start = uint64(block.number);
        uint64 commitDeadline = start + commitBlocks;
        uint64 revealDeadline = commitDeadline + revealBlocks;
        uint64 sequence = ++_lastSequence;
        id = (uint256(sequence) << 128) | (uint256(commitDeadline) << 64) | uint256(revealDeadline);
        _challenges[id] = Challenge({creator: msg.sender, minAgents: minAgents, startBlock: start, difficulty: difficulty});
        _progress[id] = Progress({firstCommitBlock: 0, lastCommitBlock: 0, commits: 0, invitees: uint16(count)});
        address[] memory invitees = new address[](count);
        for (uint256 i = 0; i < count; ++i) {
            uint256 agentId = agentIds[i];
            if (i > 0 && agentId <= agentIds[i - 1]) revert InviteesNotSorted(i);
            address wallet;
            try registry.getAgentWallet(agentId) returns (address operating) {
                wallet = operating;
            } catch {
                revert NotRegistered(agentId);
            }
            if (wallet == address(0)) revert NoAgentWallet(agentId);
            if (_entries[id][wallet] != 0) revert DuplicateWallet(wallet);
            if (!_consents(registry.getMetadata(agentId, CONSENT_KEY))) revert NoConsent(agentId);
            _entries[id][wallet] = INVITED;
            invitees[i] = wallet;
        }
        _invitees[id] = invitees;
        emit ChallengeCreated(
            id,
            msg.sender,
            seed,
            promptOrCid,
            start,
            difficulty,
            commitDeadline,
            revealDeadline,
            minAgents,
            invitees,
            agentIds
        );
    }

    /// @notice Commits to an answer: commitment = keccak256(abi.encode(answer, salt, msg.sender)).
    function commit(uint256 id, bytes32 commitment) external {
        uint64 commitDeadline = uint64(id >> 64);
        if (block.number > commitDeadline) revert CommitClosed(id, block.number, commitDeadline);
        uint256 word = _entries[id][msg.sender];
        if (word != INVITED) {
            if (word == 0) revert NotInvited(id, msg.sender);
            revert AlreadyCommitted(id, msg.sender);
        }
        // Only the high 192 bits are kept: a commitment without any is no commitment.
        if (uint256(commitment) & HASH_MASK == 0) revert InvalidCommitment();
        word = (uint256(commitment) & HASH_MASK) | (uint256(block.number) << 1);
        _entries[id][msg.sender] = word;
        Progress storage progress = _progress[id];
        if (progress.commits == 0) progress.firstCommitBlock = uint64(block.number);
        progress.lastCommitBlock = uint64(block.number);
        progress.commits += 1;
        emit Committed(id, msg.sender, commitment);
    }

    /// @notice Opens the caller's commitment, after the commit deadline and until the reveal deadline.
    function reveal(uint256 id, bytes32 answer, bytes32 salt) external {
        uint64 commitDeadline = uint64(id >> 64);
        if (block.number <= commitDeadline) revert RevealNotOpen(id, block.number, commitDeadline);
        uint64 revealDeadline = uint64(id);
        if (block.number > revealDeadline) revert RevealClosed(id, block.number, revealDeadline);
        uint256 word = _entries[id][msg.sender];
        if (word & 1 == 1) revert AlreadyRevealed(id, msg.sender);
        if (word <= INVITED) revert NotCommitted(id, msg.sender);
        if (uint256(keccak256(abi.encode(answer, salt, msg.sender))) & HASH_MASK != word & HASH_MASK) {
            revert WrongReveal(id, msg.sender);
        }
        _entries[id][msg.sender] = (uint256(keccak256(abi.encode(answer))) & HASH_MASK) | (word & ~HASH_MASK) | 1;
        emit Revealed(id, msg.sender, answer);
    }

    /// @notice Scores the challenge against `expectedAnswers` (one per invitee, in invitee order) and stores
    /// its attestation. Creator only, once, after the reveal deadline.
    function finalize(uint256 id, bytes32[] calldata expectedAnswers) external returns (uint16 score) {
        Challenge memory challenge = _challenges[id];
        if (challenge.creator == address(0)) revert UnknownChallenge(id);
        if (msg.sender != challenge.creator) revert NotCreator(id, msg.sender);
        uint64 revealDeadline = uint64(id);
        if (block.number <= revealDeadline) revert RevealNotOver(id, block.number, revealDeadline);
        if (_attestations[id].finalizedBlock != 0) revert AlreadyFinalized(id);
        address[] storage invitees = _invitees[id];
        uint256 count = invitees.length;
        if (expectedAnswers.length != count) revert AnswerCountMismatch(count, expectedAnswers.length);

        Progress memory progress = _progress[id];
        address[] memory swarm = new address[](count);
        uint256 revealed = 0;
        uint256 answered = 0;
        uint256 mask = 0;
        for (uint256 i = 0; i < count; ++i) {
            address agent = invitees[i];
            uint256 word = _entries[id][agent];
            if (word & 1 == 0) continue;
            revealed += 1;
            if (word & HASH_MASK != uint256(keccak256(abi.encode(expectedAnswers[i]))) & HASH_MASK) continue;
            swarm[answered++] = agent;
            mask |= 1 << i;
        }
        assembly ("memory-safe") {
            mstore(swarm, answered)
        }
        uint64 spread = progress.commits == 0 ? 0 : progress.lastCommitBlock - progress.firstCommitBlock;
        score = computeScore(count, answered);
        bool passed = score >= 7000 && answered >= challenge.minAgents;
        bytes32 swarmHash = keccak256(abi.encodePacked(swarm));
        _attestations[id] = Attestation({
            swarmHash: swarmHash,
            firstCommitBlock: progress.firstCommitBlock,
            lastCommitBlock: progress.lastCommitBlock,
            finalizedBlock: uint64(block.number),
            score: score,
            participants: progress.commits,
            revealed: uint16(revealed),
            answered: uint16(answered),
            passed: passed,
            answeredMask: mask
        });
        emit Finalized(
            id,
            score,
            progress.commits,
            uint16(revealed),
            uint16(answered),
            spread,
            swarmHash,
            passed
        );
        _publish(id, score, swarmHash);
    }

    /// Answers the challenge's ERC-8004 validation request, when someone (the owner of the agent the swarm is
    /// registered as) made one naming this contract as validator: the score in percent, the challenge's
    /// on-chain record as URI, swarmHash as the response hash. No request, or one naming another validator: the
    /// registry refuses and nothing is published.
    function _publish(uint256 id, uint16 score, bytes32 swarmHash) private {
        if (address(validations) == address(0)) return;
        string memory uri = string.concat(
            "eip155:",
            Strings.toString(block.chainid),
            ":",
            Strings.toHexString(address(this)),
            "/challenges/",
            Strings.toString(id)
        );
        try validations.validationResponse(
            validationRequestHash(id), uint8(score / 100), uri, swarmHash, VALIDATION_TAG
        ) {} catch {}
    }

    /// @notice The score in basis points (docs/spec/challenge.md#score): the share of invitees that answered
    /// (revealed the correct answer; the commit deadline is what bounds the time), floored.
    function computeScore(uint256 invitees, uint256 answered) public pure returns (uint16) {
        if (invitees == 0) return 0;
        return uint16(answered * 10_000 / invitees);
    }

    function getChallenge(uint256 id)
        external
        view
        returns (Challenge memory challenge, Progress memory progress, address[] memory invitees)
    {
        challenge = _challenges[id];
        if (challenge.creator == address(0)) revert UnknownChallenge(id);
        return (challenge, _progress[id], _invitees[id]);
    }

    function attestation(uint256 id) external view returns (Attestation memory) {
        return _attestations[id];
    }

    /// Whether an agent's published consent lets the caller invite it.
    function _consents(bytes memory consent) private view returns (bool) {
        uint256 length = consent.length;
        if (length < 4 || (length - 4) % 20 != 0) return false;
        uint256 head;
        assembly ("memory-safe") {
            head := mload(add(consent, 32))
        }
        if (head >> 224 == 0) return false;
        if (length == 4) return true;
        for (uint256 at = 4; at < length; at += 20) {
            address creator;
            assembly ("memory-safe") {
                creator := shr(96, mload(add(add(consent, 32), at)))
            }
            if (creator == msg.sender) return true;
        }
        return false;
    }

    /// @notice An invitee's entry word: 0 not invited, 2 invited, even > 2 committed, odd revealed
    /// (docs/spec/challenge.md#entry-word).
    function entryOf(uint256 id, address agent) external view returns (uint256) {
        return _entries[id][agent];
    }

    function lastChallenge() external view returns (uint64) {
        return _lastSequence;
    }
}
