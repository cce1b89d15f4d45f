import COpenBLAS

extension Matrix {
    /// The product `self · other`, computed with `dgemm`.
    ///
    /// - Throws: ``LinearAlgebraError`` when the inner dimensions differ.
    public func multiplied(by other: Matrix) throws -> Matrix {
        try Matrix.product(self, other)
    }

    /// The product `op(a) · op(b)`, where `op` optionally transposes its operand (`dgemm`).
    ///
    /// - Throws: ``LinearAlgebraError`` when the inner dimensions differ.
    public static func product(
        _ a: Matrix, _ b: Matrix, transposeA: Bool = false, transposeB: Bool = false, alpha: Double = 1
    ) throws -> Matrix {
        let (m, k) = transposeA ? (a.columns, a.rows) : (a.rows, a.columns)
        let (kb, n) = transposeB ? (b.columns, b.rows) : (b.rows, b.columns)
        guard k == kb else {
            throw LinearAlgebraError.dimensionMismatch("cannot multiply \(m)×\(k) by \(kb)×\(n)")
        }
        var c = Matrix(rows: m, columns: n)
        guard m > 0, n > 0, k > 0 else { return c }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    cblas_dgemm(
                        CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                        Int32(m), Int32(n), Int32(k), alpha, pa.baseAddress, Int32(a.columns),
                        pb.baseAddress, Int32(b.columns), 0, pc.baseAddress, Int32(n))
                }
            }
        }
        return c
    }

    /// The product `a · b` for operands whose shapes the caller has already checked (`dgemm`); a mismatch
    /// is a programming error and traps.
    public static func checkedProduct(_ a: Matrix, _ b: Matrix) -> Matrix {
        precondition(a.columns == b.rows, "cannot multiply \(a.rows)×\(a.columns) by \(b.rows)×\(b.columns)")
        // The shapes agree, so product(_:_:) cannot throw.
        return (try? product(a, b)) ?? Matrix(rows: a.rows, columns: b.columns)
    }

    /// The product `self · vector`, computed with `dgemv`.
    ///
    /// - Throws: ``LinearAlgebraError`` when `vector` does not have `columns` elements.
    public func multiplied(by vector: [Double]) throws -> [Double] {
        guard vector.count == columns else {
            throw LinearAlgebraError.dimensionMismatch("cannot multiply \(rows)×\(columns) by a vector of \(vector.count)")
        }
        var y = [Double](repeating: 0, count: rows)
        guard rows > 0, columns > 0 else { return y }
        withUnsafeBufferPointer { pa in
            cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, pa.baseAddress, Int32(columns), vector, 1, 0, &y, 1)
        }
        return y
    }

    /// The Gram matrix `selfᵀ · self` (`dsyrk`), with both triangles filled.
    public func gram() -> Matrix {
        var c = Matrix(rows: columns, columns: columns)
        guard rows > 0, columns > 0 else { return c }
        withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                BLAS.accumulateGram(rows: pa.baseAddress!, count: rows, columns: columns, into: pc.baseAddress!)
            }
        }
        c.mirrorUpperTriangle()
        return c
    }

    /// Copies the upper triangle onto the lower one, making a `dsyrk` result fully symmetric.
    public mutating func mirrorUpperTriangle() {
        precondition(isSquare, "only a square matrix can be symmetrised")
        for i in 0..<rows {
            for j in 0..<i { self[i, j] = self[j, i] }
        }
    }
}

/// Direct entry points into BLAS for hot loops that work on buffers rather than ``Matrix`` values.
///
/// These skip the allocation of a result matrix; the caller guarantees the buffer sizes.
public enum BLAS {
    /// `c ← a · b` for a row-major `count`×`k` block `a`, a ``Matrix`` `b` of `k` rows and a row-major
    /// result buffer of `count`×`b.columns` (`dgemm`).
    public static func multiply(
        rows a: UnsafePointer<Double>, count: Int, by b: Matrix, into c: UnsafeMutablePointer<Double>
    ) {
        guard count > 0 else { return }
        b.withUnsafeBufferPointer { pb in
            cblas_dgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(count), Int32(b.columns), Int32(b.rows), 1,
                a, Int32(b.rows), pb.baseAddress, Int32(b.columns), 0, c, Int32(b.columns))
        }
    }

    /// `y ← bᵀ · x` for one state `x` of `b.rows` values (`dgemv`); `y` holds `b.columns` values.
    public static func multiply(state x: UnsafePointer<Double>, by b: Matrix, into y: UnsafeMutablePointer<Double>) {
        b.withUnsafeBufferPointer { pb in
            cblas_dgemv(CblasRowMajor, CblasTrans, Int32(b.rows), Int32(b.columns), 1, pb.baseAddress, Int32(b.columns), x, 1, 0, y, 1)
        }
    }

    /// `c ← c + aᵀ · a` (upper triangle only) for a row-major `count`×`columns` block (`dsyrk`).
    public static func accumulateGram(rows a: UnsafePointer<Double>, count: Int, columns: Int, into c: UnsafeMutablePointer<Double>) {
        guard count > 0 else { return }
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(columns), Int32(count), 1, a, Int32(columns), 1, c, Int32(columns))
    }

    /// The number of threads OpenBLAS uses.
    public static var threadCount: Int { Int(openblas_get_num_threads()) }

    /// Sets the number of threads OpenBLAS uses: one inside a server that is already parallel, more for
    /// batch jobs where it pays.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }
}
