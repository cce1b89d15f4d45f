public import SluiceLinearAlgebra

/// Centring and scaling learnt from training data: `z = (x − mean) / scale`.
public struct Standardizer: Sendable, Codable, Equatable {
    /// The training mean of each feature.
    public let means: [Double]
    /// The training standard deviation (n − 1) of each feature.
    public let scales: [Double]

    /// Creates a standardiser from known means and scales.
    public init(means: [Double], scales: [Double]) {
        precondition(means.count == scales.count, "one scale per mean")
        self.means = means
        self.scales = scales
    }

    /// Learns the means and standard deviations of the columns of `data`.
    public init(fitting data: Matrix) {
        self.init(moments: data.meanAndCovariance())
    }

    /// A standardiser from column means and their covariance matrix.
    public init(moments: (means: [Double], covariance: Matrix)) {
        self.means = moments.means
        self.scales = (0..<moments.means.count).map { max(moments.covariance[$0, $0], 0).squareRoot() }
    }

    /// The indices of features whose spread is negligible next to their level: constant sensors.
    public var constantFeatures: [Int] {
        scales.indices.filter { scales[$0] <= 1e-12 * max(1, abs(means[$0])) }
    }

    /// How far from the training mean a standardised value may lie: an absurd sample (a sentinel such as
    /// 1e308) is capped here, so it scores as the extreme it is and cannot overflow what follows.
    public static let limit = 1e6

    /// The standardised copy of `data`, each value capped at ±``limit``.
    public func transform(_ data: Matrix) -> Matrix {
        var out = data
        let p = data.columns
        let inverse = scales.map { 1 / $0 }
        out.withUnsafeMutableBufferPointer { z in
            for i in 0..<data.rows {
                for j in 0..<p { z[i * p + j] = min(max((z[i * p + j] - means[j]) * inverse[j], -Self.limit), Self.limit) }
            }
        }
        return out
    }
}
