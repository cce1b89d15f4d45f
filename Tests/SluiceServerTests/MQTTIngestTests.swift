import Foundation
import Logging
import SluiceMQTT
import SluiceServer
import SluiceService
import SluiceStore
import SluiceTelemetry
import SluiceTestSupport
import Testing

/// Telemetry through a real Mosquitto broker into a running server: stored as HTTP ingest would store it,
/// including what was published while the server was away.
@Suite(
    "MQTT ingest", .serialized, .enabled(if: MosquittoBroker.isAvailable, "needs /usr/sbin/mosquitto (apt-get install mosquitto)"),
    .timeLimit(.minutes(1)))
struct MQTTIngestTests {
    private func folder() throws -> String {
        try TestCell.writeServerFolder(assets: 1)
    }

    private func runtime(_ folder: String, broker: MosquittoBroker, store: String? = nil) throws -> SluiceRuntime {
        var configuration = RuntimeConfiguration()
        configuration.storePath = store ?? folder + "/sluice.sqlite"
        configuration.cells = folder + "/Cells"
        configuration.gates = folder + "/Gates"
        configuration.models = folder + "/Models"
        configuration.port = 0
        configuration.mqtt = MQTTIngest.Settings(url: "mqtt://127.0.0.1:\(broker.port)", clientID: "sluice-test")
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return try SluiceRuntime(configuration: configuration, logger: logger)
    }

    private func publish(_ broker: MosquittoBroker, from t: Int, count: Int, faulty: Bool = false) throws {
        let publisher = try MQTTPublisher(
            configuration: MQTTConfiguration(url: "mqtt://127.0.0.1:\(broker.port)", topics: [], clientID: "edge-\(UUID().uuidString.prefix(8))"))
        try publisher.connect()
        defer { publisher.disconnect() }
        let start = Date().addingTimeInterval(-60)
        for i in t..<(t + count) {
            let sample = TelemetryBatch.Outgoing(
                asset: "asset-01", time: start.addingTimeInterval(Double(i) * 0.1), values: faulty ? TestCell.faulty(i) : TestCell.normal(i))
            try publisher.publish(topic: "sluice/cell-a/telemetry", payload: Array(TelemetryBatch.json(samples: [sample]).utf8), qos: 1)
        }
    }

    private func stored(_ runtime: SluiceRuntime) throws -> Int {
        try runtime.store.read { try $0.samples.count(asset: "asset-01") }
    }

    @Test func samplesPublishedToTheBrokerAreStoredAndScored() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        defer { broker.stop() }
        let path = try folder()
        let first = try runtime(path, broker: broker)
        let running = Task { try await first.run() }
        // Publish once the subscription is acknowledged: before that the broker holds no session to queue into.
        #expect(try await Self.eventually { first.mqtt?.isConnected == true })
        try publish(broker, from: 0, count: 50)
        try publish(broker, from: 50, count: 2, faulty: true)
        #expect(try await Self.eventually { try self.stored(first) == 52 })
        let actions = try first.store.read { try $0.actions.list(ActionFilter()) }
        #expect(actions.count == 1, "the faulty samples raised an action through the same pipeline")
        running.cancel()
        _ = await running.result

        // Published while the server is down: the broker keeps them for its persistent session.
        try publish(broker, from: 100, count: 20)
        let second = try runtime(path, broker: broker)
        let again = Task { try await second.run() }
        defer { again.cancel() }
        #expect(try await Self.eventually { try self.stored(second) == 72 })
    }

    @Test func batchesTheStoreCannotTakeStayWithTheBrokerUntilItCan() async throws {
        let broker = try MosquittoBroker()
        try broker.start()
        defer { broker.stop() }
        // A PostgreSQL server of this test's own, to stop under the running service.
        let postgres = try TestPostgres()
        defer { try? postgres.stop() }
        let sluice = try runtime(try folder(), broker: broker, store: try postgres.freshDatabase())
        let running = Task { try await sluice.run() }
        defer { running.cancel() }
        #expect(try await Self.eventually { sluice.mqtt?.isConnected == true })
        try publish(broker, from: 0, count: 10)
        #expect(try await Self.eventually { try self.stored(sluice) == 10 })

        try postgres.stop()
        // The service reads these while the store is down: it cannot take them, so it leaves them with the
        // broker and stops reading.
        try publish(broker, from: 10, count: 15)
        #expect(try await Self.eventually { sluice.mqtt?.isConnected == false })
        try await Task.sleep(for: .seconds(2))
        try postgres.restart()
        #expect(try await Self.eventually { try self.stored(sluice) == 25 }, "every batch published while the store was down arrives, once")
        #expect(sluice.mqtt?.isConnected == true)
    }

    static func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<300 {
            if (try? condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try condition()
    }
}
