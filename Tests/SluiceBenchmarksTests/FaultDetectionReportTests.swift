import SluiceAnomaly
import SluiceBenchmarks
import SluiceSimulation
import Testing

@Suite("Detections on the simulated cell")
struct FaultDetectionReportTests {
    @Test func mostFaultsAreDetectedAndPinnedOnTheirSensor() throws {
        let simulator = CellSimulator()
        let config = simulator.configuration
        var detected = 0
        var pinned = 0
        var pinnedRight = 0
        for asset in config.assets {
            let report = try FaultDetectionReport.evaluate(
                asset: asset, frame: simulator.telemetry(for: asset), faults: simulator.schedule, normalSamples: config.normalSamples,
                configuration: TrainingConfiguration(kind: .pcaT2Q), debounce: 3)
            // A step or a drift on one sensor should be pinned on that sensor by the contributions.
            for detection in report.detections where detection.episode != nil && [.step, .drift].contains(detection.fault.kind) {
                pinned += 1
                if detection.drivers.prefix(2).contains(where: { $0.sensor == detection.fault.sensor }) { pinnedRight += 1 }
            }
            detected += report.detections.filter { $0.episode != nil }.count
            // ISA-18.2 calls more than 10 alarms in 10 minutes a flood; an hour of normal running stays far below.
            #expect(report.falseAlarms <= 20, "\(asset): \(report.falseAlarms) false alarms in an hour")
        }
        #expect(detected >= simulator.schedule.count * 3 / 4)
        #expect(pinned > 0 && pinnedRight * 4 >= pinned * 3, "\(pinnedRight) of \(pinned) steps and drifts pinned on their sensor")
    }
}
