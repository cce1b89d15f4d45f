public import Foundation

/// One telemetry sample as stored: an asset's sensor values at one time.
public struct SampleRecord: Sendable, Equatable {
    /// The asset that sent it.
    public var asset: String
    /// When it was measured.
    public var time: Date
    /// Values by sensor name.
    public var values: [String: Double]
    /// The ingest batch it arrived in (its correlation id lives there).
    public var batch: Int64

    /// A sample.
    public init(asset: String, time: Date, values: [String: Double], batch: Int64) {
        self.asset = asset
        self.time = time
        self.values = values
        self.batch = batch
    }
}

/// One accepted ingest request: where it came from and how it fared.
public struct IngestBatchRecord: Sendable, Equatable {
    /// The store's id for it.
    public var id: Int64
    /// The correlation id carried to every action it triggers.
    public var correlationID: String
    /// Who sent it (a token's name, or an MQTT client).
    public var source: String
    /// When it arrived.
    public var receivedAt: Date
    /// Samples and movements accepted.
    public var accepted: Int
    /// Samples and movements rejected.
    public var rejected: Int

    /// A batch.
    public init(id: Int64 = 0, correlationID: String, source: String, receivedAt: Date, accepted: Int = 0, rejected: Int = 0) {
        self.id = id
        self.correlationID = correlationID
        self.source = source
        self.receivedAt = receivedAt
        self.accepted = accepted
        self.rejected = rejected
    }
}

/// A soft action, recommendation or shadow detection with its evidence and its place in the lifecycle.
public struct ActionRecord: Sendable, Equatable, Codable {
    /// A unique id.
    public var id: String
    /// The cell.
    public var cell: String
    /// The gate that decided its mode.
    public var gate: String
    /// The action type (the gate's action: `maintenance-order`, `purchase-requisition`, …).
    public var type: String
    /// `action`, `recommendation` or `shadow`.
    public var mode: String
    /// Where it stands in its lifecycle.
    public var state: ActionState
    /// The asset or material it concerns.
    public var subject: String
    /// How far over the threshold the triggering score was (1.0 is the threshold).
    public var severity: Double
    /// The proposed quantity, for actions that have one.
    public var quantity: Double?
    /// The quantity's unit.
    public var unit: String?
    /// The correlation id of the telemetry that triggered it.
    public var correlationID: String
    /// The model's name.
    public var modelName: String
    /// The model's version.
    public var modelVersion: Int
    /// When it was raised.
    public var createdAt: Date
    /// When it expires unless decided.
    public var expiresAt: Date
    /// When it was decided.
    public var decidedAt: Date?
    /// Who decided it.
    public var decidedBy: String?
    /// The reason code of a rejection.
    public var reasonCode: String?
    /// The free text of a rejection or approval.
    public var reasonText: String?
    /// The quantity approved (the proposal's unless edited).
    public var approvedQuantity: Double?
    /// When it last changed.
    public var updatedAt: Date
    /// The name of the gate's stage when it was raised (nil for actions stored before stages were kept).
    public var stage: String?
    /// When the need was first seen: the first sample of the over-threshold run for an anomaly, the movement
    /// that triggered a replenishment. Detection time is `createdAt − detectedAt`.
    public var detectedAt: Date?

    /// An action record.
    public init(
        id: String, cell: String, gate: String, type: String, mode: String, state: ActionState, subject: String, severity: Double,
        quantity: Double?, unit: String?, correlationID: String, modelName: String, modelVersion: Int,
        createdAt: Date, expiresAt: Date, decidedAt: Date? = nil, decidedBy: String? = nil, reasonCode: String? = nil,
        reasonText: String? = nil, approvedQuantity: Double? = nil, updatedAt: Date? = nil, stage: String? = nil, detectedAt: Date? = nil
    ) {
        self.id = id
        self.cell = cell
        self.gate = gate
        self.type = type
        self.mode = mode
        self.state = state
        self.subject = subject
        self.severity = severity
        self.quantity = quantity
        self.unit = unit
        self.correlationID = correlationID
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.reasonCode = reasonCode
        self.reasonText = reasonText
        self.approvedQuantity = approvedQuantity
        self.updatedAt = updatedAt ?? createdAt
        self.stage = stage
        self.detectedAt = detectedAt
    }
}

/// Which actions to list.
public struct ActionFilter: Sendable, Equatable {
    /// Only these cells (nil: all).
    public var cells: [String]?
    /// Only this state.
    public var state: ActionState?
    /// Only this action type.
    public var type: String?
    /// Only this mode; without one, every mode but shadow (unless ``includesShadow``).
    public var mode: String?
    /// Only this gate.
    public var gate: String?
    /// Only actions raised at or after this time.
    public var since: Date?
    /// Only actions raised before this time.
    public var until: Date?
    /// With no mode named, whether shadow detections are listed too (reports and rehearsals want them).
    public var includesShadow: Bool
    /// At most this many, newest first.
    public var limit: Int

    /// A filter.
    public init(
        cells: [String]? = nil, state: ActionState? = nil, type: String? = nil, mode: String? = nil, gate: String? = nil, since: Date? = nil,
        until: Date? = nil, includesShadow: Bool = false, limit: Int = 100
    ) {
        self.cells = cells
        self.state = state
        self.type = type
        self.mode = mode
        self.gate = gate
        self.since = since
        self.until = until
        self.includesShadow = includesShadow
        self.limit = limit
    }
}

/// A person's decision on an action or recommendation: the label the data team retrains from.
public struct DecisionRecord: Sendable, Equatable, Codable {
    /// The action decided.
    public var actionID: String
    /// The state the decision put the action in: approved, rejected, useful, not useful or expired.
    public var decision: ActionState
    /// The reason code of a rejection.
    public var reasonCode: String?
    /// Free text.
    public var reasonText: String?
    /// The quantity proposed.
    public var proposedQuantity: Double?
    /// The quantity approved (differs from the proposal when edited).
    public var quantity: Double?
    /// Whether the gate's judge counted it as a false positive.
    public var falsePositive: Bool
    /// Who decided.
    public var decidedBy: String
    /// Their role.
    public var role: String
    /// When.
    public var decidedAt: Date

    /// A decision.
    public init(
        actionID: String, decision: ActionState, reasonCode: String? = nil, reasonText: String? = nil, proposedQuantity: Double? = nil,
        quantity: Double? = nil, falsePositive: Bool, decidedBy: String, role: String, decidedAt: Date
    ) {
        self.actionID = actionID
        self.decision = decision
        self.reasonCode = reasonCode
        self.reasonText = reasonText
        self.proposedQuantity = proposedQuantity
        self.quantity = quantity
        self.falsePositive = falsePositive
        self.decidedBy = decidedBy
        self.role = role
        self.decidedAt = decidedAt
    }
}

/// A call to the ERP/MES waiting in the transactional outbox, or made.
public struct OutboxRecord: Sendable, Equatable, Codable {
    /// The store's id.
    public var id: Int64
    /// The approved action it carries.
    public var actionID: String
    /// The connector that maps and sends it (`maintenance-order`, `purchase-requisition`, `webhook`).
    public var connector: String
    /// The body to send, as JSON.
    public var payload: String
    /// Sent with every attempt so the receiver acts on it once.
    public var idempotencyKey: String
    /// The correlation id of the telemetry behind the action.
    public var correlationID: String
    /// Where the call stands.
    public var state: OutboxState
    /// Attempts made so far.
    public var attempts: Int
    /// When the next attempt is due.
    public var nextAttemptAt: Date
    /// What went wrong last.
    public var lastError: String?
    /// When it was queued.
    public var createdAt: Date
    /// When the receiver acknowledged it.
    public var deliveredAt: Date?

    /// An outbox entry.
    public init(
        id: Int64 = 0, actionID: String, connector: String, payload: String, idempotencyKey: String, correlationID: String,
        state: OutboxState = .pending, attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil, createdAt: Date, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.actionID = actionID
        self.connector = connector
        self.payload = payload
        self.idempotencyKey = idempotencyKey
        self.correlationID = correlationID
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// An API token as stored: never the token itself, only its SHA-256.
public struct TokenRecord: Sendable, Equatable, Codable {
    /// A short public id, used to list and revoke it.
    public var id: String
    /// Whose it is.
    public var name: String
    /// `operator`, `data`, `sponsor`, `admin` or `edge`.
    public var role: String
    /// The cell it may reach; nil for every cell.
    public var cell: String?
    /// Hex SHA-256 of the token.
    public var hash: String
    /// When it was created.
    public var createdAt: Date
    /// Who created it.
    public var createdBy: String
    /// When it stops working, if it does.
    public var expiresAt: Date?
    /// When it was revoked.
    public var revokedAt: Date?

    /// A token record.
    public init(
        id: String, name: String, role: String, cell: String?, hash: String, createdAt: Date, createdBy: String, expiresAt: Date? = nil,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.role = role
        self.cell = cell
        self.hash = hash
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// A gate's running state (stage, status, the judge's evidence), as encoded JSON, so a restart resumes it
/// exactly. Its debouncer is not stored: it is rebuilt from the action queue (open actions, last raised).
public struct GateRecord: Sendable, Equatable {
    /// The gate's id.
    public var id: String
    /// Its cell.
    public var cell: String
    /// The encoded stage machine.
    public var state: String
    /// When it last changed.
    public var updatedAt: Date

    /// A gate record.
    public init(id: String, cell: String, state: String, updatedAt: Date) {
        self.id = id
        self.cell = cell
        self.state = state
        self.updatedAt = updatedAt
    }
}

/// A material's twin state (inventory, demand history), as encoded JSON.
public struct MaterialRecord: Sendable, Equatable {
    /// The item code.
    public var item: String
    /// Its cell.
    public var cell: String
    /// The encoded material state.
    public var state: String
    /// When it last changed.
    public var updatedAt: Date

    /// A material record.
    public init(item: String, cell: String, state: String, updatedAt: Date) {
        self.item = item
        self.cell = cell
        self.state = state
        self.updatedAt = updatedAt
    }
}

/// A stock movement reported by the twin: consumption, receipt or a count correction.
public struct MovementRecord: Sendable, Equatable {
    /// The item code.
    public var item: String
    /// `consumption`, `receipt` or `count`.
    public var kind: String
    /// How much (for a count, the counted on-hand quantity).
    public var quantity: Double
    /// When it happened.
    public var time: Date
    /// The ingest batch it arrived in.
    public var batch: Int64

    /// A movement.
    public init(item: String, kind: String, quantity: Double, time: Date, batch: Int64) {
        self.item = item
        self.kind = kind
        self.quantity = quantity
        self.time = time
        self.batch = batch
    }
}

/// A rehearsal of a candidate model on recorded telemetry (`sluice replay --dry-run`): what it would have
/// done, kept so the sponsor's report can show it beside the live figures.
public struct RehearsalRecord: Sendable, Equatable {
    /// The store's id.
    public var id: Int64
    /// The gate rehearsed.
    public var gate: String
    /// The candidate model version.
    public var candidateVersion: Int
    /// The first and last sample time replayed.
    public var from: Date
    /// The last sample time replayed.
    public var to: Date
    /// When it ran.
    public var createdAt: Date
    /// Who ran it.
    public var createdBy: String
    /// The rehearsal's figures, as JSON.
    public var summary: String

    /// A rehearsal record.
    public init(id: Int64 = 0, gate: String, candidateVersion: Int, from: Date, to: Date, createdAt: Date, createdBy: String, summary: String) {
        self.id = id
        self.gate = gate
        self.candidateVersion = candidateVersion
        self.from = from
        self.to = to
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.summary = summary
    }
}
