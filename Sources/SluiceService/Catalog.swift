import Foundation
public import SluiceAnomaly
public import SluiceGates

/// Everything the service runs on, read at start-up: the cells, their gates and the models the gates name.
public struct Catalog: Sendable {
    /// Cells by id.
    public private(set) var cells: [String: CellDefinition]
    /// Gate definitions, by id.
    public private(set) var gates: [String: GateDefinition]
    /// Anomaly models by (gate, asset): the model each anomaly gate applies to each asset.
    public private(set) var models: [ModelKey: AnomalyModel]

    /// Which model an anomaly gate applies to an asset.
    public struct ModelKey: Hashable, Sendable {
        /// The gate.
        public var gate: String
        /// The asset.
        public var asset: String

        /// A key.
        public init(gate: String, asset: String) {
            self.gate = gate
            self.asset = asset
        }
    }

    /// Each asset's cell and definition, by asset id.
    public let assetIndex: [String: (cell: CellDefinition, asset: CellDefinition.Asset)]
    /// Each material's cell, by item code.
    public let materialCells: [String: String]

    /// The model kinds that replenish materials rather than watch assets.
    public static let replenishmentKinds: Set<String> = ["replenishment"]

    /// A catalog from parts already loaded; every gate's cell must exist and every anomaly gate needs a
    /// model for every asset of its cell.
    public init(cells: [CellDefinition], gates: [GateDefinition], models: [ModelKey: AnomalyModel]) throws {
        var byID: [String: CellDefinition] = [:]
        for cell in cells {
            guard byID[cell.id] == nil else { throw CatalogError("cell '\(cell.id)' is defined twice") }
            byID[cell.id] = cell
        }
        var gatesByID: [String: GateDefinition] = [:]
        for gate in gates {
            guard gatesByID[gate.id] == nil else { throw CatalogError("gate '\(gate.id)' is defined twice") }
            guard let cell = byID[gate.cell] else {
                throw CatalogError("gate '\(gate.id)' names cell '\(gate.cell)', which no file in the cells folder defines")
            }
            if !Self.replenishmentKinds.contains(gate.modelKind) {
                guard AnomalyModelKind(rawValue: gate.modelKind) != nil else {
                    throw CatalogError(
                        "gate '\(gate.id)' names model kind '\(gate.modelKind)'; the kinds are "
                            + (AnomalyModelKind.allCases.map(\.rawValue) + Self.replenishmentKinds.sorted()).joined(separator: ", "))
                }
                for asset in cell.assets where models[ModelKey(gate: gate.id, asset: asset.id)] == nil {
                    throw CatalogError("gate '\(gate.id)' has no model for asset '\(asset.id)'")
                }
            }
            gatesByID[gate.id] = gate
        }
        var assetIndex: [String: (cell: CellDefinition, asset: CellDefinition.Asset)] = [:]
        var materialCells: [String: String] = [:]
        for cell in cells {
            for asset in cell.assets {
                if let other = assetIndex[asset.id] { throw CatalogError("asset '\(asset.id)' is in both cell '\(other.cell.id)' and '\(cell.id)'") }
                assetIndex[asset.id] = (cell, asset)
            }
            for material in cell.materials {
                if let other = materialCells[material.item] {
                    throw CatalogError("material '\(material.item)' is in both cell '\(other)' and '\(cell.id)'")
                }
                materialCells[material.item] = cell.id
            }
        }
        self.cells = byID
        self.gates = gatesByID
        self.models = models
        self.assetIndex = assetIndex
        self.materialCells = materialCells
    }

    /// Reads every `*.yaml` under `cells` and `gates`, and for each anomaly gate the model file
    /// `<models>/<asset's model>.<kind>.v<version>.json` of each asset of its cell.
    public static func load(cells: String, gates: String, models: String) throws -> Catalog {
        let cellDefinitions = try yamlFiles(in: cells, what: "cell").map { try CellDefinition.load(path: $0) }
        let gateDefinitions = try yamlFiles(in: gates, what: "gate").map { try GateDefinition.load(path: $0) }
        var loaded: [ModelKey: AnomalyModel] = [:]
        var byFile: [String: AnomalyModel] = [:]
        for gate in gateDefinitions where !replenishmentKinds.contains(gate.modelKind) {
            guard let cell = cellDefinitions.first(where: { $0.id == gate.cell }) else { continue }
            for asset in cell.assets {
                let path = modelPath(models: models, model: asset.model, kind: gate.modelKind, version: gate.modelVersion)
                if byFile[path] == nil {
                    guard FileManager.default.fileExists(atPath: path) else {
                        throw CatalogError(
                            "gate '\(gate.id)' needs the model \(path) for asset '\(asset.id)'; train it with "
                                + "`sluice train --kind \(gate.modelKind) --asset \(asset.model) …` or name a shared model with 'model:' in the cell file"
                        )
                    }
                    byFile[path] = try AnomalyModel.load(from: path)
                }
                let model = byFile[path]!
                let missing = Set(model.features).subtracting(asset.sensors)
                guard missing.isEmpty else {
                    throw CatalogError(
                        "model \(path) needs sensors \(missing.sorted().joined(separator: ", ")) that asset '\(asset.id)' does not report")
                }
                loaded[ModelKey(gate: gate.id, asset: asset.id)] = model
            }
        }
        return try Catalog(cells: cellDefinitions, gates: gateDefinitions, models: loaded)
    }

    /// Where a model version lives: `<models>/<model>.<kind>.v<version>.json`.
    public static func modelPath(models: String, model: String, kind: String, version: Int) -> String {
        URL(fileURLWithPath: models).appendingPathComponent("\(model).\(kind).v\(version).json").path
    }

    /// The gates of a cell, in id order.
    public func gates(of cell: String) -> [GateDefinition] {
        gates.values.filter { $0.cell == cell }.sorted { $0.id < $1.id }
    }

    /// The `.yaml` and `.yml` files of a folder, in name order; a missing or empty folder is an error.
    public static func yamlFiles(in folder: String, what: String) throws -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CatalogError("the \(what) folder \(folder) does not exist")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
        guard !names.isEmpty else { throw CatalogError("the \(what) folder \(folder) holds no .yaml file") }
        return names.map { URL(fileURLWithPath: folder).appendingPathComponent($0).path }
    }
}

/// A catalog that does not hold together (a gate without its cell, a missing model).
public struct CatalogError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong and what to do.
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
