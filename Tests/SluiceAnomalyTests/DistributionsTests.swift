import Numerics
import SluiceAnomaly
import SluiceStatistics
import Testing

@Suite("Distributions")
struct DistributionsTests {
    // Reference values from scipy.stats (norm.ppf, f.ppf, beta.cdf).
    @Test func normalQuantiles() {
        #expect(Distributions.normalQuantile(0.975).isApproximatelyEqual(to: 1.959963984540054, relativeTolerance: 1e-12))
        #expect(Distributions.normalQuantile(0.99).isApproximatelyEqual(to: 2.3263478740408408, relativeTolerance: 1e-12))
        #expect(Distributions.normalQuantile(1e-6).isApproximatelyEqual(to: -4.753424308822899, relativeTolerance: 1e-10))
    }

    @Test func incompleteBeta() {
        #expect(Distributions.regularizedIncompleteBeta(0.3, 2.5, 4).isApproximatelyEqual(to: 0.3521975859067672, relativeTolerance: 1e-10))
    }

    @Test func fQuantiles() {
        #expect(Distributions.fQuantile(0.95, 3, 10).isApproximatelyEqual(to: 3.7082648190468435, relativeTolerance: 1e-9))
        #expect(Distributions.fQuantile(0.99, 8, 392).isApproximatelyEqual(to: 2.556799611342619, relativeTolerance: 1e-9))
        #expect(Distributions.fQuantile(0.99, 2, 97).isApproximatelyEqual(to: 4.830892534541941, relativeTolerance: 1e-9))
    }

    @Test func empiricalQuantileInterpolatesLikeNumpy() {
        #expect(Distributions.empiricalQuantile([3, 1, 4, 1, 5, 9, 2, 6], 0.9).isApproximatelyEqual(to: 6.9, relativeTolerance: 1e-12))
        #expect(Distributions.empiricalQuantile([2], 0.5) == 2)
    }

    @Test func jacksonMudholkarLimit() {
        // θ from eigenvalues 0.5, 0.3, 0.2 at α = 0.01; reference computed from the textbook formula.
        let limit = AnomalyTrainer.jacksonMudholkar(residualEigenvalues: [0.5, 0.3, 0.2], alpha: 0.01)
        #expect(limit.isApproximatelyEqual(to: 4.217794597705633, relativeTolerance: 1e-9))
    }
}
