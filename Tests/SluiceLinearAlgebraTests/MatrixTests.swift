import Numerics
import SluiceLinearAlgebra
import Testing

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-10) -> Bool {
    a.isApproximatelyEqual(to: b, absoluteTolerance: tolerance)
}

private func close(_ a: Matrix, _ b: [[Double]], _ tolerance: Double = 1e-10) -> Bool {
    guard a.rows == b.count, a.columns == (b.first?.count ?? 0) else { return false }
    return (0..<a.rows).allSatisfy { i in (0..<a.columns).allSatisfy { j in close(a[i, j], b[i][j], tolerance) } }
}

@Suite("Matrix and BLAS")
struct MatrixTests {
    @Test func rowMajorLayoutAndTranspose() throws {
        let m = try Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m.elements == [1, 2, 3, 4, 5, 6])
        #expect(m[1, 0] == 4)
        #expect(m.transposed().elements == [1, 4, 2, 5, 3, 6])
        #expect(m.column(2) == [3, 6])
        #expect(m.columns([2, 0]).elements == [3, 1, 6, 4])
    }

    @Test func raggedRowsAreRefused() {
        #expect(throws: LinearAlgebraError.self) { try Matrix([[1, 2], [3]]) }
        #expect(throws: LinearAlgebraError.self) { try Matrix(rows: 2, columns: 2, elements: [1, 2, 3]) }
    }

    @Test func gemmMatchesHandComputedProduct() throws {
        let a = try Matrix([[1, 2], [3, 4], [5, 6]])
        let b = try Matrix([[7, 8, 9], [10, 11, 12]])
        // [1·7+2·10, 1·8+2·11, 1·9+2·12] …
        #expect(close(try a.multiplied(by: b), [[27, 30, 33], [61, 68, 75], [95, 106, 117]]))
        #expect(close(try Matrix.product(a, a, transposeA: true), [[35, 44], [44, 56]]))
        #expect(close(try Matrix.product(a, b, transposeA: true, transposeB: true), [[76, 103], [100, 136]]))
    }

    @Test func gemmRefusesMismatchedShapes() throws {
        let a = try Matrix([[1, 2], [3, 4]])
        let b = try Matrix([[1, 2, 3]])
        #expect(throws: LinearAlgebraError.self) { try a.multiplied(by: b) }
        #expect(throws: LinearAlgebraError.self) { try a.multiplied(by: [1, 2, 3]) }
    }

    @Test func gemvMatchesHandComputedProduct() throws {
        let a = try Matrix([[2, -1, 0], [1, 3, 5]])
        let y = try a.multiplied(by: [1, 2, 3])
        #expect(close(y[0], 0) && close(y[1], 22))
    }

    @Test func syrkGramIsSymmetricAndExact() throws {
        let a = try Matrix([[1, 2], [3, 4], [5, 6]])
        #expect(close(a.gram(), [[35, 44], [44, 56]]))
    }
}

@Suite("LAPACK")
struct LAPACKTests {
    @Test func symmetricEigenOfTwoByTwo() throws {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with eigenvectors (1, 1)/√2 and (1, −1)/√2.
        let eigen = try Matrix([[2, 1], [1, 2]]).symmetricEigendecomposition()
        #expect(close(eigen.values[0], 3) && close(eigen.values[1], 1))
        let v = eigen.vectors.column(0)
        #expect(close(abs(v[0]), 1 / 2.0.squareRoot()) && close(v[0], v[1]))
        let w = eigen.vectors.column(1)
        #expect(close(w[0], -w[1]))
    }

    @Test func eigenReconstructsTheMatrix() throws {
        let a = try Matrix([[4, 1, 2], [1, 3, 0], [2, 0, 5]])
        let e = try a.symmetricEigendecomposition()
        let rebuilt = try Matrix.product(try e.vectors.multiplied(by: .diagonal(e.values)), e.vectors, transposeB: true)
        #expect(close(rebuilt, [[4, 1, 2], [1, 3, 0], [2, 0, 5]], 1e-12))
        #expect(e.values == e.values.sorted(by: >))
    }

    @Test func choleskySolve() throws {
        // [[4, 2], [2, 3]] x = [2, 1]  →  x = [0.5, 0]
        let x = try Matrix([[4, 2], [2, 3]]).choleskySolve(try Matrix([[2], [1]]))
        #expect(close(x, [[0.5], [0]]))
    }

    @Test func choleskyRefusesIndefiniteMatrix() throws {
        do {
            _ = try Matrix([[1, 2], [2, 1]]).choleskySolve(.identity(2))
            Issue.record("expected an error")
        } catch let error as LinearAlgebraError {
            #expect(error.isNotPositiveDefinite)
            #expect(error.message.contains("not positive definite"))
        }
    }

    @Test func luSolve() throws {
        // [[0, 2], [3, 1]] needs a pivot; x = [1, 2] gives b = [4, 5].
        let x = try Matrix([[0, 2], [3, 1]]).luSolve(try Matrix([[4], [5]]))
        #expect(close(x, [[1], [2]]))
    }

    @Test func luRefusesSingularMatrix() throws {
        do {
            _ = try Matrix([[1, 2], [2, 4]]).luSolve(.identity(2))
            Issue.record("expected an error")
        } catch let error as LinearAlgebraError {
            #expect(error.isSingular)
        }
    }

    @Test func leastSquaresFitsALine() throws {
        // Points (0, 1), (1, 3), (2, 5), (3, 7) lie on y = 1 + 2x exactly.
        let design = try Matrix([[1, 0], [1, 1], [1, 2], [1, 3]])
        let beta = try design.leastSquares(try Matrix([[1], [3], [5], [7]]))
        #expect(close(beta, [[1], [2]]))
        // (0, 0), (1, 1), (2, 1): normal equations give intercept 1/6, slope 1/2.
        let noisy = try Matrix([[1, 0], [1, 1], [1, 2]]).leastSquares(try Matrix([[0], [1], [1]]))
        #expect(close(noisy, [[1.0 / 6.0], [0.5]]))
    }

    @Test func leastSquaresRefusesRankDeficientDesign() throws {
        let design = try Matrix([[1, 2], [2, 4], [3, 6]])
        #expect(throws: LinearAlgebraError.self) { try design.leastSquares(try Matrix([[1], [2], [3]])) }
    }

    @Test func threadCountCanBeSet() {
        BLAS.setThreadCount(1)
        #expect(BLAS.threadCount == 1)
    }
}
