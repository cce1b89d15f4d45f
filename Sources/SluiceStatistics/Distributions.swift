import Foundation

/// Distribution functions and quantiles shared by the anomaly models' control limits and the
/// inventory policies.
public enum Distributions {
    /// The standard normal density.
    public static func normalPDF(_ z: Double) -> Double {
        exp(-z * z / 2) / (2 * Double.pi).squareRoot()
    }

    /// The standard normal distribution function.
    public static func normalCDF(_ z: Double) -> Double {
        0.5 * erfc(-z / 2.0.squareRoot())
    }

    /// The `p` quantile of the standard normal distribution (Acklam's rational approximation refined by
    /// one Halley step, accurate to about 1e-15).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "a quantile needs 0 < p < 1")
        // The upper half mirrors the lower one: 1 − p is exact there, and refining against Φ(x) − p near
        // p = 1 would cancel away every significant digit.
        if p > 0.5 { return -normalQuantile(1 - p) }
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
            2.506628277459239e+00,
        ]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
            2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5
            let r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        x -= u / (1 + x * u / 2)
        return x
    }

    /// The regularised incomplete beta function `I_x(a, b)` (continued fraction, modified Lentz).
    public static func regularizedIncompleteBeta(_ x: Double, _ a: Double, _ b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x > (a + 1) / (a + b + 2) {
            return 1 - regularizedIncompleteBeta(1 - x, b, a)
        }
        let tiny = 1e-300
        var f = 1.0
        var c = 1.0
        var d = 0.0
        for i in 0...400 {
            let m = Double(i / 2)
            let numerator: Double
            if i == 0 {
                numerator = 1
            } else if i % 2 == 0 {
                numerator = m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m))
            } else {
                numerator = -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1))
            }
            d = 1 + numerator * d
            if abs(d) < tiny { d = tiny }
            d = 1 / d
            c = 1 + numerator / c
            if abs(c) < tiny { c = tiny }
            let cd = c * d
            f *= cd
            if abs(1 - cd) < 1e-15 { break }
        }
        return exp(logFront) * (f - 1) / a
    }

    /// The `p` quantile of the F distribution with `d1` and `d2` degrees of freedom.
    public static func fQuantile(_ p: Double, _ d1: Double, _ d2: Double) -> Double {
        precondition(p > 0 && p < 1 && d1 > 0 && d2 > 0, "an F quantile needs 0 < p < 1 and positive degrees of freedom")
        // Invert I_x(d1/2, d2/2) = p by bisection, then map x to F = d2·x / (d1·(1 − x)).
        var lo = 0.0
        var hi = 1.0
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if regularizedIncompleteBeta(mid, d1 / 2, d2 / 2) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-16 { break }
        }
        let x = (lo + hi) / 2
        return d2 * x / (d1 * (1 - x))
    }

    /// The regularised lower incomplete gamma function `P(a, x)` (series below `a + 1`, continued
    /// fraction above).
    public static func regularizedGammaP(_ a: Double, _ x: Double) -> Double {
        if x <= 0 { return 0 }
        let logFront = a * log(x) - x - lgamma(a)
        if x < a + 1 {
            var term = 1 / a
            var sum = term
            var n = a
            for _ in 0..<1_000 {
                n += 1
                term *= x / n
                sum += term
                if abs(term) < abs(sum) * 1e-16 { break }
            }
            return min(1, sum * exp(logFront))
        }
        let tiny = 1e-300
        var b = x + 1 - a
        var c = 1 / tiny
        var d = 1 / b
        var h = d
        for i in 1...1_000 {
            let an = -Double(i) * (Double(i) - a)
            b += 2
            d = an * d + b
            if abs(d) < tiny { d = tiny }
            c = b + an / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-16 { break }
        }
        return max(0, 1 - exp(logFront) * h)
    }

    /// The `p` quantile of the χ² distribution with `degrees` degrees of freedom (need not be whole).
    public static func chiSquareQuantile(_ p: Double, _ degrees: Double) -> Double {
        precondition(p > 0 && p < 1 && degrees > 0, "a χ² quantile needs 0 < p < 1 and positive degrees of freedom")
        var lo = 0.0
        var hi = max(degrees, 1)
        while regularizedGammaP(degrees / 2, hi / 2) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if regularizedGammaP(degrees / 2, mid / 2) < p { lo = mid } else { hi = mid }
            if hi - lo <= 1e-14 * hi { break }
        }
        return (lo + hi) / 2
    }

    /// The `p` quantile of `values` by linear interpolation between order statistics (Hyndman–Fan type 7,
    /// the default of R and numpy).
    public static func empiricalQuantile(_ values: [Double], _ p: Double) -> Double {
        precondition(!values.isEmpty, "a quantile needs at least one value")
        let sorted = values.sorted()
        let h = Double(sorted.count - 1) * p
        let lower = Int(h.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        return sorted[lower] + (h - Double(lower)) * (sorted[upper] - sorted[lower])
    }
}
