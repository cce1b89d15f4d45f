import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import SluiceService
import SluiceTestSupport
import Testing

/// HTTPS, mutual TLS for edge clients, and secrets kept out of the logs, on a real `sluice serve`.
@Suite struct SecurityTests {
    @Test func mutualTLSRefusesClientsWithoutACertificateFromTheAuthorityAndStillChecksTokens() async throws {
        let certificates = try await offThePool { try TestCertificates() }
        let folder = try ServerFolder(assets: 2)
        try await folder.migrate()
        let operatorToken = try await folder.token("operator")
        let server = try await ServerProcess.start(
            folder,
            arguments: [
                "--tls-certificate", certificates.path("server.pem"), "--tls-key", certificates.path("server.key"),
                "--tls-client-ca", certificates.path("ca.pem"),
            ])
        defer { server.terminate() }
        let base = "https://127.0.0.1:\(server.port)"

        // An edge device with a certificate from the plant's authority is served, and its token still decides.
        try await certificates.withClient(certificate: "client.pem", key: "client.key") { device in
            #expect(try await send(device, base + "/health").status == 200)
            #expect(try await send(device, base + "/v1/actions").status == 401, "a certificate is not a token")
            #expect(try await send(device, base + "/v1/actions", token: operatorToken).status == 200)
            let signIn = try await send(device, base + "/ui/sign-in", method: "POST", form: "token=\(operatorToken)")
            #expect(signIn.status == 303)
            #expect(signIn.cookie?.contains("; Secure") == true, "the session cookie goes over HTTPS only: \(signIn.cookie ?? "none")")
        }

        // No certificate, or one from another authority: refused in the handshake, before any request is read.
        for (name, certificate, key) in [("no certificate", nil, nil), ("another authority's certificate", "rogue.pem", "rogue.key")] {
            try await certificates.withClient(certificate: certificate, key: key) { client in
                await #expect(throws: (any Error).self, "\(name) is refused") { _ = try await send(client, base + "/health") }
            }
        }
        // Plain HTTP to the HTTPS port gets nothing.
        await #expect(throws: (any Error).self) {
            _ = try await TestAPI(base: "http://127.0.0.1:\(server.port)", token: operatorToken).call("GET", "/health")
        }
        // The refusals were the handshake's, not a server gone down: the device is still served.
        try await certificates.withClient(certificate: "client.pem", key: "client.key") { device in
            let health = try await send(device, base + "/health")
            #expect(health.status == 200)
        }
    }

    @Test func badTLSSettingsStopTheServerWithTheFile() async throws {
        let certificates = try await offThePool { try TestCertificates() }
        let folder = try ServerFolder(assets: 2)
        let mismatched = try await folder.run([
            "serve", "--port", "0", "--tls-certificate", certificates.path("server.pem"), "--tls-key", certificates.path("client.key"),
        ])
        #expect(mismatched.status != 0)
        #expect(mismatched.err.contains("server.pem") && mismatched.err.contains("client.key"), "\(mismatched.err)")
        let missing = try await folder.run([
            "serve", "--port", "0", "--tls-certificate", "/nonexistent/cert.pem", "--tls-key", certificates.path("server.key"),
        ])
        #expect(missing.status != 0)
        #expect(missing.err.contains("/nonexistent/cert.pem"), "\(missing.err)")
        let alone = try await folder.run(["serve", "--port", "0", "--tls-client-ca", certificates.path("ca.pem")])
        #expect(alone.status != 0)
        #expect(alone.err.contains("--tls-client-ca needs --tls-certificate"), "\(alone.err)")
    }

    /// Every secret the server holds goes through it at the most verbose log level: tokens (in headers and
    /// the sign-in form), the ERP/MES credential (sent on each call) and the store's password (in its URL).
    @Test func noSecretReachesTheLogsEvenAtTrace() async throws {
        let certificates = try await offThePool { try TestCertificates() }
        let erp = try await RunningSink()
        defer { erp.stop() }
        let database = try await freshPostgresDatabase()
        let storePassword = "pg-secret-\(UUID().uuidString.prefix(8))"
        let store = database.replacingOccurrences(of: "postgres://postgres@", with: "postgres://postgres:\(storePassword)@")
        let erpSecret = "erp-secret-\(UUID().uuidString.prefix(8))"
        let folder = try ServerFolder(assets: 2, erpURL: erp.url)
        try await folder.migrate(store: store)
        let edge = try await folder.token("edge", store: store)
        let operatorToken = try await folder.token("operator", store: store)
        let server = try await ServerProcess.start(
            folder, store: store,
            arguments: [
                "--log-level", "trace", "--retry-delay", "0.2", "--tls-certificate", certificates.path("server.pem"), "--tls-key",
                certificates.path("server.key"),
            ],
            environment: ["SLUICE_ERP_AUTHORIZATION": "Bearer \(erpSecret)"], keepingLogs: true)
        let base = "https://127.0.0.1:\(server.port)"
        // Without --tls-client-ca, a client needs no certificate of its own.
        try await certificates.withClient { client in
            try await actAsEveryRole(client, base: base, edge: edge, operatorToken: operatorToken, erp: erp)
        }
        await server.stop()

        let logs = server.logs
        #expect(logs.contains("dispatch.acknowledged") && logs.contains("trace"), "the logs were captured, at trace")
        #expect(logs.contains("postgres:***@"), "the store's URL is logged, with its password masked")
        for (name, secret) in [
            ("the edge token", edge), ("the operator token", operatorToken), ("the ERP/MES credential", erpSecret),
            ("the store password", storePassword),
        ] {
            #expect(!logs.contains(secret), "\(name) is in the logs")
        }
    }

    /// Telemetry with the edge token, approvals with the operator's (so the ERP/MES is called with its
    /// credential), a browser sign-in, and a wrong token.
    private func actAsEveryRole(_ client: HTTPClient, base: String, edge: String, operatorToken: String, erp: RunningSink) async throws {
        let batch = faultyBatch(2)
        #expect(try await send(client, base + "/v1/telemetry", method: "POST", token: edge, json: batch).status == 200)
        var ids: [String] = []
        #expect(
            try await eventually {
                let list = try await send(client, base + "/v1/actions?state=pending", token: operatorToken).body
                ids =
                    ((try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [String: Any])?["actions"] as? [[String: Any]])?
                    .compactMap { $0["id"] as? String } ?? []
                return ids.count == 2
            })
        for id in ids {
            #expect(try await send(client, base + "/v1/actions/\(id)/approve", method: "POST", token: operatorToken, json: "{}").status == 200)
        }
        #expect(try await eventually { erp.sink.acceptedKeys.count == 2 }, "the calls, with the credential, reached the ERP/MES")
        let signIn = try await send(client, base + "/ui/sign-in", method: "POST", form: "token=\(operatorToken)")
        #expect(signIn.status == 303)
        #expect(try await send(client, base + "/ui/queue", cookie: signIn.cookie?.components(separatedBy: ";").first).status == 200)
        #expect(try await send(client, base + "/v1/actions", token: operatorToken + "x").status == 401)
    }

    /// A response as the tests read it.
    struct Reply {
        let status: Int
        let cookie: String?
        let body: String
    }

    private func send(
        _ client: HTTPClient, _ url: String, method: String = "GET", token: String? = nil, cookie: String? = nil, json: String? = nil,
        form: String? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let cookie { request.headers.add(name: "Cookie", value: cookie) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        } else if let form {
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: form))
        }
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), cookie: response.headers["Set-Cookie"].first, body: String(buffer: body))
    }
}

/// A certificate authority, a server certificate for 127.0.0.1 and a client certificate signed by it, and
/// a client certificate from another authority, made with openssl in a temporary folder.
struct TestCertificates {
    let directory: String

    /// Writes a fresh authority, server and client certificates with openssl. It blocks: call it through ``offThePool(_:)``.
    @available(*, noasync, message: "runs openssl eight times; call it through offThePool")
    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + key + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Sluice Test Plant CA"])
        try openssl(["req", "-x509"] + key + ["-keyout", "rogue-ca.key", "-out", "rogue-ca.pem", "-days", "2", "-subj", "/CN=Another CA"])
        try sign("server", authority: "ca", subject: "/CN=127.0.0.1", extensions: "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n")
        try sign("client", authority: "ca", subject: "/CN=edge-01", extensions: "extendedKeyUsage=clientAuth\n")
        try sign("rogue", authority: "rogue-ca", subject: "/CN=edge-01", extensions: "extendedKeyUsage=clientAuth\n")
    }

    func path(_ name: String) -> String { directory + "/" + name }

    /// Runs `body` with an HTTPS client trusting the test authority (presenting `certificate` if given), and shuts it down.
    func withClient(certificate: String? = nil, key: String? = nil, _ body: (HTTPClient) async throws -> Void) async throws {
        let client = try client(certificate: certificate, key: key)
        do {
            try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func client(certificate: String?, key: String?) throws -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path("ca.pem")))
        if let certificate, let key {
            tls.certificateChain = try NIOSSLCertificate.fromPEMFile(path(certificate)).map { .certificate($0) }
            tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: path(key), format: .pem))
        }
        // Redirects are read, not followed: the sign-in answers one with its cookie.
        return HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow))
    }

    private func sign(_ name: String, authority: String, subject: String, extensions: String) throws {
        try extensions.write(toFile: path(name + ".ext"), atomically: true, encoding: .utf8)
        try openssl(
            [
                "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", name + ".key", "-out", name + ".csr",
                "-subj", subject,
            ])
        try openssl([
            "x509", "-req", "-in", name + ".csr", "-CA", authority + ".pem", "-CAkey", authority + ".key", "-CAcreateserial", "-out", name + ".pem",
            "-days",
            "2", "-extfile", name + ".ext",
        ])
    }

    private func openssl(_ arguments: [String]) throws {
        let result = try runProgram(URL(fileURLWithPath: "/usr/bin/openssl"), arguments, in: directory)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.joined(separator: " ")): \(result.err)") }
    }
}
