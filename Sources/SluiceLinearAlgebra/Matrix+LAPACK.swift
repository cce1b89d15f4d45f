import COpenBLAS

/// The eigendecomposition of a symmetric matrix: `A = V · diag(values) · Vᵀ`.
public struct SymmetricEigendecomposition: Sendable, Equatable {
    /// The eigenvalues, largest first.
    public let values: [Double]
    /// The eigenvectors as columns, in the order of ``values``; each has unit length.
    public let vectors: Matrix
}

extension Matrix {
    /// The eigenvalues and eigenvectors of this symmetric matrix (`dsyevr`, upper triangle read).
    ///
    /// - Throws: ``LinearAlgebraError`` when the matrix is not square or the routine fails.
    public func symmetricEigendecomposition() throws -> SymmetricEigendecomposition {
        guard isSquare else { throw LinearAlgebraError.dimensionMismatch("eigendecomposition needs a square matrix, got \(rows)×\(columns)") }
        let n = rows
        guard n > 0 else { return SymmetricEigendecomposition(values: [], vectors: Matrix(rows: 0, columns: 0)) }
        var a = elements
        var w = [Double](repeating: 0, count: n)
        var z = [Double](repeating: 0, count: n * n)
        var isuppz = [Int32](repeating: 0, count: 2 * n)
        var found: Int32 = 0
        let info = LAPACKE_dsyevr(
            LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "V")), CChar(UInt8(ascii: "A")), CChar(UInt8(ascii: "U")),
            Int32(n), &a, Int32(n), 0, 0, 0, 0, 0, &found, &w, &z, Int32(n), &isuppz)
        try LAPACK.check(info, routine: "dsyevr")
        // dsyevr returns ascending eigenvalues; models want the dominant directions first.
        var vectors = Matrix(rows: n, columns: n)
        var values = [Double](repeating: 0, count: n)
        for k in 0..<n {
            let src = n - 1 - k
            values[k] = w[src]
            for i in 0..<n { vectors[i, k] = z[i * n + src] }
        }
        return SymmetricEigendecomposition(values: values, vectors: vectors)
    }

    /// Solves `self · X = b` for a symmetric positive-definite `self` by Cholesky factorisation (`dposv`).
    ///
    /// - Throws: ``LinearAlgebraError`` when shapes differ or the matrix is not positive definite.
    public func choleskySolve(_ b: Matrix) throws -> Matrix {
        guard isSquare, b.rows == rows else {
            throw LinearAlgebraError.dimensionMismatch("cannot solve a \(rows)×\(columns) system for a \(b.rows)×\(b.columns) right-hand side")
        }
        var a = elements
        var x = b.elements
        let info = LAPACKE_dposv(LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "U")), Int32(rows), Int32(b.columns), &a, Int32(rows), &x, Int32(b.columns))
        if info > 0 { throw LinearAlgebraError.notPositiveDefinite(routine: "dposv", minor: info) }
        try LAPACK.check(info, routine: "dposv")
        return try Matrix(rows: b.rows, columns: b.columns, elements: x)
    }

    /// Solves `self · X = b` for a general square `self` by LU factorisation with partial pivoting (`dgesv`).
    ///
    /// - Throws: ``LinearAlgebraError`` when shapes differ or the matrix is singular.
    public func luSolve(_ b: Matrix) throws -> Matrix {
        guard isSquare, b.rows == rows else {
            throw LinearAlgebraError.dimensionMismatch("cannot solve a \(rows)×\(columns) system for a \(b.rows)×\(b.columns) right-hand side")
        }
        var a = elements
        var x = b.elements
        var pivots = [Int32](repeating: 0, count: rows)
        let info = LAPACKE_dgesv(LAPACK_ROW_MAJOR, Int32(rows), Int32(b.columns), &a, Int32(rows), &pivots, &x, Int32(b.columns))
        if info > 0 { throw LinearAlgebraError.singular(routine: "dgesv", pivot: info) }
        try LAPACK.check(info, routine: "dgesv")
        return try Matrix(rows: b.rows, columns: b.columns, elements: x)
    }

    /// The least-squares solution of `self · X ≈ b` for a full-rank `self` with at least as many rows as
    /// columns (`dgels`, QR factorisation).
    ///
    /// - Throws: ``LinearAlgebraError`` when shapes differ or the matrix does not have full rank.
    public func leastSquares(_ b: Matrix) throws -> Matrix {
        guard b.rows == rows, rows >= columns else {
            throw LinearAlgebraError.dimensionMismatch(
                "least squares needs as many right-hand rows as matrix rows (\(rows)) and rows ≥ columns (\(columns)); got \(b.rows)×\(b.columns)")
        }
        var a = elements
        var x = b.elements
        let info = LAPACKE_dgels(
            LAPACK_ROW_MAJOR, CChar(UInt8(ascii: "N")), Int32(rows), Int32(columns), Int32(b.columns), &a, Int32(columns), &x, Int32(b.columns))
        if info > 0 { throw LinearAlgebraError.rankDeficient(routine: "dgels", index: info) }
        try LAPACK.check(info, routine: "dgels")
        // dgels only reports an exactly zero diagonal of R; a diagonal at rounding level is just as
        // rank-deficient and would give a solution made of noise.
        let diagonal = (0..<columns).map { abs(a[$0 * columns + $0]) }
        let largest = diagonal.max() ?? 0
        if let weak = diagonal.firstIndex(where: { $0 <= largest * Double.ulpOfOne * Double(max(rows, columns)) }) {
            throw LinearAlgebraError.rankDeficient(routine: "dgels", index: Int32(weak + 1))
        }
        // The first `columns` rows of the overwritten right-hand side hold the solution.
        return try Matrix(rows: columns, columns: b.columns, elements: Array(x[0..<(columns * b.columns)]))
    }
}

enum LAPACK {
    /// Turns a negative or unexpected LAPACK `info` into a typed error.
    static func check(_ info: Int32, routine: String) throws {
        if info < 0 { throw LinearAlgebraError.invalidArgument(routine: routine, info: info) }
        if info > 0 { throw LinearAlgebraError.noConvergence(routine: routine, info: info) }
    }
}

extension Matrix {
    /// The symmetric matrix `Σ_k values[k] · v_k v_kᵀ` with `v_k` the columns of `vectors`: a matrix rebuilt
    /// from its eigen-decomposition, with its eigenvalues changed at will (their reciprocals, with zeros for
    /// the directions to leave out, give a pseudo-inverse).
    public static func recomposing(vectors: Matrix, values: [Double]) -> Matrix {
        precondition(vectors.isSquare && vectors.columns == values.count, "one value per eigenvector")
        let p = vectors.rows
        var out = Matrix(rows: p, columns: p)
        for k in 0..<p where values[k] != 0 {
            for i in 0..<p {
                let a = vectors[i, k] * values[k]
                for j in 0..<p { out[i, j] += a * vectors[j, k] }
            }
        }
        return out
    }
}
