import Crypto
public import Foundation
public import SluiceGates
public import SluiceStore
import SluiceTelemetry
import Synchronization

/// Issues, checks and revokes bearer tokens. Only a token's SHA-256 is stored; the token itself is shown
/// once, when it is created.
public final class TokenAuthority: Sendable {
    private let store: any Store
    private let cells: Set<String>
    private let clock: @Sendable () -> Date
    /// Recently checked tokens, so ingest at full speed does not read the token table per request; a
    /// revocation by this process takes effect at once, one by another process within `cacheLifetime`.
    private let cache = Mutex<[String: (principal: Principal, expiresAt: Date?, checkedAt: Date)]>([:])
    private let cacheLifetime: TimeInterval = 5

    /// An authority over `store`; tokens may be scoped to one of `cells`.
    public init(store: any Store, cells: Set<String>, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.cells = cells
        self.clock = clock
    }

    /// A newly created token: its record and the secret, shown once.
    public struct Issued: Sendable, Codable, Equatable {
        /// The stored record (no secret in it).
        public var record: TokenRecord
        /// The bearer token.
        public var token: String
    }

    /// Creates a token for `name` with `role`, reaching `cell` (nil: every cell), optionally expiring.
    public func create(name: String, role: Identity.Role, cell: String?, expiresIn: TimeInterval? = nil, by principal: Principal) throws -> Issued {
        try principal.require(.manageTokens)
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 100 else { throw ServiceError.invalid("name the token's holder (1 to 100 characters)") }
        guard role != .system else {
            throw ServiceError.invalid("the system role is the service's own; choose operator, data, sponsor, admin or edge")
        }
        if let cell, !cells.contains(cell) {
            throw ServiceError.invalid("no cell '\(cell)'; the cells are \(cells.sorted().joined(separator: ", "))")
        }
        if let expiresIn, !(expiresIn >= 60 && expiresIn <= 100 * 365 * 86_400) {
            throw ServiceError.invalid("a token's lifetime must be at least a minute and at most 100 years")
        }
        // An admin of one cell makes tokens for that cell only.
        if let scope = principal.cell, cell != scope {
            throw ServiceError.forbidden("a token for cell \(scope) may only create tokens for cell \(scope)")
        }
        let id = Self.randomHex(bytes: 4)
        let token = "sluice_\(id)_\(Self.randomHex(bytes: 24))"
        let now = clock()
        let record = TokenRecord(
            id: id, name: name, role: role.rawValue, cell: cell, hash: Self.hash(token), createdAt: now, createdBy: principal.name,
            expiresAt: expiresIn.map { now.addingTimeInterval($0) })
        try store.write { session in
            try session.tokens.insert(record)
            try session.audit.append(
                AuditEntry(
                    time: now, actor: principal.name, role: principal.role.rawValue, event: "token.created", subject: "token:\(id)", cell: cell,
                    details: JSONValue.object(["name": .string(name), "role": .string(role.rawValue), "cell": .string(cell ?? "*")]).encoded))
        }
        return Issued(record: record, token: token)
    }

    /// The principal behind `Authorization: Bearer <token>`, or ``ServiceError/unauthorized(_:)``.
    public func authenticate(authorization: String?) throws -> Principal {
        guard let authorization, !authorization.isEmpty else {
            throw ServiceError.unauthorized("no token: send 'Authorization: Bearer <token>' (create one with `sluice tokens create`)")
        }
        let parts = authorization.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw ServiceError.unauthorized("the Authorization header must read 'Bearer <token>'")
        }
        return try authenticate(token: String(parts[1]).trimmingCharacters(in: .whitespaces))
    }

    /// The principal behind a bare token.
    public func authenticate(token: String) throws -> Principal {
        let hash = Self.hash(token)
        let now = clock()
        if let cached = cache.withLock({ $0[hash] }), now.timeIntervalSince(cached.checkedAt) < cacheLifetime {
            if let expiry = cached.expiresAt, expiry <= now { throw ServiceError.unauthorized("the token has expired") }
            return cached.principal
        }
        guard let record = try store.read({ try $0.tokens.find(hash: hash) }) else {
            cache.withLock { _ = $0.removeValue(forKey: hash) }
            throw ServiceError.unauthorized("the token is not valid")
        }
        guard record.revokedAt == nil else {
            cache.withLock { _ = $0.removeValue(forKey: hash) }
            throw ServiceError.unauthorized("the token was revoked")
        }
        if let expiry = record.expiresAt, expiry <= now { throw ServiceError.unauthorized("the token has expired") }
        guard let role = Identity.Role(rawValue: record.role), role != .system else { throw ServiceError.unauthorized("the token is not valid") }
        let principal = Principal(tokenID: record.id, name: record.name, role: role, cell: record.cell)
        cache.withLock { cache in
            if cache.count > 10_000 { cache.removeAll() }
            cache[hash] = (principal, record.expiresAt, now)
        }
        return principal
    }

    /// Every token (without secrets).
    public func list(by principal: Principal) throws -> [TokenRecord] {
        try principal.require(.manageTokens)
        return try store.read { try $0.tokens.all() }.filter { token in principal.cell == nil || token.cell == principal.cell }
    }

    /// Revokes a token; it stops working at once in this process.
    public func revoke(id: String, by principal: Principal) throws {
        try principal.require(.manageTokens)
        let now = clock()
        let hash: String = try store.write { session in
            guard let record = try session.tokens.get(id: id), principal.cell == nil || record.cell == principal.cell else {
                throw ServiceError.notFound("no token \(id)")
            }
            guard record.revokedAt == nil else { throw ServiceError.conflict("token \(id) is already revoked") }
            try session.tokens.revoke(id: id, at: now)
            try session.audit.append(
                AuditEntry(
                    time: now, actor: principal.name, role: principal.role.rawValue, event: "token.revoked", subject: "token:\(id)",
                    cell: record.cell,
                    details: JSONValue.object(["name": .string(record.name)]).encoded))
            return record.hash
        }
        cache.withLock { _ = $0.removeValue(forKey: hash) }
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
    }
}
