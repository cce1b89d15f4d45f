import CMosquitto
import Foundation

/// Where and how to connect to the MQTT broker.
///
/// The defaults favour not losing messages: QoS 1 and a persistent session, so that the broker queues messages for us while the
/// service restarts.
public struct MQTTConfiguration: Sendable, Hashable {
    /// Broker host name or IP address.
    public var host: String
    /// Broker TCP port.
    public var port: Int
    /// Identifies our session on the broker; with `cleanSession == false` it must stay the same across restarts, or the messages
    /// queued for us are never delivered.
    public var clientID: String
    /// Topic filters to subscribe to (wildcards allowed); ignored by `MQTTPublisher`.
    public var topics: [String]
    /// Maximum QoS requested for the subscriptions.
    public var qos: Int
    /// False asks the broker to keep our subscriptions and queue QoS 1/2 messages while we are disconnected.
    public var cleanSession: Bool
    /// Seconds between keep-alive pings; also bounds how long a dead connection goes unnoticed (about 1.5 times this).
    public var keepAlive: Int
    /// Username for brokers that require authentication.
    public var username: String?
    /// Password for brokers that require authentication; only meaningful together with `username`.
    public var password: String?
    /// How long `MQTTPublisher` waits for the broker to acknowledge a connection or a QoS 1/2 message.
    public var responseTimeout: Duration
    /// Upper bound of the subscriber's exponential reconnect backoff, which starts at 100 ms.
    public var maxReconnectDelay: Duration

    /// Creates a configuration from individual values.
    public init(
        host: String,
        port: Int = 1883,
        clientID: String,
        topics: [String] = [],
        qos: Int = 1,
        cleanSession: Bool = false,
        keepAlive: Int = 30,
        username: String? = nil,
        password: String? = nil,
        responseTimeout: Duration = .seconds(5),
        maxReconnectDelay: Duration = .seconds(10)
    ) {
        self.host = host
        self.port = port
        self.clientID = clientID
        self.topics = topics
        self.qos = qos
        self.cleanSession = cleanSession
        self.keepAlive = keepAlive
        self.username = username
        self.password = password
        self.responseTimeout = responseTimeout
        self.maxReconnectDelay = maxReconnectDelay
    }

    /// Creates a configuration from a broker URL of the form `mqtt://[user:password@]host[:port]`, as found in deployment settings.
    ///
    /// User and password may be percent-encoded (`%40` for `@`). IPv6 hosts go in brackets: `mqtt://[::1]:1883`.
    /// Error messages never repeat the password.
    public init(url: String, topics: [String], clientID: String) throws(MQTTError) {
        let parsed = try BrokerURL(url)
        self.init(host: parsed.host, port: parsed.port, clientID: clientID, topics: topics, username: parsed.username, password: parsed.password)
    }

    /// "host:port" for messages; brackets keep IPv6 addresses readable.
    var endpoint: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// Checks what libmosquitto would otherwise reject with a bare EINVAL, so the error can say which setting is wrong.
    func validate(forSubscribing subscribing: Bool) throws(MQTTError) {
        if host.isEmpty {
            throw .invalidConfiguration("the broker host is empty")
        }
        if !(1...65535).contains(port) {
            throw .invalidConfiguration("port \(port) is outside 1-65535")
        }
        if !(0...2).contains(qos) {
            throw .invalidConfiguration("QoS \(qos) is not 0, 1 or 2")
        }
        if !(5...65535).contains(keepAlive) {
            throw .invalidConfiguration("keep-alive \(keepAlive) s is outside 5-65535 s")
        }
        if clientID.isEmpty && !cleanSession {
            throw .invalidConfiguration("a persistent session (cleanSession false) needs a non-empty client ID")
        }
        if clientID.utf8.count > 65535 {
            throw .invalidConfiguration("the client ID is longer than 65535 bytes")
        }
        if password != nil && username == nil {
            throw .invalidConfiguration("a password was given without a username, which MQTT 3.1.1 does not allow")
        }
        if responseTimeout <= .zero {
            throw .invalidConfiguration("the response timeout must be positive")
        }
        if maxReconnectDelay <= .zero {
            throw .invalidConfiguration("the maximum reconnect delay must be positive")
        }
        guard subscribing else { return }
        if topics.isEmpty {
            throw .invalidConfiguration("no topics to subscribe to")
        }
        for topic in topics where mosquitto_sub_topic_check(topic) != Mosquitto.success {
            throw .invalidConfiguration("'\(topic)' is not a valid topic filter (empty, or '+'/'#' not used as a whole level)")
        }
    }
}

/// The parts of a `mqtt://` URL; kept separate so that parsing does not depend on Foundation's looser URL rules.
private struct BrokerURL {
    var host: String
    var port = 1883
    var username: String?
    var password: String?

    init(_ url: String) throws(MQTTError) {
        let shown = BrokerURL.redacted(url)
        func invalid(_ reason: String) -> MQTTError {
            MQTTError(
                kind: .invalidURL,
                message: "Invalid MQTT broker URL '\(shown)': \(reason). Expected mqtt://[user:password@]host[:port]."
            )
        }

        let trimmed = url.trimmingCharacters(in: .whitespaces)
        guard let separator = trimmed.range(of: "://") else {
            throw invalid("missing the mqtt:// scheme")
        }
        let scheme = trimmed[..<separator.lowerBound].lowercased()
        switch scheme {
        case "mqtt", "tcp":
            break
        case "mqtts", "ssl", "tls", "ws", "wss":
            throw invalid("scheme '\(scheme)' (TLS or WebSocket) is not supported, only plain mqtt://")
        default:
            throw invalid("unsupported scheme '\(scheme)'")
        }

        var rest = trimmed[separator.upperBound...]
        if rest.hasSuffix("/") {
            rest = rest.dropLast()
        }
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let user: Substring
            if let colon = userInfo.firstIndex(of: ":") {
                user = userInfo[..<colon]
                guard let decoded = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding else {
                    throw invalid("the password has broken percent-encoding")
                }
                password = decoded
            } else {
                user = userInfo
            }
            guard let decoded = String(user).removingPercentEncoding, !decoded.isEmpty else {
                throw invalid("the username is empty or has broken percent-encoding")
            }
            username = decoded
        }
        if rest.contains(where: { "/?#".contains($0) }) {
            throw invalid("a path, query or fragment is not allowed")
        }

        let portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw invalid("an IPv6 address is missing its closing ']'")
            }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.isEmpty {
                portText = nil
            } else if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else {
                throw invalid("unexpected text after the IPv6 address")
            }
        } else {
            let parts = rest.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count <= 2 else {
                throw invalid("too many ':'; put IPv6 addresses in brackets")
            }
            host = String(parts[0])
            portText = parts.count == 2 ? parts[1] : nil
        }
        if host.isEmpty {
            throw invalid("the host is missing")
        }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw invalid("port '\(portText)' is not a number between 1 and 65535")
            }
            port = value
        }
    }

    /// Hides credentials so that a parse error can be logged safely.
    private static func redacted(_ url: String) -> String {
        guard let separator = url.range(of: "://"), let at = url.lastIndex(of: "@"), at > separator.upperBound else {
            return url
        }
        return url[..<separator.upperBound] + "***" + url[at...]
    }
}
