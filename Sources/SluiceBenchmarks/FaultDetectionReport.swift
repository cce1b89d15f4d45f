public import SluiceAnomaly
public import SluiceSimulation
public import SluiceTelemetry

/// How a model did on one asset of the simulated cell: which injected faults it detected, how fast,
/// driven by which sensors, and how many detections fell outside every fault.
public struct FaultDetectionReport: Sendable {
    /// One injected fault and what became of it.
    public struct Detection: Sendable {
        /// The fault.
        public let fault: InjectedFault
        /// The first alarm episode that opened during the fault, if any.
        public let episode: AlarmEpisode?
        /// The sensors that drove the score when the episode opened, with their share (0–1), largest first.
        public let drivers: [(sensor: String, share: Double)]

        /// Seconds (samples) from the fault's start to its detection.
        public var delay: Int? { episode.map { $0.start - fault.start } }
    }

    /// The asset.
    public let asset: String
    /// The model fitted on the asset's normal period.
    public let model: AnomalyModel
    /// One entry per fault injected on the asset, in time order.
    public let detections: [Detection]
    /// Alarm episodes after the normal period that opened outside every fault.
    public let falseAlarms: Int

    /// Fits a model of `configuration` on the first `normalSamples` rows of `frame` (the asset's
    /// telemetry), scores all of it, groups alarms into episodes needing `debounce` scores in a row over
    /// the threshold (or the model's ``AnomalyModel/settle``, if more), and matches them with `faults`.
    public static func evaluate(
        asset: String, frame: TelemetryFrame, faults: [InjectedFault], normalSamples: Int, configuration: TrainingConfiguration, debounce: Int
    ) throws -> FaultDetectionReport {
        let result = try AnomalyTrainer.fit(
            frame.values.rows(0..<normalSamples), features: frame.sensors, times: frame.times.map { Array($0.prefix(normalSamples)) },
            configuration: configuration,
            name: asset, createdBy: "sluice demo", source: frame.source)
        let scorer = try AnomalyScorer(model: result.model)
        let scores = scorer.scores(sequence: frame.values)
        let centered = scorer.centeredFeatures(sequence: frame.values)
        let episodes = AlarmEpisodes.find(scores: scores, consecutive: max(debounce, result.model.settle)).filter {
            $0.start >= normalSamples
        }
        let own = faults.filter { $0.asset == asset }
        let detections = own.map { fault -> Detection in
            guard let episode = episodes.first(where: { fault.samples.contains($0.start) }) else {
                return Detection(fault: fault, episode: nil, drivers: [])
            }
            let parts = scorer.explain(centered: centered.row(episode.start)).contributions.map { max($0, 0) }
            let total = parts.reduce(0, +)
            let drivers = parts.indices.sorted { parts[$0] > parts[$1] }.map { (result.model.features[$0], total > 0 ? parts[$0] / total : 0) }
            return Detection(fault: fault, episode: episode, drivers: drivers)
        }
        let falseAlarms = episodes.filter { episode in !own.contains { $0.samples.contains(episode.start) } }.count
        return FaultDetectionReport(asset: asset, model: result.model, detections: detections, falseAlarms: falseAlarms)
    }
}
