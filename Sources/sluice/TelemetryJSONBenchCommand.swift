import ArgumentParser
import Foundation
import SluiceService
import SluiceSimulation
import SluiceTelemetry

/// `sluice bench json`: the telemetry body parser that ingest uses against Codable, on the same bodies.
struct TelemetryJSONBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "json",
        abstract: "Measure the telemetry body parser ingest uses against Codable (JSONDecoder) on the same bodies.",
        discussion: """
            Builds --batches request bodies of --batch samples each (five sensors, as `sluice bench ingest` sends them), then \
            decodes all of them --rounds times with each decoder and keeps each decoder's best round: samples decoded per \
            second, and the ratio. The parser reads a body item by item (a bad sample is refused with its reason, the rest \
            kept); the Codable decoder reads the same shape into plain structs and fails the whole body on one bad item, so \
            it does less. Sluice keeps the parser only while it is at least twice as fast.
            """)

    @Option(help: "Request bodies.") var batches = 200
    @Option(help: "Samples per body.") var batch = 1_000
    @Option(help: "Times each decoder reads every body; its best round counts.") var rounds = 3
    @Flag(help: "Print the summary as JSON.") var json = false

    func validate() throws {
        guard batches >= 1, batch >= 1, rounds >= 1 else { throw ValidationError("--batches, --batch and --rounds must be at least 1") }
    }

    /// The body's shape for JSONDecoder.
    struct CodableBody: Decodable {
        struct Sample: Decodable {
            let asset: String
            let time: String
            let values: [String: Double]
        }
        struct Movement: Decodable {
            let item: String
            let kind: String
            let quantity: Double
            let time: String
        }
        let samples: [Sample]
        let movements: [Movement]?
    }

    struct Summary: Encodable {
        var machine: String
        var date: String
        var bodies: Int
        var samplesPerBody: Int
        var bodyBytes: Int
        var parserSamplesPerSecond: Double
        var codableSamplesPerSecond: Double
        var ratio: Double
    }

    func run() async throws {
        try await reportingErrors {
            let normal = CellSimulator(configuration: .init(seed: 42, samples: 600, normalSamples: 600)).telemetry(for: "press-01")
            let start = Date().addingTimeInterval(-3_600)
            let bodies: [Data] = (0..<batches).map { b in
                let samples = (0..<batch).map { i -> TelemetryBatch.Outgoing in
                    let row = (b * batch + i) % normal.count
                    let values = Dictionary(uniqueKeysWithValues: normal.sensors.enumerated().map { ($1, normal.values[row, $0]) })
                    return .init(
                        asset: String(format: "asset-%04d", i % 2_000), time: start.addingTimeInterval(Double(b * batch + i) * 0.001), values: values)
                }
                return Data(TelemetryBatch.json(samples: samples).utf8)
            }
            let total = batches * batch
            let clock = ContinuousClock()
            func best(_ decode: (Data) throws -> Int) throws -> Double {
                var fastest = Duration.seconds(1_000_000)
                for _ in 0..<rounds {
                    let began = clock.now
                    var decoded = 0
                    for body in bodies { decoded += try decode(body) }
                    guard decoded == total else { throw CLIError("a decoder read \(decoded) samples of \(total)") }
                    fastest = min(fastest, clock.now - began)
                }
                return Double(total) / max(fastest.inSeconds, 1e-9)
            }
            let parser = try best { try TelemetryBatch.decode($0).samples.count }
            let decoder = JSONDecoder()
            let codable = try best { try decoder.decode(CodableBody.self, from: $0).samples.count }
            let summary = Summary(
                machine: IngestBenchCommand.machine(), date: ISO8601DateFormatter().string(from: Date()), bodies: batches, samplesPerBody: batch,
                bodyBytes: bodies.map(\.count).reduce(0, +) / batches, parserSamplesPerSecond: parser, codableSamplesPerSecond: codable,
                ratio: parser / codable)
            if json {
                try printJSON(summary)
            } else {
                print(
                    """
                    \(batches) bodies of \(batch) samples (\(summary.bodyBytes) bytes each), best of \(rounds) rounds:
                    parser:  \(Int(parser.rounded())) samples/s
                    Codable: \(Int(codable.rounded())) samples/s
                    the parser is \(String(format: "%.2f", summary.ratio))× Codable (kept only while ≥ 2×)
                    machine: \(summary.machine)
                    """)
            }
        }
    }
}
