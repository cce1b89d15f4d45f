import Foundation
import GRDB
import SluiceService
import SluiceTestSupport
import Testing

/// The service's commands as a user runs them: replay, the demo, audit verify, tokens.
@Suite("service commands", .serialized)
struct ServiceCommandTests {
    @Test func replaySendsARecordingThatTheServerKeeps() async throws {
        let folder = try ServerFolder(assets: 1)
        try await folder.migrate()
        let token = try await folder.token("edge")
        let server = try await ServerProcess.start(folder)
        defer { server.terminate() }
        // A recording of one asset: 300 samples, one a second, the last 20 with a fault.
        var lines = ["time,asset,temperature,pressure,vibration,current,flow"]
        for t in 0..<300 {
            let values = t < 280 ? TestCell.normal(t) : TestCell.faulty(t)
            let row = ["temperature", "pressure", "vibration", "current", "flow"].map { String(values[$0]!) }.joined(separator: ",")
            lines.append("2026-01-01 00:\(String(format: "%02d:%02d", t / 60, t % 60)),asset-01,\(row)")
        }
        try lines.joined(separator: "\n").write(toFile: folder.path + "/recording.csv", atomically: true, encoding: .utf8)
        let replay = try await folder.run(["replay", "recording.csv", "--url", server.url, "--token", token, "--speed", "0", "--batch", "100"])
        #expect(replay.status == 0, "\(replay.err)")
        #expect(replay.out.contains("replayed 300 samples from recording.csv: 300 accepted, 0 refused"), "\(replay.out)")
        let operatorToken = try await folder.token("operator")
        let actions = try await TestAPI(base: server.url, token: operatorToken).json("GET", "/v1/actions")
        #expect((actions["actions"] as? [Any])?.count == 1, "the fault at the end of the recording raised one action")
        // Only an edge (or admin) token may push telemetry.
        let again = try await folder.run(["replay", "recording.csv", "--url", server.url, "--token", operatorToken, "--speed", "0"])
        #expect(again.status != 0, "an operator token may not push telemetry")
        #expect(again.err.contains("403"))
    }

    @Test func theDemoQueuesActionsWithinAMinute() async throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-demo-\(UUID().uuidString)").path
        let arguments = [
            "demo", "--port", String(try MosquittoBroker.freePort()), "--erp-port", String(try MosquittoBroker.freePort()), "--duration", "45",
            "--out-dir", out,
        ]
        let demo = try await runSluice(arguments, in: TestCell.root.path)
        let output = demo.out
        #expect(demo.status == 0, "\(demo.err.suffix(2_000))")
        #expect(output.contains("Sluice demo running at http://127.0.0.1:"))
        for role in ["operator", "sponsor", "admin", "data", "edge"] { #expect(output.contains("  \(role)"), "a token for \(role)") }
        let summary = try #require(output.split(separator: "\n").first { $0.hasPrefix("demo stopped:") })
        // Pending maintenance orders and purchase requisitions within 45 s of the start.
        let pending =
            summary.split(separator: ",").compactMap { part -> Int? in
                let words = part.split(separator: " ")
                guard let i = words.firstIndex(of: "pending"), i + 1 < words.count else { return nil }
                return Int(words[i + 1])
            }.first ?? 0
        #expect(pending >= 2, "\(summary)")
        let verify = try await ServerFolder(assets: 1).run(["audit", "verify", "--store", out + "/demo.sqlite"])
        #expect(verify.status == 0, "\(verify.out)")
    }

    @Test func auditVerifyNamesTheFirstTamperedRecordAndFails() async throws {
        let folder = try ServerFolder(assets: 1)
        try await folder.migrate()
        for name in ["a", "b", "c"] { _ = try await folder.run(["tokens", "create", "--store", folder.store, "--name", name, "--role", "data"]) }
        #expect(try await folder.run(["audit", "verify", "--store", folder.store]).status == 0)
        // Someone with the file edits record 3 behind Sluice's back.
        let database = try DatabaseQueue(path: folder.store)
        try await database.write { db in
            try db.execute(
                sql: "DROP TRIGGER audit_is_append_only_update; UPDATE audit SET details = replace(details, 'data', 'admin') WHERE sequence = 3")
        }
        let verify = try await folder.run(["audit", "verify", "--store", folder.store])
        #expect(verify.status == 1)
        #expect(verify.out.contains("BROKEN at record 3"), "\(verify.out)")
    }

    @Test func tokensAreListedWithoutSecretsAndRevokedByID() async throws {
        let folder = try ServerFolder(assets: 1)
        try await folder.migrate()
        let created = try await folder.run([
            "tokens", "create", "--store", folder.store, "--name", "olivia", "--role", "operator", "--cell", "cell-a",
        ])
        #expect(created.status == 0)
        let token = try #require(created.out.split(separator: "\n").first { $0.hasPrefix("sluice_") })
        let id = token.split(separator: "_")[1]
        let list = try await folder.run(["tokens", "list", "--store", folder.store])
        #expect(list.out.contains("\(id)  operator  cell-a  olivia  active"))
        #expect(!list.out.contains(token), "the secret is never shown again")
        #expect(try await folder.run(["tokens", "revoke", String(id), "--store", folder.store]).status == 0)
        #expect(try await folder.run(["tokens", "list", "--store", folder.store]).out.contains("olivia  revoked"))
        let wrong = try await folder.run(["tokens", "create", "--store", folder.store, "--name", "x", "--role", "operator", "--cell", "cell-z"])
        #expect(wrong.status != 0)
        #expect(wrong.err.contains("no cell 'cell-z'"))
    }
}
