import Foundation
import SluiceGates
import SluiceService
import SluiceStore
import SluiceTestSupport
import Testing

@testable import SluiceWeb

/// The sponsor's report built from a store the engine filled, and rendered.
@Suite struct ReportPageTests {
    @Test func theReportCountsDecisionsPerStageTimesAndTheAuditLog() throws {
        let clock = ManualClock(Date(timeIntervalSince1970: 1_800_000_000))
        let engine = try DecisionEngine(store: try SQLiteStore(), catalog: try TestCell.catalog(), clock: clock.function)
        let edge = Principal(tokenID: "", name: "edge", role: .edge, cell: TestCell.id)
        let olivia = Principal(tokenID: "", name: "olivia", role: .operator, cell: TestCell.id)
        var decided = 0
        for step in 0..<40 {
            clock.advance(by: 1)
            let report = try engine.ingest(
                TestCell.batch(["asset-01"], at: clock.now, values: step % 4 < 2 ? TestCell.faulty(step) : TestCell.normal(step)), from: edge)
            clock.advance(by: 60)
            for id in report.raised {
                if decided % 3 == 0 {
                    _ = try engine.reject(id, by: olivia, reason: .falseAlarm, text: nil)
                } else {
                    _ = try engine.approve(id, by: olivia, quantity: nil, note: nil)
                }
                decided += 1
            }
        }
        let report = try engine.report(from: clock.now.addingTimeInterval(-86_400), to: clock.now, for: .system)
        let gate = try #require(report.gates.first { $0.view.id == TestCell.maintenanceGate })
        let stage = try #require(gate.stages.first)
        #expect(stage.stage == "100 %")
        #expect(stage.judged == decided)
        #expect(stage.falsePositives == (decided + 2) / 3)
        #expect(stage.interval[0] <= stage.rate && stage.rate <= stage.interval[1])
        #expect(gate.timeline.first?.event == "gate.started" && gate.timeline.first?.toStage == 0, "the start is on the stage timeline")
        #expect(gate.trace.count == decided)
        #expect(gate.response.count == decided)
        #expect(abs((gate.response.median ?? 0) - 60) < 1e-6, "every decision came 60 s after its action")
        #expect(gate.detection.count == decided)
        #expect(report.operatorLoad.map(\.name) == ["olivia"])
        #expect(report.audit.verified && report.audit.size > 0)

        let html = ReportPage.render(report)
        #expect(html.hasPrefix("<!doctype html>"))
        #expect(!html.contains("<script"), "the saved report is a document, no program")
        #expect(html.contains("id=\"gate-\(TestCell.maintenanceGate)\""))
        #expect(html.components(separatedBy: "<svg").count - 1 >= 3, "stage timeline, test trace and load charts")
        #expect(html.contains("ISA-18.2") && html.contains("Audit log") && html.contains(report.audit.head))
    }

    @Test func durationsAndPercentilesReadAsPeopleExpect() {
        #expect(SponsorReport.percentile([1, 2, 3, 4], 0.5) == 2.5)
        #expect(SponsorReport.percentile([], 0.5) == nil)
        #expect(SponsorReport.percentile([10], 0.95) == 10)
        #expect(45.0.readableDuration == "45 s")
        #expect(200.0.readableDuration == "3 min 20 s")
        #expect(7_500.0.readableDuration == "2 h 5 min")
        let durations = SponsorReport.durations([100, 200, 400], objective: 300)
        #expect(durations.withinObjective.map { abs($0 - 2.0 / 3) < 1e-9 } == true)
    }
}
