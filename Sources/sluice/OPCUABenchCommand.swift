import ArgumentParser
import Foundation
import Logging
import NIOCore
import SluiceOPCUA
import SluiceServer
import SluiceTelemetry

struct OPCUABenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "opcua",
        abstract: "Measure the OPC UA client: decoding, a subscription of many items, and the path into the twin.",
        discussion: """
            Three parts, one run:
              1. decoding: Publish responses carrying --items data changes each (Double values with source and \
            server timestamps, encoded as servers send them) decoded as a session decodes them, without a server;
              2. subscription: a server with --items variables that all change every --interval milliseconds (started \
            from the venv of scripts/opcua-peers.sh: open62541 through the o6 wheel by default, or asyncua), \
            subscribed at that interval for --seconds; value changes per second, and whether every change of the \
            server's Counter arrived;
              3. into the twin: a decision service whose cell maps the same variables to --items/5 assets of five \
            sensors, fed by the same subscription; value changes and samples stored per second;
              4. with a server the bench started: the server restarted under a subscriber (seconds from its accepting \
            connections to the first value), and 13 s of a subscription on 4 s channel tokens (renewals, and the \
            Counter's changes published and received across them).
            Give --endpoint to use a running server with the same address space (ns=2;s=Cell.Values.<i>, \
            ns=2;s=Cell.Counter) instead.
            """)

    @Option(help: "Monitored items (variables that change together).") var items = 1_000
    @Option(help: "Milliseconds between the server's changes, and the publishing and sampling interval.") var interval = 100.0
    @Option(help: "Seconds to measure each live part.") var seconds = 10.0
    @Option(help: "The peer server to start: open62541 or asyncua.") var server = "open62541"
    @Option(help: "Use this running server instead of starting one.") var endpoint: String?
    @Flag(help: "Print the summary as JSON.") var json = false

    struct Summary: Codable {
        var machine: String
        var date: String
        var server: String
        var items: Int
        var intervalMilliseconds: Double
        var decodedValueChangesPerSecond: Double
        var offeredValueChangesPerSecond: Double
        var subscribedValueChangesPerSecond: Double
        var counterChangesPublished: Int
        var counterChangesReceived: Int
        var notificationsLost: Int
        var twinValueChangesPerSecond: Double
        var twinSamplesPerSecond: Double
        var reconnectSeconds: Double?
        var tokenRenewals: Int?
        var renewalCounterChangesPublished: Int?
        var renewalCounterChangesReceived: Int?
    }

    func validate() throws {
        guard items >= 5, items % 5 == 0, interval >= 10, seconds >= 1 else {
            throw ValidationError("need --items ≥ 5 and a multiple of 5, --interval ≥ 10 ms and --seconds ≥ 1")
        }
        guard ["open62541", "asyncua"].contains(server) else { throw ValidationError("--server is open62541 or asyncua") }
    }

    func run() async throws {
        try await reportingErrors {
            printError("decoding Publish responses of \(items) data changes …")
            let decoded = try Self.decodingRate(items: items)
            if endpoint == nil { printError("starting the \(server) server with \(items) variables …") }
            let peer =
                try endpoint == nil ? PeerServer(kind: server, arguments: ["--variables", String(items), "--period", String(interval / 1000)]) : nil
            defer { peer?.stop() }
            let url = endpoint ?? peer!.endpoint
            let nodes = (0..<items).map { NodeId(namespace: 2, string: "Cell.Values.\($0)") }
            let counter = NodeId(namespace: 2, string: "Cell.Counter")
            printError("subscribing to \(items + 1) items for \(seconds) s after a 2 s warm-up …")
            let live = try await Self.subscription(url: url, nodes: nodes, counter: counter, interval: interval, seconds: seconds)
            printError("feeding a decision service for \(seconds) s after a 3 s warm-up …")
            let twin = try await Self.twin(url: url, items: items, interval: interval, seconds: seconds)
            var reconnect: Double?
            var renewal: (renewals: Int, published: Int, received: Int)?
            if let peer {
                printError("restarting the server under a subscription …")
                let restarted: PeerServer
                (reconnect, restarted) = try await Self.reconnect(peer: peer, kind: server, items: items, interval: interval)
                defer { restarted.stop() }
                printError("renewing 4 s channel tokens for 13 s under a subscription …")
                renewal = try await Self.renewal(url: restarted.endpoint, counter: counter)
            }
            let summary = Summary(
                machine: IngestBenchCommand.machine(), date: ISO8601DateFormatter().string(from: Date()), server: endpoint ?? server, items: items,
                intervalMilliseconds: interval, decodedValueChangesPerSecond: decoded, offeredValueChangesPerSecond: Double(items) * 1000 / interval,
                subscribedValueChangesPerSecond: live.rate, counterChangesPublished: live.published, counterChangesReceived: live.received,
                notificationsLost: live.lost, twinValueChangesPerSecond: twin.changes, twinSamplesPerSecond: twin.samples,
                reconnectSeconds: reconnect, tokenRenewals: renewal?.renewals, renewalCounterChangesPublished: renewal?.published,
                renewalCounterChangesReceived: renewal?.received)
            if json {
                try printJSON(summary)
            } else {
                print(
                    """
                    machine: \(summary.machine)
                    decoding: \(Int(decoded)) value changes/s (Publish responses of \(items) data changes, no server)
                    subscription to \(summary.server), \(items) items every \(Int(interval)) ms (\(Int(summary.offeredValueChangesPerSecond)) changes/s offered): \
                    \(Int(live.rate)) value changes/s received; Counter changed \(live.published) times, \(live.received) arrived; \(live.lost) notifications lost
                    into the twin (\(items / 5) assets × 5 sensors): \(Int(twin.changes)) value changes/s, \(Int(twin.samples)) samples/s stored
                    """)
                if let reconnect {
                    print("server restart: values again \(String(format: "%.2f", reconnect)) s after the server accepted connections")
                }
                if let renewal {
                    print(
                        "token renewal: \(renewal.renewals) renewals of 4 s tokens; Counter changed \(renewal.published) times, \(renewal.received) arrived"
                    )
                }
            }
        }
    }

    /// Value changes decoded per second from Publish responses of `items` data changes.
    static func decodingRate(items: Int) throws -> Double {
        let now = DateTime.now
        let changes = DataChangeNotification(
            monitoredItems: (0..<items).map {
                MonitoredItemNotification(
                    clientHandle: UInt32($0 + 1), value: DataValue(value: .double(Double($0) * 0.5), sourceTimestamp: now, serverTimestamp: now))
            })
        var body = ByteBuffer()
        body.writeUA(NodeId(numeric: PublishResponse.encodingId))
        body.writeUA(
            PublishResponse(
                subscriptionId: 1,
                notificationMessage: NotificationMessage(
                    sequenceNumber: 1, publishTime: now,
                    notificationData: [ExtensionObject(encoding: changes, typeId: DataChangeNotification.encodingId)])))
        var decoded = 0
        let clock = ContinuousClock()
        let start = clock.now
        while clock.now - start < .seconds(1) {
            for _ in 0..<10 {
                let response = try OPCUAClient.decodeResponse(PublishResponse.self, from: body)
                for data in response.notificationMessage.notificationData {
                    decoded += try data.decode(DataChangeNotification.self, typeId: DataChangeNotification.encodingId)?.monitoredItems.count ?? 0
                }
            }
        }
        let elapsed = clock.now - start
        return Double(decoded) / elapsed.inSeconds
    }

    /// Subscribes to `nodes` and the counter for `seconds` after a 2 s warm-up.
    static func subscription(url: String, nodes: [NodeId], counter: NodeId, interval: Double, seconds: Double) async throws -> (
        rate: Double, published: Int, received: Int, lost: Int
    ) {
        var logger = Logger(label: "sluice.bench")
        logger.logLevel = .error
        return try await OPCUAClient.withSession(.init(endpoint: url), logger: logger) { session in
            let subscription = try await session.subscribe(
                [counter] + nodes, publishingInterval: interval, samplingInterval: interval, queueSize: 10)
            if let refused = subscription.items.first(where: { $0.status.isBad }) {
                throw OPCUAError(.serviceFault, "the server cannot watch \(refused.nodeId)", status: refused.status)
            }
            let clock = ContinuousClock()
            let warm = clock.now + .seconds(2)
            var start: ContinuousClock.Instant?
            var count = 0
            var counts: [UInt32] = []
            for await changes in subscription.changes {
                let now = clock.now
                guard now >= warm else { continue }
                if start == nil { start = now }
                count += changes.count
                for change in changes where change.nodeId == counter {
                    if let n = change.value.value.number { counts.append(UInt32(n)) }
                }
                if now - start! >= .milliseconds(Int64(seconds * 1000)) { break }
            }
            let elapsed = clock.now - (start ?? clock.now)
            let span = elapsed.inSeconds
            let published = counts.count > 1 ? Int(counts.last! - counts.first!) + 1 : counts.count
            return (Double(count) / max(span, 1e-9), published, counts.count, await session.statistics.lost)
        }
    }

    /// Stops the peer under a running subscriber, starts it again on the same port, and returns the seconds
    /// from the new server accepting connections to the first value change from it, and the new server.
    static func reconnect(peer: PeerServer, kind: String, items: Int, interval: Double) async throws -> (Double, PeerServer) {
        var logger = Logger(label: "sluice.bench")
        logger.logLevel = .critical
        var settings = OPCUASubscriber.Settings(client: .init(endpoint: peer.endpoint), nodes: [NodeId(namespace: 2, string: "Cell.Counter")])
        settings.publishingInterval = interval
        let subscriber = OPCUASubscriber(settings: settings)
        let (events, continuation) = AsyncStream.makeStream(of: OPCUASubscriber.Event.self)
        let task = Task { await subscriber.run(logger: logger) { continuation.yield($0) } }
        defer { task.cancel() }
        var iterator = events.makeAsyncIterator()
        while let event = await iterator.next() { if case .changes = event { break } }
        peer.stop()
        try await Task.sleep(for: .seconds(2))
        let port = Int(peer.endpoint.split(separator: ":").last!)!
        let again = try PeerServer(kind: kind, arguments: ["--variables", String(items), "--period", String(interval / 1000)], port: port)
        let clock = ContinuousClock()
        let ready = clock.now
        // Changes queued before the restart come first: the ones that count follow the subscription made again.
        var resubscribed = false
        while let event = await iterator.next() {
            switch event {
            case .subscribed(_, .some), .resumed: resubscribed = true
            default: break
            }
            if resubscribed, case .changes = event {
                let elapsed = clock.now - ready
                return (elapsed.inSeconds, again)
            }
        }
        again.stop()
        throw OPCUAError(.connectionClosed, "the subscriber stopped before the restarted server sent a value")
    }

    /// Subscribes to the counter for 13 s with 4 s channel tokens: renewals, and the counter's changes
    /// published and received across them.
    static func renewal(url: String, counter: NodeId) async throws -> (renewals: Int, published: Int, received: Int) {
        var logger = Logger(label: "sluice.bench")
        logger.logLevel = .error
        var configuration = OPCUAClient.Configuration(endpoint: url)
        configuration.tokenLifetime = .seconds(4)
        return try await OPCUAClient.withSession(configuration, logger: logger) { session in
            let subscription = try await session.subscribe([counter], publishingInterval: 100, samplingInterval: 50, queueSize: 20)
            var counts: [UInt32] = []
            let end = ContinuousClock.now + .seconds(13)
            for await changes in subscription.changes {
                for change in changes { if let n = change.value.value.number { counts.append(UInt32(n)) } }
                if ContinuousClock.now >= end { break }
            }
            let published = counts.count > 1 ? Int(counts.last! - counts.first!) + 1 : counts.count
            return (await session.channelRenewals, published, Set(counts).count)
        }
    }

    /// Runs a decision service whose cell maps the variables to assets of five sensors; value changes and
    /// samples stored per second over `seconds` after a 3 s warm-up.
    static func twin(url: String, items: Int, interval: Double, seconds: Double) async throws -> (changes: Double, samples: Double) {
        let folder = try IngestBenchCommand.makeFolder(assets: items / 5)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let sensors = ["temperature", "pressure", "vibration", "current", "flow"]
        var section =
            "opcua:\n  - endpoint: \(url)\n    publishing_interval: \(Int(interval))ms\n    sampling_interval: \(Int(interval))ms\n    nodes:\n"
        for i in 0..<items {
            section += "      - {node: \"ns=2;s=Cell.Values.\(i)\", asset: \(String(format: "asset-%04d", i / 5)), sensor: \(sensors[i % 5])}\n"
        }
        let cell = folder + "/Cells/bench-cell.yaml"
        try (try String(contentsOfFile: cell, encoding: .utf8) + section).write(toFile: cell, atomically: true, encoding: .utf8)
        var configuration = RuntimeConfiguration()
        configuration.storePath = folder + "/bench.sqlite"
        configuration.cells = folder + "/Cells"
        configuration.gates = folder + "/Gates"
        configuration.models = folder + "/Models"
        configuration.port = 0
        let runtime = try SluiceRuntime(configuration: configuration, logger: makeLogger(level: .error))
        let server = Task { try await runtime.run() }
        defer { server.cancel() }
        try await Task.sleep(for: .seconds(3))
        func figures() throws -> (changes: Double, samples: Int) {
            let line = runtime.engine.metrics.render().split(separator: "\n").first { $0.hasPrefix("sluice_opcua_value_changes_total ") }
            let changes = line.flatMap { Double($0.split(separator: " ").last!) } ?? 0
            return (changes, try runtime.store.read { try $0.samples.count(asset: nil) })
        }
        let before = try figures()
        let clock = ContinuousClock()
        let start = clock.now
        try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        let after = try figures()
        let elapsed = clock.now - start
        let span = elapsed.inSeconds
        await runtime.shutdown()
        try await server.value
        return ((after.changes - before.changes) / span, Double(after.samples - before.samples) / span)
    }
}

/// A peer OPC UA server run from the venv of scripts/opcua-peers.sh, for the bench and the demo.
final class PeerServer: Sendable {
    let endpoint: String
    private let process: Process
    private let log: URL

    /// Starts the `kind` server (open62541 or asyncua) on a free port with the script's `arguments`, and
    /// waits until it listens.
    init(kind: String, arguments: [String], port chosen: Int? = nil) throws {
        let python = ".build/opcua-peers/bin/python"
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw ValidationError("the peer servers' venv is missing: run scripts/opcua-peers.sh from the repository's root first")
        }
        let port = chosen ?? Int.random(in: 20_000..<32_000)
        let script = kind == "asyncua" ? "scripts/opcua_test_server.py" : "scripts/o6_test_server.py"
        // Its output goes to a file: a pipe nobody drains would fill and stall the server.
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-bench-opcua-\(port).log")
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else { throw ValidationError("cannot write \(log.path)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, "--port", String(port)] + arguments
        process.standardOutput = try FileHandle(forWritingTo: log)
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.log = log
        endpoint = "opc.tcp://127.0.0.1:\(port)"
        // The server prints one JSON line when it listens.
        let deadline = Date().addingTimeInterval(30)
        while !((try? String(contentsOf: log, encoding: .utf8)) ?? "").contains("\"ready\"") {
            guard process.isRunning, Date() < deadline else {
                process.terminate()
                throw ValidationError("the \(kind) server did not become ready: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Stops the server: SIGTERM, then SIGKILL after 3 s (a child may inherit a mask that blocks SIGTERM).
    func stop() {
        process.terminate()
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: log)
    }
}
