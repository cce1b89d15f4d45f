/// What verifying the audit log found.
public struct AuditVerification: Sendable, Equatable, Codable {
    /// Whether every record is intact, in order, and the log reaches its checkpoint.
    public var intact: Bool
    /// Records checked.
    public var checked: Int64
    /// The checkpoint the log should reach.
    public var checkpoint: AuditCheckpoint
    /// The first bad record's sequence number, if one is bad.
    public var firstBadSequence: Int64?
    /// What is wrong with it, in words.
    public var problem: String?

    /// A verification result.
    public init(intact: Bool, checked: Int64, checkpoint: AuditCheckpoint, firstBadSequence: Int64? = nil, problem: String? = nil) {
        self.intact = intact
        self.checked = checked
        self.checkpoint = checkpoint
        self.firstBadSequence = firstBadSequence
        self.problem = problem
    }

    /// Walks `records` (in the order stored, by sequence) and names the first one that breaks the chain.
    ///
    /// An edited record no longer matches its hash; a deleted one leaves a gap in the sequence (or, at the
    /// end, falls short of the checkpoint); a reordered or replaced one no longer points at the hash of the
    /// record before it.
    public static func verify(_ records: some Sequence<AuditRecord>, checkpoint: AuditCheckpoint) -> AuditVerification {
        var expectedSequence: Int64 = 1
        var previous = AuditChain.genesis
        var checked: Int64 = 0
        for record in records {
            func bad(_ problem: String) -> AuditVerification {
                AuditVerification(intact: false, checked: checked, checkpoint: checkpoint, firstBadSequence: record.sequence, problem: problem)
            }
            if record.sequence != expectedSequence {
                let missing =
                    record.sequence > expectedSequence
                    ? "record \(expectedSequence)\(record.sequence - expectedSequence > 1 ? " to \(record.sequence - 1)" : "") is missing (deleted)"
                    : "record \(record.sequence) appears out of order"
                return AuditVerification(
                    intact: false, checked: checked, checkpoint: checkpoint, firstBadSequence: expectedSequence,
                    problem: "the log jumps from record \(expectedSequence - 1) to \(record.sequence): \(missing)")
            }
            if record.previousHash != previous {
                return bad(
                    "record \(record.sequence) does not follow record \(record.sequence - 1): its previous-hash does not match (reordered or replaced)"
                )
            }
            let recomputed = AuditChain.hash(sequence: record.sequence, entry: record.entry, previousHash: record.previousHash)
            if recomputed != record.hash {
                return bad("record \(record.sequence) (\(record.entry.event) of \(record.entry.subject)) does not match its hash (edited)")
            }
            previous = record.hash
            expectedSequence += 1
            checked += 1
        }
        if checked != checkpoint.size || previous != checkpoint.head {
            let first = min(checked, checkpoint.size) + 1
            let problem =
                checked < checkpoint.size
                ? "the log ends at record \(checked) but its checkpoint says \(checkpoint.size): records \(checked + 1) to \(checkpoint.size) are missing (deleted)"
                : "the log's head does not match its checkpoint (\(checkpoint.size) records, head \(checkpoint.head.prefix(12))…)"
            return AuditVerification(intact: false, checked: checked, checkpoint: checkpoint, firstBadSequence: first, problem: problem)
        }
        return AuditVerification(intact: true, checked: checked, checkpoint: checkpoint)
    }
}
