public import Foundation
import SluiceStatistics
public import Yams

/// Reads YAML configuration (gates, cells) node by node, turning every mismatch into a
/// ``ConfigurationFileError`` at the file and line where it is, with what to write instead.
public struct ConfigurationReader: Sendable {
    /// The file, for messages.
    public let file: String

    /// A reader of `file`.
    public init(file: String) {
        self.file = file
    }

    /// Parses `yaml` into its root node; an empty file or invalid YAML is an error at its line.
    public static func compose(_ yaml: String, file: String, emptyHint: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ConfigurationFileError(file: file, line: nil, message: "the file is empty", suggestion: emptyHint)
            }
            return node
        } catch let error as ConfigurationFileError {
            throw error
        } catch let error as YamlError {
            throw ConfigurationFileError(file: file, line: line(of: error), message: "not valid YAML (\(summary(of: error)))")
        }
    }

    /// A mapping's values by key, with the line of each key.
    public struct Fields {
        /// Values by key.
        public var value: [String: Node] = [:]
        /// The line of each key.
        public var line: [String: Int] = [:]
        /// The line where the mapping starts.
        public var start: Int?
    }

    /// An error at `node`'s line.
    public func fail(_ node: Node?, _ message: String, _ suggestion: String? = nil) -> ConfigurationFileError {
        ConfigurationFileError(file: file, line: node?.mark?.line, message: message, suggestion: suggestion)
    }

    /// The fields of a mapping whose keys must be among `allowed` (a near miss gets a suggestion).
    public func mapping(_ node: Node, allowed: [String], context: String) throws -> Fields {
        guard let mapping = node.mapping else { throw fail(node, "\(context) must be a mapping of keys to values") }
        var fields = Fields(start: node.mark?.line)
        for (key, value) in mapping {
            guard let name = key.string else { throw fail(key, "keys must be plain words") }
            guard allowed.contains(name) else {
                let close = allowed.min { editDistance($0, name) < editDistance($1, name) }
                let hint = close.flatMap { editDistance($0, name) <= max(2, name.count / 3) ? "write '\($0)' instead" : nil }
                throw fail(key, "unknown key '\(name)' in \(context)", hint ?? "the keys allowed here are \(allowed.joined(separator: ", "))")
            }
            guard fields.value[name] == nil else { throw fail(key, "'\(name)' appears twice in \(context)") }
            fields.value[name] = value
            fields.line[name] = key.mark?.line
        }
        return fields
    }

    /// The value of a key that must be there.
    public func required(_ fields: Fields, _ key: String) throws -> Node {
        guard let node = fields.value[key] else {
            throw ConfigurationFileError(file: file, line: fields.start, message: "missing '\(key)'", suggestion: "add '\(key): …'")
        }
        return node
    }

    /// A non-empty string value.
    public func string(_ fields: Fields, _ key: String) throws -> String {
        let node = try required(fields, key)
        guard let text = node.scalar?.string, !text.isEmpty else { throw fail(node, "'\(key)' must be a non-empty word") }
        return text
    }

    /// A finite number.
    public func number(_ node: Node, key: String) throws -> Double {
        guard let text = node.scalar?.string, let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw fail(node, "'\(key)' must be a number, got '\(node.scalar?.string ?? "a structure")'")
        }
        return value
    }

    /// A whole number of at least `minimum`.
    public func integer(_ fields: Fields, _ key: String, minimum: Int) throws -> Int {
        let node = try required(fields, key)
        guard let text = node.scalar?.string, let value = Int(text) else {
            throw fail(node, "'\(key)' must be a whole number, got '\(node.scalar?.string ?? "a structure")'")
        }
        guard value >= minimum else { throw fail(node, "'\(key)' must be at least \(minimum), got \(value)") }
        return value
    }

    /// A share written as a fraction (0.05) or a percentage (5 %).
    public func share(_ node: Node, key: String) throws -> Double {
        let text = (node.scalar?.string ?? "").trimmingCharacters(in: .whitespaces)
        if text.hasSuffix("%"), let value = Double(text.dropLast().trimmingCharacters(in: .whitespaces)), value.isFinite { return value / 100 }
        return try number(node, key: key)
    }

    /// A share in (0, 1].
    public func fraction(_ fields: Fields, _ key: String) throws -> Double {
        let node = try required(fields, key)
        let value = try share(node, key: key)
        guard value > 0, value <= 1 else {
            throw fail(
                node, "'\(key)' must be a share between 0 and 1 (or a percentage such as 70 %), got \(value)", "write for example '\(key): 0.7'")
        }
        return value
    }

    /// on/off, true/false, yes/no.
    public func flag(_ node: Node, key: String) throws -> Bool {
        switch node.scalar?.string.lowercased() {
        case "on", "true", "yes": return true
        case "off", "false", "no": return false
        default: throw fail(node, "'\(key)' must be on or off, got '\(node.scalar?.string ?? "a structure")'")
        }
    }

    /// Durations: a number of seconds, or a number with ms, s, m, h or d.
    public func duration(_ node: Node, key: String, positive: Bool = false) throws -> TimeInterval {
        guard let text = node.scalar?.string.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw fail(node, "'\(key)' must be a duration")
        }
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        let (digits, factor): (Substring, Double) =
            text.hasSuffix("ms") ? (text.dropLast(2), 0.001) : units[text.last!].map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard let value = Double(digits.trimmingCharacters(in: .whitespaces)), value >= 0, value.isFinite else {
            throw fail(node, "'\(key)' must be a duration such as 500ms, 30m, 8h or 2d, got '\(text)'")
        }
        guard !positive || value > 0 else { throw fail(node, "'\(key)' must be longer than zero") }
        return value * factor
    }

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }
}
