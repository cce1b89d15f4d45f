import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// An OPC UA server written by others, on a free local port, for the OPC UA client's tests: asyncua's
/// (`scripts/opcua_test_server.py`) or open62541's through the `o6` wheel (`scripts/o6_test_server.py`),
/// run by the Python of the venv `scripts/opcua-peers.sh` makes.
public final class OPCUATestServer: Sendable {
    /// Which implementation.
    public enum Implementation: String, Sendable {
        /// asyncua (pure Python).
        case asyncua = "opcua_test_server.py"
        /// open62541 (C, in the `o6` wheel).
        case open62541 = "o6_test_server.py"
    }

    /// The repository's root, found from this file's place in it.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// The venv's Python.
    public static let python = root.appendingPathComponent(".build/opcua-peers/bin/python").path

    /// Whether the peers' venv exists; evaluated once, printing how to make it when it does not.
    public static let isAvailable: Bool = {
        let available = FileManager.default.isExecutableFile(atPath: python)
        if !available {
            print("SluiceOPCUA: skipping the tests against OPC UA servers because \(python) is missing; run scripts/opcua-peers.sh (make test does).")
        }
        return available
    }()

    /// The server's port.
    public let port: Int
    /// Its endpoint URL.
    public var endpoint: String { "opc.tcp://127.0.0.1:\(port)" }
    private let implementation: Implementation
    private let arguments: [String]
    private let directory: URL
    private let processID = Mutex<pid_t?>(nil)

    /// A server with `variables` changing every `period` seconds; `extra` arguments go to the script
    /// (`--user name:password`, `--no-anonymous`, `--security …`).
    public init(_ implementation: Implementation = .asyncua, variables: Int = 50, period: Double = 0.1, extra: [String] = []) throws {
        port = try MosquittoBroker.freePort()
        self.implementation = implementation
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-opcua-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        arguments =
            [
                Self.root.appendingPathComponent("scripts/\(implementation.rawValue)").path, "--port", String(port), "--variables", String(variables),
                "--period", String(period),
                "--certificate-dir", directory.appendingPathComponent("pki").path,
            ] + extra
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// The server's certificate (DER), there once the server has started.
    public var certificateFile: String { directory.appendingPathComponent("pki/server_cert.der").path }

    private var outputFile: URL { directory.appendingPathComponent("server.out") }

    /// What the server printed so far (its ready line, its logs).
    public var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }

    /// Starts the server and waits until it prints that it is ready (up to 30 s: a cold Python start).
    public func start() throws {
        let processID = try spawnResettingSignals(Self.python, arguments, output: outputFile.path)
        self.processID.withLock { $0 = processID }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if output.contains("\"ready\": true") { return }
            var status: Int32 = 0
            if waitpid(processID, &status, WNOHANG) == processID {
                self.processID.withLock { $0 = nil }
                throw SpawnError(description: "the \(implementation) OPC UA server exited during startup:\n\(output)")
            }
            usleep(20_000)
        }
        stop()
        throw SpawnError(description: "the \(implementation) OPC UA server did not become ready on port \(port):\n\(output)")
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s).
    public func stop() {
        guard let processID = processID.withLock({ $0.take() }) else { return }
        kill(processID, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<500 {
            if waitpid(processID, &status, WNOHANG) != 0 { return }
            usleep(10_000)
        }
        kill(processID, SIGKILL)
        waitpid(processID, &status, 0)
    }
}
