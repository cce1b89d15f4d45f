import SluiceLinearAlgebra
import SluiceSimulation

/// Correlated Gaussian states: `x = mean + L·e` for a fixed mixing matrix `L`, seeded.
func correlatedStates(_ n: Int, seed: UInt64 = 1, shift: [Double]? = nil) -> Matrix {
    var random = SeededGenerator(seed: seed)
    let mixing: [[Double]] = [[2, 0, 0, 0], [1.2, 0.8, 0, 0], [0.5, -0.4, 0.6, 0], [0, 0.3, 0.2, 0.4]]
    let mean: [Double] = [80, 5, 30, 1]
    var m = Matrix(rows: n, columns: 4)
    for i in 0..<n {
        let e = (0..<4).map { _ in random.normal() }
        for j in 0..<4 {
            m[i, j] = mean[j] + (0..<4).reduce(0) { $0 + mixing[j][$1] * e[$1] } + (shift?[j] ?? 0)
        }
    }
    return m
}

let fixtureFeatures = ["temperature", "pressure", "flow", "vibration"]
