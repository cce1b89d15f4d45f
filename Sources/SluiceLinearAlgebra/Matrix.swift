/// A dense matrix of `Double` values stored in row-major order.
///
/// `Matrix` is a value type: copies share storage until one of them is mutated. Row-major storage
/// matches how telemetry arrives (one row per state, one column per sensor), so a table of states can
/// be handed to BLAS without a transposed copy.
public struct Matrix: Sendable, Equatable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements, row after row: element `(i, j)` is at `i * columns + j`.
    public var elements: [Double] { storage }

    @usableFromInline
    var storage: [Double]

    /// Creates a matrix with every element set to `value`.
    public init(rows: Int, columns: Int, repeating value: Double = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must not be negative")
        self.rows = rows
        self.columns = columns
        self.storage = Array(repeating: value, count: rows * columns)
    }

    /// Creates a matrix from its elements in row-major order.
    ///
    /// - Throws: ``LinearAlgebraError`` when `elements.count` is not `rows * columns`.
    public init(rows: Int, columns: Int, elements: [Double]) throws {
        guard rows >= 0, columns >= 0, elements.count == rows * columns else {
            throw LinearAlgebraError.dimensionMismatch(
                "\(elements.count) elements cannot fill a \(rows)×\(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        self.storage = elements
    }

    /// Creates a matrix from an array of rows, which must all have the same length.
    ///
    /// - Throws: ``LinearAlgebraError`` when the rows differ in length.
    public init(_ rowArrays: [[Double]]) throws {
        let columns = rowArrays.first?.count ?? 0
        for (index, row) in rowArrays.enumerated() where row.count != columns {
            throw LinearAlgebraError.dimensionMismatch(
                "row \(index) has \(row.count) elements, expected \(columns)")
        }
        self.rows = rowArrays.count
        self.columns = columns
        self.storage = rowArrays.flatMap { $0 }
    }

    /// The `n`×`n` identity matrix.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m[i, i] = 1 }
        return m
    }

    /// A square matrix with `values` on its diagonal and zeros elsewhere.
    public static func diagonal(_ values: [Double]) -> Matrix {
        var m = Matrix(rows: values.count, columns: values.count)
        for (i, v) in values.enumerated() { m[i, i] = v }
        return m
    }

    /// The element at row `i`, column `j`.
    @inlinable
    public subscript(i: Int, j: Int) -> Double {
        get { storage[i * columns + j] }
        set { storage[i * columns + j] = newValue }
    }

    /// Whether the matrix has as many rows as columns.
    public var isSquare: Bool { rows == columns }

    /// The elements of row `i`.
    public func row(_ i: Int) -> [Double] {
        Array(elements[(i * columns)..<((i + 1) * columns)])
    }

    /// The elements of column `j`.
    public func column(_ j: Int) -> [Double] {
        (0..<rows).map { elements[$0 * columns + j] }
    }

    /// The transpose of the matrix.
    public func transposed() -> Matrix {
        var t = Matrix(rows: columns, columns: rows)
        for i in 0..<rows {
            for j in 0..<columns { t.storage[j * rows + i] = storage[i * columns + j] }
        }
        return t
    }

    /// A matrix made of the rows in `range`.
    public func rows(_ range: Range<Int>) -> Matrix {
        precondition(range.lowerBound >= 0 && range.upperBound <= rows, "row range out of bounds")
        var m = Matrix(rows: range.count, columns: columns)
        m.storage = Array(storage[(range.lowerBound * columns)..<(range.upperBound * columns)])
        return m
    }

    /// A matrix made of the columns listed in `indices`, in that order.
    public func columns(_ indices: [Int]) -> Matrix {
        var m = Matrix(rows: rows, columns: indices.count)
        for i in 0..<rows {
            for (k, j) in indices.enumerated() { m.storage[i * indices.count + k] = storage[i * columns + j] }
        }
        return m
    }

    /// Calls `body` with the elements as a buffer, without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer(body)
    }

    /// Calls `body` with the elements as a mutable buffer, without copying.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (inout UnsafeMutableBufferPointer<Double>) throws -> R
    ) rethrows -> R {
        try storage.withUnsafeMutableBufferPointer(body)
    }
}

extension Matrix: CustomStringConvertible {
    /// The matrix printed row by row.
    public var description: String {
        (0..<rows).map { row($0).map { String($0) }.joined(separator: " ") }.joined(separator: "\n")
    }
}
