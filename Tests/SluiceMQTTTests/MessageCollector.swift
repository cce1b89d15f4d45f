import SluiceMQTT
import Synchronization

/// Thread-safe sink for messages and events delivered on the subscriber's network thread.
final class MessageCollector: Sendable {
    private let storedMessages = Mutex<[MQTTMessage]>([])
    private let storedEvents = Mutex<[MQTTConnectionEvent]>([])

    var messages: [MQTTMessage] { storedMessages.withLock { $0 } }
    var events: [MQTTConnectionEvent] { storedEvents.withLock { $0 } }
    var count: Int { storedMessages.withLock { $0.count } }

    func receive(_ message: MQTTMessage) {
        storedMessages.withLock { $0.append(message) }
    }

    func record(_ event: MQTTConnectionEvent) {
        storedEvents.withLock { $0.append(event) }
    }
}
