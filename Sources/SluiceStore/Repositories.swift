public import Foundation

/// Telemetry samples and the ingest batches they arrived in.
public protocol SampleRepository {
    /// Records an ingest batch and returns its id.
    func insertBatch(_ batch: IngestBatchRecord) throws -> Int64
    /// Updates a batch's counts once its samples are stored.
    func updateBatchCounts(id: Int64, accepted: Int, rejected: Int) throws
    /// Stores a sample. The caller makes sure no sample of the same asset and time is stored (with
    /// ``contains(asset:time:)`` for any sample not newer than the asset's latest).
    func insert(_ sample: SampleRecord) throws
    /// Stores many samples, as ``insert(_:)`` does each, in fewer statements.
    func insert(_ samples: [SampleRecord]) throws
    /// The latest samples of each asset, at most `perAsset` each, oldest first, from the newest `scanLimit`
    /// samples of the store.
    func recentByAsset(perAsset: Int, scanLimit: Int) throws -> [String: [SampleRecord]]
    /// Samples stored, for one asset or all.
    func count(asset: String?) throws -> Int
    /// Whether a sample for `asset` at `time` is stored.
    func contains(asset: String, time: Date) throws -> Bool
    /// The samples of `assets` measured in `from..<to`, oldest first (ties in stored order).
    func samples(assets: [String], from: Date, to: Date) throws -> [SampleRecord]
    /// The time of the oldest and the newest sample stored, if any.
    func timeSpan() throws -> ClosedRange<Date>?
}

/// Soft actions, recommendations and shadow detections, with the decisions people made on them.
public protocol ActionRepository {
    /// Stores a new action with its evidence (JSON).
    func insert(_ action: ActionRecord, evidence: String) throws
    /// An action by id.
    func get(id: String) throws -> ActionRecord?
    /// An action's evidence (JSON).
    func evidence(id: String) throws -> String?
    /// Actions matching `filter`, newest first.
    func list(_ filter: ActionFilter) throws -> [ActionRecord]
    /// Replaces a stored action (matched by id).
    func update(_ action: ActionRecord) throws
    /// Undecided actions and recommendations whose expiry is before `date`.
    func expired(before date: Date, limit: Int) throws -> [ActionRecord]
    /// Undecided actions and recommendations of a gate (to restore its debouncer's open set).
    func open(gate: String) throws -> [ActionRecord]
    /// When each subject of a gate last raised anything (to restore its debouncer's silent periods).
    func lastRaised(gate: String) throws -> [String: Date]
    /// Counts actions by state, for one cell or all.
    func countByState(cells: [String]?) throws -> [ActionState: Int]
    /// Records a decision: a label for retraining.
    func insertDecision(_ decision: DecisionRecord) throws
    /// Decisions on one action, oldest first.
    func decisions(actionID: String) throws -> [DecisionRecord]
    /// Decisions made in `from..<to` on actions of `cells` (nil: every cell), oldest first.
    func decisions(from: Date, to: Date, cells: [String]?) throws -> [DecisionRecord]
}

/// The transactional outbox of calls to the ERP/MES.
public protocol OutboxRepository {
    /// Queues a call and returns its id.
    func enqueue(_ entry: OutboxRecord) throws -> Int64
    /// Pending calls due at `date`, oldest first.
    func due(at date: Date, limit: Int) throws -> [OutboxRecord]
    /// Claims up to `limit` pending calls due at `date`, oldest first, for one dispatcher: their next attempt
    /// moves to `until`, so no other dispatcher takes them while this one sends, and a dispatcher that dies
    /// mid-call leaves them due again at `until`. Calls another transaction is claiming are skipped.
    func claimDue(at date: Date, until: Date, limit: Int) throws -> [OutboxRecord]
    /// The earliest time a pending call is due, if any is pending.
    func nextDue() throws -> Date?
    /// Replaces a stored entry (matched by id).
    func update(_ entry: OutboxRecord) throws
    /// The entries of one action, oldest first.
    func entries(actionID: String) throws -> [OutboxRecord]
    /// Entries in `state`, oldest first.
    func entries(state: OutboxState, limit: Int) throws -> [OutboxRecord]
    /// Counts entries by state.
    func countByState() throws -> [OutboxState: Int]
}

/// The append-only, hash-chained audit log.
public protocol AuditRepository {
    /// Appends an entry, chained to the current head, and returns the record written.
    @discardableResult
    func append(_ entry: AuditEntry) throws -> AuditRecord
    /// The log's size and head hash as last written.
    func checkpoint() throws -> AuditCheckpoint
    /// Records from `sequence` on, in stored order, at most `limit`.
    func records(from sequence: Int64, limit: Int) throws -> [AuditRecord]
    /// Records about `subject`, in order.
    func records(subject: String) throws -> [AuditRecord]
}

/// API tokens, stored as hashes.
public protocol TokenRepository {
    /// Stores a new token.
    func insert(_ token: TokenRecord) throws
    /// The token whose hash is `hash`.
    func find(hash: String) throws -> TokenRecord?
    /// A token by id.
    func get(id: String) throws -> TokenRecord?
    /// Every token, oldest first.
    func all() throws -> [TokenRecord]
    /// Marks a token revoked.
    func revoke(id: String, at date: Date) throws
}

/// The gates' running state.
public protocol GateRepository {
    /// A gate's state by id.
    func get(id: String) throws -> GateRecord?
    /// Stores a gate's state.
    func save(_ gate: GateRecord) throws
    /// Every stored gate.
    func all() throws -> [GateRecord]
}

/// Materials' twin state and their stock movements.
public protocol MaterialRepository {
    /// A material by item code.
    func get(item: String) throws -> MaterialRecord?
    /// Stores a material's state.
    func save(_ material: MaterialRecord) throws
    /// Records a stock movement.
    func insertMovement(_ movement: MovementRecord) throws
    /// Whether the same movement (item, kind, quantity and time) is stored.
    func containsMovement(item: String, kind: String, quantity: Double, time: Date) throws -> Bool
    /// The movements of one item, oldest first.
    func movements(item: String) throws -> [MovementRecord]
}

/// Rehearsals of candidate models.
public protocol RehearsalRepository {
    /// Stores a rehearsal and returns its id.
    func insert(_ rehearsal: RehearsalRecord) throws -> Int64
    /// The latest rehearsal of a gate, if any.
    func latest(gate: String) throws -> RehearsalRecord?
}

/// How replicas that share one database divide the work: each cell's row lock and state version, its scorer
/// lease, and the inbox of telemetry waiting for the cell's scorer. Only a shared store (PostgreSQL) has one.
public protocol CoordinationRepository {
    /// Locks the rows of `cells` (creating any missing) in name order until the transaction ends, and returns
    /// each cell's state version.
    func lockCells(_ cells: [String]) throws -> [String: Int64]
    /// Counts a change to each of `cells` (whose rows this transaction locked) and returns the new versions.
    func bumpCells(_ cells: [String]) throws -> [String: Int64]
    /// Takes `cell`'s scorer lease for `holder` until `duration` from the database's clock, if it is free,
    /// expired or already `holder`'s; returns the lease as it now stands.
    func acquireLease(cell: String, holder: String, duration: TimeInterval) throws -> ScorerLease
    /// Gives up `holder`'s lease on `cell`, if held (on graceful shutdown).
    func releaseLease(cell: String, holder: String) throws
    /// Queues telemetry for its cell's scorer.
    func enqueue(_ items: [InboxRecord]) throws
    /// Takes up to `limit` queued items of `cell`, oldest first, skipping any another transaction holds, and
    /// deletes them: the deletion commits, or not, with whatever the caller does with them.
    func takeInbox(cell: String, limit: Int) throws -> [InboxRecord]
    /// Items waiting, per cell.
    func inboxDepth() throws -> [String: Int]
    /// Whether anything waits for `cell`'s scorer.
    func hasInbox(cell: String) throws -> Bool
    /// When the oldest item still waiting for `cell`'s scorer was received (nil: nothing waits): how far
    /// scoring lags acceptance.
    func oldestWaiting(cell: String) throws -> Date?
    /// Serialises replicas' start-up work until the transaction ends.
    func lockStartup() throws
}

/// A cell's scorer lease: which replica scores the cell's telemetry, and until when.
public struct ScorerLease: Sendable, Equatable {
    /// The cell.
    public var cell: String
    /// The replica holding it, if any.
    public var holder: String?
    /// When it lapses unless renewed.
    public var until: Date
    /// The database's clock when it was read.
    public var now: Date

    /// A lease.
    public init(cell: String, holder: String?, until: Date, now: Date) {
        self.cell = cell
        self.holder = holder
        self.until = until
        self.now = now
    }

    /// Whether `replica` holds it now.
    public func isHeld(by replica: String) -> Bool { holder == replica && until > now }
}

/// Telemetry accepted by any replica and waiting for its cell's scorer.
public struct InboxRecord: Sendable, Equatable {
    /// The store's id (its order of arrival).
    public var id: Int64
    /// The cell.
    public var cell: String
    /// The ingest batch it arrived in.
    public var batch: Int64
    /// The batch's correlation id.
    public var correlationID: String
    /// `sample` or `movement`.
    public var kind: String
    /// The asset or the item.
    public var subject: String
    /// When it was measured or happened.
    public var time: Date
    /// The sample's values, or the movement's kind and quantity, as JSON.
    public var payload: String
    /// When it was accepted.
    public var receivedAt: Date

    /// An inbox item.
    public init(
        id: Int64 = 0, cell: String, batch: Int64, correlationID: String, kind: String, subject: String, time: Date, payload: String,
        receivedAt: Date
    ) {
        self.id = id
        self.cell = cell
        self.batch = batch
        self.correlationID = correlationID
        self.kind = kind
        self.subject = subject
        self.time = time
        self.payload = payload
        self.receivedAt = receivedAt
    }
}

/// One transaction's view of the store: a repository per table.
public protocol StoreSession {
    /// Samples and ingest batches.
    var samples: any SampleRepository { get }
    /// Actions and decisions.
    var actions: any ActionRepository { get }
    /// The outbox.
    var outbox: any OutboxRepository { get }
    /// The audit log.
    var audit: any AuditRepository { get }
    /// Tokens.
    var tokens: any TokenRepository { get }
    /// Gates.
    var gates: any GateRepository { get }
    /// Materials.
    var materials: any MaterialRepository { get }
    /// Rehearsals.
    var rehearsals: any RehearsalRepository { get }
    /// How replicas divide the work; nil for a store only one process uses (SQLite).
    var coordination: (any CoordinationRepository)? { get }
}

extension StoreSession {
    /// One process per store, unless the store says otherwise.
    public var coordination: (any CoordinationRepository)? { nil }
}

/// Where Sluice keeps everything: the embedded SQLite file by default; PostgreSQL behind the same
/// protocols for scale-out. Every write runs in one transaction: all of it is kept, or none.
public protocol Store: Sendable {
    /// Runs `body` in a write transaction, committed when it returns and rolled back when it throws.
    func write<T>(_ body: (any StoreSession) throws -> T) throws -> T
    /// Runs `body` on a consistent read-only snapshot.
    func read<T>(_ body: (any StoreSession) throws -> T) throws -> T
    /// Where the store is, for logs and `/health` (never a password).
    var location: String { get }
    /// Whether several processes (replicas) may use it at once, dividing the work through
    /// ``StoreSession/coordination``.
    var isShared: Bool { get }
    /// The schema version the store is at: the last migration applied.
    func schemaVersion() throws -> String?
    /// Ends the store's use, on shutdown: SQLite writes its WAL back into the main file, PostgreSQL closes
    /// its connections.
    func close()
}

extension Store {
    /// One process per store, unless the store says otherwise.
    public var isShared: Bool { false }
}
