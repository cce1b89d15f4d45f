import Foundation

/// An integer-valued demand distribution over 0, 1, 2, …, with its loss functions.
public struct DiscreteDemand: Sendable {
    private let probabilities: [Double]
    private let tailMean: Double
    /// The mean demand.
    public let mean: Double

    /// Demand with `probabilities[d] = P(D = d)`; values beyond the array have probability 0.
    ///
    /// - Throws: ``ReplenishmentError`` when a probability is negative or they do not add up to 1.
    public init(probabilities: [Double]) throws {
        for (d, f) in probabilities.enumerated() where !(f >= 0 && f.isFinite) {
            throw ReplenishmentError(field: "demand_pmf[\(d)]", "must be a probability, got \(f)")
        }
        let total = probabilities.reduce(0, +)
        guard abs(total - 1) < 1e-6 else { throw ReplenishmentError(field: "demand_pmf", "probabilities add up to \(total), not 1") }
        self.probabilities = probabilities
        self.mean = probabilities.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element }
        self.tailMean = 0
    }

    /// Poisson demand with `mean`, truncated where the remaining probability is below 1e-16.
    public static func poisson(mean: Double) throws -> DiscreteDemand {
        try ReplenishmentError.require(mean, "demand_mean", positive: true)
        var values: [Double] = []
        var d = 0
        var cumulative = 0.0
        while d <= Int(mean) || 1 - cumulative > 1e-16 {
            let f = LossFunctions.poissonPMF(d, mean: mean)
            values.append(f)
            cumulative += f
            d += 1
            if d > Int(mean + 40 * mean.squareRoot() + 100) { break }
        }
        // Put the last sliver of mass on the final value so the pmf sums to 1.
        values[values.count - 1] += max(0, 1 - cumulative)
        return try DiscreteDemand(probabilities: values)
    }

    /// The largest demand with positive probability.
    public var maximum: Int { probabilities.count - 1 }

    /// `P(D = d)`.
    public func probability(_ d: Int) -> Double {
        d >= 0 && d < probabilities.count ? probabilities[d] : 0
    }

    /// `P(D ≤ d)`.
    public func cdf(_ d: Int) -> Double {
        guard d >= 0 else { return 0 }
        return probabilities.prefix(d + 1).reduce(0, +)
    }

    /// `E[(D − y)⁺]`, the expected shortage when stocking y.
    public func loss(_ y: Int) -> Double {
        if y < 0 { return mean - Double(y) }
        var total = 0.0
        for d in stride(from: y + 1, to: probabilities.count, by: 1) { total += Double(d - y) * probabilities[d] }
        return total
    }

    /// `E[(y − D)⁺]`, the expected leftover when stocking y.
    public func complementaryLoss(_ y: Int) -> Double {
        Double(y) - mean + loss(y)
    }
}
