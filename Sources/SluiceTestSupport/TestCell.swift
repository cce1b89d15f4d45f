public import Foundation
public import SluiceAnomaly
public import SluiceGates
public import SluiceReplenishment
public import SluiceService
import SluiceSimulation
public import SluiceTelemetry
import Synchronization

/// A cell for tests: `assets` machines sharing the shipped press-01 model, one anomaly gate and,
/// optionally, one replenishment gate over one material, each gate with the stages and settings asked for.
public enum TestCell {
    /// The repository's root, found from this file's path.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The cell's id.
    public static let id = "cell-a"
    /// Another cell, for scope tests.
    public static let otherID = "cell-b"
    /// The sensors every asset reports.
    public static let sensors = ["temperature", "pressure", "vibration", "current", "flow"]
    /// The anomaly gate's id.
    public static let maintenanceGate = "cell-a-maintenance"
    /// The replenishment gate's id.
    public static let replenishmentGate = "cell-a-replenishment"
    /// The material's item code.
    public static let material = "BRG-TEST"

    /// Asset ids of cell A.
    public static func assets(_ count: Int) -> [String] { (1...count).map { String(format: "asset-%02d", $0) } }

    /// The shipped press-01 model: version 1 (textbook PCA T²+Q) or 2 (the default detector).
    public static func model(version: Int = 1) throws -> AnomalyModel {
        try AnomalyModel.load(from: root.appendingPathComponent("Models/press-01.pca-t2q.v\(version).json").path)
    }

    /// A gate definition with test-friendly defaults: acting at once, no silent period.
    public static func gate(
        id: String = maintenanceGate, cell: String = id, action: String = "maintenance-order", kind: String = "pca-t2q", stages: [Double] = [100],
        debounce: Int = 2, silentPeriod: TimeInterval = 0, expiry: TimeInterval = 3_600, minimumSample: Int = 10
    ) -> GateDefinition {
        GateDefinition(
            id: id, cell: cell, actionType: action, modelKind: kind, modelVersion: 1,
            stages: stages.map {
                GateDefinition.Stage(
                    name: $0 == 0 ? "shadow" : "\(Int($0)) %", percent: $0, minimumSample: $0 == 0 ? 0 : minimumSample, minimumDwell: 0)
            },
            requiresSponsorSignOff: false, debounce: debounce, silentPeriod: silentPeriod, minimumCoverage: 0.7, actionExpiry: expiry)
    }

    /// A material that orders once a few units are drawn.
    public static func materialState() -> MaterialState {
        MaterialState(
            item: material, warehouse: "WH-1", unit: "pcs", supplier: "Supplier A", onHand: 120, onOrder: 0, backorders: 0,
            demandHistory: Array(repeating: 40, count: 60).enumerated().map { 40 + Double($0.offset % 5) - 2 }, leadTime: 7,
            leadTimeStandardDeviation: 1, reviewPeriod: 1, holdingCost: 0.012, orderingCost: 45, shortageCost: 9, minimumOrderQuantity: 50,
            orderMultiple: 10, fillRateTarget: 0.98)
    }

    /// A catalog of cell A (and a one-asset cell B), with the gates given (the maintenance gate by default),
    /// every asset on the shipped press-01 model of `modelVersion`.
    public static func catalog(
        assets count: Int = 3, gates: [GateDefinition]? = nil, withMaterial: Bool = false, modelVersion: Int = 1
    ) throws -> Catalog {
        let model = try model(version: modelVersion)
        let sensorSpecs = Dictionary(uniqueKeysWithValues: sensors.map { ($0, CellDefinition.Sensor(name: $0, minimum: -1_000, maximum: 10_000)) })
        let cellA = CellDefinition(
            id: id, samplePeriod: 1, assets: assets(count).map { CellDefinition.Asset(id: $0, model: "press-01", sensors: sensors) },
            sensors: sensorSpecs, materials: withMaterial ? [materialState()] : [])
        let cellB = CellDefinition(
            id: otherID, samplePeriod: 1, assets: [CellDefinition.Asset(id: "other-01", model: "press-01", sensors: sensors)], sensors: sensorSpecs)
        var definitions = gates ?? [gate()]
        definitions.append(gate(id: "cell-b-maintenance", cell: otherID))
        var models: [Catalog.ModelKey: AnomalyModel] = [:]
        for definition in definitions where !Catalog.replenishmentKinds.contains(definition.modelKind) {
            let cell = definition.cell == id ? cellA : cellB
            for asset in cell.assets { models[Catalog.ModelKey(gate: definition.id, asset: asset.id)] = model }
        }
        return try Catalog(cells: [cellA, cellB], gates: definitions, models: models)
    }

    /// Normal sensor values of the simulated press at step `t` (its model's training regime).
    public static func normal(_ t: Int) -> [String: Double] {
        let frame = normalFrame
        let row = t % frame.count
        return Dictionary(uniqueKeysWithValues: frame.sensors.enumerated().map { ($1, frame.values[row, $0]) })
    }

    /// Values far outside normal operation: pressure and flow way up.
    public static func faulty(_ t: Int) -> [String: Double] {
        var values = normal(t)
        values["pressure"]! += 6
        values["flow"]! += 25
        return values
    }

    private static let normalFrame = CellSimulator(configuration: .init(seed: 42, samples: 1_200, normalSamples: 1_200)).telemetry(for: "press-01")

    /// Writes a folder a `sluice serve` can run on: `Cells/cell-a.yaml` with `assets` machines on the shipped
    /// press-01 model (and `erpURL` as its ERP/MES), `Gates/cell-a-maintenance.yaml` acting on 100 % at once
    /// (debounce 1, no silent period, no sign-off), and the model in `Models/`. Returns the folder.
    public static func writeServerFolder(assets count: Int, erpURL: String? = nil) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-server-\(UUID().uuidString)").path
        let files = FileManager.default
        for folder in ["Cells", "Gates", "Models"] { try files.createDirectory(atPath: path + "/" + folder, withIntermediateDirectories: true) }
        try files.copyItem(
            atPath: root.appendingPathComponent("Models/press-01.pca-t2q.v1.json").path, toPath: path + "/Models/press-01.pca-t2q.v1.json")
        var cell = "cell: \(id)\nassets:\n"
        for asset in assets(count) { cell += "  - {id: \(asset), model: press-01, sensors: [\(sensors.joined(separator: ", "))]}\n" }
        if let erpURL { cell += "erp:\n  url: \(erpURL)\n" }
        try cell.write(toFile: path + "/Cells/\(id).yaml", atomically: true, encoding: .utf8)
        let gate = [
            "gate: \(maintenanceGate)", "cell: \(id)", "action: maintenance-order", "model: {kind: pca-t2q, version: 1}", "stages:",
            "  - percent: 100", "sponsor_sign_off: off", "debounce: 1", "silent_period: 0s",
        ]
        try gate.joined(separator: "\n").write(toFile: path + "/Gates/\(maintenanceGate).yaml", atomically: true, encoding: .utf8)
        return path
    }

    /// A batch of one sample per asset at `time`.
    public static func batch(_ assets: [String], at time: Date, values: [String: Double]) -> TelemetryBatch {
        TelemetryBatch(samples: assets.map { TelemetryBatch.Sample(asset: $0, time: ISOTime.format(time), values: values) })
    }
}

/// A clock tests move by hand.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    /// A clock at `start`.
    public init(_ start: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        current = Mutex(start)
    }

    /// The time now.
    public var now: Date { current.withLock { $0 } }

    /// Moves the clock on.
    public func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    /// The clock as the engine takes it.
    public var function: @Sendable () -> Date { { self.now } }
}
