import Foundation
import SluiceAnomaly
import SluiceService
import SluiceTestSupport
import Testing

/// The data team's and the sponsor's commands as they run them, on a store a real server filled:
/// export labels → retrain → rehearse → report.
@Suite("people's commands", .serialized)
struct PeopleCommandsTests {
    @Test func labelsAreExportedAModelRetrainedRehearsedAndReported() async throws {
        let folder = try ServerFolder(assets: 3)
        let edge = TestAPI(base: "", token: try await folder.token("edge"))
        let olivia = try await folder.token("operator")
        let server = try await ServerProcess.start(folder)
        let ingest = TestAPI(base: server.url, token: edge.token)
        let decide = TestAPI(base: server.url, token: olivia)
        // Rounds of normal running and a fault on every asset; operators call asset-01's a false alarm.
        let start = Date().addingTimeInterval(-3_600)
        var step = 0
        for round in 0..<8 {
            var samples: [String] = []
            for t in 0..<30 {
                let time = ISOTime.format(start.addingTimeInterval(Double(step)))
                step += 1
                for asset in TestCell.assets(3) {
                    let values = t == 29 ? TestCell.faulty(t) : TestCell.normal(t + round * 30)
                    let fields = values.map { "\"\($0.key)\":\($0.value)" }.sorted().joined(separator: ",")
                    samples.append("{\"asset\":\"\(asset)\",\"time\":\"\(time)\",\"values\":{\(fields)}}")
                }
            }
            let report = try await ingest.json("POST", "/v1/telemetry", body: "{\"samples\":[\(samples.joined(separator: ","))]}")
            for id in (report["raised"] as? [String]) ?? [] {
                let view = try await decide.json("GET", "/v1/actions/\(id)")
                let action = view["action"] as? [String: Any]
                let subject = action?["subject"] as? String
                if action?["mode"] as? String == "recommendation" {
                    // The false alarms fell the gate back: the rest come as recommendations.
                    _ = try await decide.json("POST", "/v1/actions/\(id)/judge", body: "{\"useful\":\(subject != "asset-01")}")
                } else if subject == "asset-01" {
                    _ = try await decide.json("POST", "/v1/actions/\(id)/reject", body: #"{"reason":"false-alarm","text":"cleaning, not a fault"}"#)
                } else {
                    _ = try await decide.json("POST", "/v1/actions/\(id)/approve", body: "{}")
                }
            }
        }
        await server.stop()

        let export = try await folder.run(["export", "labels", "--store", folder.store, "--since", "2020-01-01", "--out", "exports/labels.csv"])
        #expect(export.status == 0, "\(export.err)")
        #expect(export.out.contains("wrote 24 labelled decisions"), "\(export.out)")
        let csv = try String(contentsOfFile: folder.path + "/exports/labels.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.count == 25)
        #expect(lines[0].hasPrefix("action_id,cell,gate,action_type,mode,stage,subject,model_name,model_version"))
        #expect(lines[0].contains("value_pressure") && lines[0].contains("contribution_flow"))
        #expect(csv.contains("\"cleaning, not a fault\""), "text with a comma is quoted")
        #expect(lines.filter { $0.contains(",normal,") }.count == 8)

        let retrain = try await folder.run([
            "retrain", "--model", "Models/press-01.pca-t2q.v1.json", "--labels", "exports/labels.csv", "--store", folder.store, "--gate",
            TestCell.maintenanceGate,
        ])
        #expect(retrain.status == 0, "\(retrain.err)")
        #expect(retrain.out.contains("wrote press-01 v2 to Models/press-01.pca-t2q.v2.json"), "\(retrain.out)")
        #expect(retrain.out.contains("on the held-back labels"))
        let v2 = try AnomalyModel.load(from: folder.path + "/Models/press-01.pca-t2q.v2.json")
        #expect(v2.version == 2 && v2.metrics["heldBack.labels"] != nil)
        let twice = try await folder.run([
            "retrain", "--model", "Models/press-01.pca-t2q.v1.json", "--labels", "exports/labels.csv", "--store", folder.store,
        ])
        #expect(twice.status != 0 && twice.err.contains("exists"), "a version is never overwritten by accident: \(twice.err)")

        let rehearsal = try await folder.run([
            "replay", "--dry-run", "--gate", TestCell.maintenanceGate, "--model-version", "2", "--store", folder.store,
        ])
        #expect(rehearsal.status == 0, "\(rehearsal.err)")
        #expect(rehearsal.out.contains("rehearsal of gate \(TestCell.maintenanceGate) with model v2"), "\(rehearsal.out)")
        #expect(rehearsal.out.contains("kept in"))

        let report = try await folder.run(["report", "--store", folder.store, "--out", "report.html", "--days", "2"])
        #expect(report.status == 0, "\(report.err)")
        let html = try String(contentsOfFile: folder.path + "/report.html", encoding: .utf8)
        #expect(html.contains("Rehearsal of a candidate model"))
        #expect(html.contains("<svg") && !html.contains("<script"))
        #expect(report.out.contains("audit log:") && report.out.contains("verified"), "\(report.out)")
    }

    @Test func badInputIsRefusedWithWhatWasWrong() async throws {
        let folder = try ServerFolder(assets: 1)
        try await folder.migrate()
        let since = try await folder.run(["export", "labels", "--store", folder.store, "--since", "last tuesday"])
        #expect(since.status != 0 && since.err.contains("--since must be a day"), "\(since.err)")
        try "action_id,subject\na,b\n".write(toFile: folder.path + "/odd.csv", atomically: true, encoding: .utf8)
        let retrain = try await folder.run(["retrain", "--model", "Models/press-01.pca-t2q.v1.json", "--labels", "odd.csv", "--store", folder.store])
        #expect(retrain.status != 0 && retrain.err.contains("no 'model_name' column"), "\(retrain.err)")
        let dryRun = try await folder.run(["replay", "--dry-run", "--store", folder.store])
        #expect(dryRun.status != 0 && dryRun.err.contains("--dry-run needs --gate"), "\(dryRun.err)")
        let noModel = try await folder.run([
            "replay", "--dry-run", "--gate", TestCell.maintenanceGate, "--model-version", "7", "--store", folder.store,
        ])
        #expect(noModel.status != 0 && noModel.err.contains("no candidate model"), "\(noModel.err)")
    }
}
