import Foundation
import SluiceService
import SluiceTestSupport
import Testing

/// `sluice opcua` as a user runs it, against a real OPC UA server (asyncua).
@Suite("sluice opcua", .serialized, .enabled(if: OPCUATestServer.isAvailable, "needs the venv of scripts/opcua-peers.sh"), .timeLimit(.minutes(2)))
struct OPCUACommandTests {
    @Test("browse, read, watch and mapping print what the server has; the mapping loads as a cell's section")
    func commands() async throws {
        let server = try OPCUATestServer(.asyncua, variables: 3)
        try server.start()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-opcua-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        let browse = try await runSluice(["opcua", "browse", server.endpoint, "--node", "ns=2;s=Sensor"], in: folder)
        #expect(browse.status == 0 && browse.out.contains("Temp [Variable] ns=2;s=Sensor.Temp: Double, °C"), "\(browse)")
        let read = try await runSluice(["opcua", "read", server.endpoint, "ns=2;s=Cell.Counter", "ns=2;s=Gone"], in: folder)
        #expect(
            read.status == 0 && read.out.contains("ns=2;s=Cell.Counter = ") && read.out.contains("ns=2;s=Gone = null BadNodeIdUnknown"), "\(read)")
        let watch = try await runSluice(["opcua", "watch", server.endpoint, "ns=2;s=Cell.Counter", "--interval", "100", "--count", "5"], in: folder)
        #expect(watch.status == 0 && watch.out.split(separator: "\n").count == 5, "\(watch)")

        let mapping = try await runSluice(
            ["opcua", "mapping", server.endpoint, "--under", "ns=2;s=Cell", "--cell", "line-1", "--out", folder + "/mapping.yaml"], in: folder)
        #expect(mapping.status == 0, "\(mapping)")
        let section = try String(contentsOfFile: folder + "/mapping.yaml", encoding: .utf8)
        // The commented assets list and the section together make a cell the service loads.
        let assets = section.split(separator: "\n").filter { $0.hasPrefix("#   ") || $0.hasPrefix("#     ") }.map { String($0.dropFirst()) }
        let cell = try CellDefinition.parse("cell: line-1\nassets:\n" + assets.joined(separator: "\n") + "\n" + section, file: "mapping.yaml")
        #expect(
            Set(cell.opcua.first?.nodes.map(\.node) ?? []) == [
                "ns=2;s=Cell.Counter", "ns=2;s=Cell.Values.0", "ns=2;s=Cell.Values.1", "ns=2;s=Cell.Values.2",
            ])

        let refused = try await runSluice(["opcua", "read", "opc.tcp://127.0.0.1:\(try MosquittoBroker.freePort())", "i=85"], in: folder)
        #expect(refused.status != 0 && refused.err.contains("connection refused"), "\(refused)")
        let badNode = try await runSluice(["opcua", "read", server.endpoint, "ns=2;x=1"], in: folder)
        #expect(badNode.status != 0 && badNode.err.contains("not a node id"), "\(badNode)")
        let noKey = try await runSluice(["opcua", "read", server.endpoint, "i=85", "--security", "sign", "--pki", folder + "/pki"], in: folder)
        #expect(noKey.status != 0 && noKey.err.contains("sluice opcua certificate"), "\(noKey)")
        let certificate = try await runSluice(["opcua", "certificate", "--pki", folder + "/pki"], in: folder)
        #expect(certificate.status == 0 && FileManager.default.fileExists(atPath: folder + "/pki/own/certificate.der"), "\(certificate)")
    }
}
