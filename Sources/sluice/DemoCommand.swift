import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SluiceGates
import SluiceLinearAlgebra
import SluiceReplenishment
import SluiceServer
import SluiceService
import SluiceSimulation
import SluiceTelemetry

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the decision service on the simulated cell, with live telemetry, faults and material consumption.",
        discussion: """
            Starts `sluice serve` on a fresh store under --out-dir, a stand-in ERP/MES on --erp-port, and the
            simulated cell: three assets push a sample a second (a fault starts on one of them every 40 s from the
            20th second), and the materials are consumed every 5 s until they fall through their reorder points.
            Prints the URL and a token for each role. Soft actions appear within a minute; approve one and watch
            it reach the ERP/MES. The demo starts every gate at its last stage (100 %) so actions appear at once:
            a real deployment starts each gate in shadow and lets it earn its stages. Stops on Ctrl-C, or after
            --duration seconds.
            With --opcua the assets' telemetry takes the plant's path instead: the simulated cell runs behind a local
            OPC UA server (asyncua, from the venv scripts/opcua-peers.sh makes), and the service subscribes to it
            through the cell's opcua section (written under --out-dir), so PLC → OPC UA → twin → gate → action →
            ERP/MES is shown end to end.
            """)

    @OptionGroup var catalog: CatalogOptions
    @Option(help: "Port of the API.") var port = 8080
    @Option(help: "Port of the stand-in ERP/MES.") var erpPort = 8090
    @Option(help: "Folder for the demo's store.") var outDir = "demo-output"
    @Option(help: "Stop after this many seconds (0: run until Ctrl-C).") var duration = 0
    @Option(help: "Seed of the simulated cell.") var seed: UInt64 = 7
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "warning"
    @Flag(help: "Read the assets' telemetry from a local OPC UA server in front of the simulated cell.") var opcua = false

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            let logger = makeLogger(level: try sluice.logLevel(logLevel))
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            let storePath = (outDir as NSString).appendingPathComponent("demo.sqlite")
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: storePath + suffix) }

            var configuration = RuntimeConfiguration()
            configuration.storePath = storePath
            configuration.cells = catalog.cells
            var plc: PeerServer?
            defer { plc?.stop() }
            if opcua {
                let (server, cells) = try Self.startPLC(catalog: catalog, outDir: outDir, seed: seed)
                plc = server
                configuration.cells = cells
            }
            configuration.gates = catalog.gates
            configuration.models = catalog.models
            configuration.port = port
            configuration.dispatch.url = "http://127.0.0.1:\(erpPort)"
            configuration.dispatch.baseDelay = 0.5
            let loaded = try catalog.load()
            for gate in loaded.gates.values { configuration.engine.startingStages[gate.id] = gate.stages.count - 1 }
            let runtime = try SluiceRuntime(configuration: configuration, logger: logger)
            let cell = loaded.cells.keys.sorted().first!
            var tokens: [(String, String)] = []
            for (name, role) in [("olivia", Identity.Role.operator), ("sam", .sponsor), ("ada", .admin), ("dana", .data), ("edge-sim", .edge)] {
                let issued = try runtime.tokens.create(name: name, role: role, cell: role == .admin ? nil : cell, by: .local("demo"))
                tokens.append((role.rawValue, issued.token))
            }
            let issuedTokens = tokens
            let edgeToken = tokens.first { $0.0 == "edge" }!.1
            let operatorToken = tokens.first { $0.0 == "operator" }!.1
            let sink = ERPSink()
            let erp = Application(
                router: sink.router(), configuration: .init(address: .hostname("127.0.0.1", port: erpPort), serverName: "erp-sink"),
                logger: logger)

            let (apiPorts, apiPort) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
            let simulation = SimulatedCellService(
                cell: loaded.cells[cell]!, seed: seed, port: apiPorts, token: edgeToken, logger: logger,
                stopAfter: duration > 0 ? .seconds(duration) : nil, samplesOverHTTP: plc == nil)
            let plcEndpoint = plc?.endpoint
            try await runtime.run(companions: [erp, simulation]) { boundPort in
                apiPort.yield(boundPort)
                apiPort.finish()
                Self.banner(port: boundPort, erpPort: erpPort, store: storePath, tokens: issuedTokens, operatorToken: operatorToken)
                if let plcEndpoint {
                    say(
                        """
                        Telemetry comes from the OPC UA server at \(plcEndpoint) (the simulated cell behind it):
                          sluice opcua browse \(plcEndpoint) --node "ns=2;s=press-01"
                          curl -s http://127.0.0.1:\(boundPort)/health
                        """)
                }
            }
            let counts = try runtime.store.read { try $0.actions.countByState(cells: nil) }
            print(
                "demo stopped: actions by state \(counts.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", "))"
            )
            print("ERP/MES calls received: \(sink.calls.count) (\(sink.acceptedKeys.count) distinct idempotency keys)")
        }
    }

    static func banner(port: Int, erpPort: Int, store: String, tokens: [(String, String)], operatorToken: String) {
        say(
            """
            Sluice demo running at http://127.0.0.1:\(port)   (store \(store), stand-in ERP/MES at http://127.0.0.1:\(erpPort))
            Tokens:
            \(tokens.map { "  \($0.0.padding(toLength: 9, withPad: " ", startingAt: 0)) \($0.1)" }.joined(separator: "\n"))
            Operators: open http://127.0.0.1:\(port)/ui/sign-in and sign in with the operator token (keys: j, k, Enter, a, r; ? lists them).
            Sponsors: the same page with the sponsor token shows the gate report; or run `sluice report --store \(store)`.
            Try:
              curl -s -H 'Authorization: Bearer \(operatorToken)' 'http://127.0.0.1:\(port)/v1/actions?state=pending'
              curl -N -H 'Authorization: Bearer \(operatorToken)' http://127.0.0.1:\(port)/v1/events
              curl -s -X POST -H 'Authorization: Bearer \(operatorToken)' http://127.0.0.1:\(port)/v1/actions/<id>/approve
              curl -s http://127.0.0.1:\(erpPort)/_calls
            Faults start on press-01 at 20 s; materials fall through their reorder points within about 30 s. Ctrl-C stops.
            """)
    }
}

extension DemoCommand {
    /// Writes the simulated cell's telemetry as CSV, starts an OPC UA server replaying it a row a second, and
    /// writes a copy of the cells folder whose cell subscribes to that server. Returns the server and the folder.
    static func startPLC(catalog: CatalogOptions, outDir: String, seed: UInt64) throws -> (PeerServer, String) {
        let loaded = try catalog.load()
        let cellID = loaded.cells.keys.sorted().first!
        let cell = loaded.cells[cellID]!
        let assets = cell.assets.map(\.id)
        let simulator = CellSimulator(
            configuration: .init(seed: seed, assets: assets, samples: 3_600, normalSamples: 0, faultSpacing: 40, faultDuration: 30))
        let frames = assets.map { simulator.telemetry(for: $0) }
        let sensors = frames[0].sensors
        var csv = "time,asset," + sensors.joined(separator: ",") + "\n"
        for t in 0..<frames[0].count {
            for (a, frame) in frames.enumerated() {
                csv += "\(t),\(assets[a])," + (0..<sensors.count).map { String(frame.values[t, $0]) }.joined(separator: ",") + "\n"
            }
        }
        let csvPath = (outDir as NSString).appendingPathComponent("plc-telemetry.csv")
        try csv.write(toFile: csvPath, atomically: true, encoding: .utf8)
        let plc = try PeerServer(kind: "asyncua", arguments: ["--variables", "0", "--period", "1", "--cell-csv", csvPath])
        // The cells folder as it is, with the cell's opcua section added.
        let cells = (outDir as NSString).appendingPathComponent("Cells-opcua")
        try? FileManager.default.removeItem(atPath: cells)
        try FileManager.default.copyItem(atPath: catalog.cells, toPath: cells)
        let names = try FileManager.default.contentsOfDirectory(atPath: cells).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
        for name in names {
            let path = cells + "/" + name
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard (try? CellDefinition.parse(text, file: path))?.id == cellID else { continue }
            var section = "\n# Added by `sluice demo --opcua`: the assets' telemetry from the local OPC UA server.\n"
            section += "opcua:\n  - endpoint: \(plc.endpoint)\n    publishing_interval: 1s\n    sampling_interval: 500ms\n    nodes:\n"
            for asset in assets {
                for sensor in sensors { section += "      - {node: \"ns=2;s=\(asset).\(sensor)\", asset: \(asset), sensor: \(sensor)}\n" }
            }
            try (text + section).write(toFile: path, atomically: true, encoding: .utf8)
        }
        return (plc, cells)
    }
}

/// The demo's simulated cell as a service: pushes telemetry once a second (unless it comes over OPC UA) and
/// material consumption every 5 s, re-timed to now; after `stopAfter`, asks the whole demo to shut down
/// gracefully.
struct SimulatedCellService: Service {
    let cell: CellDefinition
    let seed: UInt64
    /// The API's port, given once it listens.
    let port: AsyncStream<Int>
    let token: String
    let logger: Logger
    let stopAfter: Duration?
    /// Whether the assets' samples go over HTTP; with OPC UA only the materials' movements do.
    let samplesOverHTTP: Bool

    func run() async throws {
        let assets = cell.assets.map(\.id)
        let simulator = CellSimulator(
            configuration: .init(seed: seed, assets: assets, samples: 3_600, normalSamples: 0, faultSpacing: 40, faultDuration: 30))
        let frames = assets.map { simulator.telemetry(for: $0) }
        var materials = cell.materials
        let clock = ContinuousClock()
        let start = clock.now
        var second = 0
        var ports = port.makeAsyncIterator()
        guard let bound = await ports.next() else { return }
        let client = APIClient(base: "http://127.0.0.1:\(bound)", token: token)
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            if let stopAfter, clock.now - start >= stopAfter {
                // The same path as Ctrl-C: every service finishes what it is doing and the store is checkpointed.
                kill(getpid(), SIGTERM)
                try? await gracefulShutdown()
                return
            }
            let now = Date()
            let t = second % 3_600
            var samples: [TelemetryBatch.Outgoing] = []
            for (a, frame) in frames.enumerated() where samplesOverHTTP {
                var values: [String: Double] = [:]
                for (j, sensor) in frame.sensors.enumerated() { values[sensor] = frame.values[t, j] }
                samples.append(TelemetryBatch.Outgoing(asset: assets[a], time: now, values: values))
            }
            var movements: [TelemetryBatch.OutgoingMovement] = []
            if second % 5 == 4 {
                for index in materials.indices {
                    let material = materials[index]
                    let reorderPoint = (try? ReplenishmentPlanner.propose(material))?.reorderPoint ?? 0
                    // Enough to reach the reorder point in about six rounds, then a steady trickle.
                    let gap = material.inventoryPosition - reorderPoint
                    let quantity = max(1, (gap / 6).rounded(.up))
                    materials[index].onHand = max(0, material.onHand - quantity)
                    movements.append(.init(item: material.item, kind: .consumption, quantity: quantity, time: now))
                }
            }
            do {
                if !samples.isEmpty || !movements.isEmpty { _ = try await client.ingest(TelemetryBatch.json(samples: samples, movements: movements)) }
            } catch {
                logger.warning("demo telemetry not sent", metadata: ["error": "\(error)"])
            }
            second += 1
            try? await clock.sleep(until: start + .seconds(second))
        }
    }
}
