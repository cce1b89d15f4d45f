import ArgumentParser

/// The `sluice` command: the decision layer between a production cell's twin and its ERP/MES.
@main
struct Sluice: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Sluice: models that score a production cell's telemetry and propose orders, gated before they act.",
        discussion: """
            Typical session on the simulated cell:
              sluice simulate --out notebooks-data/simulated-cell.csv
              sluice train --data notebooks-data/simulated-cell.csv --asset press-01 --rows 1200 --out Models/press-01.json
              sluice score --model Models/press-01.json --data notebooks-data/simulated-cell.csv --asset press-01
            or the decision service on the simulated cell, with live telemetry and a token per role: sluice demo
            """,
        subcommands: [
            DemoCommand.self, ServeCommand.self, ReplayCommand.self, TokensCommand.self, ActionsCommand.self, AuditCommand.self, MigrateCommand.self,
            EvaluateCommand.self, SimulateCommand.self, TrainCommand.self, ScoreCommand.self, ProposeCommand.self, GatesCommand.self,
            ExportCommand.self, RetrainCommand.self, ReportCommand.self, BenchCommand.self, ERPSinkCommand.self, OPCUACommand.self,
        ]
    )
}
