import Foundation
import SluiceLinearAlgebra
import SluiceStatistics

extension AnomalyTrainer {
    /// Chooses the memory of normal states, the similarity bandwidth and the ridge of an MSET model.
    ///
    /// The memory holds, for each feature, the states where it is lowest and highest (so the memory spans
    /// the training envelope), then states evenly spaced in time up to `memorySize`.
    /// Returns the training rows kept in memory.
    static func fitMSET(_ centered: Matrix, memorySize: Int, into parameters: inout ModelParameters) throws -> [Int] {
        let n = centered.rows
        let p = centered.columns
        var chosen: [Int] = []
        var seen = Set<Int>()
        func take(_ i: Int) {
            if seen.insert(i).inserted { chosen.append(i) }
        }
        for j in 0..<p {
            let column = centered.column(j)
            if let low = column.indices.min(by: { column[$0] < column[$1] }) { take(low) }
            if let high = column.indices.max(by: { column[$0] < column[$1] }) { take(high) }
        }
        let target = min(memorySize, n)
        var step = 0
        while chosen.count < target, step < n {
            take(Int((Double(step) + 0.5) * Double(n) / Double(target)) % n)
            step += 1
        }
        for i in 0..<n where chosen.count < target { take(i) }
        chosen.sort()
        var memory = Matrix(rows: chosen.count, columns: p)
        for (r, i) in chosen.enumerated() { for j in 0..<p { memory[r, j] = centered[i, j] } }

        // The median distance between memory states sets the scale of "similar".
        var distances: [Double] = []
        for a in 0..<memory.rows {
            for b in (a + 1)..<memory.rows {
                var s = 0.0
                for j in 0..<p {
                    let d = memory[a, j] - memory[b, j]
                    s += d * d
                }
                if s > 0 { distances.append(s.squareRoot()) }
            }
        }
        let bandwidth = distances.isEmpty ? 1 : Distributions.empiricalQuantile(distances, 0.5)
        parameters.memory = memory
        parameters.bandwidth = bandwidth
        // Near-duplicate memory states make the Gaussian similarity numerically semi-definite: take the
        // smallest ridge that lets it factorise, and store it, so scoring factorises the same matrix.
        for ridge in [1e-6, 1e-5, 1e-4, 1e-3, 1e-2] {
            let similarity = similarityMatrix(memory: memory, bandwidth: bandwidth, ridge: ridge)
            if (try? similarity.choleskySolve(.identity(memory.rows))) != nil {
                parameters.ridge = ridge
                return chosen
            }
        }
        throw AnomalyModelError.noUsableFeatures("the MSET memory states are too alike to estimate from")
    }

    /// The Gaussian similarity of every pair of memory states, `exp(−‖a − b‖² / 2h²)`, plus `ridge` on the
    /// diagonal: the matrix MSET solves against, built the same way at fit time and at scoring time.
    static func similarityMatrix(memory: Matrix, bandwidth: Double, ridge: Double) -> Matrix {
        var similarity = Matrix(rows: memory.rows, columns: memory.rows)
        for a in 0..<memory.rows {
            for b in 0..<memory.rows {
                var s = 0.0
                for j in 0..<memory.columns {
                    let d = memory[a, j] - memory[b, j]
                    s += d * d
                }
                similarity[a, b] = exp(-s / (2 * bandwidth * bandwidth)) + (a == b ? ridge : 0)
            }
        }
        return similarity
    }
}
