import ArgumentParser
import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SluiceGates
import SluiceLinearAlgebra
import SluiceServer
import SluiceService
import SluiceSimulation
import SluiceStatistics
import SluiceTelemetry
import Synchronization

struct IngestBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Drive the HTTP ingest with concurrent clients; report samples/s, sample-to-action latency and approvals/s.",
        discussion: """
            Starts a complete server in this process (SQLite store in a temporary folder, the dispatcher, the expiry
            sweeper, a stand-in ERP/MES) on a cell of --assets assets sharing the shipped press-01 model behind a gate
            acting on 100 % of them (debounce 1, no silent period). Then:
              1. --clients clients post batches of --batch samples over HTTP for --seconds seconds; each batch
                 carries one faulty sample of an asset without an open action, so actions keep being queued.
                 Throughput is samples stored per second of wall time. Latency, for the batches that raised an
                 action, runs from the client sending the batch to the reply saying the action is queued (the
                 reply is written after the transaction that stores the samples and the action commits): an upper
                 bound on arrival-to-queued, network and JSON both ways included.
              2. The same clients approve the pending actions over HTTP, one request each, while the dispatcher
                 sends the approved ones to the stand-in ERP/MES; approvals per second of wall time.
            --store names the stores to measure, one after the other in this run, so their figures compare: sqlite (a
            file in a temporary folder, the default) and/or an empty PostgreSQL database (postgres://…), comma-separated.
            On PostgreSQL the server runs as one replica: a batch is stored in the inbox and acknowledged, and the
            cell's scorer raises its actions moments later, so the report gives the rate samples were acknowledged
            and, separately, the rate they were scored (from the first batch to the inbox running dry); the reply
            carries no action to time, and the JSON says so (a figure that could not be measured is null, with the
            reason in "notes").
            """)

    @Option(help: "Concurrent clients.") var clients = 2
    @Option(help: "Samples per batch.") var batch = 1_000
    @Option(help: "Seconds of ingest.") var seconds = 10.0
    @Option(help: "Assets in the cell.") var assets = 2_000
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(help: "The stores to measure, comma-separated: sqlite and/or an empty PostgreSQL database (postgres://…).") var store = "sqlite"
    @Flag(help: "Call the engine directly (decode + ingest), without HTTP: the engine's own capacity.") var inProcess = false

    /// The stores named by --store: nil for a SQLite file in a temporary folder, else a PostgreSQL URL.
    var stores: [String?] {
        store.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.map { $0 == "sqlite" ? nil : $0 }
    }

    func validate() throws {
        guard clients >= 1, batch >= 10, seconds > 0, assets >= clients * 10 else {
            throw ValidationError("need --clients ≥ 1, --batch ≥ 10, --seconds > 0 and --assets ≥ 10 × --clients")
        }
        for named in store.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            guard named == "sqlite" || named.hasPrefix("postgres://") || named.hasPrefix("postgresql://") else {
                throw ValidationError(
                    "--store takes sqlite and/or postgres://… URLs, comma-separated; '\(named.split(separator: "@").last ?? "")' is neither")
            }
        }
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            var runs: [Summary] = []
            for url in stores {
                if !json { printError("measuring on \(url == nil ? "SQLite" : "PostgreSQL") for \(seconds) s …") }
                runs.append(try await measure(store: url))
            }
            let report = Report(
                machine: Self.machine(), date: ISO8601DateFormatter().string(from: Date()), clients: clients, batch: batch, assets: assets,
                seconds: seconds, inProcess: inProcess, runs: runs)
            if json {
                try printJSON(report)
                return
            }
            for summary in runs {
                let ms = { (value: Double?) in value.map { String(format: "%.1f ms", $0) } ?? "not measured" }
                print(
                    """
                    store: \(summary.store)
                    ingest: \(summary.samples) samples in \(String(format: "%.1f", summary.ingestSeconds)) s by \(clients) clients in batches of \(batch): \
                    \(Int(summary.samplesPerSecond.rounded())) samples/s acknowledged, \(Int(summary.scoredSamplesPerSecond.rounded())) samples/s scored
                    sample-to-queued-action (send → reply, \(summary.actionsQueued) actions): p50 \(ms(summary.latencyP50Milliseconds)), \
                    p99 \(ms(summary.latencyP99Milliseconds)) (every batch: p99 \(ms(summary.batchP99Milliseconds)))
                    approvals: \(summary.approvals) in \(String(format: "%.2f", summary.approvalSeconds)) s: \(summary.approvalsPerSecond.map { "\(Int($0.rounded()))" } ?? "no") approvals/s, \
                    p99 \(ms(summary.approvalP99Milliseconds)); \(summary.dispatched) reached the stand-in ERP/MES
                    errors: \(summary.errors); busy answers (429, sent again): \(summary.busy)
                    """ + summary.notes.map { "\nnote: \($0)" }.joined())
            }
            if let ratio = report.postgresToSQLiteScored {
                print("PostgreSQL scored \(String(format: "%.2f", ratio))× SQLite's samples/s in this run")
            }
            print("machine: \(report.machine)")
        }
    }

    /// Runs the whole bench on one store (nil: SQLite in a temporary folder).
    func measure(store url: String?) async throws -> Summary {
        let folder = try Self.makeFolder(assets: assets)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let logger = makeLogger(level: .error)
        let sink = ERPSink()
        let erpPort = Mutex(0)
        let erp = Application(
            router: sink.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in erpPort.withLock { $0 = channel.localAddress?.port ?? 0 } }, logger: logger)
        let erpGroup = ServiceGroup(services: [erp], gracefulShutdownSignals: [], logger: logger)
        let erpTask = Task { try await erpGroup.run() }
        defer { erpTask.cancel() }
        while erpPort.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(20)) }

        var configuration = RuntimeConfiguration()
        configuration.storePath = url ?? folder + "/bench.sqlite"
        configuration.cells = folder + "/Cells"
        configuration.gates = folder + "/Gates"
        configuration.models = folder + "/Models"
        configuration.port = 0
        configuration.dispatch.url = "http://127.0.0.1:\(erpPort.withLock { $0 })"
        let runtime = try SluiceRuntime(configuration: configuration, logger: logger)
        let port = Mutex(0)
        let server = Task { try await runtime.run { bound in port.withLock { $0 = bound } } }
        var stopped = false
        defer { if !stopped { server.cancel() } }
        while port.withLock({ $0 }) == 0 { try await Task.sleep(for: .milliseconds(20)) }
        let base = "http://127.0.0.1:\(port.withLock { $0 })"
        let edge = try runtime.tokens.create(name: "bench-edge", role: .edge, cell: nil, by: .local("bench")).token
        let operatorToken = try runtime.tokens.create(name: "bench-operator", role: .operator, cell: nil, by: .local("bench")).token

        let direct: DecisionEngine? = inProcess ? runtime.engine : nil
        let ingest = try await Self.ingest(
            base: base, token: edge, clients: clients, batch: batch, seconds: seconds, assets: (0..<assets).map { String(format: "asset-%04d", $0) },
            direct: direct)
        var scoredSeconds = ingest.seconds
        var notes: [String] = []
        if runtime.store.isShared {
            // Queued samples are scored by the cell's scorer: wait for the inbox to run dry.
            while try runtime.store.read({ try $0.coordination?.inboxDepth().values.reduce(0, +) ?? 0 }) > 0 {
                try await Task.sleep(for: .milliseconds(20))
            }
            scoredSeconds = (ContinuousClock.now - ingest.started).inSeconds
            notes.append(
                "samples are scored after the reply (the cell's scorer reads the inbox), so scored samples/s runs from the first batch to the inbox running dry"
            )
        }
        if ingest.actionLatencies.isEmpty {
            notes.append(
                runtime.store.isShared
                    ? "sample-to-queued-action latency not measured: on PostgreSQL the reply is sent before the scorer raises the action"
                    : "sample-to-queued-action latency not measured: no reply carried a queued action")
        }
        let pending = try runtime.store.read { try $0.actions.list(.init(state: .pending, limit: 100_000)) }.map(\.id)
        let approvals = try await Self.approve(base: base, token: operatorToken, ids: pending, clients: clients)
        if pending.isEmpty { notes.append("approvals not measured: no action was pending") }
        // Let the dispatcher finish, to report what reached the ERP/MES.
        let deadline = ContinuousClock.now + .seconds(30)
        while sink.acceptedKeys.count < pending.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }
        // Stop as SIGTERM would, so connections are closed in order rather than cut.
        await runtime.shutdown()
        try await server.value
        await erpGroup.triggerGracefulShutdown()
        try await erpTask.value
        stopped = true
        func milliseconds(_ values: [Double], _ q: Double) -> Double? {
            values.isEmpty ? nil : Distributions.empiricalQuantile(values, q) * 1_000
        }
        return Summary(
            store: runtime.store.isShared ? "postgres" : "sqlite", samples: ingest.samples, ingestSeconds: ingest.seconds,
            samplesPerSecond: Double(ingest.samples) / ingest.seconds, scoredSamplesPerSecond: Double(ingest.samples) / scoredSeconds,
            batches: ingest.batches, latencyP50Milliseconds: milliseconds(ingest.actionLatencies, 0.5),
            latencyP99Milliseconds: milliseconds(ingest.actionLatencies, 0.99), actionsQueued: ingest.actionLatencies.count,
            batchP99Milliseconds: milliseconds(ingest.allLatencies, 0.99), approvals: approvals.count, approvalSeconds: approvals.seconds,
            approvalsPerSecond: pending.isEmpty ? nil : Double(approvals.count) / approvals.seconds,
            approvalP99Milliseconds: milliseconds(approvals.latencies, 0.99), dispatched: sink.acceptedKeys.count,
            errors: ingest.errors + approvals.errors, busy: ingest.busy, notes: notes)
    }

    /// Everything one invocation measured.
    struct Report: Encodable {
        var machine: String
        var date: String
        var clients: Int
        var batch: Int
        var assets: Int
        var seconds: Double
        var inProcess: Bool
        var runs: [Summary]
        /// PostgreSQL's scored samples/s over SQLite's, when both ran.
        @NullWhenMissing var postgresToSQLiteScored: Double?

        init(machine: String, date: String, clients: Int, batch: Int, assets: Int, seconds: Double, inProcess: Bool, runs: [Summary]) {
            self.machine = machine
            self.date = date
            self.clients = clients
            self.batch = batch
            self.assets = assets
            self.seconds = seconds
            self.inProcess = inProcess
            self.runs = runs
            if let sqlite = runs.first(where: { $0.store == "sqlite" }), let postgres = runs.first(where: { $0.store == "postgres" }),
                sqlite.scoredSamplesPerSecond > 0
            {
                postgresToSQLiteScored = postgres.scoredSamplesPerSecond / sqlite.scoredSamplesPerSecond
            }
        }
    }

    /// One store's figures; a figure that could not be measured is null, and `notes` says why.
    struct Summary: Encodable {
        var store: String
        var samples: Int
        var ingestSeconds: Double
        var samplesPerSecond: Double
        var scoredSamplesPerSecond: Double
        var batches: Int
        @NullWhenMissing var latencyP50Milliseconds: Double?
        @NullWhenMissing var latencyP99Milliseconds: Double?
        var actionsQueued: Int
        @NullWhenMissing var batchP99Milliseconds: Double?
        var approvals: Int
        var approvalSeconds: Double
        @NullWhenMissing var approvalsPerSecond: Double?
        @NullWhenMissing var approvalP99Milliseconds: Double?
        var dispatched: Int
        var errors: Int
        /// Batches the server answered 429 (busy) and the client sent again.
        var busy: Int
        var notes: [String]
    }

    /// A figure that may not have been measured: `null` in the JSON then, never left out (the encoder would
    /// leave out a plain optional).
    @propertyWrapper
    struct NullWhenMissing<Value: Encodable>: Encodable {
        var wrappedValue: Value?

        init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(wrappedValue)
        }
    }

    struct IngestResult {
        var samples = 0
        var batches = 0
        var seconds = 0.0
        var actionLatencies: [Double] = []
        var allLatencies: [Double] = []
        var errors = 0
        /// 429 answers (a cell's scoring lagging too far), each followed by sending the batch again.
        var busy = 0
        /// When the first batch was sent.
        var started = ContinuousClock.now
    }

    /// Each client owns a slice of the assets, so its samples reach each asset in time order.
    static func ingest(
        base: String, token: String, clients: Int, batch: Int, seconds: Double, assets: [String], direct: DecisionEngine?
    ) async throws -> IngestResult {
        let normal = CellSimulator(configuration: .init(seed: 42, samples: 600, normalSamples: 600)).telemetry(for: "press-01")
        let start = Date().addingTimeInterval(-3_600)
        let clock = ContinuousClock()
        // Bodies are built before the clock starts, as a load generator's requests are: the two cores are
        // left to the server, not to JSON encoding on the client side.
        // Enough for 200 batches a second in all: if the server takes them faster, the run ends early and says so.
        let perClient = max(1, Int((seconds * 200 / Double(clients)).rounded(.up)))
        let bodies: [[String]] = (0..<clients).map { client in
            let mine = assets.enumerated().filter { $0.offset % clients == client }.map(\.element)
            var step = 0
            return (0..<perClient).map { round in
                var samples: [TelemetryBatch.Outgoing] = []
                samples.reserveCapacity(batch)
                for i in 0..<batch {
                    let row = (step + i) % normal.count
                    var values = Dictionary(uniqueKeysWithValues: normal.sensors.enumerated().map { ($1, normal.values[row, $0]) })
                    var asset = mine[(step + i) % mine.count]
                    // The last sample of each batch is faulty, on an asset that has not raised yet.
                    if i == batch - 1, round < mine.count {
                        values["pressure"]! += 6
                        values["flow"]! += 25
                        asset = mine[round]
                    }
                    samples.append(.init(asset: asset, time: start.addingTimeInterval(Double(step + i) * 0.001), values: values))
                }
                step += batch
                return TelemetryBatch.json(samples: samples)
            }
        }
        let began = clock.now
        let stop = began + .milliseconds(Int64(seconds * 1_000))
        let results = try await withThrowingTaskGroup(of: IngestResult.self) { group in
            for client in 0..<clients {
                let mine = bodies[client]
                group.addTask {
                    var result = IngestResult()
                    let api = APIClient(base: base, token: token)
                    for body in mine where clock.now < stop {
                        let sent = clock.now
                        do {
                            let report =
                                if let direct {
                                    try direct.ingest(
                                        TelemetryBatch.decode(Data(body.utf8)), from: Principal(tokenID: "", name: "bench", role: .edge, cell: nil))
                                } else {
                                    try await api.ingest(body, onBusy: { result.busy += 1 })
                                }
                            let elapsed = clock.now - sent
                            let latency = elapsed.inSeconds
                            result.samples += report.acceptedSamples
                            result.errors += report.rejected.count
                            result.batches += 1
                            result.allLatencies.append(latency)
                            if !report.raised.isEmpty { result.actionLatencies.append(latency) }
                        } catch {
                            result.errors += 1
                        }
                    }
                    return result
                }
            }
            var all: [IngestResult] = []
            for try await result in group { all.append(result) }
            return all
        }
        let elapsed = clock.now - began
        var total = IngestResult()
        total.started = began
        total.seconds = elapsed.inSeconds
        for r in results {
            total.samples += r.samples
            total.batches += r.batches
            total.errors += r.errors
            total.busy += r.busy
            total.actionLatencies += r.actionLatencies
            total.allLatencies += r.allLatencies
        }
        return total
    }

    static func approve(base: String, token: String, ids: [String], clients: Int) async throws -> (
        count: Int, seconds: Double, latencies: [Double], errors: Int
    ) {
        let clock = ContinuousClock()
        let began = clock.now
        let results = try await withThrowingTaskGroup(of: (Int, [Double], Int).self) { group in
            for client in 0..<clients {
                let mine = ids.enumerated().filter { $0.offset % clients == client }.map(\.element)
                group.addTask {
                    let api = APIClient(base: base, token: token)
                    var latencies: [Double] = []
                    var errors = 0
                    for id in mine {
                        let sent = clock.now
                        let (status, _) = try await api.send("POST", "/v1/actions/\(id)/approve", body: "{}")
                        let elapsed = clock.now - sent
                        latencies.append(elapsed.inSeconds)
                        if status != 200 { errors += 1 }
                    }
                    return (mine.count - errors, latencies, errors)
                }
            }
            var all: [(Int, [Double], Int)] = []
            for try await r in group { all.append(r) }
            return all
        }
        let elapsed = clock.now - began
        return (
            results.map(\.0).reduce(0, +), elapsed.inSeconds,
            results.flatMap(\.1), results.map(\.2).reduce(0, +)
        )
    }

    static func makeFolder(assets: Int) throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-\(UUID().uuidString)").path
        let fm = FileManager.default
        for sub in ["Cells", "Gates", "Models"] { try fm.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true) }
        try fm.copyItem(atPath: "Models/press-01.pca-t2q.v1.json", toPath: folder + "/Models/press-01.pca-t2q.v1.json")
        var cell = "cell: bench-cell\nassets:\n"
        for a in 0..<assets {
            cell += "  - {id: \(String(format: "asset-%04d", a)), model: press-01, sensors: [temperature, pressure, vibration, current, flow]}\n"
        }
        try cell.write(toFile: folder + "/Cells/bench-cell.yaml", atomically: true, encoding: .utf8)
        try """
        gate: bench-maintenance
        cell: bench-cell
        action: maintenance-order
        model: {kind: pca-t2q, version: 1}
        stages:
          - percent: 100
        sponsor_sign_off: off
        debounce: 1
        silent_period: 0s
        """.write(toFile: folder + "/Gates/bench-maintenance.yaml", atomically: true, encoding: .utf8)
        return folder
    }

    static func machine() -> String {
        let cpu =
            (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?.split(separator: "\n")
            .first { $0.hasPrefix("model name") }.map { $0.split(separator: ":").last!.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
        return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
    }
}
