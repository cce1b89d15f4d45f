import Dispatch
import SluiceMQTT
import SluiceTestSupport
import Synchronization
import Testing

// Swift Testing has no way to skip from inside a running test, so the whole suite is gated with `.enabled(if:)`; evaluating
// `MosquittoBroker.isAvailable` prints the reason when the broker binary is missing.
// The time limit turns a hang (say, a subscriber that never reconnects) into a failure instead of a stuck test run.
@Suite(
    "Against a real mosquitto broker",
    .enabled(if: MosquittoBroker.isAvailable, "needs /usr/sbin/mosquitto (apt-get install mosquitto)"),
    .timeLimit(.minutes(1))
)
struct BrokerTests {
    private func subscriberConfiguration(_ broker: MosquittoBroker, clientID: String) -> MQTTConfiguration {
        MQTTConfiguration(
            host: "127.0.0.1",
            port: broker.port,
            clientID: clientID,
            topics: ["sluice/test/#"],
            keepAlive: 5,
            maxReconnectDelay: .milliseconds(500)
        )
    }

    private func connectedPublisher(_ broker: MosquittoBroker) throws -> MQTTPublisher {
        let publisher = try MQTTPublisher(
            configuration: MQTTConfiguration(host: "127.0.0.1", port: broker.port, clientID: "", cleanSession: true)
        )
        try publisher.connect()
        return publisher
    }

    private func messages(_ range: Range<Int>, topic: String = "sluice/test/line1") -> [MQTTMessage] {
        // Bytes that text handling would mangle (NUL, 0xFF) prove the payload arrives untouched.
        range.map { MQTTMessage(topic: topic, payload: Array("reading-\($0)".utf8) + [0, 0xFF, UInt8($0 % 256)], qos: 1, retained: false) }
    }

    /// Callers cancel the returned task in a `defer`: a leftover subscriber thread would keep the test process alive.
    private func startSubscriber(_ subscriber: MQTTSubscriber, into collector: MessageCollector) -> Task<Void, any Error> {
        Task {
            try await subscriber.run(onEvent: { collector.record($0) }, onMessage: { collector.receive($0) })
        }
    }

    @Test func receivesManyQoS1MessagesInOrder() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let subscriber = try MQTTSubscriber(configuration: subscriberConfiguration(broker, clientID: "sluice-order"))
        let collector = MessageCollector()
        let running = startSubscriber(subscriber, into: collector)
        defer { running.cancel() }
        #expect(await eventually { subscriber.isConnected })

        let publisher = try connectedPublisher(broker)
        let expected = messages(0..<500)
        for message in expected {
            try publisher.publish(topic: message.topic, payload: message.payload, qos: 1)
        }
        publisher.disconnect()

        #expect(await eventually { collector.count >= expected.count })
        #expect(collector.messages == expected)

        running.cancel()
        try await running.value
        #expect(!subscriber.isConnected)
        #expect(collector.events.first == .connected(sessionPresent: false))
        #expect(collector.events.last == .disconnected(nil))
    }

    @Test func aMessageRefusedForNowComesAgainAndNothingIsLost() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let subscriber = try MQTTSubscriber(configuration: subscriberConfiguration(broker, clientID: "sluice-refuse"))
        // The service refuses message 5 the first three times it sees it, as it would while its store is down.
        let collector = MessageCollector(refusing: messages(5..<6)[0], times: 3)
        let running = startSubscriber(subscriber, into: collector)
        defer { running.cancel() }
        #expect(await eventually { subscriber.isConnected })

        let publisher = try connectedPublisher(broker)
        let expected = messages(0..<20)
        for message in expected {
            try publisher.publish(topic: message.topic, payload: message.payload, qos: 1)
        }
        publisher.disconnect()

        #expect(await eventually { Set(collector.messages.map(\.payload)).count >= expected.count })
        // Every message arrives, in order of first arrival; one the subscriber had read but not yet acknowledged
        // when it dropped the connection may come twice (at least once, never lost).
        var firsts: [MQTTMessage] = []
        for message in collector.messages where !firsts.contains(message) { firsts.append(message) }
        #expect(firsts == expected)
        #expect(collector.refusals == 3)
        let pauses = collector.events.compactMap { if case .paused(let delay) = $0 { delay } else { nil } }
        #expect(pauses.count == 3, "\(collector.events)")
        #expect(zip(pauses.dropFirst(), pauses).allSatisfy { $0 > $1 }, "the delay grows while messages are refused: \(pauses)")
        #expect(subscriber.isConnected)
    }

    @Test func persistentSessionReceivesMessagesPublishedWhileAway() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let subscriber = try MQTTSubscriber(configuration: subscriberConfiguration(broker, clientID: "sluice-persistent"))

        let firstRun = startSubscriber(subscriber, into: MessageCollector())
        defer { firstRun.cancel() }
        #expect(await eventually { subscriber.isConnected })
        firstRun.cancel()
        try await firstRun.value
        #expect(!subscriber.isConnected)

        let publisher = try connectedPublisher(broker)
        let expected = messages(0..<100)
        for message in expected {
            try publisher.publish(topic: message.topic, payload: message.payload, qos: 1)
        }
        publisher.disconnect()

        let collector = MessageCollector()
        let secondRun = startSubscriber(subscriber, into: collector)
        defer { secondRun.cancel() }
        #expect(await eventually { collector.count >= expected.count })
        #expect(collector.messages == expected)
        #expect(collector.events.first == .connected(sessionPresent: true))
        secondRun.cancel()
        try await secondRun.value
    }

    @Test func reconnectsAndResubscribesAfterBrokerRestart() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let subscriber = try MQTTSubscriber(configuration: subscriberConfiguration(broker, clientID: "sluice-restart"))
        let collector = MessageCollector()
        let running = startSubscriber(subscriber, into: collector)
        defer { running.cancel() }
        #expect(await eventually { subscriber.isConnected })

        broker.stop()
        #expect(await eventually { !subscriber.isConnected })
        #expect(await eventually { subscriber.lastError?.kind == .connectionFailed })
        #expect(subscriber.lastError?.message.contains("Connection refused") == true)

        // Persistence is off, so the restarted broker has forgotten our session: only a fresh SUBSCRIBE brings messages back.
        try broker.start()
        #expect(await eventually { subscriber.isConnected })
        #expect(subscriber.lastError == nil)

        let publisher = try connectedPublisher(broker)
        let expected = messages(0..<20)
        for message in expected {
            try publisher.publish(topic: message.topic, payload: message.payload, qos: 1)
        }
        publisher.disconnect()
        #expect(await eventually { collector.count >= expected.count })
        #expect(collector.messages == expected)

        let events = collector.events
        #expect(events.filter { $0 == .connected(sessionPresent: false) }.count == 2)
        #expect(events.contains { if case .disconnected(let error?) = $0 { error.kind == .connectionLost } else { false } })
        #expect(events.contains { if case .connectionFailed = $0 { true } else { false } })

        running.cancel()
        try await running.value
    }

    @Test func acknowledgesQoS1MessageOnlyAfterHandlerReturns() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let subscriber = try MQTTSubscriber(configuration: subscriberConfiguration(broker, clientID: "sluice-ack"))
        let entered = Mutex(false)
        let release = DispatchSemaphore(value: 0)
        let running = Task {
            try await subscriber.run { _ in
                entered.withLock { $0 = true }
                _ = release.wait(timeout: .now() + 5)
                return .handled
            }
        }
        defer {
            release.signal()
            running.cancel()
        }
        #expect(await eventually { subscriber.isConnected })

        let publisher = try connectedPublisher(broker)
        try publisher.publish(topic: "sluice/test/ack", payload: Array("one".utf8), qos: 1)
        publisher.disconnect()

        let acknowledged = "Received PUBACK from sluice-ack"
        #expect(await eventually { entered.withLock { $0 } })
        try await Task.sleep(for: .milliseconds(300))
        #expect(!broker.log.contains(acknowledged), "the broker got the PUBACK while the handler was still running")
        release.signal()
        #expect(await eventually { broker.log.contains(acknowledged) })

        running.cancel()
        try await running.value
    }

    @Test func secondConcurrentRunIsRejected() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        let subscriber = try MQTTSubscriber(configuration: subscriberConfiguration(broker, clientID: "sluice-twice"))
        let running = startSubscriber(subscriber, into: MessageCollector())
        defer { running.cancel() }
        #expect(await eventually { subscriber.isConnected })

        let error = await #expect(throws: MQTTError.self) {
            try await subscriber.run { _ in .handled }
        }
        #expect(error?.kind == .alreadyRunning)
        #expect(subscriber.isConnected)

        running.cancel()
        try await running.value
    }

    @Test func refusedTCPConnectionGivesClearErrors() async throws {
        let port = try MosquittoBroker.freePort()  // nothing listens there
        let configuration = MQTTConfiguration(host: "127.0.0.1", port: port, clientID: "sluice-refused", topics: ["a"], cleanSession: true)

        let publisher = try MQTTPublisher(configuration: configuration)
        let connectError = #expect(throws: MQTTError.self) {
            try publisher.connect()
        }
        #expect(connectError?.kind == .connectionFailed)
        #expect(
            connectError?.message
                == "Cannot connect to the MQTT broker at 127.0.0.1:\(port): Connection refused. "
                + "Check that the broker is running and that host and port are right."
        )
        let publishError = #expect(throws: MQTTError.self) {
            try publisher.publish(topic: "a", payload: [1])
        }
        #expect(publishError?.kind == .notConnected)

        // The subscriber keeps retrying instead of failing, and says why it is not connected.
        let subscriber = try MQTTSubscriber(configuration: configuration)
        let collector = MessageCollector()
        let running = startSubscriber(subscriber, into: collector)
        defer { running.cancel() }
        #expect(await eventually { subscriber.lastError != nil })
        #expect(subscriber.lastError == connectError)
        #expect(!subscriber.isConnected)
        let clock = ContinuousClock()
        let stopStarted = clock.now
        running.cancel()
        try await running.value
        // Prompt, not instant: the suite runs in parallel with everything else on two cores.
        #expect(clock.now - stopStarted < .seconds(5))
        #expect(collector.events.allSatisfy { if case .connectionFailed(let error, _) = $0 { error == connectError } else { false } })
    }

    @Test func refusedCredentialsGiveClearErrors() async throws {
        let broker = try MosquittoBroker(allowAnonymous: false)
        try broker.start()
        let configuration = subscriberConfiguration(broker, clientID: "sluice-anonymous")

        let publisher = try MQTTPublisher(configuration: configuration)
        let connectError = #expect(throws: MQTTError.self) {
            try publisher.connect()
        }
        #expect(connectError?.kind == .connectionRefused)
        #expect(connectError?.message.contains("refused the connection (Connection Refused: not authorised)") == true)
        #expect(connectError?.message.contains("allow_anonymous") == true)
        #expect(!publisher.isConnected)

        // Retrying cannot fix credentials, so run() gives up with the same explanation.
        let subscriber = try MQTTSubscriber(configuration: configuration)
        let runError = await #expect(throws: MQTTError.self) {
            try await subscriber.run { _ in .handled }
        }
        #expect(runError == connectError)
        #expect(subscriber.lastError == connectError)
    }
}
