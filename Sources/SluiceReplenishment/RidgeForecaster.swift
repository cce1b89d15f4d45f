import SluiceLinearAlgebra

/// Ridge regression of demand on its last `lags` values, solved with LAPACK (`dposv` on the normal
/// equations of the standardised lags, penalised by `penalty` on the diagonal).
enum RidgeForecaster {
    /// The next period's forecast and the root mean squared error on the last quarter of the history,
    /// predicted by a model fitted on the rest.
    static func forecast(_ y: [Double], lags: Int, penalty: Double) throws -> (Double, Double) {
        guard y.count >= 2 * lags + 8 else {
            throw ReplenishmentError(field: "demandHistory", "\(y.count) periods are too few for \(lags) lags")
        }
        let split = y.count - max(y.count / 4, 4)
        let trial = try fit(y[0..<split], lags: lags, penalty: penalty)
        var squared = 0.0
        for t in split..<y.count {
            let e = y[t] - trial.predict(y[(t - lags)..<t])
            squared += e * e
        }
        let model = try fit(y[...], lags: lags, penalty: penalty)
        return (model.predict(y[(y.count - lags)...]), (squared / Double(y.count - split)).squareRoot())
    }

    struct Model {
        let intercept: Double
        let means: [Double]
        let scales: [Double]
        let weights: [Double]

        func predict(_ recent: ArraySlice<Double>) -> Double {
            // `recent` is oldest first; lag 1 is its last element.
            var value = intercept
            for k in 0..<weights.count { value += weights[k] * (recent[recent.endIndex - 1 - k] - means[k]) / scales[k] }
            return value
        }
    }

    static func fit(_ y: ArraySlice<Double>, lags: Int, penalty: Double) throws -> Model {
        let rows = y.count - lags
        let base = y.startIndex
        // Means and scales of each lag column, then the normal equations of the standardised lags,
        // accumulated directly: the design matrix is never built.
        var means = [Double](repeating: 0, count: lags)
        var targetMean = 0.0
        for r in 0..<rows {
            let t = base + r + lags
            for k in 0..<lags { means[k] += y[t - 1 - k] }
            targetMean += y[t]
        }
        for k in 0..<lags { means[k] /= Double(rows) }
        targetMean /= Double(rows)
        var gramValues = [Double](repeating: 0, count: lags * lags)
        var momentValues = [Double](repeating: 0, count: lags)
        y.withUnsafeBufferPointer { values in
            gramValues.withUnsafeMutableBufferPointer { g in
                momentValues.withUnsafeMutableBufferPointer { m in
                    var centred = [Double](repeating: 0, count: lags)
                    for r in 0..<rows {
                        let t = r + lags
                        for k in 0..<lags { centred[k] = values[t - 1 - k] - means[k] }
                        let target = values[t] - targetMean
                        for a in 0..<lags {
                            let ca = centred[a]
                            m[a] += ca * target
                            for b in a..<lags { g[a * lags + b] += ca * centred[b] }
                        }
                    }
                }
            }
        }
        var gram = try Matrix(rows: lags, columns: lags, elements: gramValues)
        var moment = try Matrix(rows: lags, columns: 1, elements: momentValues)
        let scales = (0..<lags).map { max(gram[$0, $0] / Double(max(rows - 1, 1)), 1e-12).squareRoot() }
        for a in 0..<lags {
            moment[a, 0] /= scales[a]
            for b in a..<lags {
                gram[a, b] /= scales[a] * scales[b]
                gram[b, a] = gram[a, b]
            }
            gram[a, a] += penalty
        }
        let weights = try gram.choleskySolve(moment)
        return Model(intercept: targetMean, means: means, scales: scales, weights: weights.elements)
    }
}
