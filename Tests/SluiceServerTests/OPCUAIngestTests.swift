import Foundation
import Logging
import SluiceGates
import SluiceServer
import SluiceService
import SluiceStore
import SluiceTestSupport
import Testing

/// Telemetry read from real OPC UA servers into a running server: stored with the values' source timestamps,
/// resumed after the OPC UA server restarts, and complete across a network outage.
@Suite(
    "OPC UA ingest", .serialized, .enabled(if: OPCUATestServer.isAvailable, "needs the venv of scripts/opcua-peers.sh"),
    .timeLimit(.minutes(2)))
struct OPCUAIngestTests {
    /// A server folder whose cell reads five sensors of asset-01 from `server`.
    private func folder(_ server: OPCUATestServer, endpoint: String? = nil, extra: String = "") throws -> String {
        let path = try TestCell.writeServerFolder(assets: 1)
        let cell = path + "/Cells/\(TestCell.id).yaml"
        var text = try String(contentsOfFile: cell, encoding: .utf8)
        text += """
            opcua:
              - endpoint: \(endpoint ?? server.endpoint)
                publishing_interval: 200ms
                sampling_interval: 100ms\(extra)
                nodes:
                  - {node: "ns=2;s=Sensor.Temp", asset: asset-01, sensor: temperature}
                  - {node: "ns=2;s=Cell.Values.0", asset: asset-01, sensor: pressure}
                  - {node: "ns=2;s=Cell.Values.1", asset: asset-01, sensor: vibration}
                  - {node: "ns=2;s=Cell.Values.2", asset: asset-01, sensor: current}
                  - {node: "ns=2;s=Cell.Counter", asset: asset-01, sensor: flow}

            """
        try text.write(toFile: cell, atomically: true, encoding: .utf8)
        return path
    }

    private func runtime(_ folder: String) throws -> SluiceRuntime {
        var configuration = RuntimeConfiguration()
        configuration.storePath = folder + "/sluice.sqlite"
        configuration.cells = folder + "/Cells"
        configuration.gates = folder + "/Gates"
        configuration.models = folder + "/Models"
        configuration.port = 0
        var logger = Logger(label: "test")
        logger.logLevel = .error
        return try SluiceRuntime(configuration: configuration, logger: logger)
    }

    private func stored(_ runtime: SluiceRuntime) throws -> [SampleRecord] {
        try runtime.store.read { try $0.samples.samples(assets: ["asset-01"], from: .distantPast, to: .distantFuture) }
    }

    @Test("values arrive in the twin with their source timestamps, and resume, every change, once a restarted server is back")
    func ingestAndResume() async throws {
        let server = try OPCUATestServer(.asyncua, variables: 5)
        try server.start()
        let started = Date()
        let sluice = try runtime(try folder(server))
        let running = Task { try await sluice.run() }
        defer { running.cancel() }
        #expect(try await MQTTIngestTests.eventually { try self.stored(sluice).count >= 20 })
        let first = try stored(sluice)
        #expect(first.allSatisfy { $0.time >= started.addingTimeInterval(-1) && $0.time <= Date() })
        #expect(first.contains { Set($0.values.keys) == Set(TestCell.sensors) }, "a sample carries every sensor the server changed together")
        #expect(sluice.opcua?.status[server.endpoint] == true)

        server.stop()
        #expect(try await MQTTIngestTests.eventually { sluice.opcua?.status[server.endpoint] == false })
        let before = try stored(sluice).count
        try await Task.sleep(for: .seconds(1))
        try server.start()
        let restarted = Date()
        // How soon is `sluice bench opcua`'s to measure; here, that it resumes at all.
        #expect(try await MQTTIngestTests.eventually { try self.stored(sluice).count > before + 5 })
        // The server published nothing while it was down; once back, every tick of its counter (the flow
        // sensor) arrives: the counts stored after the restart run without a gap.
        try await Task.sleep(for: .seconds(2))
        let counts = Set(try stored(sluice).filter { $0.time >= restarted }.compactMap { $0.values["flow"] }.map { Int($0) })
        #expect(counts.count >= 15 && counts.max()! - counts.min()! + 1 == counts.count, "\(counts.sorted())")
        #expect(sluice.opcua?.status[server.endpoint] == true)
        let metrics = sluice.engine.metrics.render()
        #expect(metrics.contains("sluice_opcua_outages_total 1"), "\(metrics.split(separator: "\n").filter { $0.contains("opcua") })")
        // The restarted server no longer knows the session: a new one was made.
        #expect(metrics.contains("sluice_opcua_sessions_resumed_total 0"), "\(metrics.split(separator: "\n").filter { $0.contains("opcua") })")
    }

    @Test("after a network outage the session is reactivated and every change the server sampled meanwhile is stored")
    func networkOutage() async throws {
        let server = try OPCUATestServer(.open62541, variables: 5)
        try server.start()
        let proxy = try await TCPProxy(port: server.port)
        let endpoint = "opc.tcp://127.0.0.1:\(proxy.port)"
        let sluice = try runtime(try folder(server, endpoint: endpoint))
        let running = Task { try await sluice.run() }
        defer { running.cancel() }
        #expect(try await MQTTIngestTests.eventually { try self.stored(sluice).count >= 10 })
        let cut = Date()
        try await proxy.cut(holdingBack: .milliseconds(500))
        #expect(try await MQTTIngestTests.eventually { sluice.opcua?.status[endpoint] == false })
        try await Task.sleep(for: .seconds(2))
        proxy.restore()
        let restored = Date()
        #expect(try await MQTTIngestTests.eventually { try self.stored(sluice).contains { $0.time > restored.addingTimeInterval(2) } })
        // The counter (the flow sensor) ticks every 100 ms: the ticks from before the cut to after the
        // connection is back are all stored, those of the outage included.
        let counts = Set(try stored(sluice).filter { $0.time >= cut.addingTimeInterval(-1) }.compactMap { $0.values["flow"] }.map { Int($0) })
        #expect(counts.count >= 40 && counts.max()! - counts.min()! + 1 == counts.count, "\(counts.sorted())")
        let metrics = sluice.engine.metrics.render().split(separator: "\n").filter { $0.contains("opcua") }
        #expect(metrics.contains("sluice_opcua_sessions_resumed_total 1"), "\(metrics)")
        #expect(metrics.contains("sluice_opcua_notifications_lost_total 0"), "\(metrics)")
        #expect(!metrics.contains("sluice_opcua_notifications_recovered_total 0"), "\(metrics)")
    }

    @Test("a cell whose OPC UA server is down still starts, shows it in health, and reads once the server is up")
    func unreachableAtStart() async throws {
        let server = try OPCUATestServer(.asyncua, variables: 5)
        let sluice = try runtime(try folder(server))
        let running = Task { try await sluice.run() }
        defer { running.cancel() }
        try await Task.sleep(for: .seconds(1))
        #expect(sluice.opcua?.status[server.endpoint] == false)
        #expect(try stored(sluice).isEmpty)
        try server.start()
        #expect(try await MQTTIngestTests.eventually { try self.stored(sluice).count >= 5 })
    }

    @Test("a password in the cell file, a node of an unknown asset or sensor, and a user without a password are refused with the line")
    func configurationErrors() throws {
        let base = "cell: c\nassets:\n  - {id: a1, sensors: [t]}\nopcua:\n  - endpoint: opc.tcp://plc:4840\n"
        let cases: [(String, String)] = [
            (base + "    password: secret\n    nodes: [{node: i=1, asset: a1, sensor: t}]\n", "a password does not go in the cell file"),
            (base + "    nodes: [{node: i=1, asset: a2, sensor: t}]\n", "names asset 'a2'"),
            (base + "    nodes: [{node: i=1, asset: a1, sensor: x}]\n", "names sensor 'x'"),
            (base + "    nodes: [{node: 'ns=2;q=1', asset: a1, sensor: t}]\n", "not a node id"),
            (base + "    user: op\n    nodes: [{node: i=1, asset: a1, sensor: t}]\n", "needs a password"),
            (base + "    nodes: [{node: i=1, asset: a1, sensor: t}, {node: i=2, asset: a1, sensor: t}]\n", "already fed"),
            (
                "cell: c\nassets:\n  - {id: a1, sensors: [t]}\nopcua:\n  - endpoint: http://plc\n    nodes: [{node: i=1, asset: a1, sensor: t}]\n",
                "opc.tcp://"
            ),
        ]
        for (yaml, expected) in cases {
            let error = #expect(throws: ConfigurationFileError.self) { try CellDefinition.parse(yaml, file: "cell.yaml") }
            #expect(error?.description.contains(expected) == true, "\(String(describing: error)) should say \(expected)")
            #expect(error?.line != nil)
        }
        let good = try CellDefinition.parse(
            base
                + "    user: op\n    password_env: PLC_PASSWORD\n    publishing_interval: 500ms\n    nodes: [{node: 'ns=2;s=T', asset: a1, sensor: t}]\n",
            file: "cell.yaml")
        #expect(good.opcua.first?.publishingInterval == 0.5 && good.opcua.first?.nodes.first?.node == "ns=2;s=T")
    }
}
