import Foundation
import SluiceTestSupport
import Testing

/// Runs the built `sluice` executable as a user would.
private func sluice(_ arguments: [String], in directory: String) async throws -> (status: Int32, out: String, err: String) {
    try await runSluice(arguments, in: directory)
}

@Suite("sluice command line")
struct CLITests {
    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-cli-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    private func write(_ name: String, _ text: String) throws {
        try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
    }

    @Test func simulateTrainAndScoreEndToEnd() async throws {
        let simulate = try await sluice(
            ["simulate", "--samples", "1200", "--normal", "600", "--spacing", "300", "--duration", "100", "--out", "cell.csv"], in: directory)
        #expect(simulate.status == 0)
        let train = try await sluice(["train", "--data", "cell.csv", "--asset", "pump-02", "--rows", "600", "--out", "pump.json"], in: directory)
        #expect(train.status == 0, "\(train.err)")
        #expect(train.out.contains("wrote pump.json: pca-t2q"))
        let score = try await sluice(
            ["score", "--model", "pump.json", "--data", "cell.csv", "--asset", "pump-02", "--out", "scores.csv"], in: directory)
        #expect(score.status == 0, "\(score.err)")
        let lines = try String(contentsOfFile: directory + "/scores.csv", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1_201)
        #expect(lines[0].hasPrefix("line,time,score,alarm,change,top_sensor,contribution.temperature"))
    }

    @Test func misspeltColumnGivesOneLineNamingFileLineAndColumn() async throws {
        try write("bad.csv", "time,temperature,presure\n0,1,2\n")
        let result = try await sluice(["train", "--data", "bad.csv", "--sensors", "temperature,pressure", "--out", "m.json"], in: directory)
        #expect(result.status != 0)
        #expect(result.err == "error: bad.csv:1: column 'pressure': missing column; did you mean 'presure'?\n")
    }

    @Test func nonNumericValueGivesFileLineAndColumn() async throws {
        try write("text.csv", "time,a,b\n0,1,2\n1,x,2\n")
        let result = try await sluice(["train", "--data", "text.csv", "--out", "m.json"], in: directory)
        #expect(result.status != 0)
        #expect(result.err == "error: text.csv:3: column 'a': 'x' is not a number\n")
    }

    @Test func wrongSeparatorIsSaid() async throws {
        try write("semi.csv", "time;a;b\n0;1;2\n")
        let result = try await sluice(["train", "--data", "semi.csv", "--separator", ",", "--out", "m.json"], in: directory)
        #expect(result.status != 0)
        #expect(result.err.contains("semi.csv:1: the header is separated by ';', not ','"))
    }

    @Test func tooFewRowsIsSaid() async throws {
        try write("short.csv", "time,a,b\n0,1,2\n1,2,1\n2,3,3\n")
        let result = try await sluice(["train", "--data", "short.csv", "--out", "m.json"], in: directory)
        #expect(result.status != 0)
        #expect(result.err.hasPrefix("error: short.csv: 3 training rows, at least"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/m.json"))
    }

    @Test func modelOfAnotherFamilyIsRefused() async throws {
        try write("orders.json", #"{"format": 1, "family": "replenishment", "kind": "eoq"}"#)
        try write("data.csv", "time,a\n0,1\n")
        let result = try await sluice(["score", "--model", "orders.json", "--data", "data.csv"], in: directory)
        #expect(result.status != 0)
        #expect(result.err == "error: orders.json: this is a 'replenishment' model, not an anomaly model\n")
    }

    @Test func scoringLiveDataIgnoresEmptyLabels() async throws {
        _ = try await sluice(
            ["simulate", "--samples", "600", "--normal", "600", "--spacing", "300", "--duration", "100", "--out", "normal.csv"], in: directory)
        #expect(try await sluice(["train", "--data", "normal.csv", "--asset", "press-01", "--out", "p.json"], in: directory).status == 0)
        try write("live.csv", "time,asset,temperature,pressure,vibration,current,flow,anomaly\n2026-01-01 01:00:00,press-01,65,5.5,2.2,15,30,\n")
        let result = try await sluice(["score", "--model", "p.json", "--data", "live.csv"], in: directory)
        #expect(result.status == 0, "\(result.err)")
    }

    @Test func trainRefusesOptionsItWouldIgnore() async throws {
        try write("d.csv", "time,a,b\n0,1,2\n")
        let variance = try await sluice(["train", "--data", "d.csv", "--explained-variance", "0.8", "--out", "m.json"], in: directory)
        #expect(variance.status != 0)
        #expect(variance.err.contains("--explained-variance applies to --kind pca-t2q only"), "\(variance.err)")
        let objective = try await sluice(
            ["train", "--data", "d.csv", "--kind", "mset", "--detection-objective", "60", "--out", "m.json"], in: directory)
        #expect(objective.status != 0)
        #expect(objective.err.contains("--detection-objective applies to the default detector"), "\(objective.err)")
    }

    @Test func proposeNamesTheMaterialAndTheFieldAtFault() async throws {
        try write(
            "missing.json",
            #"[{"item": "A", "warehouse": "W", "unit": "pcs", "supplier": "S", "onHand": 1, "onOrder": 0, "backorders": 0, "demandHistory": [1, 2], "leadTime": 3, "leadTimeStandardDeviation": 0, "reviewPeriod": 1, "orderingCost": 5, "shortageCost": 2, "minimumOrderQuantity": 0, "orderMultiple": 1}]"#
        )
        let missing = try await sluice(["propose", "--materials", "missing.json"], in: directory)
        #expect(missing.status != 0)
        #expect(missing.err.contains("missing.json: material 0: missing 'holdingCost'"), "\(missing.err)")
        try write(
            "negative.json",
            #"[{"item": "A", "warehouse": "W", "unit": "pcs", "supplier": "S", "onHand": 1, "onOrder": 0, "backorders": 0, "demandHistory": [1, 2], "leadTime": 3, "leadTimeStandardDeviation": 0, "reviewPeriod": 1, "holdingCost": -1, "orderingCost": 5, "shortageCost": 2, "minimumOrderQuantity": 0, "orderMultiple": 1}]"#
        )
        let negative = try await sluice(["propose", "--materials", "negative.json"], in: directory)
        #expect(negative.status != 0)
        #expect(negative.err.contains("material 0 (A): holdingCost: must not be negative, got -1.0"), "\(negative.err)")
    }

    @Test func ingestBenchMeasuresBothStoresInOneRunAndSaysWhatItCouldNotMeasure() async throws {
        let url = try await freshPostgresDatabase()
        let result = try await runSluice(
            ["bench", "ingest", "--seconds", "1", "--assets", "40", "--batch", "50", "--store", "sqlite,\(url)", "--json"], in: TestCell.root.path)
        #expect(result.status == 0, "\(result.err)")
        #expect(!result.err.contains("error"), "a clean shutdown logs no error: \(result.err)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any], "\(result.out)")
        let runs = try #require(report["runs"] as? [[String: Any]])
        #expect(runs.map { $0["store"] as? String } == ["sqlite", "postgres"])
        let (sqlite, postgres) = (runs[0], runs[1])
        #expect((sqlite["samples"] as? Int ?? 0) > 0 && (postgres["samples"] as? Int ?? 0) > 0)
        #expect(sqlite["latencyP99Milliseconds"] is Double)
        // PostgreSQL replies before the scorer raises an action: no latency to time, null and a note, never NaN.
        #expect(postgres["latencyP99Milliseconds"] is NSNull)
        #expect((postgres["notes"] as? [String])?.contains { $0.contains("latency not measured") } == true)
        #expect(report["postgresToSQLiteScored"] is Double)
        // The password of the database URL appears nowhere.
        if let password = URLComponents(string: url)?.password { #expect(!result.out.contains(password) && !result.err.contains(password)) }
    }

    @Test func settingsComeFromTheCommandLineThenTheEnvironmentAndABadValueIsAnError() async throws {
        let badPort = try await runSluice(["serve", "--store", "s.sqlite"], in: directory, environment: ["SLUICE_PORT": "abc"])
        #expect(badPort.status != 0)
        #expect(badPort.err.contains("SLUICE_PORT is 'abc': it should be a port number"), "\(badPort.err)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/s.sqlite"), "nothing is opened before the settings are checked")
        // The command line wins over the environment.
        let override = try await runSluice(
            ["migrate", "--store", "flag.sqlite"], in: directory, environment: ["SLUICE_STORE": directory + "/env.sqlite"])
        #expect(override.status == 0, "\(override.err)")
        #expect(FileManager.default.fileExists(atPath: directory + "/flag.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: directory + "/env.sqlite"))
        let fromEnvironment = try await runSluice(["migrate"], in: directory, environment: ["SLUICE_STORE": directory + "/env.sqlite"])
        #expect(fromEnvironment.status == 0, "\(fromEnvironment.err)")
        #expect(FileManager.default.fileExists(atPath: directory + "/env.sqlite"))
        // What the environment holds never shows in the help: a password, a token.
        let secrets = ["SLUICE_STORE": "postgres://u:s3cret-pw@127.0.0.1:1/db", "SLUICE_TOKEN": "tok-s3cret"]
        for command in [["serve", "--help"], ["replay", "--help"], ["migrate", "--help"]] {
            let help = try await runSluice(command, in: directory, environment: secrets)
            #expect(help.status == 0)
            #expect(!help.out.contains("s3cret") && !help.err.contains("s3cret"), "\(command): \(help.out)")
        }
    }

    @Test func oracleExitsNonZeroWhenACaseIsOff() async throws {
        try write(
            "cases.json",
            #"{"cases": [{"id": "x", "stockpyl_function": "eoq.economic_order_quantity", "parameters": {"fixed_cost_K": 8, "holding_cost_h": 0.225, "demand_rate_lambda": 1300}, "expected": {"order_quantity_Q": 300}, "tolerance": {"abs_tol": 1e-6}}]}"#
        )
        let result = try await sluice(["bench", "oracle", "cases.json", "--json"], in: directory)
        #expect(result.status != 0)
        #expect(result.out.contains(#""id":"x""#) && result.out.contains(#""ok":false"#))
    }
}
