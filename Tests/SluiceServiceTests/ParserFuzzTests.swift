import Foundation
import SluiceGates
import SluiceService
import SluiceTelemetry
import Testing

/// Hostile input for the three parsers that read what people and machines send: telemetry JSON (every
/// ingest request), telemetry CSV (replay, training) and gate YAML (the definitions the server loads).
///
/// Each test mutates real inputs with a seeded generator, thousands of times, and asserts the parser's
/// contract: it returns, or throws its own error type with a message; it never traps, hangs or throws
/// something else. A crash fails the whole run; rerun with the seed printed at the start to reproduce it.
/// `SLUICE_FUZZ_ITERATIONS` (a multiplier, 1 by default) and `SLUICE_FUZZ_SEED` run longer or other searches.
@Suite struct ParserFuzzTests {
    static let multiplier = Int(ProcessInfo.processInfo.environment["SLUICE_FUZZ_ITERATIONS"] ?? "") ?? 1
    static let seed = UInt64(ProcessInfo.processInfo.environment["SLUICE_FUZZ_SEED"] ?? "") ?? 0x51_1CE

    /// What a parser made of one input.
    enum Outcome {
        case accepted
        case refused
        case broken(String)
    }

    /// Runs `check` on `count` mutants of the seeds and reports the first broken contract with how to
    /// reproduce it; the mutants must reach both sides, accepted and refused, or they prove nothing.
    private func fuzz(_ name: String, seeds: [String], tokens: [String], count: Int, _ check: (Data) throws -> Outcome) throws {
        // Each parser gets its own stream, derived from its name and the seed.
        var mutator = Mutator(seed: name.utf8.reduce(Self.seed) { $0 &* 31 &+ UInt64($1) })
        let total = count * Self.multiplier
        let corpus = seeds.map { Array($0.utf8) }
        let dictionary = tokens.map { Array($0.utf8) }
        var accepted = 0
        for iteration in 0..<total {
            let input = Data(mutator.mutate(corpus[iteration % corpus.count], dictionary: dictionary))
            switch try check(input) {
            case .accepted: accepted += 1
            case .refused: break
            case .broken(let problem):
                let shown = String(decoding: input.prefix(400), as: UTF8.self).debugDescription
                Issue.record("\(name) input \(iteration) (SLUICE_FUZZ_SEED=\(Self.seed)): \(problem)\n\(shown)")
                return
            }
        }
        print("fuzzed \(name): \(total) inputs, \(accepted) accepted, \(total - accepted) refused (SLUICE_FUZZ_SEED=\(Self.seed))")
        #expect(accepted > total / 100 && accepted < total - total / 100, "the mutants reach both the accepting and the refusing paths")
    }

    // MARK: Telemetry JSON

    static let batch = """
        {"samples": [
          {"asset": "press-01", "time": "2026-11-22T08:00:00Z", "values": {"temperature": 64.9, "pressure": 5.51}},
          {"asset": "pump-02", "time": "2026-11-22T08:00:01.250+01:00", "values": {"flow": 29.5, "current": -1e-3}}
        ],
        "movements": [{"item": "bearing-6204", "kind": "consumption", "quantity": 2, "time": "2026-11-22T08:00:00Z"}]}
        """

    static let jsonTokens = [
        "{", "}", "[", "]", "\"", ",", ":", "\\", "\\u0000", "\\ud800", "\\uDFFF", "\\\"", "null", "true", "false", "-0", "1e309", "-1e309",
        "4.9e-324", "99999999999999999999999999", "NaN", "Infinity", "0x10", "\"samples\"", "\"movements\"", "\"values\"", "\"time\"", "\"asset\"",
        "\"quantity\"", "\"kind\"", "\"item\"", "\"2026-02-30T00:00:00Z\"", "\"1795304000\"", "\"9999-12-31T23:59:59Z\"", "\u{00}", "\u{FF}", "é",
        "\u{FEFF}", String(repeating: "[", count: 40), String(repeating: "{\"a\":", count: 40), " ", "\n", "\t",
    ]

    @Test func telemetryJSONNeverCrashesAndRefusesWithItsOwnError() throws {
        try fuzz("telemetry JSON", seeds: [Self.batch, "{}", "{\"samples\":[]}"], tokens: Self.jsonTokens, count: 20_000) { input in
            do {
                let batch = try TelemetryBatch.decode(input)
                // JSON has no NaN, and a NaN would slip past every range check: a number is never read as one.
                // (1e309 reads as infinity, which validation refuses: IngestTests.)
                for sample in batch.samples {
                    for case .number(let value) in (sample.values ?? [:]).values where value.isNaN {
                        return .broken("read NaN as a number")
                    }
                }
                return .accepted
            } catch {
                // The parser's typed throw makes every refusal a TelemetryJSONError.
                return .refused
            }
        }
    }

    /// Structure-aware: well-formed JSON of any shape, with the batch's keys, so the item-by-item paths
    /// (a sample missing its time, values of the wrong type, …) are reached, not only the syntax errors.
    @Test func telemetryJSONOfAnyShapeIsReadOrRefusedItemByItem() throws {
        var generator = Mutator(seed: Self.seed &+ 1)
        let total = 5_000 * Self.multiplier
        var accepted = 0
        for iteration in 0..<total {
            let text = "{\"samples\": \(generator.jsonItems()), \"movements\": \(generator.jsonItems())}"
            do {
                let batch = try TelemetryBatch.decode(Data(text.utf8))
                let notANumber = batch.samples.contains {
                    ($0.values ?? [:]).values.contains { if case .number(let x) = $0 { x.isNaN } else { false } }
                }
                #expect(!notANumber, "input \(iteration) read NaN as a number: \(text.prefix(300))")
                accepted += 1
            } catch {
                // Refused as a whole: the parser's typed throw makes that a TelemetryJSONError.
            }
        }
        print("fuzzed telemetry JSON shapes: \(total) inputs, \(accepted) accepted (SLUICE_FUZZ_SEED=\(Self.seed))")
        #expect(accepted > total / 2, "well-formed objects are read, item by item")
    }

    // MARK: Telemetry CSV

    static let csv = """
        time,asset,temperature,pressure,vibration,anomaly,fault_kind
        2026-01-01 00:00:00,press-01,64.9429,5.5144,2.0749,0,
        2026-01-01 00:00:01,press-01,64.7657,5.4688,2.2560,1,bearing
        "2026-01-01 00:00:02","press-01","64.9431",5.3756,2.1591,0,"a, ""quoted"" kind"
        """

    static let csvTokens = [
        ",", ";", "\t", "\"", "\"\"", "\n", "\r\n", "\r", "NaN", "nan", "inf", "-inf", "1e400", "-", "+", ".", "e", " ", "", "time", "asset",
        "anomaly",
        "2026-13-45 25:61:61", "1767225600", "0x1p3", "\u{00}", "\u{FEFF}", "é", "press-01", "9999999999999999999999",
    ]

    @Test func telemetryCSVNeverCrashesAndRefusesWithFileLineAndColumn() throws {
        try fuzz("telemetry CSV", seeds: [Self.csv, "time,x\n"], tokens: Self.csvTokens, count: 10_000) { input in
            let text = String(decoding: input, as: UTF8.self)
            do {
                let frame = try TelemetryCSV.parse(text, source: "fuzz.csv")
                guard frame.values.rows == frame.count, frame.lines.count == frame.count else { return .broken("a frame whose parts disagree") }
                return .accepted
            } catch let error as TelemetryError {
                return error.description.contains("fuzz.csv") ? .refused : .broken("an error that does not name the file: \(error)")
            } catch {
                return .broken("threw \(type(of: error)), not a TelemetryError: \(error)")
            }
        }
    }

    // MARK: Gate YAML

    static let gate = """
        gate: press-maintenance
        cell: simulated-cell
        action: maintenance-order
        model:
          kind: pca-t2q
          version: 1
        flag: on
        stages:
          - name: shadow
            percent: 0
            minimum_dwell: 24h
          - percent: 5
            minimum_sample: 30
            minimum_dwell: 48h
          - percent: 100
            minimum_sample: 30
            minimum_dwell: 72h
        false_positive:
          pass_at_most: 0.05
          fall_back_at_least: 0.10
          alpha: 0.05
          beta: 0.10
          maximum_sample: 500
        sponsor_sign_off: on
        debounce: 3
        silent_period: 30m
        minimum_coverage: 0.7
        action_expiry: 8h
        """

    static let yamlTokens = [
        ":", ": ", "- ", "\n", "\n  ", "\n    - ", "  ", "\t", "#", "&a ", "*a", "<<: *a", "!!binary ", "!!int ", "!!float ", "{", "}", "[", "]", ",",
        "'", "\"", "|", ">", "%YAML 1.2\n", "---\n", "...\n", "~", "null", "101", "-5", "1e999", ".nan", ".inf", "0x1F", "0o17", "24x", "0h", "-1h",
        "1000000000000d", "percent: ", "minimum_dwell: ", "stages:", "pass_at_most: ", "version: ", "yes", "off", "\u{00}", "\u{FEFF}", "é",
    ]

    @Test func gateYAMLNeverCrashesAndRefusesAtAFileAndLine() throws {
        try fuzz("gate YAML", seeds: [Self.gate], tokens: Self.yamlTokens, count: 3_000) { input in
            let text = String(decoding: input, as: UTF8.self)
            do {
                let gate = try GateDefinition.parse(text, file: "Gates/fuzz.yaml")
                guard !gate.stages.isEmpty else { return .broken("accepted a gate without stages") }
                return .accepted
            } catch let error as ConfigurationFileError {
                return error.file == "Gates/fuzz.yaml" && !error.message.isEmpty
                    ? .refused : .broken("an error without its file or message: \(error)")
            } catch {
                return .broken("threw \(type(of: error)), not a ConfigurationFileError: \(error)")
            }
        }
    }
}

/// A seeded source of mutations (SplitMix64): the same seed gives the same inputs on every machine.
struct Mutator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One to four edits of `input`: bit flips, random or dictionary bytes, deletions, duplications, truncation.
    mutating func mutate(_ input: [UInt8], dictionary: [[UInt8]]) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...4, using: &self) {
            let at = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &self)
            switch Int.random(in: 0..<8, using: &self) {
            case 0 where !bytes.isEmpty: bytes[at] ^= 1 << UInt8.random(in: 0..<8, using: &self)
            case 1 where !bytes.isEmpty: bytes[at] = UInt8.random(in: 0...255, using: &self)
            case 2, 3: bytes.insert(contentsOf: dictionary.randomElement(using: &self) ?? [], at: at)
            case 4 where !bytes.isEmpty:
                let tokens = dictionary.randomElement(using: &self) ?? []
                bytes.replaceSubrange(at..<min(bytes.count, at + tokens.count), with: tokens)
            case 5 where !bytes.isEmpty: bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...16, using: &self)))
            case 6 where !bytes.isEmpty:
                let piece = Array(bytes[at..<min(bytes.count, at + Int.random(in: 1...64, using: &self))])
                bytes.insert(contentsOf: piece, at: Int.random(in: 0...bytes.count, using: &self))
            case 7: bytes = Array(bytes.prefix(at))
            default: bytes.append(UInt8.random(in: 0...255, using: &self))
            }
        }
        return bytes
    }

    /// A JSON array of up to five items, most of them objects: the lists a batch holds.
    mutating func jsonItems() -> String {
        "["
            + (0..<Int.random(in: 0...5, using: &self)).map { _ in Bool.random(using: &self) ? jsonObject(depth: 1) : jsonValue(depth: 1) }
            .joined(separator: ", ") + "]"
    }

    /// A JSON object of up to four members.
    mutating func jsonObject(depth: Int) -> String {
        let keys = ["asset", "time", "values", "item", "kind", "quantity", "samples", "temperature", "x", ""]
        let members = (0..<Int.random(in: 0...4, using: &self)).map { _ in
            "\"\(keys.randomElement(using: &self)!)\": \(jsonValue(depth: depth + 1))"
        }
        return "{" + members.joined(separator: ", ") + "}"
    }

    /// A well-formed JSON value of random shape, biased towards what a batch holds.
    mutating func jsonValue(depth: Int) -> String {
        let leaves = [
            "null", "true", "1", "-0.5", "1e308", "\"press-01\"", "\"2026-11-22T08:00:00Z\"", "\"consumption\"", "\"receipt\"", "\"\"", "\"\\u00e9\"",
            "12345678901234567890", "\"2026-11-22T08:00:00\"",
        ]
        guard depth < 5 else { return leaves.randomElement(using: &self)! }
        switch Int.random(in: 0..<3, using: &self) {
        case 0: return jsonObject(depth: depth)
        case 1: return "[" + (0..<Int.random(in: 0...4, using: &self)).map { _ in jsonValue(depth: depth + 1) }.joined(separator: ", ") + "]"
        default: return leaves.randomElement(using: &self)!
        }
    }
}
