import SluiceMQTT
import Synchronization

/// Thread-safe sink for messages and events delivered on the subscriber's network thread.
final class MessageCollector: Sendable {
    private let storedMessages = Mutex<[MQTTMessage]>([])
    private let storedEvents = Mutex<[MQTTConnectionEvent]>([])
    private let refused: MQTTMessage?
    private let refusalsLeft: Mutex<Int>

    /// A collector that answers ``MQTTDelivery/retryLater`` to `message` its first `times` deliveries.
    init(refusing message: MQTTMessage? = nil, times: Int = 0) {
        refused = message
        refusalsLeft = Mutex(times)
        initialRefusals = times
    }

    private let initialRefusals: Int
    /// How many deliveries were refused.
    var refusals: Int { initialRefusals - refusalsLeft.withLock { $0 } }

    var messages: [MQTTMessage] { storedMessages.withLock { $0 } }
    var events: [MQTTConnectionEvent] { storedEvents.withLock { $0 } }
    var count: Int { storedMessages.withLock { $0.count } }

    func receive(_ message: MQTTMessage) -> MQTTDelivery {
        let refuse =
            message == refused
            && refusalsLeft.withLock { left in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
        if refuse { return .retryLater }
        storedMessages.withLock { $0.append(message) }
        return .handled
    }

    func record(_ event: MQTTConnectionEvent) {
        storedEvents.withLock { $0.append(event) }
    }
}
