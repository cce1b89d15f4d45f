public import Foundation

/// Turns scores into detections for one action type: a detection needs `consecutive` scores over the
/// threshold in a row; an asset has at most one open action; after an action is raised the asset stays
/// silent for `silentPeriod`; and an asset whose telemetry coverage is below the minimum raises nothing,
/// with the reason said. One fault raises one action, not a storm.
public struct DetectionDebouncer: Sendable, Codable, Equatable {
    /// What one observation led to.
    public enum Outcome: Sendable, Equatable {
        /// Nothing to raise.
        case none
        /// Raise an action (or recommendation) now.
        case detection
        /// Over the threshold, but held back, and why.
        case suppressed(String)
        /// Coverage too low to act on this asset, and by how much.
        case blocked(String)
    }

    /// Scores over the threshold needed in a row.
    public let consecutive: Int
    /// Silence after an action is raised, in seconds.
    public let silentPeriod: TimeInterval
    /// The least telemetry coverage to act on.
    public let minimumCoverage: Double
    private var runs: [String: Int] = [:]
    private var open: Set<String> = []
    private var silentUntil: [String: Date] = [:]

    /// A debouncer with the gate's settings.
    public init(consecutive: Int, silentPeriod: TimeInterval, minimumCoverage: Double) {
        self.consecutive = max(1, consecutive)
        self.silentPeriod = max(0, silentPeriod)
        self.minimumCoverage = minimumCoverage
    }

    /// The debouncer of a gate definition.
    public init(definition: GateDefinition) {
        self.init(consecutive: definition.debounce, silentPeriod: definition.silentPeriod, minimumCoverage: definition.minimumCoverage)
    }

    /// Feeds one score of `asset` (1.0 is the threshold) with the asset's current telemetry coverage.
    ///
    /// `settle` is the least run the model itself asks for: a model that averages its states over a window
    /// has scores that stay over the threshold for a while after a burst of noise, so it asks for more
    /// scores in a row than the gate may (the larger of the two applies).
    public mutating func observe(asset: String, score: Double, coverage: Double, at now: Date, settle: Int = 1) -> Outcome {
        guard coverage >= minimumCoverage else {
            runs[asset] = nil
            return .blocked(
                "telemetry coverage \(Int((coverage * 100).rounded())) % is below the \(Int((minimumCoverage * 100).rounded())) % this gate needs")
        }
        guard score > 1 else {
            // Kept only while a run is going, so the map stays as small as the assets over threshold.
            if runs[asset] != nil { runs[asset] = nil }
            return .none
        }
        let run = (runs[asset] ?? 0) + 1
        runs[asset] = run
        guard run >= max(consecutive, settle) else { return .none }
        if open.contains(asset) { return .suppressed("an action for \(asset) is already open") }
        if let until = silentUntil[asset], now < until {
            return .suppressed("\(asset) is silent for another \(Int(until.timeIntervalSince(now).rounded())) s after its last action")
        }
        runs[asset] = nil
        open.insert(asset)
        silentUntil[asset] = now.addingTimeInterval(silentPeriod)
        return .detection
    }

    /// The asset's open action was decided or expired: it may raise another once its silent period is over.
    public mutating func close(asset: String) {
        open.remove(asset)
    }

    /// Marks `asset` as having an open action (restoring the debouncer from the queue after a restart).
    public mutating func markOpen(asset: String) {
        open.insert(asset)
    }

    /// Records that `asset` raised an action at `time`, so it stays silent for the silent period (restoring
    /// the debouncer from the queue after a restart).
    public mutating func markRaised(asset: String, at time: Date) {
        let until = time.addingTimeInterval(silentPeriod)
        if until > silentUntil[asset] ?? .distantPast { silentUntil[asset] = until }
    }

    /// Whether `asset` has an open action.
    public func hasOpenAction(_ asset: String) -> Bool { open.contains(asset) }
}
