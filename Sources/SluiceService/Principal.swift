public import SluiceGates

/// Who is calling: the identity behind a token, its role and the cell it may reach.
public struct Principal: Sendable, Equatable {
    /// The token's public id (empty for the service itself and local commands).
    public var tokenID: String
    /// The token's holder.
    public var name: String
    /// The role.
    public var role: Identity.Role
    /// The one cell it may reach; nil for every cell.
    public var cell: String?

    /// A principal.
    public init(tokenID: String, name: String, role: Identity.Role, cell: String?) {
        self.tokenID = tokenID
        self.name = name
        self.role = role
        self.cell = cell
    }

    /// The identity recorded in gate events and the audit log.
    public var identity: Identity { Identity(name: name, role: role) }

    /// Whether `cell` is within reach.
    public func reaches(_ cell: String) -> Bool { self.cell == nil || self.cell == cell }

    /// The service itself: the judge, the expiry sweeper, the dispatcher.
    public static let system = Principal(tokenID: "", name: Identity.system.name, role: .system, cell: nil)

    /// A person at the machine running a local command (`sluice actions replay`), recorded as `name`.
    public static func local(_ name: String) -> Principal {
        Principal(tokenID: "", name: name, role: .admin, cell: nil)
    }
}

/// What a caller wants to do, and which roles may: the one table the API and every other entry point obey.
public enum Permission: String, Sendable, CaseIterable {
    /// Push telemetry and stock movements.
    case ingest
    /// Read actions, gates, the twin and the event stream.
    case read
    /// Approve or reject actions, judge recommendations.
    case decide
    /// Promote, pause, resume or abort a gate, or switch its flag.
    case changeGates
    /// Sign off a stage promotion.
    case signOff
    /// Verify the audit log and read reports.
    case readReports
    /// Export the labelled decisions for retraining.
    case exportLabels
    /// Create, list and revoke tokens.
    case manageTokens
    /// Requeue a dead-lettered dispatch.
    case requeueDispatch

    /// The roles allowed.
    public var roles: Set<Identity.Role> {
        switch self {
        case .ingest: [.edge, .admin]
        case .read: [.operator, .data, .sponsor, .admin]
        case .decide: [.operator]
        case .changeGates: [.admin]
        case .signOff: [.sponsor]
        case .readReports: [.sponsor, .admin, .data]
        case .exportLabels: [.data, .admin]
        case .manageTokens: [.admin]
        case .requeueDispatch: [.admin]
        }
    }

    /// In words, for refusals.
    var verb: String {
        switch self {
        case .ingest: "push telemetry"
        case .read: "read the queue, the gates or the twin"
        case .decide: "decide actions"
        case .changeGates: "change gates"
        case .signOff: "sign off promotions"
        case .readReports: "read reports or verify the audit log"
        case .exportLabels: "export labels"
        case .manageTokens: "manage tokens"
        case .requeueDispatch: "requeue dispatches"
        }
    }
}

extension Principal {
    /// Throws ``ServiceError/forbidden(_:)`` unless the role may do `permission`.
    public func require(_ permission: Permission) throws {
        guard role == .system || permission.roles.contains(role) else {
            throw ServiceError.forbidden(
                "\(role.rawValue) tokens may not \(permission.verb); that takes \(permission.roles.map(\.rawValue).sorted().joined(separator: " or "))"
            )
        }
    }
}
