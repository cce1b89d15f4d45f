import Foundation
import SluiceLinearAlgebra
import SluiceStatistics

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
        /// Label columns (such as `anomaly`): never sensors, whatever their case.
        public var labels: [String]
        /// Whether label columns are parsed (as numbers) into ``TelemetryFrame/labels``; when `false` they are
        /// only kept out of the sensors, so live data may leave them empty.
        public var readsLabels: Bool
        /// Text columns that identify the row rather than measure something (such as `asset`).
        public var keys: [String]
        /// Keep only the rows whose key column has this value, as `(column, value)`.
        public var filter: (column: String, value: String)?
        /// The fewest rows the caller can work with; fewer is an error that says so.
        public var minimumRows: Int

        /// Options with the defaults: detect the separator, read every sensor column.
        public init(
            separator: Character? = nil, sensors: [String]? = nil, labels: [String] = ["anomaly", "changepoint", "fault"],
            keys: [String] = ["asset", "cell", "fault_kind"], filter: (column: String, value: String)? = nil, minimumRows: Int = 1,
            readsLabels: Bool = true
        ) {
            self.separator = separator
            self.sensors = sensors
            self.labels = labels
            self.readsLabels = readsLabels
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
        let lines = lines(of: text)
        guard let headerIndex = lines.firstIndex(where: { !isBlank($0) }) else {
            throw TelemetryError(file: source, line: 1, message: "the file is empty: expected a header row naming the columns")
        }
        var headerLine = lines[headerIndex]
        if headerLine.hasPrefix("\u{FEFF}") { headerLine = headerLine.dropFirst() }
        let separator = try detectSeparator(header: headerLine, requested: options.separator, source: source)
        let header = try fields(of: headerLine, separator: separator, source: source, line: headerIndex + 1).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if let blank = header.firstIndex(of: "") {
            throw TelemetryError(file: source, line: headerIndex + 1, message: "column \(blank + 1) of the header has no name")
        }

        var index: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if index[name] != nil { throw TelemetryError(file: source, line: 1, column: name, message: "the column appears twice in the header") }
            index[name] = i
        }
        let timeIndex = header.firstIndex { timeColumnNames.contains($0.lowercased()) }
        // Labels and keys are recognised whatever their case, so an `Anomaly` column never becomes a sensor.
        let wantedLabels = Set(options.labels.map { $0.lowercased() })
        let labelNames = header.filter { wantedLabels.contains($0.lowercased()) }
        let keyNames = Set(options.keys.map { $0.lowercased() })
        let sensorNames: [String]
        if let wanted = options.sensors {
            for name in wanted where index[name] == nil {
                throw TelemetryError(file: source, line: 1, column: name, message: missingColumnMessage(name, header: header))
            }
            sensorNames = wanted
        } else {
            sensorNames = header.enumerated().filter { i, name in
                i != timeIndex && !labelNames.contains(name) && !keyNames.contains(name.lowercased())
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
        let parsedLabels = options.readsLabels ? labelNames : []
        let labelIndices = parsedLabels.map { index[$0]! }
        var values: [Double] = []
        values.reserveCapacity((lines.count - 1) * sensorNames.count)
        var times: [Double] = []
        var labels = Array(repeating: [Double](), count: options.readsLabels ? labelNames.count : 0)
        var rowLines: [Int] = []
        let separatorName = separator == "\t" ? "tab" : "'\(separator)'"

        for lineNumber in (headerIndex + 2)..<(lines.count + 1) {
            let raw = lines[lineNumber - 1]
            if isBlank(raw) { continue }
            let fields = try fields(of: raw, separator: separator, source: source, line: lineNumber)
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
                labels[k].append(try number(fields[i], source: source, line: lineNumber, column: parsedLabels[k]))
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
        for (k, name) in parsedLabels.enumerated() { labelMap[name] = labels[k] }
        return TelemetryFrame(
            source: source, sensors: sensorNames, values: matrix, times: timeIndex == nil ? nil : times, labels: labelMap, lines: rowLines)
    }

    /// Writes rows as CSV text: a header, then one line per row.
    public static func format(header: [String], rows: [[String]], separator: Character = ",") -> String {
        var out = header.joined(separator: String(separator)) + "\n"
        for row in rows { out += row.joined(separator: String(separator)) + "\n" }
        return out
    }

    /// A field as CSV writes it: quoted when it holds the separator, a quote or a line break (line breaks
    /// become spaces, so every record stays on one line).
    public static func quoted(_ field: String, separator: Character = ",") -> String {
        let flat = field.contains(where: \.isNewline) ? String(field.map { $0.isNewline ? " " : $0 }) : field
        guard flat.contains(separator) || flat.contains("\"") else { return flat }
        return "\"" + flat.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A CSV table as text: its header and its records, each with its line number, every record as wide
    /// as the header (a shorter or longer one is an error naming its line).
    public static func table(_ text: String, source: String, separator: Character = ",") throws -> (
        header: [String], records: [(line: Int, fields: [String])]
    ) {
        var header: [String]?
        var records: [(line: Int, fields: [String])] = []
        for (index, line) in lines(of: text).enumerated() {
            guard !isBlank(line) else { continue }
            let line = header == nil && line.hasPrefix("\u{FEFF}") ? line.dropFirst() : line
            let fields = try Self.fields(of: line, separator: separator, source: source, line: index + 1).map(String.init)
            guard let columns = header else {
                header = fields.map { $0.trimmingCharacters(in: .whitespaces) }
                continue
            }
            guard fields.count == columns.count else {
                throw TelemetryError(file: source, line: index + 1, message: "\(fields.count) fields where the header has \(columns.count)")
            }
            records.append((index + 1, fields))
        }
        guard let header else { throw TelemetryError(file: source, line: 1, message: "the file is empty: a header line is needed") }
        return (header, records)
    }

    /// The lines of `text`, whatever ends them: "\r\n" is one Character in Swift, and old Mac files end
    /// lines with a bare "\r".
    private static func lines(of text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    }

    private static func isBlank(_ line: Substring) -> Bool {
        line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\u{FEFF}" }
    }

    /// The fields of one line. A field may be quoted (`"a;b"`, with `""` for a quote inside); quotes are
    /// removed, and a quote left open is an error.
    static func fields(of line: Substring, separator: Character, source: String, line number: Int) throws -> [Substring] {
        guard line.contains("\"") else { return line.split(separator: separator, omittingEmptySubsequences: false) }
        var result: [Substring] = []
        var current = ""
        var quoted = false
        var index = line.startIndex
        while index < line.endIndex {
            let c = line[index]
            if quoted {
                if c == "\"" {
                    let next = line.index(after: index)
                    if next < line.endIndex, line[next] == "\"" {
                        current.append("\"")
                        index = next
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == separator {
                result.append(Substring(current))
                current = ""
            } else {
                current.append(c)
            }
            index = line.index(after: index)
        }
        guard !quoted else { throw TelemetryError(file: source, line: number, message: "a quoted field is not closed: add the missing '\"'") }
        result.append(Substring(current))
        return result
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
        let close = header.map { ($0, SluiceStatistics.editDistance($0.lowercased(), name.lowercased())) }.filter { $0.1 <= max(2, name.count / 4) }
            .min {
                $0.1 < $1.1
            }
        if let close { return "missing column; did you mean '\(close.0)'?" }
        return "missing column; the header has: \(header.joined(separator: ", "))"
    }
}
