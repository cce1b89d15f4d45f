import Foundation
import SluiceStatistics

/// Standard normal and Poisson distribution functions and the loss functions inventory theory uses.
///
/// For a random demand `D`, the first-order loss `n(x) = E[(D − x)⁺]` is the expected shortage when
/// stocking `x`, and the complementary loss `n̄(x) = E[(x − D)⁺]` the expected leftover.
public enum LossFunctions {
    /// The standard normal first-order loss `L(z) = φ(z) − z·(1 − Φ(z))`.
    public static func normalLoss(_ z: Double) -> Double {
        Distributions.normalPDF(z) - z * (1 - Distributions.normalCDF(z))
    }

    /// The standard normal complementary first-order loss `L̄(z) = z + L(z)`.
    public static func normalComplementaryLoss(_ z: Double) -> Double {
        z + normalLoss(z)
    }

    /// The standard normal second-order loss `L²(z) = ½·[(z² + 1)(1 − Φ(z)) − z·φ(z)]`.
    public static func normalSecondOrderLoss(_ z: Double) -> Double {
        0.5 * ((z * z + 1) * (1 - Distributions.normalCDF(z)) - z * Distributions.normalPDF(z))
    }

    /// The standard normal complementary second-order loss `L̄²(z) = ½·[(z² + 1)·Φ(z) + z·φ(z)]`.
    public static func normalComplementarySecondOrderLoss(_ z: Double) -> Double {
        0.5 * ((z * z + 1) * Distributions.normalCDF(z) + z * Distributions.normalPDF(z))
    }

    /// The Poisson probability `P(D = k)` for mean `mean`.
    public static func poissonPMF(_ k: Int, mean: Double) -> Double {
        guard k >= 0 else { return 0 }
        if mean == 0 { return k == 0 ? 1 : 0 }
        return exp(Double(k) * log(mean) - mean - lgamma(Double(k) + 1))
    }

    /// The Poisson distribution function `P(D ≤ k)`.
    public static func poissonCDF(_ k: Int, mean: Double) -> Double {
        guard k >= 0 else { return 0 }
        var term = exp(-mean)
        var sum = term
        if k == 0 { return sum }
        for i in 1...k {
            term *= mean / Double(i)
            sum += term
        }
        return min(sum, 1)
    }

    /// The Poisson first-order loss `E[(D − x)⁺]` at integer `x`.
    public static func poissonLoss(_ x: Int, mean: Double) -> Double {
        // E[(D − x)⁺] = (μ − x)(1 − F(x)) + μ·f(x) for integer x ≥ 0.
        if x < 0 { return mean - Double(x) }
        return (mean - Double(x)) * (1 - poissonCDF(x, mean: mean)) + mean * poissonPMF(x, mean: mean)
    }

    /// The Poisson complementary loss `E[(x − D)⁺]` at integer `x`.
    public static func poissonComplementaryLoss(_ x: Int, mean: Double) -> Double {
        Double(x) - mean + poissonLoss(x, mean: mean)
    }

    /// The z with standard normal loss `L(z) = t` (t > 0): Newton from `z = −t`, which approaches the root
    /// from the left without overshooting, because L is convex and decreasing.
    public static func normalLossInverse(_ t: Double) -> Double {
        var z = -t
        for _ in 0..<100 {
            let step = (normalLoss(z) - t) / (1 - Distributions.normalCDF(z))
            z += step
            if abs(step) <= 1e-15 * max(1, abs(z)) { break }
        }
        return z
    }
}
