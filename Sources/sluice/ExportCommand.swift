import ArgumentParser
import Foundation
import SluiceService

struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export what the data team retrains from.", subcommands: [Labels.self])

    struct Labels: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every decided action and judged recommendation, with the features and scores that raised it, as CSV.",
            discussion: """
                One row per decision (approved, rejected, useful, not-useful; expiry is not a decision), joined with its action and
                evidence: the model and its version, the gate's stage, the score, T² and Q, the drivers, the twin's values and each
                sensor's contribution, the decision, its reason code and text, the proposed and approved quantity, who decided and
                when. `label` is `normal` for anomalies operators called false alarms and `anomaly` for the rest. The columns are
                documented in notebooks-data/README.md; `sluice retrain --labels` reads the file. The same export is GET /v1/labels.
                """)

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Decisions from this time (YYYY-MM-DD or RFC 3339, UTC; default 30 days ago).") var since: String?
        @Option(help: "Decisions before this time (default now).") var until: String?
        @Option(help: "Only this cell (repeatable; default every cell).") var cell: [String] = []
        @Option(help: "The CSV file to write (replaced atomically).") var out = "notebooks-data/labels.csv"

        func run() async throws {
            try await reportingErrors {
                let now = Date()
                let from = try since.map { try parseDay($0, option: "--since") } ?? now.addingTimeInterval(-30 * 86_400)
                let to = try until.map { try parseDay($0, option: "--until") } ?? now
                guard from < to else { throw CLIError("--since must be before --until") }
                let rows = try LabelExport.rows(in: try storeOptions.open(), from: from, to: to, cells: cell.isEmpty ? nil : cell)
                let url = URL(fileURLWithPath: out)
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                try Data(LabelExport.csv(rows).utf8).write(to: url, options: .atomic)
                let counts = Dictionary(grouping: rows, by: \.decision.decision.rawValue).mapValues(\.count).sorted { $0.key < $1.key }
                print(
                    "wrote \(rows.count) labelled decisions to \(out)"
                        + (counts.isEmpty ? "" : " (" + counts.map { "\($0.value) \($0.key)" }.joined(separator: ", ") + ")"))
                if rows.isEmpty { print("no decisions between \(ISOTime.format(from)) and \(ISOTime.format(to)): widen --since") }
            }
        }
    }
}

/// A time given as a day (`2026-11-01`, midnight UTC) or in full RFC 3339.
func parseDay(_ text: String, option: String) throws -> Date {
    if let date = ISOTime.parse(text) { return date }
    if text.count == 10, let date = ISOTime.parse(text + "T00:00:00Z") { return date }
    throw ValidationError("\(option) must be a day (2026-11-01) or an RFC 3339 time (2026-11-01T06:00:00Z); got '\(text)'")
}
