import Dispatch
import Synchronization

/// Receives libmosquitto's callbacks for an `MQTTPublisher` and wakes the threads waiting for CONNACK or PUBACK.
///
/// It is a separate object so that libmosquitto never calls back into an object that is being deinitialised: `MQTTPublisher`
/// stops the network thread in its `deinit`, while this object is still fully alive.
final class PublisherCallbacks: Sendable {
    struct State {
        var isConnected = false
        /// Signalled on CONNACK, or when the connection closes before one arrives.
        var connackSignal: DispatchSemaphore?
        /// The CONNACK return code; nil until one arrives.
        var connackCode: Int32?
        /// QoS 1/2 messages waiting for the broker's acknowledgement, by message ID.
        var pending: [Int32: PendingAcknowledgement] = [:]
    }

    struct PendingAcknowledgement {
        let signal: DispatchSemaphore
        var outcome: Result<Void, MQTTError>?
    }

    /// Publishing registers its message ID while holding this lock around `mosquitto_publish`, so an acknowledgement that
    /// arrives before `mosquitto_publish` has even returned still finds its waiter.
    let state = Mutex(State())
    private let endpoint: String

    init(endpoint: String) {
        self.endpoint = endpoint
    }

    var isConnected: Bool {
        state.withLock { $0.isConnected }
    }

    /// Resets the CONNACK bookkeeping before a connection attempt and returns what to wait on.
    func prepareForConnect() -> DispatchSemaphore {
        let signal = DispatchSemaphore(value: 0)
        state.withLock {
            $0.connackSignal = signal
            $0.connackCode = nil
        }
        return signal
    }

    var connackCode: Int32? {
        state.withLock { $0.connackCode }
    }

    func didConnect(code: Int32) {
        state.withLock {
            $0.connackCode = code
            $0.isConnected = code == Mosquitto.success
            $0.connackSignal?.signal()
        }
    }

    /// on_publish: for QoS 1 this is the PUBACK, for QoS 2 the PUBCOMP.
    func didPublish(messageID: Int32) {
        state.withLock {
            guard var pending = $0.pending[messageID] else { return }
            pending.outcome = .success(())
            $0.pending[messageID] = pending
            pending.signal.signal()
        }
    }

    /// Fails every waiter at once instead of letting each run into its timeout.
    func didDisconnect(code: Int32, errno savedErrno: Int32) {
        let reason = code == Mosquitto.success ? "the publisher disconnected" : Mosquitto.describe(code, errno: savedErrno)
        let error = MQTTError(
            kind: .connectionLost,
            message: "Lost the connection to the MQTT broker at \(endpoint) before it acknowledged the message (\(reason)); "
                + "the message may or may not have been delivered."
        )
        state.withLock {
            $0.isConnected = false
            $0.connackSignal?.signal()
            for (messageID, var pending) in $0.pending where pending.outcome == nil {
                pending.outcome = .failure(error)
                $0.pending[messageID] = pending
                pending.signal.signal()
            }
        }
    }
}
