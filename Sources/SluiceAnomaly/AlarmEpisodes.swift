/// A stretch of consecutive samples in alarm.
public struct AlarmEpisode: Sendable, Equatable {
    /// The first sample of the episode (after the debounce was satisfied).
    public let start: Int
    /// One past the last sample.
    public let end: Int
    /// The highest score in the episode.
    public let peak: Double

    /// An episode from `start` up to `end` with its peak score.
    public init(start: Int, end: Int, peak: Double) {
        self.start = start
        self.end = end
        self.peak = peak
    }
}

/// Groups scores into alarm episodes with a debounce: an episode opens after `consecutive` scores
/// in a row above 1 and closes at the first score below `clearBelow`, so one fault gives one episode
/// rather than a storm.
public enum AlarmEpisodes {
    /// The episodes of `scores`.
    public static func find(scores: [Double], consecutive: Int = 1, clearBelow: Double = 1) -> [AlarmEpisode] {
        precondition(consecutive >= 1, "a debounce needs at least one sample")
        var episodes: [AlarmEpisode] = []
        var run = 0
        var open: (start: Int, peak: Double)?
        for (i, s) in scores.enumerated() {
            if let current = open {
                if s < clearBelow {
                    episodes.append(AlarmEpisode(start: current.start, end: i, peak: current.peak))
                    open = nil
                    run = 0
                } else {
                    open = (current.start, max(current.peak, s))
                }
                continue
            }
            run = s > 1 ? run + 1 : 0
            if run >= consecutive { open = (i, s) }
        }
        if let current = open { episodes.append(AlarmEpisode(start: current.start, end: scores.count, peak: current.peak)) }
        return episodes
    }
}
