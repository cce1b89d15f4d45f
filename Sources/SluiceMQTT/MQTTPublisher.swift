import CMosquitto
import Dispatch
import Foundation
import Synchronization

/// Publishes messages to the broker and, for QoS 1 and 2, waits until the broker has taken responsibility for them.
///
/// Meant for tests, demos and tools rather than high-throughput producers: every QoS 1/2 `publish` is a full round trip.
/// Network I/O runs on libmosquitto's own thread (`mosquitto_loop_start`), which suits a request/response client: the calling
/// thread only queues packets and waits for the callback. libmosquitto also reconnects that thread on its own after a
/// connection loss; `publish` throws while the connection is down.
public final class MQTTPublisher: Sendable {
    /// The configuration this publisher was created with; `topics` is not used.
    public let configuration: MQTTConfiguration

    private let client: Client
    private let callbacks: PublisherCallbacks
    /// True while libmosquitto's network thread runs; the lock also serialises `connect` and `disconnect`.
    private let loopRunning = Mutex(false)

    /// A libmosquitto client pointer that may cross threads.
    ///
    /// `@unchecked Sendable` invariant: with the network thread started by `mosquitto_loop_start`, libmosquitto guards its
    /// state with its own mutexes, so `mosquitto_publish` may be called from any thread; the calls that start and stop that
    /// thread (`mosquitto_connect`, `mosquitto_loop_start`, `mosquitto_disconnect`, `mosquitto_loop_stop`) only run while
    /// holding `loopRunning`, and `mosquitto_destroy` only in `deinit`.
    private struct Client: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    /// Creates a publisher; nothing is sent until `connect()`.
    public init(configuration: MQTTConfiguration) throws(MQTTError) {
        try configuration.validate(forSubscribing: false)
        Mosquitto.initialize()
        let clientID = configuration.clientID.isEmpty ? nil : configuration.clientID
        guard let pointer = mosquitto_new(clientID, configuration.cleanSession, nil) else {
            let savedErrno = errno
            throw .invalidConfiguration("libmosquitto could not create a client (\(String(cString: strerror(savedErrno))))")
        }
        self.configuration = configuration
        self.client = Client(pointer: pointer)
        self.callbacks = PublisherCallbacks(endpoint: configuration.endpoint)

        // Unretained is enough: `callbacks` outlives the network thread, which `deinit` stops before `mosquitto_destroy`.
        mosquitto_user_data_set(pointer, Unmanaged.passUnretained(callbacks).toOpaque())
        if let username = configuration.username {
            let rc = mosquitto_username_pw_set(pointer, username, configuration.password)
            guard rc == Mosquitto.success else {
                mosquitto_destroy(pointer)
                throw .invalidConfiguration("the username or password was rejected by libmosquitto (\(Mosquitto.describe(rc, errno: 0)))")
            }
        }
        mosquitto_connect_callback_set(pointer) { _, userData, code in
            MQTTPublisher.callbacks(userData).didConnect(code: code)
        }
        mosquitto_publish_callback_set(pointer) { _, userData, messageID in
            MQTTPublisher.callbacks(userData).didPublish(messageID: messageID)
        }
        mosquitto_disconnect_callback_set(pointer) { _, userData, code in
            let savedErrno = errno
            MQTTPublisher.callbacks(userData).didDisconnect(code: code, errno: savedErrno)
        }
    }

    deinit {
        disconnect()
        mosquitto_destroy(client.pointer)
    }

    /// True between a successful `connect()` and `disconnect()`, except while libmosquitto is re-establishing a lost connection.
    public var isConnected: Bool {
        callbacks.isConnected
    }

    /// Connects and returns once the broker has accepted the connection (CONNACK).
    ///
    /// Throws if the TCP connection fails, the broker refuses the connection, or no CONNACK arrives within
    /// `configuration.responseTimeout`. The TCP connect itself is bounded by the operating system, not by that timeout.
    /// Does nothing when already connected.
    public func connect() throws(MQTTError) {
        try loopRunning.withLock { (running) throws(MQTTError) in
            if running {
                if callbacks.isConnected {
                    return
                }
                stopNetworkThread()
                running = false
            }
            let connack = callbacks.prepareForConnect()
            let rc = mosquitto_connect(client.pointer, configuration.host, Int32(configuration.port), Int32(configuration.keepAlive))
            let savedErrno = errno
            guard rc == Mosquitto.success else {
                throw .connectionFailed(configuration.endpoint, code: rc, errno: savedErrno)
            }
            let startCode = mosquitto_loop_start(client.pointer)
            guard startCode == Mosquitto.success else {
                throw .connectionFailed(configuration.endpoint, code: startCode, errno: errno)
            }
            running = true

            let answered = connack.wait(timeout: configuration.responseTimeout.dispatchDeadline) == .success
            let code = callbacks.connackCode
            if code == Mosquitto.success {
                return
            }
            // Stop libmosquitto from retrying in the background; the caller decides what happens next.
            stopNetworkThread()
            running = false
            if let code {
                throw .connectionRefused(configuration.endpoint, connackCode: code, clientID: configuration.clientID)
            }
            if answered {
                throw MQTTError(
                    kind: .connectionFailed,
                    message: "The MQTT broker at \(configuration.endpoint) closed the connection before acknowledging it."
                )
            }
            throw .timeout(configuration.endpoint, waitingFor: "acknowledge the connection (CONNACK)", after: configuration.responseTimeout)
        }
    }

    /// Publishes one message; for QoS 1 and 2 returns only once the broker has acknowledged it (PUBACK or PUBCOMP).
    ///
    /// QoS 0 returns as soon as the message is queued for sending. Throws if not connected, if the broker does not acknowledge
    /// within `configuration.responseTimeout`, or if the connection drops first (the message may then still have been delivered).
    public func publish(topic: String, payload: [UInt8], qos: Int = 1, retain: Bool = false) throws(MQTTError) {
        guard (0...2).contains(qos) else {
            throw .invalidConfiguration("QoS \(qos) is not 0, 1 or 2")
        }
        guard mosquitto_pub_topic_check(topic) == Mosquitto.success else {
            throw MQTTError(
                kind: .publishFailed,
                message: "Cannot publish to '\(topic)': not a valid topic name (it is empty or contains the wildcards '+' or '#')."
            )
        }
        guard let length = Int32(exactly: payload.count) else {
            throw MQTTError(kind: .publishFailed, message: "Cannot publish to '\(topic)': the payload of \(payload.count) bytes is too large.")
        }

        let signal = DispatchSemaphore(value: 0)
        var messageID: Int32 = 0
        let (rc, savedErrno) = callbacks.state.withLock { state -> (Int32, Int32) in
            guard state.isConnected else {
                return (MOSQ_ERR_NO_CONN.rawValue, 0)
            }
            let rc = payload.withUnsafeBytes { bytes in
                mosquitto_publish(client.pointer, &messageID, topic, length, bytes.baseAddress, Int32(qos), retain)
            }
            let savedErrno = errno
            if rc == Mosquitto.success && qos > 0 {
                state.pending[messageID] = PublisherCallbacks.PendingAcknowledgement(signal: signal)
            }
            return (rc, savedErrno)
        }
        if rc == MOSQ_ERR_NO_CONN.rawValue {
            throw .notConnected(configuration.endpoint)
        }
        guard rc == Mosquitto.success else {
            throw .publishFailed(topic: topic, code: rc, errno: savedErrno)
        }
        guard qos > 0 else {
            return
        }

        _ = signal.wait(timeout: configuration.responseTimeout.dispatchDeadline)
        let outcome = callbacks.state.withLock { $0.pending.removeValue(forKey: messageID)?.outcome }
        switch outcome {
        case .success:
            return
        case .failure(let error):
            throw error
        case nil:
            throw .timeout(configuration.endpoint, waitingFor: "acknowledge the message on '\(topic)'", after: configuration.responseTimeout)
        }
    }

    /// Disconnects cleanly and stops the network thread; messages already acknowledged are unaffected. Safe to call repeatedly.
    public func disconnect() {
        loopRunning.withLock { running in
            guard running else { return }
            stopNetworkThread()
            running = false
        }
    }

    /// Must be called with `loopRunning` held.
    private func stopNetworkThread() {
        // mosquitto_disconnect makes the loop thread send DISCONNECT and exit; mosquitto_loop_stop then joins it.
        mosquitto_disconnect(client.pointer)
        mosquitto_loop_stop(client.pointer, false)
        callbacks.didDisconnect(code: Mosquitto.success, errno: 0)
    }

    private static func callbacks(_ userData: UnsafeMutableRawPointer?) -> PublisherCallbacks {
        guard let userData else {
            preconditionFailure("libmosquitto invoked a callback without the user data it was given")
        }
        return Unmanaged<PublisherCallbacks>.fromOpaque(userData).takeUnretainedValue()
    }
}
