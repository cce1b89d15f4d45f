import Foundation
import SluiceAnomaly
import SluiceGates
import SluiceService
import SluiceStore

extension ReplayCommand {
    /// `sluice replay --dry-run`: a rehearsal of a candidate model on recorded telemetry.
    func rehearse() async throws {
        try await reportingErrors {
            let catalog = try catalogOptions.load()
            guard let definition = catalog.gates[gate!] else {
                throw CLIError("no gate \(gate!) in \(catalogOptions.gates); the gates are \(catalog.gates.keys.sorted().joined(separator: ", "))")
            }
            guard !Catalog.replenishmentKinds.contains(definition.modelKind), let cell = catalog.cells[definition.cell] else {
                throw CLIError("gate \(definition.id) runs no anomaly model to rehearse")
            }
            let version = modelVersion ?? definition.modelVersion
            var models: [String: AnomalyModel] = [:]
            for asset in cell.assets {
                let path = Catalog.modelPath(models: catalogOptions.models, model: asset.model, kind: definition.modelKind, version: version)
                guard FileManager.default.fileExists(atPath: path) else {
                    throw CLIError("no candidate model \(path) for asset \(asset.id): retrain it with `sluice retrain` first")
                }
                models[asset.id] = try AnomalyModel.load(from: path)
            }
            let live: (any Store)? = storeOptions.exists ? try storeOptions.open() : nil
            let samples: [SampleRecord]
            if let file {
                samples = try Self.read(file, asset: asset).map {
                    SampleRecord(asset: $0.asset, time: Date(timeIntervalSince1970: $0.time), values: $0.values, batch: 0)
                }
            } else {
                guard let live else { throw CLIError("no store at \(storeOptions.shown) and no FILE: name the telemetry to rehearse on") }
                guard let span = try live.read({ try $0.samples.timeSpan() }) else { throw CLIError("the store holds no telemetry yet") }
                let end = span.upperBound.addingTimeInterval(0.001)
                samples = try live.read {
                    try $0.samples.samples(assets: cell.assets.map(\.id), from: end.addingTimeInterval(-days * 86_400), to: end)
                }
            }
            var startStage = stage ?? 0
            if stage == nil, let live, let record = try live.read({ try $0.gates.get(id: definition.id) }),
                let machine = try? SluiceJSON.decoder.decode(GateStateMachine.self, from: Data(record.state.utf8))
            {
                startStage = machine.stage
            }
            guard (0..<definition.stages.count).contains(startStage) else {
                throw CLIError("--stage must be from 0 to \(definition.stages.count - 1) for gate \(definition.id)")
            }
            let rehearsal = try Rehearsal(catalog: catalog, gate: definition, models: models, stage: startStage)
            var lastProgress = Date()
            let report = try rehearsal.run(samples, live: live) { done in
                if Date().timeIntervalSince(lastProgress) > 5 {
                    lastProgress = Date()
                    print("rehearsed \(done)/\(samples.count) samples")
                }
            }
            print(
                "rehearsal of gate \(report.gate) with model v\(version) at stage \(report.stage): \(report.samples) samples, "
                    + "\(ISOTime.format(report.from)) to \(ISOTime.format(report.to)); nothing was queued or dispatched")
            print("                 actions  recommendations  shadow  decided  false positives")
            for (name, tally) in [("candidate v\(version)", report.candidate), ("live" + (tally(report.live)), report.live)] {
                print(
                    name.padding(toLength: 17, withPad: " ", startingAt: 0)
                        + String(
                            format: "%7d  %15d  %6d  %7d  %15d", tally.actions, tally.recommendations, tally.shadow, tally.decided,
                            tally.falsePositives))
            }
            if report.transitions.isEmpty {
                print("no gate transitions")
            } else {
                for transition in report.transitions { print("  \(ISOTime.format(transition.time)) \(transition.event): \(transition.reason)") }
            }
            if let live {
                try Rehearsal.record(report, in: live, by: ProcessInfo.processInfo.environment["USER"] ?? "sluice replay", at: Date())
                print("kept in \(storeOptions.shown) for the gate report")
            } else {
                print("no store at \(storeOptions.shown): the rehearsal is not kept and nothing live is compared")
            }
        }
    }

    private func tally(_ live: RehearsalReport.Tally) -> String {
        live.modelVersion.map { " v\($0)" } ?? ""
    }
}
