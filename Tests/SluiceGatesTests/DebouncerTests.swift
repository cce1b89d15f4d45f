import Foundation
import SluiceGates
import Testing

@Suite("Detection debounce")
struct DebouncerTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func aDetectionNeedsConsecutiveScores() {
        var d = DetectionDebouncer(consecutive: 3, silentPeriod: 600, minimumCoverage: 0.7)
        #expect(d.observe(asset: "p1", score: 1.5, coverage: 1, at: t0) == .none)
        #expect(d.observe(asset: "p1", score: 2.0, coverage: 1, at: t0) == .none)
        #expect(d.observe(asset: "p1", score: 0.5, coverage: 1, at: t0) == .none, "a score under the threshold breaks the run")
        #expect(d.observe(asset: "p1", score: 1.1, coverage: 1, at: t0) == .none)
        #expect(d.observe(asset: "p1", score: 1.1, coverage: 1, at: t0) == .none)
        #expect(d.observe(asset: "p1", score: 1.1, coverage: 1, at: t0) == .detection)
        #expect(d.hasOpenAction("p1"))
        #expect(d.observe(asset: "p2", score: 1.1, coverage: 1, at: t0) == .none, "assets count apart")
    }

    @Test func oneOpenActionThenASilentPeriod() {
        var d = DetectionDebouncer(consecutive: 1, silentPeriod: 600, minimumCoverage: 0.7)
        #expect(d.observe(asset: "p1", score: 3, coverage: 1, at: t0) == .detection)
        if case .suppressed(let why) = d.observe(asset: "p1", score: 3, coverage: 1, at: t0.addingTimeInterval(1_000)) {
            #expect(why.contains("already open"))
        } else {
            Issue.record("expected suppression while the action is open")
        }
        d.close(asset: "p1")
        if case .suppressed(let why) = d.observe(asset: "p1", score: 3, coverage: 1, at: t0.addingTimeInterval(300)) {
            #expect(why.contains("silent for another 300 s"))
        } else {
            Issue.record("expected the silent period")
        }
        #expect(d.observe(asset: "p1", score: 3, coverage: 1, at: t0.addingTimeInterval(601)) == .detection)
    }

    @Test func lowCoverageBlocksAndSaysWhy() {
        var d = DetectionDebouncer(consecutive: 1, silentPeriod: 0, minimumCoverage: 0.7)
        #expect(d.observe(asset: "p1", score: 5, coverage: 0.6, at: t0) == .blocked("telemetry coverage 60 % is below the 70 % this gate needs"))
        #expect(d.observe(asset: "p1", score: 5, coverage: 0.7, at: t0) == .detection)
    }
}
