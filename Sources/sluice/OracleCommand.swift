import ArgumentParser
import Foundation
import SluiceBenchmarks

struct OracleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oracle",
        abstract: "Check Sluice's inventory policies against a case file of textbook results.",
        discussion: """
            FILE is a case file in the format of replenishment-oracle.json: {"cases": [{"id", "stockpyl_function",
            "parameters", "expected", "tolerance": {"abs_tol"}}]}. Every case is computed and compared with its expected
            values within abs_tol (exactly when there is none). Prints one line per case with the expected and
            computed values; --json prints JSON lines {"id", "ok", "expected", "got"}. Exits non-zero when any case is
            off or unsupported.
            """)

    @Argument(help: "The case file.") var file: String
    @Flag(help: "Print JSON lines instead of text.") var json = false

    func run() async throws {
        try await reportingErrors {
            let cases = try ReplenishmentOracle.load(path: file)
            var failed = 0
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for c in cases {
                let outcome = ReplenishmentOracle.run(c)
                if !outcome.ok { failed += 1 }
                if json {
                    print(String(decoding: try encoder.encode(outcome), as: UTF8.self))
                } else {
                    print(
                        "\(outcome.ok ? "ok  " : "FAIL") \(c.id)\n     expected \(outcome.expected)\n     got      \(outcome.got)\(outcome.problem.map { "\n     \($0)" } ?? "")"
                    )
                }
            }
            if !json { print("\(cases.count - failed) of \(cases.count) cases within tolerance") }
            if failed > 0 { throw ExitCode.failure }
        }
    }
}
