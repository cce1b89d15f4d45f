public import Foundation

/// What is to be written to the audit log: who did what to which subject, and why.
public struct AuditEntry: Sendable, Equatable {
    /// When it happened.
    public var time: Date
    /// Who did it (a token's name, or `sluice` for the service itself).
    public var actor: String
    /// The actor's role.
    public var role: String
    /// What happened, dotted (`action.approved`, `gate.fell-back`, `telemetry.accepted`, …).
    public var event: String
    /// What it happened to (an action id, a gate id, a token id, a batch).
    public var subject: String
    /// The cell, where there is one.
    public var cell: String?
    /// The correlation id, where there is one.
    public var correlationID: String?
    /// Details as canonical JSON (sorted keys).
    public var details: String

    /// An entry.
    public init(
        time: Date, actor: String, role: String, event: String, subject: String, cell: String? = nil, correlationID: String? = nil,
        details: String = "{}"
    ) {
        self.time = time
        self.actor = actor
        self.role = role
        self.event = event
        self.subject = subject
        self.cell = cell
        self.correlationID = correlationID
        self.details = details
    }
}

/// A record of the audit log: an entry, its place in the chain, and the hashes that chain it.
public struct AuditRecord: Sendable, Equatable {
    /// Its position, from 1, without gaps.
    public var sequence: Int64
    /// What was recorded.
    public var entry: AuditEntry
    /// The hash of the record before it (64 zeros for the first).
    public var previousHash: String
    /// SHA-256 over the previous hash and the canonical encoding of this record.
    public var hash: String

    /// A record.
    public init(sequence: Int64, entry: AuditEntry, previousHash: String, hash: String) {
        self.sequence = sequence
        self.entry = entry
        self.previousHash = previousHash
        self.hash = hash
    }
}

/// The audit log's size and head: what a report quotes and what a later verification must reach.
public struct AuditCheckpoint: Sendable, Equatable, Codable {
    /// Records in the log.
    public var size: Int64
    /// The hash of the last record (64 zeros when empty).
    public var head: String

    /// A checkpoint.
    public init(size: Int64, head: String) {
        self.size = size
        self.head = head
    }

    /// The checkpoint of an empty log.
    public static let empty = AuditCheckpoint(size: 0, head: AuditChain.genesis)
}
