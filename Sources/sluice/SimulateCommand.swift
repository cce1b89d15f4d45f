import ArgumentParser
import Foundation
import SluiceSimulation

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write the telemetry of a simulated production cell, with labelled faults, as CSV.",
        discussion: """
            Each asset carries temperature, pressure, vibration, current and flow, moving together through a
            shared load. The first --normal samples of every asset are fault-free (train on them); after that
            a fault (drift, step, spike, stuck sensor, noise burst) starts every --spacing samples. Columns:
            time, asset, the sensors, anomaly (1 inside a fault) and fault_kind. The same seed gives the same file.
            """)

    @Option(help: "Seed of every random draw.") var seed: UInt64 = 42
    @Option(help: "Samples per asset (one per second).") var samples = 7_200
    @Option(help: "Leading fault-free samples per asset.") var normal = 3_600
    @Option(help: "Samples between fault starts.") var spacing = 600
    @Option(help: "Samples each fault lasts.") var duration = 180
    @Option(help: "Comma-separated asset ids.") var assets = "press-01,pump-02,oven-03"
    @Option(help: "Output CSV file ('-' for standard output).") var out = "-"

    func validate() throws {
        guard samples > 0, normal >= 0, normal <= samples else { throw ValidationError("--normal must be between 0 and --samples") }
        guard spacing > 0, duration > 0, duration <= spacing else { throw ValidationError("--duration must be positive and at most --spacing") }
        guard !assets.split(separator: ",").isEmpty else { throw ValidationError("--assets needs at least one asset id") }
    }

    func run() async throws {
        try await reportingErrors {
            let simulator = CellSimulator(
                configuration: .init(
                    seed: seed, assets: assets.split(separator: ",").map(String.init), samples: samples, normalSamples: normal,
                    faultSpacing: spacing, faultDuration: duration))
            let text = simulator.csv()
            if out == "-" {
                print(text, terminator: "")
            } else {
                try text.write(toFile: out, atomically: true, encoding: .utf8)
                let faults = simulator.schedule
                printError("wrote \(out): \(simulator.configuration.assets.count) assets × \(samples) samples, \(faults.count) faults injected")
            }
        }
    }
}
