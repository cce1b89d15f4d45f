import Foundation
import SluiceLinearAlgebra

/// Reading and writing telemetry as delimited text (CSV with `,`, `;` or tab).
///
/// Every problem is reported as a ``TelemetryError`` naming the file, the line and the column, and
/// nothing is guessed silently: a value that is not a finite number is an error, not a zero.
public enum TelemetryCSV {
    /// What to read from a file.
    public struct Options: Sendable {
        /// The field separator; `nil` detects it from the header (`,`, `;` or tab).
        public var separator: Character?
        /// The sensor columns to read, in this order; `nil` takes every column that is not the time,
        /// a label, or a key column.
        public var sensors: [String]?
        /// Label columns to read when present (numeric, such as `anomaly`).
        public var labels: [String]
        /// Text columns that identify the row rather than measure something (such as `asset`).
        public var keys: [String]
        /// Keep only the rows whose key column has this value, as `(column, value)`.
        public var filter: (column: String, value: String)?
        /// The fewest rows the caller can work with; fewer is an error that says so.
        public var minimumRows: Int

        /// Options with the defaults: detect the separator, read every sensor column.
        public init(
            separator: Character? = nil, sensors: [String]? = nil, labels: [String] = ["anomaly", "changepoint", "fault"],
            keys: [String] = ["asset", "cell", "fault_kind"], filter: (column: String, value: String)? = nil, minimumRows: Int = 1
        ) {
            self.separator = separator
            self.sensors = sensors
            self.labels = labels
            self.keys = keys
            self.filter = filter
            self.minimumRows = minimumRows
        }
    }

    /// Names recognised as the time column, compared without case.
    public static let timeColumnNames: Set<String> = ["datetime", "time", "timestamp"]

    /// Reads the file at `path`.
    ///
    /// - Throws: ``TelemetryError`` when the file cannot be read or any field is malformed.
    public static func read(path: String, options: Options = Options()) throws -> TelemetryFrame {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw TelemetryError(
                file: path,
                message: "cannot read the file (\(FileManager.default.fileExists(atPath: path) ? "permission or I/O error" : "no such file"))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw TelemetryError(file: path, message: "the file is not UTF-8 text")
        }
        return try parse(text, source: path, options: options)
    }

    /// Parses delimited text; `source` names it in errors.
    ///
    /// - Throws: ``TelemetryError`` for a missing column, a wrong separator, a field that is not a finite
    ///   number, or fewer rows than `options.minimumRows`.
    public static func parse(_ text: String, source: String, options: Options = Options()) throws -> TelemetryFrame {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if let last = lines.last, last.allSatisfy({ $0 == "\r" || $0 == " " }) { lines.removeLast() }
        guard var headerLine = lines.first, !headerLine.isEmpty else {
            throw TelemetryError(file: source, line: 1, message: "the file is empty: expected a header row naming the columns")
        }
        if headerLine.hasPrefix("\u{FEFF}") { headerLine = headerLine.dropFirst() }
        let separator = try detectSeparator(header: trimCR(headerLine), requested: options.separator, source: source)
        let header = trimCR(headerLine).split(separator: separator, omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }

        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if index[name] != nil { throw TelemetryError(file: source, line: 1, column: name, message: "the column appears twice in the header") }
            index[name] = i
        }
        let timeIndex = header.firstIndex { timeColumnNames.contains($0.lowercased()) }
        let labelNames = options.labels.filter { index[$0] != nil }
        let keyNames = Set(options.keys)
        let sensorNames: [String]
        if let wanted = options.sensors {
            for name in wanted where index[name] == nil {
                throw TelemetryError(file: source, line: 1, column: name, message: missingColumnMessage(name, header: header))
            }
            sensorNames = wanted
        } else {
            sensorNames = header.enumerated().filter { i, name in
                i != timeIndex && !labelNames.contains(name) && !keyNames.contains(name) && !name.isEmpty
            }.map(\.element)
            guard !sensorNames.isEmpty else {
                throw TelemetryError(file: source, line: 1, message: "the header names no sensor columns (found: \(header.joined(separator: ", ")))")
            }
        }
        let filterIndex: Int?
        if let filter = options.filter {
            guard let i = index[filter.column] else {
                throw TelemetryError(file: source, line: 1, column: filter.column, message: missingColumnMessage(filter.column, header: header))
            }
            filterIndex = i
        } else {
            filterIndex = nil
        }

        let sensorIndices = sensorNames.map { index[$0]! }
        let labelIndices = labelNames.map { index[$0]! }
        var values: [Double] = []
        values.reserveCapacity((lines.count - 1) * sensorNames.count)
        var times: [Double] = []
        var labels = Array(repeating: [Double](), count: labelNames.count)
        var rowLines: [Int] = []
        let separatorName = separator == "\t" ? "tab" : "'\(separator)'"

        for lineNumber in 2..<(lines.count + 1) {
            let raw = trimCR(lines[lineNumber - 1])
            if raw.isEmpty { continue }
            let fields = raw.split(separator: separator, omittingEmptySubsequences: false)
            guard fields.count == header.count else {
                var message = "expected \(header.count) fields separated by \(separatorName), found \(fields.count)"
                if let other = [",", ";", "\t"].map(Character.init).first(where: { $0 != separator && raw.contains($0) }) {
                    message += " (the line contains \(other == "\t" ? "tabs" : "'\(other)'"): is the separator mixed up?)"
                }
                throw TelemetryError(file: source, line: lineNumber, message: message)
            }
            if let filterIndex, let filter = options.filter, fields[filterIndex].trimmingCharacters(in: .whitespaces) != filter.value { continue }
            for (k, i) in sensorIndices.enumerated() {
                values.append(try number(fields[i], source: source, line: lineNumber, column: sensorNames[k]))
            }
            for (k, i) in labelIndices.enumerated() {
                labels[k].append(try number(fields[i], source: source, line: lineNumber, column: labelNames[k]))
            }
            if let timeIndex {
                let field = fields[timeIndex].trimmingCharacters(in: .whitespaces)
                guard let t = Timestamp.seconds(from: Substring(field)) else {
                    throw TelemetryError(
                        file: source, line: lineNumber, column: header[timeIndex],
                        message: "'\(field)' is not a time: write YYYY-MM-DD hh:mm:ss or seconds since 1970")
                }
                times.append(t)
            }
            rowLines.append(lineNumber)
        }
        guard rowLines.count >= options.minimumRows else {
            let filterText = options.filter.map { " with \($0.column) = \($0.value)" } ?? ""
            throw TelemetryError(file: source, message: "\(rowLines.count) data rows\(filterText), at least \(options.minimumRows) needed")
        }
        let matrix = try Matrix(rows: rowLines.count, columns: sensorNames.count, elements: values)
        var labelMap: [String: [Double]] = [:]
        for (k, name) in labelNames.enumerated() { labelMap[name] = labels[k] }
        return TelemetryFrame(
            source: source, sensors: sensorNames, values: matrix, times: timeIndex == nil ? nil : times, labels: labelMap, lines: rowLines)
    }

    /// Writes rows as CSV text: a header, then one line per row.
    public static func format(header: [String], rows: [[String]], separator: Character = ",") -> String {
        var out = header.joined(separator: String(separator)) + "\n"
        for row in rows { out += row.joined(separator: String(separator)) + "\n" }
        return out
    }

    private static func trimCR(_ line: Substring) -> Substring {
        line.last == "\r" ? line.dropLast() : line
    }

    private static func detectSeparator(header: Substring, requested: Character?, source: String) throws -> Character {
        let candidates: [Character] = [",", ";", "\t"]
        let counts = candidates.map { c in header.reduce(0) { $0 + ($1 == c ? 1 : 0) } }
        let best = zip(candidates, counts).max { $0.1 < $1.1 }!
        if let requested {
            if header.contains(requested) || best.1 == 0 { return requested }
            let found = best.0 == "\t" ? "tabs" : "'\(best.0)'"
            throw TelemetryError(file: source, line: 1, message: "the header is separated by \(found), not '\(requested)': pass the right separator")
        }
        guard best.1 > 0 else {
            // A single column is legal; anything else is a separator we do not know.
            return ","
        }
        return best.0
    }

    private static func number(_ field: Substring, source: String, line: Int, column: String) throws -> Double {
        let text = field.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            throw TelemetryError(file: source, line: line, column: column, message: "the value is empty: every sample needs a number")
        }
        guard let value = Double(text) else {
            throw TelemetryError(file: source, line: line, column: column, message: "'\(text)' is not a number")
        }
        guard value.isFinite else {
            throw TelemetryError(file: source, line: line, column: column, message: "'\(text)' is not a finite number")
        }
        return value
    }

    static func missingColumnMessage(_ name: String, header: [String]) -> String {
        let close = header.map { ($0, editDistance($0.lowercased(), name.lowercased())) }.filter { $0.1 <= max(2, name.count / 4) }.min {
            $0.1 < $1.1
        }
        if let close { return "missing column; did you mean '\(close.0)'?" }
        return "missing column; the header has: \(header.joined(separator: ", "))"
    }

    /// The Levenshtein distance between two strings.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
