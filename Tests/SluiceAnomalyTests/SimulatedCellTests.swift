import SluiceAnomaly
import SluiceSimulation
import Testing

@Suite("Models on the simulated cell")
struct SimulatedCellTests {
    @Test func stepFaultsAreDetectedQuicklyAfterTrainingOnTheNormalPeriod() throws {
        let simulator = CellSimulator()
        let config = simulator.configuration
        for asset in config.assets {
            let frame = simulator.telemetry(for: asset)
            let model = try AnomalyTrainer.fit(frame.values.rows(0..<config.normalSamples), features: frame.sensors).model
            let scores = try AnomalyScorer(model: model).scores(sequence: frame.values)
            for fault in simulator.schedule where fault.asset == asset && fault.kind == .step {
                let episodes = AlarmEpisodes.find(scores: Array(scores[fault.samples]), consecutive: 3)
                let first = try #require(episodes.first, "step on \(fault.sensor) of \(asset) not detected")
                #expect(first.start <= 10, "step on \(fault.sensor) of \(asset) detected after \(first.start) s")
            }
        }
    }
}
