import CMosquitto

/// A failure talking to the MQTT broker, worded so that an operator reading a log line knows what to fix.
public struct MQTTError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The broad category, for callers that react differently to, say, bad configuration and a broker outage.
    public enum Kind: Sendable, Hashable {
        /// The broker URL could not be parsed.
        case invalidURL
        /// A configuration value is out of range or inconsistent; retrying will not help.
        case invalidConfiguration
        /// No TCP connection could be made (broker down, wrong host or port, DNS failure).
        case connectionFailed
        /// The broker answered but refused the connection (CONNACK return code other than 0).
        case connectionRefused
        /// An established connection went away.
        case connectionLost
        /// The broker refused one of the requested subscriptions, usually because of its ACL.
        case subscriptionRejected
        /// An operation needs a connection and there is none.
        case notConnected
        /// The broker did not answer in time.
        case timeout
        /// libmosquitto rejected a publish before it reached the network.
        case publishFailed
        /// `MQTTSubscriber.run` was called while a previous call was still running.
        case alreadyRunning
    }

    /// What went wrong, for code.
    public let kind: Kind
    /// What went wrong and what to check, for people.
    public let message: String

    /// Creates an error; the library's own errors come from the factory methods below.
    public init(kind: Kind, message: String) {
        self.kind = kind
        self.message = message
    }

    /// The operator-facing message.
    public var description: String { message }
}

extension MQTTError {
    static func invalidConfiguration(_ message: String) -> MQTTError {
        MQTTError(kind: .invalidConfiguration, message: "Invalid MQTT configuration: \(message).")
    }

    static func connectionFailed(_ endpoint: String, code: Int32, errno savedErrno: Int32) -> MQTTError {
        let reason = Mosquitto.describe(code, errno: savedErrno)
        return MQTTError(
            kind: .connectionFailed,
            message: "Cannot connect to the MQTT broker at \(endpoint): \(reason). Check that the broker is running and that host and port are right."
        )
    }

    static func connectionRefused(_ endpoint: String, connackCode: Int32, clientID: String) -> MQTTError {
        let hint: String
        switch connackCode {
        case 1: hint = "The broker does not accept MQTT 3.1.1 clients."
        case 2: hint = "The broker rejected client ID '\(clientID)'; configure a different client ID."
        case 3: hint = "The broker is up but not accepting connections yet."
        case 4: hint = "Check the username and password in the broker URL."
        case 5: hint = "Check the credentials in the broker URL and the broker's allow_anonymous / ACL settings."
        default: hint = "See the broker's log for the reason."
        }
        return MQTTError(
            kind: .connectionRefused,
            message: "The MQTT broker at \(endpoint) refused the connection (\(Mosquitto.describeConnack(connackCode))). \(hint)"
        )
    }

    /// Whether retrying the same connection could succeed; only "server unavailable" (3) is a transient refusal.
    static func isTransientRefusal(connackCode: Int32) -> Bool {
        connackCode == 3
    }

    static func connectionLost(_ endpoint: String, code: Int32, errno savedErrno: Int32) -> MQTTError {
        MQTTError(
            kind: .connectionLost,
            message: "Lost the connection to the MQTT broker at \(endpoint): \(Mosquitto.describe(code, errno: savedErrno))."
        )
    }

    static func subscriptionRejected(_ endpoint: String, topic: String, clientID: String) -> MQTTError {
        MQTTError(
            kind: .subscriptionRejected,
            message: "The MQTT broker at \(endpoint) rejected the subscription to '\(topic)'. "
                + "Check the broker's ACL for client ID '\(clientID)'."
        )
    }

    static func notConnected(_ endpoint: String) -> MQTTError {
        MQTTError(
            kind: .notConnected,
            message: "Not connected to the MQTT broker at \(endpoint): connect() was not called or failed, or the connection dropped "
                + "and is being re-established."
        )
    }

    static func timeout(_ endpoint: String, waitingFor what: String, after duration: Duration) -> MQTTError {
        MQTTError(
            kind: .timeout,
            message: "The MQTT broker at \(endpoint) did not \(what) within \(duration.readable). "
                + "Check that the broker is healthy and not overloaded."
        )
    }

    static func publishFailed(topic: String, code: Int32, errno savedErrno: Int32) -> MQTTError {
        MQTTError(kind: .publishFailed, message: "Cannot publish to '\(topic)': \(Mosquitto.describe(code, errno: savedErrno)).")
    }

    static func alreadyRunning(clientID: String) -> MQTTError {
        MQTTError(
            kind: .alreadyRunning,
            message: "The MQTT subscriber '\(clientID)' is already running; a client ID can only have one connection at a time."
        )
    }
}
