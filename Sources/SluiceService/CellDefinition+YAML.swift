import Foundation
import SluiceGates
import SluiceOPCUA
import SluiceReplenishment
import Yams

extension CellDefinition {
    static let topLevelKeys = ["cell", "sample_period", "freshness", "assets", "sensors", "materials", "erp", "report", "opcua"]
    static let opcuaKeys = [
        "endpoint", "user", "password_env", "password_file", "publishing_interval", "sampling_interval", "security", "pki", "nodes",
    ]
    static let opcuaNodeKeys = ["node", "asset", "sensor", "unit"]
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
        let opcua = try top.value["opcua"].map { try opcuaSources($0, assets: assets, sensors: sensors, reader: reader) } ?? []
        return CellDefinition(
            id: id, samplePeriod: period, freshness: freshness, assets: assets, sensors: sensors, materials: materials, connector: connector,
            report: report, opcua: opcua)
    }

    /// The `opcua:` section: a list of servers, each with the nodes that feed the cell's sensors.
    static func opcuaSources(_ node: Node, assets: [Asset], sensors: [String: Sensor], reader: ConfigurationReader) throws -> [OPCUASource] {
        guard let items = node.sequence, !items.isEmpty else {
            throw reader.fail(node, "'opcua' must be a list of servers", "write '- endpoint: opc.tcp://plc.local:4840' and its nodes for each")
        }
        var sources: [OPCUASource] = []
        var mapped: [String: Int] = [:]
        for item in items {
            if let mapping = item.mapping, mapping["password"] != nil {
                throw reader.fail(
                    mapping["password"], "a password does not go in the cell file",
                    "write 'password_env: <VARIABLE>' or 'password_file: <path>' and keep the password there")
            }
            let fields = try reader.mapping(item, allowed: opcuaKeys, context: "an OPC UA server")
            let endpoint = try reader.string(fields, "endpoint")
            do { _ = try OPCUAEndpoint(parsing: endpoint) } catch { throw reader.fail(fields.value["endpoint"], error.message) }
            let user = fields.value["user"]?.scalar?.string
            let environment = fields.value["password_env"]?.scalar?.string
            let file = fields.value["password_file"]?.scalar?.string
            if user != nil, environment == nil, file == nil {
                throw reader.fail(item, "OPC UA user '\(user ?? "")' needs a password", "add 'password_env: <VARIABLE>' or 'password_file: <path>'")
            }
            if user == nil, environment != nil || file != nil {
                throw reader.fail(item, "a password is given without a user", "add 'user: <name>', or remove the password for anonymous login")
            }
            let publishing = try fields.value["publishing_interval"].map { try reader.duration($0, key: "publishing_interval", positive: true) } ?? 1
            let sampling = try fields.value["sampling_interval"].map { try reader.duration($0, key: "sampling_interval", positive: true) }
            let security = fields.value["security"]?.scalar?.string ?? "none"
            guard OPCUAClient.Security.modeNames[security] != nil else {
                throw reader.fail(fields.value["security"], "'security' is none, sign or sign-and-encrypt, got '\(security)'")
            }
            let pki = fields.value["pki"]?.scalar?.string ?? "pki"
            let nodesNode = try reader.required(fields, "nodes")
            guard let list = nodesNode.sequence, !list.isEmpty else {
                throw reader.fail(
                    nodesNode, "'nodes' must be a list", "write '- {node: ns=2;s=Sensor.Temp, asset: press-01, sensor: temperature}' for each")
            }
            var nodes: [OPCUASource.Mapping] = []
            for entry in list {
                let entryFields = try reader.mapping(entry, allowed: opcuaNodeKeys, context: "an OPC UA node")
                let text = try reader.string(entryFields, "node")
                do { _ = try NodeId(parsing: text) } catch { throw reader.fail(entryFields.value["node"], error.description) }
                let assetID = try reader.string(entryFields, "asset")
                let sensor = try reader.string(entryFields, "sensor")
                guard let asset = assets.first(where: { $0.id == assetID }) else {
                    throw reader.fail(
                        entryFields.value["asset"], "node \(text) names asset '\(assetID)', which the cell does not list",
                        "the cell's assets are \(assets.map(\.id).joined(separator: ", "))")
                }
                guard asset.sensors.contains(sensor) else {
                    throw reader.fail(
                        entryFields.value["sensor"], "node \(text) names sensor '\(sensor)', which asset '\(assetID)' does not report",
                        "its sensors are \(asset.sensors.joined(separator: ", "))")
                }
                if let unit = entryFields.value["unit"]?.scalar?.string, let expected = sensors[sensor]?.unit, !expected.isEmpty, unit != expected {
                    throw reader.fail(
                        entryFields.value["unit"], "node \(text) is in \(unit), but sensor '\(sensor)' is in \(expected)",
                        "scale the value in the PLC or the server, or fix the sensor's unit")
                }
                let key = "\(assetID)/\(sensor)"
                if let line = mapped[key] {
                    throw reader.fail(entry, "sensor '\(sensor)' of asset '\(assetID)' is already fed by the node on line \(line)")
                }
                mapped[key] = entry.mark?.line ?? 0
                nodes.append(OPCUASource.Mapping(node: text, asset: assetID, sensor: sensor))
            }
            sources.append(
                OPCUASource(
                    endpoint: endpoint, user: user, passwordEnvironment: environment, passwordFile: file, publishingInterval: publishing,
                    samplingInterval: sampling, security: security, pki: pki, nodes: nodes))
        }
        return sources
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
