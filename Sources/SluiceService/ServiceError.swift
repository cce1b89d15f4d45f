/// An expected failure of a service call, with the HTTP status class it maps to and words a client can act on.
public struct ServiceError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Equatable {
        /// No valid token.
        case unauthorized
        /// A valid token whose role may not do this.
        case forbidden
        /// Nothing there, or not within the caller's cell.
        case notFound
        /// The thing is not in a state that allows this.
        case conflict
        /// The request is malformed or says something impossible.
        case invalid
        /// The request body is larger than allowed.
        case tooLarge
        /// The service cannot take it right now (the store is busy).
        case unavailable
        /// Too much is already waiting: send again after ``ServiceError/retryAfter`` seconds.
        case busy
    }

    /// The kind.
    public let kind: Kind
    /// What was wrong.
    public let message: String
    /// For ``Kind/busy``: seconds to wait before sending again.
    public let retryAfter: Int?

    /// An error of `kind`.
    public init(_ kind: Kind, _ message: String, retryAfter: Int? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    /// No valid token.
    public static func unauthorized(_ message: String) -> ServiceError { ServiceError(.unauthorized, message) }
    /// The role may not do this.
    public static func forbidden(_ message: String) -> ServiceError { ServiceError(.forbidden, message) }
    /// Nothing there (or outside the caller's cell).
    public static func notFound(_ message: String) -> ServiceError { ServiceError(.notFound, message) }
    /// Not in a state that allows this.
    public static func conflict(_ message: String) -> ServiceError { ServiceError(.conflict, message) }
    /// Malformed or impossible.
    public static func invalid(_ message: String) -> ServiceError { ServiceError(.invalid, message) }

    public var description: String { message }
}
