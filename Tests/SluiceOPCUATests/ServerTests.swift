import Foundation
import SluiceOPCUA
import SluiceTestSupport
import Testing

/// The client against OPC UA servers written by others, each started on a free port for the test. One server
/// at a time: each is a Python process changing values ten times a second, and many at once would starve the
/// other suites that run beside this one.
@Suite(
    "Against real OPC UA servers (asyncua and open62541)",
    .enabled(if: OPCUATestServer.isAvailable, "needs the venv of scripts/opcua-peers.sh"),
    .serialized,
    .timeLimit(.minutes(2))
)
struct ServerTests {
    /// A PKI folder for the client (`own/`, an empty `trusted/`) and a `server-trusts/` folder holding the
    /// client's certificate for the server to trust; the folder and the client's certificate.
    static func clientPKI() throws -> (path: String, certificate: ApplicationCertificate) {
        let pki = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-pki-\(UUID().uuidString)").path
        for folder in ["own", "trusted", "server-trusts"] {
            try FileManager.default.createDirectory(atPath: pki + "/" + folder, withIntermediateDirectories: true)
        }
        let certificate = try ApplicationCertificate(applicationURI: "urn:sluice:test-client", commonName: "Sluice test", hostName: "localhost")
        try certificate.write(certificateFile: pki + "/server-trusts/client.der", privateKeyFile: pki + "/own/key.pem")
        return (pki, certificate)
    }

    func started(_ implementation: OPCUATestServer.Implementation, variables: Int = 20, extra: [String] = []) throws -> OPCUATestServer {
        let server = try OPCUATestServer(implementation, variables: variables, extra: extra)
        try server.start()
        return server
    }

    @Test(
        "Read returns values with their status and source timestamps, and BadNodeIdUnknown for a node the server lacks",
        arguments: [OPCUATestServer.Implementation.asyncua, .open62541])
    func read(_ implementation: OPCUATestServer.Implementation) async throws {
        let server = try started(implementation)
        let values = try await OPCUAClient.withSession(.init(endpoint: server.endpoint)) { session in
            try await session.read([
                try NodeId(parsing: "ns=2;s=Sensor.Temp"), try NodeId(parsing: "ns=2;s=Cell.Counter"), try NodeId(parsing: "ns=2;s=No.Such.Node"),
            ])
        }
        #expect(values[0].status.isGood && values[0].value.number != nil)
        #expect(values[1].status.isGood, "\(values[1])")
        guard case .uint32 = values[1].value else {
            Issue.record("Counter should be a UInt32, got \(values[1].value)")
            return
        }
        let age = Date().timeIntervalSince1970 - (values[1].sourceTimestamp?.secondsSince1970 ?? 0)
        #expect(age > -1 && age < 5, "the source timestamp should be the server's recent write, \(age) s ago")
        #expect(values[2].status.name == "BadNodeIdUnknown")
    }

    @Test(
        "Browse finds the cell's variables, across BrowseNext when the server answers in parts",
        arguments: [OPCUATestServer.Implementation.asyncua, .open62541])
    func browse(_ implementation: OPCUATestServer.Implementation) async throws {
        let server = try started(implementation, variables: 25)
        let (cell, values) = try await OPCUAClient.withSession(.init(endpoint: server.endpoint)) { session in
            let cell = try await session.browse(try NodeId(parsing: "ns=2;s=Cell"))
            let values = try await session.browse(try NodeId(parsing: "ns=2;s=Cell.Values"), maxReferencesPerAnswer: 7)
            return (cell, values)
        }
        #expect(cell.contains { $0.nodeId.nodeId == NodeId(namespace: 2, string: "Cell.Counter") && $0.targetClass == .variable })
        let names = Set(values.map { $0.nodeId.nodeId.description })
        #expect(names == Set((0..<25).map { "ns=2;s=Cell.Values.\($0)" }))
    }

    @Test(
        "a subscription to hundreds of variables of eight types delivers every change of a counter, in order, with its source timestamp",
        arguments: [OPCUATestServer.Implementation.asyncua, .open62541])
    func subscription(_ implementation: OPCUATestServer.Implementation) async throws {
        // A few hundred variables of eight types, all changing every 100 ms (fewer on the Python server, which
        // shares the two cores with the suites running beside this one).
        let variables = implementation == .open62541 ? 300 : 200
        let server = try started(implementation, variables: variables)
        let (counts, others, statistics) = try await OPCUAClient.withSession(.init(endpoint: server.endpoint)) { session in
            let nodes = [try NodeId(parsing: "ns=2;s=Cell.Counter")] + (0..<variables).map { NodeId(namespace: 2, string: "Cell.Values.\($0)") }
            let subscription = try await session.subscribe(nodes, publishingInterval: 100, samplingInterval: 50, queueSize: 20)
            #expect(subscription.items.allSatisfy { $0.status.isGood })
            var counts: [UInt32] = []
            var others = Set<NodeId>()
            for await changes in subscription.changes {
                for change in changes {
                    if change.nodeId == nodes[0], case .uint32(let n) = change.value.value {
                        #expect(change.value.sourceTimestamp?.isSet == true)
                        counts.append(n)
                    } else {
                        others.insert(change.nodeId)
                    }
                }
                if counts.count >= 30 { break }
            }
            // DeleteSubscriptions: the server drops it and its stream of changes ends.
            try await session.unsubscribe(subscription)
            for await _ in subscription.changes {}
            return (counts, others, await session.statistics)
        }
        // The first value is the counter as it stood; every later one is one more.
        #expect(zip(counts.dropFirst(), counts).allSatisfy { $0 == $1 + 1 }, "\(counts)")
        #expect(others.count == variables)
        #expect(statistics.lost == 0)
    }

    @Test("the channel token is renewed before it expires, three times, without a notification lost")
    func tokenRenewal() async throws {
        let server = try started(.open62541)
        var configuration = OPCUAClient.Configuration(endpoint: server.endpoint)
        configuration.tokenLifetime = .seconds(4)
        let (counts, renewals) = try await OPCUAClient.withSession(configuration) { session in
            let subscription = try await session.subscribe(
                [try NodeId(parsing: "ns=2;s=Cell.Counter")], publishingInterval: 100, samplingInterval: 50)
            var counts: [UInt32] = []
            let until = Date().addingTimeInterval(13)
            for await changes in subscription.changes {
                for case .uint32(let n) in changes.map(\.value.value) { counts.append(n) }
                if Date() > until { break }
            }
            return (counts, await session.channelRenewals)
        }
        #expect(renewals >= 3, "the server granted 4 s tokens: in 13 s the client renews at 3, 6, 9 and 12 s")
        #expect(counts.count > 80)
        #expect(zip(counts.dropFirst(), counts).allSatisfy { $0 == $1 + 1 }, "\(counts)")
    }

    @Test("a wrong password, a refused anonymous user and a closed port each say what went wrong")
    func clearErrors() async throws {
        let server = try started(.asyncua, extra: ["--user", "operator:s3cret", "--no-anonymous"])
        let good = try await OPCUAClient.withSession(.init(endpoint: server.endpoint, identity: .userName("operator", password: "s3cret"))) {
            try await $0.read([NodeId(numeric: 2259)])  // Server_ServerStatus_State
        }
        #expect(good[0].status.isGood)
        let wrong = await #expect(throws: OPCUAError.self) {
            try await OPCUAClient.withSession(.init(endpoint: server.endpoint, identity: .userName("operator", password: "guess"))) { _ in }
        }
        #expect(wrong?.code == .accessDenied && wrong?.message.contains("wrong user name or password") == true, "\(String(describing: wrong))")
        let anonymous = await #expect(throws: OPCUAError.self) {
            try await OPCUAClient.withSession(.init(endpoint: server.endpoint)) { _ in }
        }
        #expect(anonymous?.code == .accessDenied, "\(String(describing: anonymous))")
        let port = try MosquittoBroker.freePort()
        let closed = await #expect(throws: OPCUAError.self) {
            try await OPCUAClient.withSession(.init(endpoint: "opc.tcp://127.0.0.1:\(port)")) { _ in }
        }
        #expect(closed?.code == .connectionFailed && closed?.message.contains("connection refused") == true, "\(String(describing: closed))")
    }

    @Test(
        "Basic256Sha256 Sign and SignAndEncrypt: an untrusted server is refused with its thumbprint, a trusted one serves reads, encrypted passwords and subscriptions across token renewals",
        arguments: [OPCUATestServer.Implementation.asyncua, .open62541], [MessageSecurityMode.sign, .signAndEncrypt])
    func security(_ implementation: OPCUATestServer.Implementation, _ mode: MessageSecurityMode) async throws {
        let (pki, certificate) = try Self.clientPKI()
        defer { try? FileManager.default.removeItem(atPath: pki) }
        let server = try started(
            implementation, extra: ["--security", "all", "--trust-dir", pki + "/server-trusts", "--user", "operator:s3cret"])
        func configuration(_ identity: OPCUAClient.Identity = .anonymous) throws -> OPCUAClient.Configuration {
            var configuration = OPCUAClient.Configuration(endpoint: server.endpoint, identity: identity)
            configuration.security = OPCUAClient.Security(mode: mode, certificate: certificate, trustList: try TrustList(folder: pki + "/trusted"))
            configuration.tokenLifetime = .seconds(4)
            return configuration
        }
        let untrusted = await #expect(throws: OPCUAError.self) { try await OPCUAClient.withSession(try configuration()) { _ in } }
        #expect(untrusted?.code == .untrustedCertificate, "\(String(describing: untrusted))")
        let rejected = try FileManager.default.contentsOfDirectory(atPath: pki + "/rejected")
        #expect(rejected.count == 1 && untrusted?.message.contains(String(rejected[0].dropLast(4))) == true)
        try FileManager.default.moveItem(atPath: pki + "/rejected/" + rejected[0], toPath: pki + "/trusted/" + rejected[0])

        let (counts, renewals) = try await OPCUAClient.withSession(try configuration()) { session in
            #expect(session.endpoint.mode == mode)
            let subscription = try await session.subscribe(
                [try NodeId(parsing: "ns=2;s=Cell.Counter")], publishingInterval: 100, samplingInterval: 50)
            var counts: [UInt32] = []
            let until = Date().addingTimeInterval(7)
            for await changes in subscription.changes {
                for case .uint32(let n) in changes.map(\.value.value) { counts.append(n) }
                if Date() > until { break }
            }
            return (counts, await session.channelRenewals)
        }
        #expect(renewals >= 2, "4 s tokens renewed at 3 and 6 s, each with new keys")
        #expect(counts.count > 40 && zip(counts.dropFirst(), counts).allSatisfy { $0 == $1 + 1 }, "\(counts)")

        let values = try await OPCUAClient.withSession(try configuration(.userName("operator", password: "s3cret"))) {
            try await $0.read([try NodeId(parsing: "ns=2;s=Sensor.Temp")])
        }
        #expect(values[0].status.isGood)
        let wrong = await #expect(throws: OPCUAError.self) {
            try await OPCUAClient.withSession(try configuration(.userName("operator", password: "guess"))) { _ in }
        }
        #expect(wrong?.code == .accessDenied)
    }
}
