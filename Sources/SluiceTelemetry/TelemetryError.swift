/// A problem in a telemetry file, located by file, line and column so it can be fixed at once.
public struct TelemetryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the problem is in.
    public let file: String
    /// The 1-based line, or `nil` when the problem concerns the whole file.
    public let line: Int?
    /// The column name, when one column is at fault.
    public let column: String?
    /// What is wrong and, where possible, what to write instead.
    public let message: String

    /// Creates an error located at `file`, `line` and `column`.
    public init(file: String, line: Int? = nil, column: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// One line: `file:line: column 'name': message`.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        text += ": "
        if let column { text += "column '\(column)': " }
        return text + message
    }
}
