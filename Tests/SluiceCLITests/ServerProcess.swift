import AsyncHTTPClient
import Foundation
import Hummingbird
import NIOCore
import SluiceMQTT
import SluiceServer
import SluiceService
import SluiceTelemetry
import SluiceTestSupport
import Synchronization

/// A folder with a test cell (`assets` machines on the shipped press-01 model), a gate acting on 100 % at
/// once (debounce 1, no silent period), and a store path: what a `sluice serve` process under test runs on.
struct ServerFolder {
    let path: String
    var store: String { path + "/sluice.sqlite" }

    init(assets: Int, erpURL: String? = nil) throws {
        path = try TestCell.writeServerFolder(assets: assets, erpURL: erpURL)
    }

    /// Runs `sluice` to completion in this folder.
    func run(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        try await runSluice(arguments, in: path)
    }

    /// Migrates this folder's store, or `store`, and throws with what `sluice migrate` said if it fails.
    func migrate(store: String? = nil) async throws {
        let result = try await run(["migrate", "--store", store ?? self.store])
        guard result.status == 0 else { throw TestFailure("migrate failed: \(result.err)") }
    }

    /// A new token of `role`, printed by `sluice tokens create` (in this folder's store, or in `store`).
    func token(_ role: String, store: String? = nil) async throws -> String {
        let result = try await run(["tokens", "create", "--store", store ?? self.store, "--name", "\(role)-test", "--role", role, "--quiet"])
        guard result.status == 0 else { throw TestFailure("tokens create failed: \(result.err)") }
        return result.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Runs the built `sluice` executable in `directory`, as a user would, to completion; `environment` is
/// added to the test process's own.
func runSluice(
    _ arguments: [String], in directory: String, environment: [String: String] = [:]
) async throws -> (status: Int32, out: String, err: String) {
    try await offThePool {
        try runProgram(Bundle.main.bundleURL.appendingPathComponent("sluice"), arguments, in: directory, environment: environment)
    }
}

/// Runs `body`, which blocks (waits for a process), on a thread of its own. All test suites share one
/// cooperative pool, with one thread per core: a test that waits there for a child process stalls every
/// other test's tasks, and their polls and timings with them. So no test waits for a process on the pool.
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// Runs a program to completion and returns its status and output. It blocks: call it through ``offThePool(_:)``.
@available(*, noasync, message: "blocks a thread of the cooperative pool; call it through offThePool")
func runProgram(
    _ executable: URL, _ arguments: [String], in directory: String? = nil, environment: [String: String] = [:]
) throws -> (status: Int32, out: String, err: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
    if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Standard error is read on a thread of its own: a program that fills one pipe while the other is
    // being read to its end would otherwise wait forever.
    let errData = Locked(Data())
    let errRead = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        let data = err.fileHandleForReading.readDataToEndOfFile()
        errData.withLock { $0 = data }
        errRead.signal()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    errRead.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.withLock { $0 }, as: UTF8.self))
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A value shared between tasks and callbacks, behind a lock.
final class Locked<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) {
        self.value = Mutex(value)
    }

    func withLock<T: Sendable>(_ body: (inout Value) -> T) -> T { value.withLock { body(&$0) } }
}

/// A `sluice serve` process on a free port.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    private let output: Locked<String>
    private let errors: Locked<String>

    /// Starts the server in `folder` (on its SQLite file, or on `store`) and waits, off the pool, until it
    /// listens. With `keepingLogs`, its standard error (the logs) is kept for ``logs``; otherwise it is dropped.
    static func start(
        _ folder: ServerFolder, store: String? = nil, arguments: [String] = [], environment: [String: String] = [:], keepingLogs: Bool = false
    ) async throws -> ServerProcess {
        try await offThePool {
            try ServerProcess(launching: folder, store: store, arguments: arguments, environment: environment, keepingLogs: keepingLogs)
        }
    }

    private init(launching folder: ServerFolder, store: String?, arguments: [String], environment: [String: String], keepingLogs: Bool) throws {
        let process = Process()
        process.executableURL = Bundle.main.bundleURL.appendingPathComponent("sluice")
        let level = arguments.contains("--log-level") ? [] : ["--log-level", "warning"]
        process.arguments = ["serve", "--store", store ?? folder.store, "--port", "0"] + level + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: folder.path)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        process.standardOutput = out
        let errors = Locked("")
        if keepingLogs {
            let err = Pipe()
            process.standardError = err
            err.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if !data.isEmpty { errors.withLock { $0 += String(decoding: data, as: UTF8.self) } }
            }
        } else {
            process.standardError = FileHandle.nullDevice
        }
        let output = Locked("")
        let ready = DispatchSemaphore(value: 0)
        out.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else { return }
            let text = String(decoding: data, as: UTF8.self)
            let done = output.withLock { output in
                output += text
                return output.contains("sluice serving")
            }
            if done { ready.signal() }
        }
        try process.run()
        guard ready.wait(timeout: .now() + 60) == .success else {
            process.terminate()
            throw TestFailure("the server did not start within 60 s")
        }
        let line = output.withLock { $0 }
        guard let range = line.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression),
            let port = Int(line[range].split(separator: ":").last ?? "")
        else { throw TestFailure("no port in '\(line)'") }
        self.process = process
        self.port = port
        self.output = output
        self.errors = errors
    }

    var url: String { "http://127.0.0.1:\(port)" }

    /// What the server printed and logged so far (its logs only when started `keepingLogs`).
    var logs: String { output.withLock { $0 } + errors.withLock { $0 } }

    /// Kills the process with SIGKILL (no shutdown, no flush) and waits until it is gone.
    func kill() async {
        Foundation.kill(process.processIdentifier, SIGKILL)
        await exited()
    }

    /// Asks for a graceful stop (SIGTERM) and waits until the process has exited.
    func stop() async {
        process.terminate()
        await exited()
    }

    /// Asks for a graceful stop (SIGTERM) without waiting: for a `defer`, which cannot await. Foundation reaps
    /// the process when it exits.
    func terminate() {
        process.terminate()
    }

    private func exited() async {
        let process = process
        _ = try? await offThePool { process.waitUntilExit() }
    }
}

/// Calls a server's API.
struct TestAPI: Sendable {
    let base: String
    let token: String

    func call(_ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 * 1_024 * 1_024)
        return (Int(response.status.code), String(buffer: bytes))
    }

    /// The ids of the actions in `state` (at most 100).
    func actionIDs(state: String) async throws -> [String] {
        let list = try await json("GET", "/v1/actions?state=\(state)&limit=100")
        return (list["actions"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    func json(_ method: String, _ path: String, body: String? = nil) async throws -> [String: Any] {
        let (status, text) = try await call(method, path, body: body)
        guard (200..<300).contains(status) else { throw TestFailure("\(method) \(path): HTTP \(status) \(text.prefix(300))") }
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }
}

/// A stand-in ERP/MES in this process, on a free port.
final class RunningSink: Sendable {
    let sink = ERPSink()
    let port: Int
    private let task: Task<Void, any Error>

    init() async throws {
        let sink = self.sink
        let (portStream, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: sink.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) })
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = portStream.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() { task.cancel() }
}

/// Polls `condition` every 100 ms until it holds or `timeout` passes.
func eventually(timeout: Duration = .seconds(30), _ condition: () async throws -> Bool) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(100))
    }
    return try await condition()
}

/// Runs one statement with psql on `url` and returns its rows, one per line.
func psql(_ url: String, _ statement: String) async throws -> [String] {
    let result = try await offThePool { try runProgram(URL(fileURLWithPath: "/usr/bin/psql"), [url, "-tAc", statement]) }
    guard result.status == 0 else { throw TestFailure("psql: \(result.err)") }
    return result.out.split(separator: "\n").map(String.init)
}

/// Replicas named `names` on the store at `url`, each taking MQTT from `broker` through one shared subscription.
func sharedSubscriptionReplicas(_ folder: ServerFolder, store url: String, broker: MosquittoBroker, names: [String]) async throws -> [ServerProcess] {
    var replicas: [ServerProcess] = []
    for name in names {
        replicas.append(
            try await ServerProcess.start(
                folder, store: url,
                arguments: ["--replica", name, "--mqtt", "mqtt://127.0.0.1:\(broker.port)", "--mqtt-topic", "$share/sluice/sluice/+/telemetry"]))
    }
    return replicas
}

/// A new, empty database on the shared test PostgreSQL server (started on first use), and its URL.
func freshPostgresDatabase() async throws -> String {
    try await offThePool { try TestPostgres.shared.get().freshDatabase() }
}

/// A Mosquitto broker on a free port, started.
func startedBroker() async throws -> MosquittoBroker {
    try await offThePool {
        let broker = try MosquittoBroker()
        try broker.start()
        return broker
    }
}

/// Publishes messages `range` at QoS 1 on cell A's topic, one sample each: message i is asset i mod 4, at
/// `start` plus i × 0.1 s. Each publish waits for the broker's acknowledgement, on a thread of its own.
func publishSamples(_ range: Range<Int>, to broker: MosquittoBroker, start: Date) async throws {
    try await offThePool { try publishSamplesWaiting(range, to: broker, start: start) }
}

@available(*, noasync)
private func publishSamplesWaiting(_ range: Range<Int>, to broker: MosquittoBroker, start: Date) throws {
    let publisher = try MQTTPublisher(
        configuration: MQTTConfiguration(url: "mqtt://127.0.0.1:\(broker.port)", topics: [], clientID: "edge-\(UUID().uuidString.prefix(8))"))
    try publisher.connect()
    for i in range {
        let sample = TelemetryBatch.Outgoing(
            asset: TestCell.assets(4)[i % 4], time: start.addingTimeInterval(Double(i) * 0.1), values: TestCell.normal(i))
        try publisher.publish(topic: "sluice/cell-a/telemetry", payload: Array(TelemetryBatch.json(samples: [sample]).utf8), qos: 1)
    }
    publisher.disconnect()
}

/// A batch of one faulty sample for each of the first `assets` test assets, as JSON.
func faultyBatch(_ assets: Int, at time: Date = Date(), step: Int = 0) -> String {
    TelemetryBatch.json(samples: TestCell.assets(assets).map { .init(asset: $0, time: time, values: TestCell.faulty(step)) })
}
