import ArgumentParser
import Foundation
import SluiceService
import SluiceTelemetry

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay recorded telemetry into a running server, or rehearse a candidate model on it (--dry-run).",
        discussion: """
            Without --dry-run:
            FILE is telemetry CSV as `sluice simulate` writes it: a time column, an asset column (or --asset for a
            one-asset file) and one column per sensor; label columns are ignored. Samples are sent in time order,
            in batches of at most --batch samples, with an edge token, re-stamped so the server takes them as live:
            at --speed X the first one is now and the gaps between them are divided by X; at --speed 0 they go as
            fast as the server takes them, with their original gaps, ending now (so a recording longer than the
            server's maximum sample age, a day, loses its oldest part). Refused samples are counted and the first
            reasons shown; nothing already sent is lost when a later batch fails.

            With --dry-run (a rehearsal before a promotion): the telemetry (FILE, or the last --days of the store) runs through
            --gate with the candidate models (--model-version, loaded from --models as the gate would load them) at the gate's
            current stage (or --stage), in a store of its own in memory: nothing is queued or dispatched and no server is
            needed. Where the live model raised an action for the same asset within 10 minutes of a candidate detection, the
            operators' decision on it is replayed onto the candidate's, so the gate's judge moves as it would have. Prints
            the actions, recommendations and gate transitions the candidate would have produced beside what the live model
            did, and keeps the rehearsal in the store for the sponsor's report.
            """)

    @Argument(help: "The telemetry CSV (for --dry-run, optional: the store's telemetry otherwise).") var file: String?
    @Option(name: .customLong("url"), help: "The server (env SLUICE_URL; default http://127.0.0.1:8080).") var urlOption: String?
    @Option(name: .customLong("token"), help: "An edge or admin token (env SLUICE_TOKEN).") var tokenOption: String?

    /// The server: --url, else SLUICE_URL, else the local default.
    var url: String { Setting.text(urlOption, "SLUICE_URL", default: "http://127.0.0.1:8080") }
    /// The token: --token, else SLUICE_TOKEN, else none.
    var token: String { Setting.text(tokenOption, "SLUICE_TOKEN", default: "") }
    @Option(help: "Times real time (0: as fast as possible).") var speed = 1.0
    @Option(help: "Samples per request, at most.") var batch = 500
    @Option(help: "The asset, for a file without an asset column.") var asset: String?
    @Flag(help: "Rehearse a candidate model on the telemetry instead of sending it; nothing is queued or dispatched.") var dryRun = false
    @Option(help: "--dry-run: the gate to rehearse.") var gate: String?
    @Option(help: "--dry-run: the candidate model version (default: the gate's own).") var modelVersion: Int?
    @Option(help: "--dry-run: days of the store's telemetry to replay, up to its latest sample (without FILE).") var days = 3.0
    @Option(help: "--dry-run: the stage to run the gate at, 0 being the first (default: the gate's current stage).") var stage: Int?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var catalogOptions: CatalogOptions

    func validate() throws {
        if dryRun {
            guard gate != nil else { throw ValidationError("--dry-run needs --gate: the gate to rehearse") }
            guard days > 0, days <= 365 else { throw ValidationError("--days must be above 0 and at most 365") }
            return
        }
        guard file != nil else { throw ValidationError("name the telemetry CSV to replay") }
        guard speed >= 0, speed.isFinite else { throw ValidationError("--speed must be 0 (as fast as possible) or more") }
        guard (1...50_000).contains(batch) else { throw ValidationError("--batch must be between 1 and 50000") }
        guard !token.isEmpty else {
            throw ValidationError("--token (or SLUICE_TOKEN) is needed: an edge token from `sluice tokens create --role edge`")
        }
    }

    func run() async throws {
        if dryRun { return try await rehearse() }
        try await reportingErrors {
            let file = file!
            let samples = try Self.read(file, asset: asset)
            guard !samples.isEmpty else { throw CLIError("\(file) holds no samples") }
            let client = APIClient(base: url, token: token)
            let start = speed == 0 ? Date().addingTimeInterval(-(samples.last?.offset ?? 0)) : Date()
            let clock = ContinuousClock()
            let began = clock.now
            var sent = 0
            var accepted = 0
            var rejected = 0
            var raised = 0
            var reasons: [String] = []
            var lastProgress = began
            var index = 0
            while index < samples.count {
                // A batch holds the samples due within the next second of replay time (or --batch of them).
                let windowEnd = speed == 0 ? Double.infinity : samples[index].offset + speed
                var end = index
                while end < samples.count, end - index < batch, samples[end].offset < windowEnd { end += 1 }
                if speed > 0 {
                    let due = began + .milliseconds(Int64(samples[index].offset / speed * 1_000))
                    if due > clock.now { try await clock.sleep(until: due) }
                }
                let outgoing = samples[index..<end].map {
                    TelemetryBatch.Outgoing(
                        asset: $0.asset, time: start.addingTimeInterval(speed == 0 ? $0.offset : $0.offset / speed), values: $0.values)
                }
                let report = try await client.ingest(TelemetryBatch.json(samples: Array(outgoing)))
                sent += outgoing.count
                accepted += report.acceptedSamples
                rejected += report.rejected.count
                raised += report.raised.count
                for rejection in report.rejected.prefix(3 - min(3, reasons.count)) {
                    reasons.append("\(rejection.subject ?? "?"): \(rejection.reason)")
                }
                index = end
                if clock.now - lastProgress > .seconds(5) {
                    lastProgress = clock.now
                    print("replayed \(sent)/\(samples.count) samples: \(accepted) accepted, \(rejected) refused, \(raised) detections")
                }
            }
            print("replayed \(sent) samples from \(file): \(accepted) accepted, \(rejected) refused, \(raised) detections raised")
            for reason in reasons { print("  refused: \(reason)") }
        }
    }

    struct Row {
        let time: Double
        let offset: Double
        let asset: String
        let values: [String: Double]
    }

    /// The file's samples in time order, with their offsets from the first.
    static func read(_ path: String, asset: String?) throws -> [Row] {
        let assets: [String]
        if let asset {
            assets = [asset]
        } else {
            assets = try assetNames(path)
        }
        var rows: [(time: Double, asset: String, values: [String: Double])] = []
        for name in assets {
            var options = TelemetryCSV.Options(readsLabels: false)
            if asset == nil { options.filter = ("asset", name) }
            let frame = try TelemetryCSV.read(path: path, options: options)
            guard let times = frame.times else { throw CLIError("\(path) has no time column (time, datetime or timestamp)") }
            for t in 0..<frame.count {
                var values: [String: Double] = [:]
                for (j, sensor) in frame.sensors.enumerated() where frame.values[t, j].isFinite { values[sensor] = frame.values[t, j] }
                rows.append((times[t], name, values))
            }
        }
        rows.sort { $0.time < $1.time }
        guard let t0 = rows.first?.time else { return [] }
        return rows.map { Row(time: $0.time, offset: $0.time - t0, asset: $0.asset, values: $0.values) }
    }

    /// The distinct values of the file's asset column, in order of appearance.
    static func assetNames(_ path: String) throws -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CLIError("cannot read \(path)") }
        var lines = text.split(whereSeparator: \.isNewline).makeIterator()
        guard let header = lines.next() else { throw CLIError("\(path) is empty") }
        let separator: Character = header.contains(";") ? ";" : (header.contains("\t") ? "\t" : ",")
        guard let column = header.split(separator: separator).firstIndex(where: { $0.lowercased() == "asset" }) else {
            throw CLIError("\(path) has no asset column: name the asset with --asset")
        }
        var seen: [String] = []
        var set = Set<String>()
        while let line = lines.next() {
            let fields = line.split(separator: separator, omittingEmptySubsequences: false)
            guard column < fields.count else { continue }
            let name = String(fields[column])
            if set.insert(name).inserted { seen.append(name) }
        }
        return seen
    }
}
