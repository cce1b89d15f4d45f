import Foundation
import SluiceGates
import SluiceReplenishment
import Yams

extension CellDefinition {
    static let topLevelKeys = ["cell", "sample_period", "freshness", "assets", "sensors", "materials", "erp", "report"]
    static let assetKeys = ["id", "model", "sensors"]
    static let sensorKeys = ["unit", "min", "max"]
    static let erpKeys = ["url"]
    static let reportKeys = [
        "detection_objective", "response_objective", "hourly_rate", "currency", "minutes_per_action", "downtime_hours_per_fault",
        "downtime_cost_per_hour", "baseline",
    ]
    static let baselineKeys = ["fill_rate", "lead_time", "inventory"]

    /// Reads and validates the cell file at `path`; a materials file it names is read relative to it.
    ///
    /// - Throws: ``ConfigurationFileError`` naming the file, the line and what to write instead.
    public static func load(path: String) throws -> CellDefinition {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationFileError(file: path, line: nil, message: "cannot read the file")
        }
        return try parse(text, file: path)
    }

    /// Parses and validates a cell definition; `file` names it in errors and anchors a relative materials path.
    public static func parse(_ yaml: String, file: String) throws -> CellDefinition {
        let reader = ConfigurationReader(file: file)
        let root = try ConfigurationReader.compose(yaml, file: file, emptyHint: "start with 'cell: <id>'")
        let top = try reader.mapping(root, allowed: topLevelKeys, context: "the cell")
        let id = try reader.string(top, "cell")
        let period = try top.value["sample_period"].map { try reader.duration($0, key: "sample_period", positive: true) } ?? 1
        let freshness = try top.value["freshness"].map { try reader.duration($0, key: "freshness", positive: true) }

        var sensors: [String: Sensor] = [:]
        if let node = top.value["sensors"] {
            guard let mapping = node.mapping else { throw reader.fail(node, "'sensors' must map each sensor's name to its unit and range") }
            for (key, value) in mapping {
                guard let name = key.string, !name.isEmpty else { throw reader.fail(key, "a sensor needs a name") }
                let fields = try reader.mapping(value, allowed: sensorKeys, context: "sensor '\(name)'")
                let minimum = try fields.value["min"].map { try reader.number($0, key: "min") }
                let maximum = try fields.value["max"].map { try reader.number($0, key: "max") }
                if let minimum, let maximum, minimum >= maximum {
                    throw reader.fail(value, "sensor '\(name)': min (\(minimum)) must be below max (\(maximum))")
                }
                sensors[name] = Sensor(name: name, unit: fields.value["unit"]?.scalar?.string ?? "", minimum: minimum, maximum: maximum)
            }
        }

        let assetsNode = try reader.required(top, "assets")
        guard let items = assetsNode.sequence, !items.isEmpty else {
            throw reader.fail(assetsNode, "'assets' must be a list of assets", "write '- id: press-01' and its sensors for each")
        }
        var assets: [Asset] = []
        for item in items {
            let fields = try reader.mapping(item, allowed: assetKeys, context: "an asset")
            let assetID = try reader.string(fields, "id")
            guard !assets.contains(where: { $0.id == assetID }) else { throw reader.fail(item, "asset '\(assetID)' is listed twice") }
            let sensorsNode = try reader.required(fields, "sensors")
            guard let list = sensorsNode.sequence, !list.isEmpty else {
                throw reader.fail(sensorsNode, "asset '\(assetID)': 'sensors' must be a list of sensor names")
            }
            var names: [String] = []
            for entry in list {
                guard let name = entry.scalar?.string, !name.isEmpty else { throw reader.fail(entry, "asset '\(assetID)': a sensor name is empty") }
                if sensors[name] == nil { sensors[name] = Sensor(name: name) }
                names.append(name)
            }
            assets.append(Asset(id: assetID, model: fields.value["model"]?.scalar?.string, sensors: names))
        }

        var materials: [MaterialState] = []
        if let node = top.value["materials"] {
            guard let relative = node.scalar?.string, !relative.isEmpty else {
                throw reader.fail(node, "'materials' must name a JSON file of materials (the format `sluice propose` reads)")
            }
            let base = URL(fileURLWithPath: file).deletingLastPathComponent()
            let path = relative.hasPrefix("/") ? relative : base.appendingPathComponent(relative).path
            guard let data = FileManager.default.contents(atPath: path) else {
                throw reader.fail(node, "cannot read the materials file \(path)")
            }
            do {
                materials = try JSONDecoder().decode([MaterialState].self, from: data)
                for material in materials { try material.validate() }
            } catch let error as ReplenishmentError {
                throw reader.fail(node, "\(path): \(error)")
            } catch {
                throw reader.fail(node, "\(path) is not a list of materials: \(error)")
            }
        }

        var connector: Connector?
        if let node = top.value["erp"] {
            let fields = try reader.mapping(node, allowed: erpKeys, context: "'erp'")
            let url = try reader.string(fields, "url")
            guard let parsed = URL(string: url), parsed.scheme == "http" || parsed.scheme == "https", parsed.host != nil else {
                throw reader.fail(fields.value["url"], "'url' must be an http:// or https:// address, got '\(url)'")
            }
            connector = Connector(url: url)
        }
        let report = try top.value["report"].map { try reportSettings($0, reader: reader) } ?? ReportSettings()
        return CellDefinition(
            id: id, samplePeriod: period, freshness: freshness, assets: assets, sensors: sensors, materials: materials, connector: connector,
            report: report)
    }

    /// The `report:` section: objectives, rates and the manual baseline.
    static func reportSettings(_ node: Node, reader: ConfigurationReader) throws -> ReportSettings {
        let fields = try reader.mapping(node, allowed: reportKeys, context: "'report'")
        var settings = ReportSettings()
        func positive(_ key: String) throws -> Double? {
            guard let node = fields.value[key] else { return nil }
            let value = try reader.number(node, key: key)
            guard value >= 0 else { throw reader.fail(node, "'\(key)' must not be negative, got \(value)") }
            return value
        }
        if let node = fields.value["detection_objective"] {
            settings.detectionObjective = try reader.duration(node, key: "detection_objective", positive: true)
        }
        if let node = fields.value["response_objective"] {
            settings.responseObjective = try reader.duration(node, key: "response_objective", positive: true)
        }
        if let value = try positive("hourly_rate") { settings.hourlyRate = value }
        if let currency = fields.value["currency"]?.scalar?.string { settings.currency = currency }
        if let value = try positive("minutes_per_action") { settings.minutesPerAction = value }
        if let value = try positive("downtime_hours_per_fault") { settings.downtimeHoursPerFault = value }
        if let value = try positive("downtime_cost_per_hour") { settings.downtimeCostPerHour = value }
        if let baselineNode = fields.value["baseline"] {
            let baseline = try reader.mapping(baselineNode, allowed: baselineKeys, context: "'baseline'")
            if baseline.value["fill_rate"] != nil { settings.baselineFillRate = try reader.fraction(baseline, "fill_rate") }
            if let node = baseline.value["lead_time"] { settings.baselineLeadTime = try reader.duration(node, key: "lead_time", positive: true) }
            if let node = baseline.value["inventory"] {
                guard let mapping = node.mapping else { throw reader.fail(node, "'inventory' must map each item code to its average stock") }
                for (key, value) in mapping {
                    guard let item = key.string else { throw reader.fail(key, "an item code is empty") }
                    settings.baselineInventory[item] = try reader.number(value, key: item)
                }
            }
        }
        return settings
    }
}
