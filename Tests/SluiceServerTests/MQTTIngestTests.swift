import Foundation
import Logging
import SluiceMQTT
import SluiceServer
import SluiceService
import SluiceStore
import SluiceTestSupport
import Testing

/// Telemetry through a real Mosquitto broker into a running server: stored as HTTP ingest would store it,
/// including what was published while the server was away.
@Suite(
    "MQTT ingest", .serialized, .enabled(if: MosquittoBroker.isAvailable, "needs /usr/sbin/mosquitto (apt-get install mosquitto)"),
    .timeLimit(.minutes(1)))
struct MQTTIngestTests {
    private func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-mqtt-\(UUID().uuidString)").path
        for sub in ["Cells", "Gates", "Models"] {
            try FileManager.default.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            atPath: TestCell.root.appendingPathComponent("Models/press-01.pca-t2q.v1.json").path, toPath: path + "/Models/press-01.pca-t2q.v1.json")
        try "cell: cell-a\nassets:\n  - {id: asset-01, model: press-01, sensors: [temperature, pressure, vibration, current, flow]}\n"
            .write(toFile: path + "/Cells/cell-a.yaml", atomically: true, encoding: .utf8)
        try """
        gate: cell-a-maintenance
        cell: cell-a
        action: maintenance-order
        model: {kind: pca-t2q, version: 1}
        stages:
          - percent: 100
        sponsor_sign_off: off
        debounce: 1
        silent_period: 0s
        """.write(toFile: path + "/Gates/cell-a-maintenance.yaml", atomically: true, encoding: .utf8)
        return path
    }

    private func runtime(_ folder: String, broker: MosquittoBroker) throws -> SluiceRuntime {
        var configuration = RuntimeConfiguration()
        configuration.storePath = folder + "/sluice.sqlite"
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
        #expect(try await Self.eventually { first.engine.catalog.cells.isEmpty == false && (try? self.stored(first)) != nil })
        // The subscription is up once the server reports it on /health; publish after that.
        try await Task.sleep(for: .seconds(1))
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

    static func eventually(_ condition: () throws -> Bool) async throws -> Bool {
        for _ in 0..<100 {
            if (try? condition()) == true { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try condition()
    }
}
