import Foundation

/// What a single training series says about itself: how long it remembers and how often it repeats a
/// value exactly. The default detector derives its choices from these figures.
public enum SeriesStatistics {
    /// The autocorrelation function of `x` at lags 0 through `maxLag` (ρ₀ = 1), or all zeros for a
    /// constant series. With `stopsAtSokalWindow`, lags are computed one by one only until Sokal's window
    /// closes (see ``integratedTime(_:squared:)``), so a short memory costs only a few passes.
    public static func autocorrelation(_ x: [Double], maxLag: Int, stopsAtSokalWindow: Bool = false) -> [Double] {
        let n = x.count
        let lags = max(0, min(maxLag, n - 2))
        guard n > 2 else { return [1] }
        let mean = x.reduce(0, +) / Double(n)
        let d = x.map { $0 - mean }
        let variance = d.reduce(0) { $0 + $1 * $1 } / Double(n)
        guard variance > 0 else { return [Double](repeating: 0, count: lags + 1) }
        var rho: [Double] = [1]
        rho.reserveCapacity(lags + 1)
        var tau = 1.0
        d.withUnsafeBufferPointer { v in
            for k in stride(from: 1, through: lags, by: 1) {
                var s = 0.0
                for i in k..<n { s += v[i] * v[i - k] }
                rho.append(s / Double(n) / variance)
                tau += 2 * rho[k]
                if stopsAtSokalWindow, Double(k) >= 5 * max(tau, 1) { break }
            }
        }
        return rho
    }

    /// The integrated autocorrelation time in samples, `1 + 2 Σ ρ_k` (or `1 + 2 Σ ρ_k²` with `squared`, the
    /// time that governs how well a variance or covariance is estimated), summed over lags up to the first
    /// `M` with `M ≥ 5 τ(M)` (Sokal's self-consistent window), at least 1.
    ///
    /// The number of independent samples in `n` rows is about `n / τ`.
    public static func integratedTime(_ rho: [Double], squared: Bool = false) -> Double {
        var tau = 1.0
        for k in rho.indices.dropFirst() {
            tau += 2 * (squared ? rho[k] * rho[k] : rho[k])
            if Double(k) >= 5 * tau { break }
        }
        return max(tau, 1)
    }

    /// The integrated autocorrelation time of `x` in samples, estimated on at most its last `window` values
    /// and over lags up to a quarter of them.
    public static func integratedTime(of x: [Double], window: Int = 16_384, squared: Bool = false) -> Double {
        let tail = x.count > window ? Array(x.suffix(window)) : x
        return integratedTime(autocorrelation(tail, maxLag: max(1, tail.count / 4), stopsAtSokalWindow: true), squared: squared)
    }

    /// How often a value exactly repeats the one before it, and the longest run of such repeats.
    public static func repeats(_ x: [Double]) -> (share: Double, longestRun: Int) {
        guard x.count > 1 else { return (0, 0) }
        var count = 0
        var run = 0
        var longest = 0
        for i in 1..<x.count {
            if x[i] == x[i - 1] {
                count += 1
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
            }
        }
        return (Double(count) / Double(x.count - 1), longest)
    }
}
