import Foundation
import SluiceStatistics

/// Decides, decision by decision, whether a gate's false-positive rate is acceptably low or too high.
///
/// Each decided action (rejected = false positive) and each judged recommendation ("not useful" = false
/// positive) is a Bernoulli trial. Wald's sequential probability ratio test weighs H0 (`p ≤ passRate`,
/// 5 %) against H1 (`p ≥ fallbackRate`, 10 %) at error rates α and β: the verdict is *pass* when the
/// log-likelihood ratio falls to `ln(β/(1−α))`, *fall back* when it rises to `ln((1−β)/α)`. A second
/// SPRT at the same α against a steeper alternative (`fastFallbackRate`, 15 %) runs beside it and can
/// only trigger fallback: a badly wrong model is stopped sooner than the 10 % test alone would. There
/// is no pass before the stage's minimum sample; fallback needs no minimum. After `maximumSample`
/// decisions without a verdict the stage is inconclusive and waits for a human.
public struct FalsePositiveJudge: Sendable, Codable, Equatable {
    /// The test's settings.
    public struct Settings: Sendable, Codable, Equatable {
        /// The false-positive rate a stage may pass at (H0).
        public var passRate: Double = 0.05
        /// The rate at which the gate falls back (H1).
        public var fallbackRate: Double = 0.10
        /// The steeper alternative of the fast-fallback test.
        public var fastFallbackRate: Double = 0.15
        /// Probability of falling back although the rate is at the pass rate.
        public var alpha: Double = 0.05
        /// Probability of passing although the rate is at the fallback rate.
        public var beta: Double = 0.10
        /// Decisions without a verdict after which the stage is inconclusive.
        public var maximumSample: Int = 500

        /// The defaults: pass at ≤ 5 %, fall back at ≥ 10 % (fast at ≥ 15 %), α = 0.05, β = 0.10, at most
        /// 500 decisions.
        public init() {}

        /// `ln((1−β)/α)`: the log-likelihood ratio at which the gate falls back.
        public var upperBoundary: Double { log((1 - beta) / alpha) }
        /// `ln(β/(1−α))`: the log-likelihood ratio at which the stage passes.
        public var lowerBoundary: Double { log(beta / (1 - alpha)) }
    }

    /// The outcome of the test so far.
    public enum Verdict: String, Sendable, Codable, Equatable {
        /// Not enough evidence yet.
        case undecided
        /// The rate is shown to be at most the pass rate.
        case pass
        /// The rate is shown to be at least the fallback rate.
        case fallBack = "fall-back"
        /// The maximum sample was reached without a verdict.
        case inconclusive
    }

    /// A verdict with the evidence behind it, as every report shows it.
    public struct Evidence: Sendable, Codable, Equatable {
        /// The verdict.
        public let verdict: Verdict
        /// Decisions counted.
        public let decisions: Int
        /// False positives among them.
        public let falsePositives: Int
        /// The observed rate.
        public let rate: Double
        /// The Wilson 95 % interval of the rate.
        public let interval: ClosedRange<Double>
        /// The log-likelihood ratio of the main test.
        public let logLikelihoodRatio: Double
        /// The log-likelihood ratio of the fast-fallback test.
        public let fastLogLikelihoodRatio: Double
    }

    /// The settings.
    public let settings: Settings
    /// The stage's minimum sample before a pass.
    public let minimumSample: Int
    /// Decisions counted so far.
    public private(set) var decisions = 0
    /// False positives so far.
    public private(set) var falsePositives = 0
    /// The verdict reached, if any; once reached it stays until ``reset()``.
    public private(set) var verdict: Verdict = .undecided

    private let stepFalsePositive: Double
    private let stepCorrect: Double
    private let fastStepFalsePositive: Double
    private let fastStepCorrect: Double

    /// A judge with no decisions yet.
    public init(settings: Settings = Settings(), minimumSample: Int = 0) {
        self.settings = settings
        self.minimumSample = max(0, minimumSample)
        stepFalsePositive = log(settings.fallbackRate / settings.passRate)
        stepCorrect = log((1 - settings.fallbackRate) / (1 - settings.passRate))
        fastStepFalsePositive = log(settings.fastFallbackRate / settings.passRate)
        fastStepCorrect = log((1 - settings.fastFallbackRate) / (1 - settings.passRate))
    }

    /// The log-likelihood ratio of the main test.
    public var logLikelihoodRatio: Double {
        Double(falsePositives) * stepFalsePositive + Double(decisions - falsePositives) * stepCorrect
    }

    /// The log-likelihood ratio of the fast-fallback test.
    public var fastLogLikelihoodRatio: Double {
        Double(falsePositives) * fastStepFalsePositive + Double(decisions - falsePositives) * fastStepCorrect
    }

    /// Counts one decision and returns the verdict after it.
    @discardableResult
    public mutating func record(falsePositive: Bool) -> Verdict {
        guard verdict == .undecided else { return verdict }
        decisions += 1
        if falsePositive { falsePositives += 1 }
        if logLikelihoodRatio >= settings.upperBoundary || fastLogLikelihoodRatio >= settings.upperBoundary {
            verdict = .fallBack
        } else if logLikelihoodRatio <= settings.lowerBoundary, decisions >= minimumSample {
            verdict = .pass
        } else if decisions >= settings.maximumSample {
            verdict = .inconclusive
        }
        return verdict
    }

    /// Forgets every decision (a new stage, or collecting fresh evidence after a fallback).
    public mutating func reset() {
        decisions = 0
        falsePositives = 0
        verdict = .undecided
    }

    /// The verdict and its evidence.
    public var evidence: Evidence {
        Evidence(
            verdict: verdict, decisions: decisions, falsePositives: falsePositives,
            rate: decisions > 0 ? Double(falsePositives) / Double(decisions) : 0,
            interval: Self.wilsonInterval(successes: falsePositives, trials: decisions),
            logLikelihoodRatio: logLikelihoodRatio, fastLogLikelihoodRatio: fastLogLikelihoodRatio)
    }

    /// The Wilson score interval of a proportion at the given confidence (95 % by default).
    public static func wilsonInterval(successes: Int, trials: Int, confidence: Double = 0.95) -> ClosedRange<Double> {
        guard trials > 0 else { return 0...1 }
        let z = Distributions.normalQuantile(1 - (1 - confidence) / 2)
        let n = Double(trials)
        let p = Double(successes) / n
        let denominator = 1 + z * z / n
        let centre = (p + z * z / (2 * n)) / denominator
        let half = z * (p * (1 - p) / n + z * z / (4 * n * n)).squareRoot() / denominator
        return max(0, centre - half)...min(1, centre + half)
    }
}
