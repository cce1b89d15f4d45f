import Foundation
import SluiceBenchmarks
import Testing

@Suite("SKAB data set and protocol")
struct SKABDatasetTests {
    /// A folder laid out like SKAB, with files that are not experiments beside the real ones.
    private func makeFolder() throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("skab-\(UUID().uuidString)").path
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/valve1", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/anomaly-free", withIntermediateDirectories: true)
        var text = "datetime;a;b;c;anomaly;changepoint\r\n"
        for i in 0..<600 {
            let t = String(format: "2020-03-09 10:%02d:%02d", i / 60, i % 60)
            let faulty = i >= 480
            let a = sin(Double(i) * 0.7) + (faulty ? 8 : 0)
            let b = cos(Double(i) * 1.3)
            let c = sin(Double(i) * 0.31) * 0.5
            text += "\(t);\(a);\(b);\(c);\(faulty ? 1 : 0);\(i == 480 ? 1 : 0)\r\n"
        }
        try text.write(toFile: root + "/valve1/0.csv", atomically: true, encoding: .utf8)
        try text.write(toFile: root + "/valve1/1 (2).csv", atomically: true, encoding: .utf8)
        try "notes".write(toFile: root + "/valve1/README.md", atomically: true, encoding: .utf8)
        try "datetime;a\r\n2020-03-09 10:00:00;1\r\n".write(toFile: root + "/anomaly-free/7.csv", atomically: true, encoding: .utf8)
        try "x".write(toFile: root + "/loose.txt", atomically: true, encoding: .utf8)
        return root
    }

    @Test func findsLabelledExperimentsAndPassesOverTheRest() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let listing = try SKABDataset.load(root: root)
        #expect(listing.experiments.map(\.name) == ["valve1/0.csv"])
        #expect(listing.skipped.count == 3)
        let e = listing.experiments[0]
        #expect(e.sensors == ["a", "b", "c"])
        #expect(e.values.rows == 600 && e.anomaly.reduce(0, +) == 120)
    }

    @Test func protocolWritesOnePredictionRowPerTestRow() throws {
        let root = try makeFolder()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let out = root + "/predictions"
        let listing = try SKABDataset.load(root: root)
        let result = try SKABBenchmark.run(listing.experiments, detector: SKABDetector.named("pca-t2q")!) { experiment, prediction in
            try SKABBenchmark.writePrediction(prediction, for: experiment, under: out)
        }
        #expect(result.testRows == 200)
        let written = try String(contentsOfFile: out + "/valve1/0.csv", encoding: .utf8).split(separator: "\n")
        #expect(written.count == 201)
        #expect(written[0].split(separator: ",").last == "anomaly")
        // An 8σ shift on sensor a is unmistakable.
        #expect(result.outliers.missingAlarmRate < 5)
    }

    @Test func aFolderWithoutExperimentsIsAnError() throws {
        #expect(throws: (any Error).self) { try SKABDataset.load(root: "/nonexistent-skab") }
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("empty-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        #expect(throws: (any Error).self) { try SKABDataset.load(root: empty) }
    }
}

/// The shared SKAB copy, when it is beside the repository.
private let sharedSKAB: String? = {
    let candidates = [
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/data/skab").standardized.path,
        FileManager.default.currentDirectoryPath + "/../shared/data/skab",
    ]
    return candidates.first { FileManager.default.fileExists(atPath: $0 + "/valve1") }
}()

@Suite("SKAB targets", .enabled(if: sharedSKAB != nil, "needs ../shared/data/skab beside the repository"))
struct SKABTargetTests {
    /// Guards the default detector's SKAB figures against regressions (BENCHMARKS.md has the measured ones).
    @Test func defaultDetectorKeepsItsFigures() throws {
        let listing = try SKABDataset.load(root: sharedSKAB!)
        #expect(listing.experiments.count == 17)
        let result = try SKABBenchmark.run(listing.experiments, detector: SKABDetector.named("default")!)
        #expect(result.outliers.f1 >= 0.76, "F1 \(result.outliers.f1)")
        #expect(result.outliers.missingAlarmRate <= 20, "MAR \(result.outliers.missingAlarmRate)")
    }
}
