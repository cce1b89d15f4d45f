/// A problem in a configuration file (a gate, a cell), located by file and line, with what to write instead.
public struct ConfigurationFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public let file: String
    /// The 1-based line, when the problem is at one place.
    public let line: Int?
    /// What is wrong.
    public let message: String
    /// What to write instead, when there is an obvious fix.
    public let suggestion: String?

    /// An error at `file:line`.
    public init(file: String, line: Int?, message: String, suggestion: String? = nil) {
        self.file = file
        self.line = line
        self.message = message
        self.suggestion = suggestion
    }

    /// `file:line: message (write …)`.
    public var description: String {
        (line.map { "\(file):\($0): " } ?? "\(file): ") + message + (suggestion.map { "; \($0)" } ?? "")
    }
}

/// A problem in a gate definition file.
public typealias GateDefinitionError = ConfigurationFileError
