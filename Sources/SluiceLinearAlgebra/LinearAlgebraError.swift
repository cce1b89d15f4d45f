/// An error from a linear-algebra operation: mismatched shapes or a failed LAPACK routine.
///
/// Each LAPACK `info` code is checked and turned into one of these, so a caller never sees a
/// silently wrong result.
public struct LinearAlgebraError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Sendable, Equatable {
        case dimensionMismatch
        case notPositiveDefinite
        case singular
        case rankDeficient
        case noConvergence
        case invalidArgument
    }

    private let code: Code
    /// The explanation, in words a caller can act on.
    public let message: String

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// Operand shapes do not fit the operation.
    public static func dimensionMismatch(_ detail: String) -> Self { .init(.dimensionMismatch, "dimension mismatch: \(detail)") }
    /// A Cholesky factorisation failed: the leading minor of order `minor` is not positive.
    public static func notPositiveDefinite(routine: String, minor: Int32) -> Self {
        .init(.notPositiveDefinite, "\(routine): the matrix is not positive definite (leading minor \(minor))")
    }
    /// An LU factorisation found an exactly zero pivot.
    public static func singular(routine: String, pivot: Int32) -> Self {
        .init(.singular, "\(routine): the matrix is singular (U[\(pivot),\(pivot)] is zero)")
    }
    /// A least-squares problem whose matrix does not have full rank.
    public static func rankDeficient(routine: String, index: Int32) -> Self {
        .init(.rankDeficient, "\(routine): the matrix does not have full rank (diagonal element \(index) of its triangular factor is zero)")
    }
    /// An iterative LAPACK routine did not converge.
    public static func noConvergence(routine: String, info: Int32) -> Self {
        .init(.noConvergence, "\(routine): the algorithm failed to converge (info \(info))")
    }
    /// LAPACK rejected an argument (a negative `info`): a programming error, reported rather than trapped.
    public static func invalidArgument(routine: String, info: Int32) -> Self {
        .init(.invalidArgument, "\(routine): argument \(-info) had an illegal value")
    }

    /// Whether this error reports a matrix that is not positive definite.
    public var isNotPositiveDefinite: Bool { code == .notPositiveDefinite }
    /// Whether this error reports a singular matrix.
    public var isSingular: Bool { code == .singular || code == .rankDeficient }

    /// The message.
    public var description: String { message }
}
