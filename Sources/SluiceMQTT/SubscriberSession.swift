import CMosquitto
import Dispatch
import Foundation
import Synchronization

/// One libmosquitto client, alive for the duration of one `MQTTSubscriber.run` call.
///
/// The client is driven by a dedicated thread calling `mosquitto_loop`, rather than by `mosquitto_loop_start`, because:
/// - the thread behind `mosquitto_loop_start` exits silently on errors libmosquitto treats as fatal (a DNS failure, for one),
///   which would leave `run` waiting forever; here every failure is seen and either retried or thrown;
/// - the backoff is ours: it restarts at 100 ms after a successful connection, and cancellation cuts the wait short;
/// - with `mosquitto_threaded_set(true)` libmosquitto only queues the PUBACK it creates before calling `on_message`, and this loop
///   writes it on its next pass, i.e. after `onMessage` has returned. Without the threaded flag the PUBACK would be written
///   straight away, acknowledging a message the service has not handled yet.
///
/// `@unchecked Sendable` invariant: `handle` and every `var` are only used on the network thread (in `networkLoop` and the
/// libmosquitto callbacks, which `mosquitto_connect`/`mosquitto_loop` invoke on that same thread), apart from `init`/`deinit`,
/// which cannot overlap with it. Other threads only touch `stopRequested` (a `Mutex`) and `wakeUp` (a thread-safe semaphore).
final class SubscriberSession: @unchecked Sendable {
    /// First reconnect delay; short because most outages are a broker restart.
    private static let initialReconnectDelay = Duration.milliseconds(100)
    /// Longest time `mosquitto_loop` may block, which bounds how quickly a stop request is noticed.
    private static let pollIntervalMilliseconds: Int32 = 100
    /// SUBACK return code meaning "subscription refused".
    private static let subscriptionFailure: Int32 = 0x80

    private let subscriber: MQTTSubscriber
    private let configuration: MQTTConfiguration
    private let onEvent: @Sendable (MQTTConnectionEvent) -> Void
    private let onMessage: @Sendable (MQTTMessage) -> MQTTDelivery
    private let handle: OpaquePointer
    private let stopRequested = Mutex(false)
    private let wakeUp = DispatchSemaphore(value: 0)

    // Network thread only.
    private var reconnectDelay = SubscriberSession.initialReconnectDelay
    private var socketOpen = false
    private var connackAccepted = false
    private var connectionRefused = false
    private var sessionPresent = false
    private var subscribeMessageID: Int32 = 0
    private var fatalError: MQTTError?
    /// A message was refused (``MQTTDelivery/retryLater``) and none handled since: reconnections back off.
    private var refusing = false
    /// This connection was dropped on purpose, after a refused message.
    private var paused = false

    init(
        subscriber: MQTTSubscriber,
        onEvent: @escaping @Sendable (MQTTConnectionEvent) -> Void,
        onMessage: @escaping @Sendable (MQTTMessage) -> MQTTDelivery
    ) throws(MQTTError) {
        Mosquitto.initialize()
        let configuration = subscriber.configuration
        guard let handle = mosquitto_new(configuration.clientID, configuration.cleanSession, nil) else {
            let savedErrno = errno
            throw .invalidConfiguration("libmosquitto could not create a client (\(String(cString: strerror(savedErrno))))")
        }
        self.subscriber = subscriber
        self.configuration = configuration
        self.onEvent = onEvent
        self.onMessage = onMessage
        self.handle = handle

        // Unretained is enough: callbacks only run inside libmosquitto calls made by `networkLoop`, which holds a strong reference.
        mosquitto_user_data_set(handle, Unmanaged.passUnretained(self).toOpaque())
        mosquitto_threaded_set(handle, true)
        if let username = configuration.username {
            let rc = mosquitto_username_pw_set(handle, username, configuration.password)
            guard rc == Mosquitto.success else {
                throw .invalidConfiguration("the username or password was rejected by libmosquitto (\(Mosquitto.describe(rc, errno: 0)))")
            }
        }
        mosquitto_connect_with_flags_callback_set(handle) { _, userData, code, flags in
            SubscriberSession.from(userData).didConnect(code: code, flags: flags)
        }
        mosquitto_disconnect_callback_set(handle) { _, userData, code in
            let savedErrno = errno
            SubscriberSession.from(userData).didDisconnect(code: code, errno: savedErrno)
        }
        mosquitto_subscribe_callback_set(handle) { _, userData, messageID, count, granted in
            SubscriberSession.from(userData).didSubscribe(messageID: messageID, granted: UnsafeBufferPointer(start: granted, count: Int(count)))
        }
        mosquitto_message_callback_set(handle) { _, userData, message in
            guard let message else { return }
            SubscriberSession.from(userData).didReceive(message.pointee)
        }
    }

    deinit {
        mosquitto_destroy(handle)
    }

    /// Starts the network thread; `completion` receives the outcome once the thread has disconnected and is about to exit.
    func start(completion: @escaping @Sendable (Result<Void, MQTTError>) -> Void) {
        let thread = Thread { [self] in
            completion(networkLoop())
        }
        thread.name = "mqtt-subscriber"
        thread.start()
    }

    /// Asks the network thread to disconnect and finish; safe to call from any thread, any number of times.
    func requestStop() {
        stopRequested.withLock { $0 = true }
        wakeUp.signal()
    }

    private var isStopRequested: Bool {
        stopRequested.withLock { $0 }
    }

    private static func from(_ userData: UnsafeMutableRawPointer?) -> SubscriberSession {
        guard let userData else {
            preconditionFailure("libmosquitto invoked a callback without the user data it was given")
        }
        return Unmanaged<SubscriberSession>.fromOpaque(userData).takeUnretainedValue()
    }

    // MARK: Network thread

    private func networkLoop() -> Result<Void, MQTTError> {
        while !isStopRequested {
            connackAccepted = false
            connectionRefused = false
            let rc = mosquitto_connect(handle, configuration.host, Int32(configuration.port), Int32(configuration.keepAlive))
            let savedErrno = errno
            if rc == Mosquitto.success {
                socketOpen = true
                serviceConnection()
                if let fatalError {
                    return .failure(fatalError)
                }
                if connackAccepted && !refusing {
                    reconnectDelay = Self.initialReconnectDelay
                }
                if paused {
                    paused = false
                    onEvent(.paused(retryIn: reconnectDelay))
                }
            } else {
                let error = MQTTError.connectionFailed(configuration.endpoint, code: rc, errno: savedErrno)
                subscriber.sessionDidDisconnect(error: error)
                onEvent(.connectionFailed(error, retryIn: reconnectDelay))
            }
            if isStopRequested || wakeUp.wait(timeout: reconnectDelay.dispatchDeadline) == .success {
                break
            }
            reconnectDelay = min(reconnectDelay * 2, configuration.maxReconnectDelay)
        }
        return .success(())
    }

    /// Runs the connection until it drops, a fatal error is found or a stop is requested.
    private func serviceConnection() {
        while socketOpen {
            if isStopRequested || fatalError != nil {
                disconnect()
                return
            }
            let rc = mosquitto_loop(handle, Self.pollIntervalMilliseconds, 1)
            let savedErrno = errno
            if rc != Mosquitto.success && socketOpen {
                // libmosquitto returned an error without closing the connection through on_disconnect; treat it as lost.
                didDisconnect(code: rc, errno: savedErrno)
            }
        }
    }

    /// Sends DISCONNECT and lets the loop flush it; libmosquitto closes the socket (and calls on_disconnect) once it is written.
    private func disconnect() {
        if mosquitto_disconnect(handle) == Mosquitto.success {
            for _ in 0..<20 where socketOpen {
                if mosquitto_loop(handle, 50, 1) != Mosquitto.success {
                    break
                }
            }
        }
        if socketOpen {
            didDisconnect(code: Mosquitto.success, errno: 0)
        }
    }

    private func didConnect(code: Int32, flags: Int32) {
        guard code == Mosquitto.success else {
            connectionRefused = true
            let error = MQTTError.connectionRefused(configuration.endpoint, connackCode: code, clientID: configuration.clientID)
            subscriber.sessionDidDisconnect(error: error)
            if MQTTError.isTransientRefusal(connackCode: code) {
                onEvent(.connectionFailed(error, retryIn: reconnectDelay))
            } else {
                fatalError = error
            }
            return
        }
        connackAccepted = true
        sessionPresent = flags & 0x01 != 0
        // Always subscribe, even when the broker kept our session: a broker without persistence forgets it on restart, and
        // repeating an existing subscription is harmless.
        let filters = configuration.topics.map { strdup($0) }
        defer {
            for filter in filters {
                free(filter)
            }
        }
        let rc = mosquitto_subscribe_multiple(handle, &subscribeMessageID, Int32(filters.count), filters, Int32(configuration.qos), 0, nil)
        if rc != Mosquitto.success {
            fatalError = MQTTError(
                kind: .subscriptionRejected,
                message: "Cannot subscribe to \(configuration.topics) on \(configuration.endpoint): \(Mosquitto.describe(rc, errno: errno))."
            )
        }
    }

    private func didSubscribe(messageID: Int32, granted: UnsafeBufferPointer<Int32>) {
        guard messageID == subscribeMessageID else { return }
        for (index, code) in granted.enumerated() where code == Self.subscriptionFailure && index < configuration.topics.count {
            fatalError = .subscriptionRejected(configuration.endpoint, topic: configuration.topics[index], clientID: configuration.clientID)
            subscriber.sessionDidDisconnect(error: fatalError)
            return
        }
        subscriber.sessionDidSubscribe()
        onEvent(.connected(sessionPresent: sessionPresent))
    }

    private func didDisconnect(code: Int32, errno savedErrno: Int32) {
        socketOpen = false
        if connectionRefused {
            return  // didConnect has reported it.
        }
        if paused {
            // Dropped on purpose after a refused message: `networkLoop` reports the pause.
            subscriber.sessionDidDisconnect(error: nil)
        } else if code == Mosquitto.success || isStopRequested || fatalError != nil {
            subscriber.sessionDidDisconnect(error: nil)
            if connackAccepted {
                onEvent(.disconnected(nil))
            }
        } else if connackAccepted {
            let error = MQTTError.connectionLost(configuration.endpoint, code: code, errno: savedErrno)
            subscriber.sessionDidDisconnect(error: error)
            onEvent(.disconnected(error))
        } else {
            let reason = Mosquitto.describe(code, errno: savedErrno)
            let error = MQTTError(
                kind: .connectionFailed,
                message: "The MQTT broker at \(configuration.endpoint) closed the connection before acknowledging it (\(reason))."
            )
            subscriber.sessionDidDisconnect(error: error)
            onEvent(.connectionFailed(error, retryIn: reconnectDelay))
        }
    }

    private func didReceive(_ message: mosquitto_message) {
        // Messages libmosquitto read after a refusal, before it noticed the socket is shut, are left to the
        // broker too, so the service sees them after the refused one, in the broker's order.
        guard !paused else { return }
        let payload: [UInt8]
        if let bytes = message.payload, message.payloadlen > 0 {
            payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(message.payloadlen)))
        } else {
            payload = []
        }
        let delivery = onMessage(
            MQTTMessage(topic: String(cString: message.topic), payload: payload, qos: Int(message.qos), retained: message.retain))
        switch delivery {
        case .handled:
            refusing = false
        case .retryLater:
            refusing = true
            paused = true
            // The acknowledgement is queued, not yet written (it goes out on the loop's next pass): shut the socket
            // so it never is. libmosquitto then finds the connection lost, and the broker keeps the message.
            let socket = mosquitto_socket(handle)
            if socket >= 0 { shutdown(socket, Int32(SHUT_RDWR)) }
        }
    }
}
