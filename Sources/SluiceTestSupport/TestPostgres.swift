public import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A private PostgreSQL server for the tests, started once per test process with
/// `scripts/postgres-server.sh` (a temporary data folder, a free local port) and stopped when the process
/// exits; each test gets a database of its own.
public final class TestPostgres: Sendable {
    /// The server's folder (data, log, socket).
    public let directory: URL
    /// The URL of its `postgres` database.
    public let adminURL: String
    /// Its port.
    public let port: Int

    /// The shared server, or why there is none.
    public static let shared: Result<TestPostgres, TestPostgresError> = {
        do {
            let server = try TestPostgres()
            atexit { if case .success(let server) = TestPostgres.shared { try? server.stop() } }
            return .success(server)
        } catch let error as TestPostgresError {
            return .failure(error)
        } catch {
            return .failure(TestPostgresError(message: "\(error)"))
        }
    }()

    /// Starts a new server in a temporary folder.
    public init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-postgres-\(UUID().uuidString.prefix(8))")
        let printed = try Self.script("start", directory.path)
        guard let url = printed.split(separator: "\n").last(where: { $0.hasPrefix("postgres://") }),
            let port = URLComponents(string: String(url))?.port
        else { throw TestPostgresError(message: "scripts/postgres-server.sh printed no URL: \(printed)") }
        adminURL = String(url)
        self.port = port
    }

    /// A new, empty database on the server, and its URL.
    public func freshDatabase() throws -> String {
        let name = "sluice_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        _ = try Self.run("/usr/bin/psql", [adminURL, "-q", "-v", "ON_ERROR_STOP=1", "-c", "CREATE DATABASE \(name)"])
        return "postgres://postgres@127.0.0.1:\(port)/\(name)"
    }

    /// Stops the server (a fast shutdown: sessions are ended, committed work is kept).
    public func stop() throws { _ = try Self.script("stop", directory.path) }

    /// Stops the server at once, as a crash would.
    public func kill() throws { _ = try Self.script("kill", directory.path) }

    /// Starts it again on the same port and data.
    public func restart() throws { _ = try Self.script("start", directory.path) }

    private static func script(_ arguments: String...) throws -> String {
        try run(TestCell.root.appendingPathComponent("scripts/postgres-server.sh").path, arguments)
    }

    /// Runs a command to its end and returns its output. It is spawned and waited for directly: Foundation's
    /// `Process` waits through a run loop that starves when the test's threads are all busy.
    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-postgres-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let processID: pid_t
        do {
            processID = try spawn(executable, arguments, output: output.path)
        } catch {
            throw TestPostgresError(message: "\(error)")
        }
        var status: Int32 = 0
        while waitpid(processID, &status, 0) == -1, errno == EINTR {}
        let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        // Exited normally with status 0.
        guard status == 0 else {
            throw TestPostgresError(message: "\(([executable] + arguments).joined(separator: " ")) failed: \(text)")
        }
        return text
    }
}

/// Why the test server could not start.
public struct TestPostgresError: Error, CustomStringConvertible {
    /// What went wrong.
    public let message: String
    public var description: String { message }
}
