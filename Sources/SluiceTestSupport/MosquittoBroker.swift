import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A private `mosquitto` broker on a free local port, so tests exercise the real protocol without touching shared infrastructure.
public final class MosquittoBroker: Sendable {
    /// Where Debian's package puts the broker.
    public static let executable = "/usr/sbin/mosquitto"

    /// Whether the broker binary is installed; evaluated once, printing why the broker tests are skipped when it is not.
    public static let isAvailable: Bool = {
        let available = FileManager.default.isExecutableFile(atPath: executable)
        if !available {
            print("SluiceMQTT: skipping broker tests because \(executable) is missing; install it with `apt-get install mosquitto`.")
        }
        return available
    }()

    /// The broker's port.
    public let port: Int
    private let directory: URL
    private let processID = Mutex<pid_t?>(nil)

    /// Writes the broker configuration; `start()` launches it. `allowAnonymous: false` without a password file makes the broker
    /// refuse every client, which is how the tests provoke a CONNACK refusal.
    public init(allowAnonymous: Bool = true) throws {
        port = try Self.freePort()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-mosquitto-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let configuration = """
            listener \(port) 127.0.0.1
            allow_anonymous \(allowAnonymous)
            persistence false
            log_dest file \(logFile.path)
            log_type all
            """
        try configuration.write(to: configurationFile, atomically: true, encoding: .utf8)
        // mosquitto drops root privileges to the "mosquitto" user; a world-writable log file works either way.
        guard FileManager.default.createFile(atPath: logFile.path, contents: nil, attributes: [.posixPermissions: 0o666]) else {
            throw BrokerError(message: "cannot create \(logFile.path)")
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    private var configurationFile: URL { directory.appendingPathComponent("mosquitto.conf") }
    private var logFile: URL { directory.appendingPathComponent("mosquitto.log") }

    /// Everything the broker has logged so far (all runs), for assertions about what reached the broker.
    public var log: String {
        (try? String(contentsOf: logFile, encoding: .utf8)) ?? ""
    }

    /// Launches the broker and waits until it accepts TCP connections.
    public func start() throws {
        let processID = try spawnBroker()
        self.processID.withLock { $0 = processID }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline {
            if Self.acceptsConnections(port: port) {
                return
            }
            var status: Int32 = 0
            if waitpid(processID, &status, WNOHANG) == processID {
                self.processID.withLock { $0 = nil }
                throw BrokerError(message: "mosquitto exited during startup. Its log:\n\(log)")
            }
            usleep(10_000)
        }
        stop()
        throw BrokerError(message: "mosquitto did not start listening on 127.0.0.1:\(port). Its log:\n\(log)")
    }

    /// Terminates the broker with SIGTERM and waits for it to exit; persistence is off, so it forgets all sessions.
    public func stop() {
        guard let processID = processID.withLock({ $0.take() }) else { return }
        kill(processID, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<500 {
            if waitpid(processID, &status, WNOHANG) != 0 {
                return
            }
            usleep(10_000)
        }
        kill(processID, SIGKILL)
        waitpid(processID, &status, 0)
    }

    private func spawnBroker() throws -> pid_t {
        do {
            return try spawnResettingSignals(Self.executable, ["-c", configurationFile.path])
        } catch {
            throw BrokerError(message: "\(error)")
        }
    }

    struct BrokerError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    /// Picks an unused port below Linux's default ephemeral range (32768-60999), so that the outgoing connections of tests running
    /// in parallel cannot take it between this check and the broker binding it, or while the broker is restarting.
    /// A port nothing listens on, below the range the kernel hands out to outgoing connections.
    public static func freePort() throws -> Int {
        for _ in 0..<100 {
            let port = Int.random(in: 20000..<32768)
            if try isFree(port: port) {
                return port
            }
        }
        throw BrokerError(message: "found no free port in 20000-32767")
    }

    private static func isFree(port: Int) throws -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw BrokerError(message: "socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = loopbackAddress(port: port)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return bound == 0
    }

    static func acceptsConnections(port: Int) -> Bool {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopbackAddress(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return result == 0
    }

    private static func loopbackAddress(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}
