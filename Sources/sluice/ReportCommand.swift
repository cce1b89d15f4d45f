import ArgumentParser
import Foundation
import SluiceService
import SluiceWeb

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the sponsor's gate report: one self-contained HTML file, printable to PDF.",
        discussion: """
            For each gate: its stage and status with a timeline; decisions per stage; the false-positive rate with its Wilson
            interval and the sequential test's trace; detection time (first anomalous sample → action queued) and response
            time (queued → decided) at the median and 95th percentile against the SLOs; the latest rehearsal of a candidate
            model beside the live figures. Then alarm load per cell and per operator against ISA-18.2; replenishment fill rate,
            stock and administrative lead time against the manual baseline; the return (interventions avoided, hours saved,
            downtime avoided, at the rates of the cell file's `report:` section); and the audit log's checkpoint, verified.
            The running service serves the same page at /ui/report, where sponsors sign off promotions, and at GET /v1/report.
            """)

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var catalog: CatalogOptions
    @Option(help: "Days covered, up to now.") var days = 30.0
    @Option(help: "The HTML file to write.") var out = "report.html"
    @Option(help: "Also write the report's figures as JSON here.") var json: String?

    func validate() throws {
        guard days > 0, days <= 3_650 else { throw ValidationError("--days must be above 0 and at most 3650") }
    }

    func run() async throws {
        try await reportingErrors {
            let now = Date()
            let catalog = try catalog.load()
            let report = try SponsorReport.build(
                store: try storeOptions.open(), catalog: catalog, from: now.addingTimeInterval(-days * 86_400), to: now, now: now,
                cells: catalog.cells.keys.sorted())
            try Data(ReportPage.render(report).utf8).write(to: URL(fileURLWithPath: out), options: .atomic)
            if let json { try SluiceJSON.encoder.encode(report).write(to: URL(fileURLWithPath: json), options: .atomic) }
            print("wrote the gate report to \(out): \(report.gates.count) gates over \(Int(days)) days")
            for gate in report.gates {
                let judge = gate.view.judge
                print(
                    "  \(gate.view.id): \(gate.view.stageName), \(gate.view.status); false positives \(judge.falsePositives)/\(judge.decisions)"
                        + (gate.awaitsSignOff ? "; awaits a sponsor's sign-off" : ""))
            }
            print("  audit log: \(report.audit.size) records, \(report.audit.verified ? "verified" : "BROKEN")")
        }
    }
}
