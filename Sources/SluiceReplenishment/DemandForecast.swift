import Foundation

/// The forecasting methods Sluice chooses between.
public enum ForecastMethod: String, Sendable, Codable, CaseIterable {
    /// Simple exponential smoothing of the demand per period.
    case ses
    /// Croston: sizes and intervals smoothed apart; forecast = size / interval.
    case croston
    /// Syntetos–Boylan approximation: Croston with its bias removed, × (1 − α/2).
    case sba
    /// Teunter–Syntetos–Babai: the probability of demand smoothed every period; forecast = probability × size.
    case tsb
    /// Ridge regression of demand on its recent lags, solved through LAPACK.
    case ridge
    /// No demand in the whole history: nothing to forecast.
    case none
}

/// A forecast of demand per period.
public struct DemandForecast: Sendable, Equatable, Codable {
    /// The method used.
    public let method: ForecastMethod
    /// Expected demand per period.
    public let mean: Double
    /// Standard deviation of one-period forecast errors (root mean squared one-step error).
    public let standardDeviation: Double
    /// The demand profile that chose the method.
    public let profile: DemandProfile
    /// Why this method, in one sentence.
    public let explanation: String
}

/// Demand forecasting: exponential smoothing, the intermittent-demand family and ridge regression on
/// lags, with the method picked per material from its Syntetos–Boylan class.
public enum DemandForecaster {
    /// Forecasting parameters.
    public struct Parameters: Sendable, Equatable, Codable {
        /// Smoothing constant of SES and of Croston/SBA sizes and intervals.
        public var alpha: Double
        /// Smoothing constant of the TSB demand probability.
        public var beta: Double
        /// Lags in the ridge regression.
        public var lags: Int
        /// Ridge penalty (on standardised lags).
        public var ridge: Double

        /// α = 0.1, β = 0.05, 7 lags, penalty 1.
        public init(alpha: Double = 0.1, beta: Double = 0.05, lags: Int = 7, ridge: Double = 1) {
            self.alpha = alpha
            self.beta = beta
            self.lags = lags
            self.ridge = ridge
        }
    }

    /// Forecasts `history` (oldest first) with the method its class calls for.
    ///
    /// Smooth demand is smoothed (SES), or regressed on its lags when it is autocorrelated and the
    /// regression predicts the last quarter of the history better; erratic and intermittent demand use SBA,
    /// lumpy demand TSB, which also follows an item that is dying out.
    ///
    /// - Throws: ``ReplenishmentError`` for an empty history, a bad value or bad parameters.
    public static func forecast(_ history: [Double], parameters: Parameters = Parameters()) throws -> DemandForecast {
        try validate(parameters)
        let profile = try DemandProfile(history: history)
        let adi = ReplenishmentPlanner.format(profile.adi)
        let cv2 = ReplenishmentPlanner.format(profile.cv2)
        guard profile.demandPeriods > 0 else {
            return DemandForecast(
                method: .none, mean: 0, standardDeviation: 0, profile: profile,
                explanation: "no demand in \(profile.periods) periods: nothing to forecast, no order proposed")
        }
        switch profile.demandClass {
        case .smooth:
            let ses = try forecast(history, method: .ses, parameters: parameters, profile: profile)
            // Lags can only help a series that remembers its past: regress only when some autocorrelation
            // up to the lag order is beyond 3/√n, then keep the regression if it predicts better.
            if history.count >= 4 * parameters.lags + 20,
                strongestAutocorrelation(history, lags: parameters.lags) > 3 / Double(history.count).squareRoot(),
                let ridge = try? forecast(history, method: .ridge, parameters: parameters, profile: profile),
                ridge.standardDeviation < ses.standardDeviation
            {
                return with(
                    ridge,
                    explanation:
                        "smooth (ADI \(adi) < 1.32, CV² \(cv2) < 0.49): ridge regression on \(parameters.lags) lags, whose one-step error (\(format(ridge.standardDeviation))) beats exponential smoothing (\(format(ses.standardDeviation)))"
                )
            }
            return with(ses, explanation: "smooth (ADI \(adi) < 1.32, CV² \(cv2) < 0.49): simple exponential smoothing")
        case .erratic:
            return with(
                try forecast(history, method: .sba, parameters: parameters, profile: profile),
                explanation: "erratic (ADI \(adi) < 1.32, CV² \(cv2) ≥ 0.49): SBA, which copes with varying sizes")
        case .intermittent:
            return with(
                try forecast(history, method: .sba, parameters: parameters, profile: profile),
                explanation: "intermittent (ADI \(adi) ≥ 1.32, CV² \(cv2) < 0.49): SBA (Croston without its upward bias)")
        case .lumpy:
            return with(
                try forecast(history, method: .tsb, parameters: parameters, profile: profile),
                explanation: "lumpy (ADI \(adi) ≥ 1.32, CV² \(cv2) ≥ 0.49): TSB, which also follows a dying item down")
        }
    }

    /// Forecasts `history` with a given method.
    public static func forecast(_ history: [Double], method: ForecastMethod, parameters: Parameters = Parameters()) throws -> DemandForecast {
        try validate(parameters)
        return try forecast(history, method: method, parameters: parameters, profile: try DemandProfile(history: history))
    }

    private static func forecast(_ history: [Double], method: ForecastMethod, parameters: Parameters, profile: DemandProfile) throws -> DemandForecast
    {
        let (mean, rmse): (Double, Double)
        switch method {
        case .ses: (mean, rmse) = exponentialSmoothing(history, alpha: parameters.alpha)
        case .croston, .sba: (mean, rmse) = croston(history, alpha: parameters.alpha, debias: method == .sba)
        case .tsb: (mean, rmse) = tsb(history, alpha: parameters.alpha, beta: parameters.beta)
        case .ridge: (mean, rmse) = try RidgeForecaster.forecast(history, lags: parameters.lags, penalty: parameters.ridge)
        case .none: (mean, rmse) = (0, 0)
        }
        return DemandForecast(method: method, mean: max(mean, 0), standardDeviation: rmse, profile: profile, explanation: method.rawValue)
    }

    /// SES: the level after the last period and the root mean squared one-step error.
    static func exponentialSmoothing(_ y: [Double], alpha: Double) -> (Double, Double) {
        var level = y[0]
        var squared = 0.0
        for t in 1..<max(y.count, 1) {
            let error = y[t] - level
            squared += error * error
            level += alpha * error
        }
        return (level, y.count > 1 ? (squared / Double(y.count - 1)).squareRoot() : 0)
    }

    /// Croston (or SBA): sizes and inter-demand intervals smoothed when demand occurs.
    static func croston(_ y: [Double], alpha: Double, debias: Bool) -> (Double, Double) {
        let factor = debias ? 1 - alpha / 2 : 1
        guard let first = y.firstIndex(where: { $0 > 0 }) else { return (0, 0) }
        var size = y[first]
        var interval = Double(first + 1)
        var sinceLast = 0.0
        var squared = 0.0
        var count = 0
        for t in (first + 1)..<max(y.count, first + 1) {
            let forecast = factor * size / interval
            squared += (y[t] - forecast) * (y[t] - forecast)
            count += 1
            sinceLast += 1
            if y[t] > 0 {
                size += alpha * (y[t] - size)
                interval += alpha * (sinceLast - interval)
                sinceLast = 0
            }
        }
        return (factor * size / interval, count > 0 ? (squared / Double(count)).squareRoot() : 0)
    }

    /// TSB: the probability of demand updated every period, the size when demand occurs.
    static func tsb(_ y: [Double], alpha: Double, beta: Double) -> (Double, Double) {
        let nonZero = y.filter { $0 > 0 }
        guard !nonZero.isEmpty else { return (0, 0) }
        var probability = Double(nonZero.count) / Double(y.count)
        var size = nonZero[0]
        var squared = 0.0
        for d in y {
            let forecast = probability * size
            squared += (d - forecast) * (d - forecast)
            probability += beta * ((d > 0 ? 1 : 0) - probability)
            if d > 0 { size += alpha * (d - size) }
        }
        return (probability * size, (squared / Double(y.count)).squareRoot())
    }

    /// The largest absolute autocorrelation of `y` at lags 1…`lags`.
    static func strongestAutocorrelation(_ y: [Double], lags: Int) -> Double {
        let n = y.count
        let mean = y.reduce(0, +) / Double(n)
        var variance = 0.0
        for v in y { variance += (v - mean) * (v - mean) }
        guard variance > 0 else { return 0 }
        var strongest = 0.0
        for k in 1...min(lags, n - 1) {
            var c = 0.0
            for t in k..<n { c += (y[t] - mean) * (y[t - k] - mean) }
            strongest = max(strongest, abs(c / variance))
        }
        return strongest
    }

    private static func validate(_ p: Parameters) throws {
        guard p.alpha > 0, p.alpha <= 1 else { throw ReplenishmentError(field: "alpha", "must be in (0, 1], got \(p.alpha)") }
        guard p.beta > 0, p.beta <= 1 else { throw ReplenishmentError(field: "beta", "must be in (0, 1], got \(p.beta)") }
        guard p.lags >= 1 else { throw ReplenishmentError(field: "lags", "must be at least 1, got \(p.lags)") }
        guard p.ridge >= 0, p.ridge.isFinite else { throw ReplenishmentError(field: "ridge", "must be ≥ 0, got \(p.ridge)") }
    }

    private static func with(_ f: DemandForecast, explanation: String) -> DemandForecast {
        DemandForecast(method: f.method, mean: f.mean, standardDeviation: f.standardDeviation, profile: f.profile, explanation: explanation)
    }

    private static func format(_ x: Double) -> String { ReplenishmentPlanner.format(x) }
}
