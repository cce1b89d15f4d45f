import Foundation
import Logging
import SluiceOPCUA
import SluiceTestSupport
import Testing

/// Network outages between the subscriber and a real server, played by a proxy that cuts the connection
/// after holding back the server's last answers (so notifications are lost on the wire, as on a real
/// network) and refuses connections for a while.
extension ServerTests {
    @Test(
        "after a network outage the session is reactivated: every change sampled meanwhile arrives, and notifications lost with the connection come again with Republish",
        arguments: [OPCUATestServer.Implementation.open62541, .asyncua], [MessageSecurityMode.none, .signAndEncrypt])
    func outage(_ implementation: OPCUATestServer.Implementation, _ mode: MessageSecurityMode) async throws {
        // With security, the reactivation is signed over the server's latest nonce and the password encrypted
        // with it, on a channel with new keys.
        let (pki, certificate) = try Self.clientPKI()
        defer { try? FileManager.default.removeItem(atPath: pki) }
        let server: OPCUATestServer
        var client: OPCUAClient.Configuration
        if mode == .none {
            server = try started(implementation, variables: 5)
            client = OPCUAClient.Configuration(endpoint: server.endpoint)
        } else {
            server = try started(
                implementation, variables: 5, extra: ["--security", "all", "--trust-dir", pki + "/server-trusts", "--user", "operator:s3cret"])
            try FileManager.default.copyItem(atPath: server.certificateFile, toPath: pki + "/trusted/server.der")
            client = OPCUAClient.Configuration(endpoint: server.endpoint, identity: .userName("operator", password: "s3cret"))
            client.security = OPCUAClient.Security(mode: mode, certificate: certificate, trustList: try TrustList(folder: pki + "/trusted"))
        }
        let proxy = try await TCPProxy(port: server.port)
        client.endpoint = "opc.tcp://127.0.0.1:\(proxy.port)"
        let counter = try NodeId(parsing: "ns=2;s=Cell.Counter")
        var settings = OPCUASubscriber.Settings(client: client, nodes: [counter])
        settings.publishingInterval = 100
        settings.samplingInterval = 50
        settings.queueSize = 100
        let (events, continuation) = AsyncStream.makeStream(of: OPCUASubscriber.Event.self)
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let running = Task { await OPCUASubscriber(settings: settings).run(logger: logger) { continuation.yield($0) } }
        defer { running.cancel() }

        var counts: [UInt32] = []
        var countsAfterOutage = 0
        var resumed: [Duration] = []
        var resubscribed: [Duration] = []
        var recovered = 0
        var lost = 0
        var cut = false
        for await event in events {
            switch event {
            case .changes(let changes):
                for case .uint32(let n) in changes.filter({ $0.nodeId == counter }).map(\.value.value) {
                    counts.append(n)
                    if !resumed.isEmpty || !resubscribed.isEmpty { countsAfterOutage += 1 }
                }
            case .resumed(_, let outage): resumed.append(outage)
            case .subscribed(_, let outage?): resubscribed.append(outage)
            case .sequenceGap(let r, let l):
                recovered += r
                lost += l
            case .subscribed, .disconnected: break
            }
            if !cut, counts.count >= 20 {
                cut = true
                try await proxy.cut(holdingBack: .milliseconds(600))
                try await Task.sleep(for: .seconds(2))
                proxy.restore()
            }
            if countsAfterOutage >= 30 { break }
        }
        #expect(cut)
        // Both servers keep a session whose connection broke until it times out, and its subscription queues
        // what it samples: every tick of the counter arrives, in order, none twice.
        #expect(resumed.count == 1 && resubscribed.isEmpty, "resumed \(resumed), subscribed again \(resubscribed)")
        #expect(resumed.allSatisfy { $0 >= .milliseconds(1500) && $0 < .seconds(10) }, "\(resumed)")
        #expect(zip(counts.dropFirst(), counts).allSatisfy { $0 == $1 + 1 }, "\(counts)")
        #expect(recovered > 0 && lost == 0, "the answers held back before the cut are asked for again: recovered \(recovered), lost \(lost)")
    }
}
