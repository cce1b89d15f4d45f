import COpenBLAS

extension Matrix {
    /// The column means and the sample covariance (n − 1) of the rows, in one pass.
    ///
    /// Rows are shifted by the first row before they are accumulated, in blocks, with `dsyrk`, so a large
    /// offset (a temperature near 90 °C with a spread of 0.5) costs no precision and no full copy is made.
    public func meanAndCovariance() -> (means: [Double], covariance: Matrix) {
        let n = rows
        let p = columns
        var covariance = Matrix(rows: p, columns: p)
        guard n > 0, p > 0 else { return (Array(repeating: 0, count: p), covariance) }
        let shift = row(0)
        var sums = [Double](repeating: 0, count: p)
        let block = 2_048
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: block * p)
        defer { buffer.deallocate() }
        withUnsafeBufferPointer { x in
            covariance.withUnsafeMutableBufferPointer { c in
                sums.withUnsafeMutableBufferPointer { s in
                    shift.withUnsafeBufferPointer { origin in
                        var start = 0
                        while start < n {
                            let count = min(block, n - start)
                            let source = x.baseAddress! + start * p
                            for i in 0..<count {
                                for j in 0..<p {
                                    let v = source[i * p + j] - origin[j]
                                    buffer[i * p + j] = v
                                    s[j] += v
                                }
                            }
                            cblas_dsyrk(
                                CblasRowMajor, CblasUpper, CblasTrans, Int32(p), Int32(count), 1, buffer, Int32(p), 1, c.baseAddress, Int32(p))
                            start += count
                        }
                    }
                }
            }
        }
        let offsets = sums.map { $0 / Double(n) }
        let denominator = Double(max(n - 1, 1))
        for i in 0..<p {
            for j in i..<p {
                let value = (covariance[i, j] - Double(n) * offsets[i] * offsets[j]) / denominator
                covariance[i, j] = value
                covariance[j, i] = value
            }
        }
        return (zip(shift, offsets).map { $0 + $1 }, covariance)
    }
}
