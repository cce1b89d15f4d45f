/// Why an OPC UA operation failed, in words an engineer can act on, with a code to branch on.
public struct OPCUAError: Error, CustomStringConvertible, Equatable {
    /// What kind of failure.
    public enum Code: Sendable, Equatable {
        /// The endpoint URL is not `opc.tcp://host[:port][/path]`.
        case invalidEndpoint
        /// Nothing accepted the TCP connection (a closed port, an unreachable host).
        case connectionFailed
        /// The connection ended (the server closed it, or the network failed).
        case connectionClosed
        /// The server sent an Error message or aborted a message.
        case serverError
        /// The server answered a service with a fault or a Bad service result.
        case serviceFault
        /// The server sent bytes that break the protocol or the limits agreed.
        case protocolViolation
        /// A request would be larger than the server accepts.
        case requestTooLarge
        /// No answer within the request timeout.
        case timeout
        /// The server's endpoints do not offer what was asked (security, user identity).
        case unsupportedEndpoint
        /// The user was refused (wrong name or password, or anonymous not allowed).
        case accessDenied
        /// The client's certificate, key or trust list cannot be used.
        case securityConfiguration
        /// The server's certificate is not in the trust list.
        case untrustedCertificate
        /// A signature did not verify or a message did not decrypt.
        case securityCheckFailed
    }

    /// The kind.
    public var code: Code
    /// The server's status code, when it sent one.
    public var status: StatusCode?
    /// What happened.
    public var message: String

    /// An error.
    public init(_ code: Code, _ message: String, status: StatusCode? = nil) {
        self.code = code
        self.message = message
        self.status = status
    }

    /// The message, with the status code when there is one.
    public var description: String { status.map { "\(message) [\($0)]" } ?? message }
}
