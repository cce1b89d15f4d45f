import Foundation
import SluiceReplenishment
public import SluiceTelemetry

/// Conformance of Sluice's inventory policies against a case file in the format of
/// `replenishment-oracle.json`: cases keyed by `stockpyl_function`, each with `parameters`, `expected`
/// and `tolerance` (`abs_tol`).
public enum ReplenishmentOracle {
    /// One case of the file.
    public struct Case: Sendable, Decodable {
        /// The case id.
        public let id: String
        /// The function whose result the case pins down (`eoq.economic_order_quantity`).
        public let function: String
        /// The inputs.
        public let parameters: [String: JSONValue]
        /// The expected outputs.
        public let expected: [String: JSONValue]
        /// The absolute tolerance on every expected number (exact when absent).
        public let absoluteTolerance: Double

        private enum CodingKeys: String, CodingKey {
            case id, parameters, expected, tolerance
            case function = "stockpyl_function"
        }
        private struct Tolerance: Decodable {
            let absolute: Double?
            private enum CodingKeys: String, CodingKey { case absolute = "abs_tol" }
        }

        /// Decodes a case; a missing tolerance means exact (to 1e-9).
        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try c.decode(String.self, forKey: .id)
            function = try c.decode(String.self, forKey: .function)
            parameters = try c.decode([String: JSONValue].self, forKey: .parameters)
            expected = try c.decode([String: JSONValue].self, forKey: .expected)
            absoluteTolerance = max((try c.decodeIfPresent(Tolerance.self, forKey: .tolerance))?.absolute ?? 0, 1e-9)
        }
    }

    /// The outcome of one case.
    public struct Outcome: Sendable, Encodable {
        /// The case id.
        public let id: String
        /// Whether every expected value was computed within tolerance.
        public let ok: Bool
        /// The expected values.
        public let expected: JSONValue
        /// The computed values (`null` when the case could not be computed).
        public let got: JSONValue
        /// Why the case failed, when it did: unsupported function, bad parameters, or the fields off.
        public let problem: String?
    }

    /// Reads the cases of a file.
    ///
    /// - Throws: ``ReplenishmentError`` naming the file when it cannot be read or is not in the format.
    public static func load(path: String) throws -> [Case] {
        struct File: Decodable { let cases: [Case] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReplenishmentError(field: path, "cannot read the file")
        }
        do {
            return try JSONDecoder().decode(File.self, from: data).cases
        } catch let DecodingError.keyNotFound(key, context) {
            throw ReplenishmentError(field: path, "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'")
        } catch {
            throw ReplenishmentError(
                field: path,
                "not a case file: expected {\"cases\": [{\"id\", \"stockpyl_function\", \"parameters\", \"expected\", \"tolerance\"}, …]}")
        }
    }

    /// Computes a case and compares it with its expected values.
    public static func run(_ c: Case) -> Outcome {
        let expected = JSONValue.object(c.expected)
        guard let handler = handlers[c.function] else {
            return Outcome(id: c.id, ok: false, expected: expected, got: .null, problem: "unsupported function \(c.function)")
        }
        do {
            let got = try handler(Parameters(values: c.parameters))
            var off: [String] = []
            for (key, value) in c.expected {
                guard let computed = got[key] else {
                    off.append("\(key) not computed")
                    continue
                }
                if !matches(value, computed, tolerance: c.absoluteTolerance) { off.append(key) }
            }
            return Outcome(
                id: c.id, ok: off.isEmpty, expected: expected, got: .object(got),
                problem: off.isEmpty ? nil : "off: \(off.sorted().joined(separator: ", "))")
        } catch {
            return Outcome(id: c.id, ok: false, expected: expected, got: .null, problem: "\(error)")
        }
    }

    /// Whether `got` equals `expected` within `tolerance` (numbers), element by element (arrays and objects).
    static func matches(_ expected: JSONValue, _ got: JSONValue, tolerance: Double) -> Bool {
        switch (expected, got) {
        case (.number(let a), .number(let b)): return abs(a - b) <= tolerance
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { matches($0, $1, tolerance: tolerance) }
        case (.object(let a), .object(let b)):
            return a.keys.sorted() == b.keys.sorted() && a.allSatisfy { key, value in matches(value, b[key]!, tolerance: tolerance) }
        default: return expected == got
        }
    }

    /// Typed access to a case's parameters, with errors that name the parameter.
    public struct Parameters: Sendable {
        let values: [String: JSONValue]

        /// The number called `name`.
        public func number(_ name: String) throws -> Double {
            guard let value = values[name] else { throw ReplenishmentError(field: name, "missing") }
            guard let n = value.number else { throw ReplenishmentError(field: name, "must be a number, got \(value)") }
            return n
        }

        /// The number called `name`, or `fallback` when absent.
        public func number(_ name: String, default fallback: Double) throws -> Double {
            values[name] == nil ? fallback : try number(name)
        }

        /// Whether the case gives `name`.
        public func has(_ name: String) -> Bool { values[name] != nil }

        /// The numbers called `name`: an array, or one number repeated `count` times.
        public func numbers(_ name: String, count: Int? = nil) throws -> [Double] {
            guard let value = values[name] else { throw ReplenishmentError(field: name, "missing") }
            switch value {
            case .number(let n): return Array(repeating: n, count: count ?? 1)
            case .array(let items):
                return try items.enumerated().map { i, item in
                    guard let n = item.number else { throw ReplenishmentError(field: "\(name)[\(i)]", "must be a number, got \(item)") }
                    return n
                }
            default: throw ReplenishmentError(field: name, "must be a number or an array of numbers, got \(value)")
            }
        }

        /// The object called `name`.
        public func object(_ name: String) throws -> [String: JSONValue] {
            guard case .object(let o)? = values[name] else { throw ReplenishmentError(field: name, "missing or not an object") }
            return o
        }

        /// The string called `name`, if present.
        public func string(_ name: String) -> String? {
            if case .string(let s)? = values[name] { return s }
            return nil
        }
    }

    typealias Handler = @Sendable (Parameters) throws -> [String: JSONValue]

    /// The functions Sluice implements, by their name in the case file.
    static let handlers: [String: Handler] = {
        var all: [String: Handler] = [:]
        for table in [lotSizingHandlers, stochasticHandlers] { all.merge(table) { first, _ in first } }
        return all
    }()
}
