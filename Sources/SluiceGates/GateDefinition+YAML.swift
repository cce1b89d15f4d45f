import Foundation
import SluiceStatistics
import Yams

extension GateDefinition {
    /// The keys a gate file may hold, with what each means, for messages.
    static let topLevelKeys = [
        "gate", "cell", "action", "model", "flag", "stages", "false_positive", "sponsor_sign_off", "debounce", "silent_period",
        "minimum_coverage", "action_expiry",
    ]
    static let modelKeys = ["kind", "version"]
    static let stageKeys = ["name", "percent", "minimum_sample", "minimum_dwell"]
    static let judgeKeys = ["pass_at_most", "fall_back_at_least", "fast_fall_back_at_least", "alpha", "beta", "maximum_sample"]

    /// Reads and validates the gate definition at `path`.
    ///
    /// - Throws: ``GateDefinitionError`` naming the file, the line and what to write instead: an unknown
    ///   key, a missing one, a value of the wrong type, stages out of order, thresholds that cross.
    public static func load(path: String) throws -> GateDefinition {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw GateDefinitionError(file: path, line: nil, message: "cannot read the file")
        }
        return try parse(text, file: path)
    }

    /// Parses and validates a gate definition; `file` names it in errors.
    public static func parse(_ yaml: String, file: String) throws -> GateDefinition {
        let root = try ConfigurationReader.compose(yaml, file: file, emptyHint: "start with 'gate: <id>'")
        let reader = ConfigurationReader(file: file)
        let top = try reader.mapping(root, allowed: topLevelKeys, context: "the gate")

        var definition = GateDefinition(
            id: try reader.string(top, "gate"), cell: try reader.string(top, "cell"), actionType: try reader.string(top, "action"), modelKind: "",
            modelVersion: 0)
        let model = try reader.mapping(try reader.required(top, "model"), allowed: modelKeys, context: "'model'")
        definition.modelKind = try reader.string(model, "kind")
        definition.modelVersion = try reader.integer(model, "version", minimum: 1)
        if let flag = top.value["flag"] { definition.enabled = try reader.flag(flag, key: "flag") }
        if let stagesNode = top.value["stages"] { definition.stages = try reader.stages(stagesNode) }
        if let judgeNode = top.value["false_positive"] { definition.judge = try reader.judge(judgeNode) }
        if let node = top.value["sponsor_sign_off"] { definition.requiresSponsorSignOff = try reader.flag(node, key: "sponsor_sign_off") }
        if top.value["debounce"] != nil { definition.debounce = try reader.integer(top, "debounce", minimum: 1) }
        if let node = top.value["silent_period"] { definition.silentPeriod = try reader.duration(node, key: "silent_period") }
        if top.value["minimum_coverage"] != nil { definition.minimumCoverage = try reader.fraction(top, "minimum_coverage") }
        if let node = top.value["action_expiry"] { definition.actionExpiry = try reader.duration(node, key: "action_expiry", positive: true) }
        return definition
    }
}

extension ConfigurationReader {
    func stages(_ node: Node) throws -> [GateDefinition.Stage] {
        guard let items = node.sequence, !items.isEmpty else {
            throw fail(node, "'stages' must be a list of stages", "write '- percent: 5' for each stage")
        }
        var stages: [GateDefinition.Stage] = []
        for item in items {
            let fields = try mapping(item, allowed: GateDefinition.stageKeys, context: "a stage")
            let percentNode = try required(fields, "percent")
            var percentText = percentNode.scalar?.string ?? ""
            if percentText.hasSuffix("%") { percentText = String(percentText.dropLast()).trimmingCharacters(in: .whitespaces) }
            guard let percent = Double(percentText), percent >= 0, percent <= 100 else {
                throw fail(percentNode, "'percent' must be between 0 (shadow) and 100, got '\(percentNode.scalar?.string ?? "")'")
            }
            if let previous = stages.last, percent <= previous.percent {
                throw fail(
                    percentNode, "stages must grow: \(formatPercent(percent)) % comes after \(formatPercent(previous.percent)) %",
                    "list the stages from the smallest share to the largest (shadow, 5, 25, 100)")
            }
            let name = fields.value["name"]?.scalar?.string ?? (percent == 0 ? "shadow" : "\(formatPercent(percent)) %")
            let sample = fields.value["minimum_sample"] == nil ? (percent == 0 ? 0 : 30) : try integer(fields, "minimum_sample", minimum: 0)
            let dwell = try fields.value["minimum_dwell"].map { try duration($0, key: "minimum_dwell") } ?? (percent == 0 ? 86_400 : 2 * 86_400)
            stages.append(GateDefinition.Stage(name: name, percent: percent, minimumSample: sample, minimumDwell: dwell))
        }
        if let last = stages.last, last.percent != 100 {
            throw fail(items.last, "the last stage must reach 100 %, got \(formatPercent(last.percent)) %", "add '- percent: 100'")
        }
        return stages
    }

    func judge(_ node: Node) throws -> FalsePositiveJudge.Settings {
        let fields = try mapping(node, allowed: GateDefinition.judgeKeys, context: "'false_positive'")
        var settings = FalsePositiveJudge.Settings()
        func rate(_ key: String) throws -> Double? {
            guard let node = fields.value[key] else { return nil }
            let value = try share(node, key: key)
            guard value > 0, value < 1 else { throw fail(node, "'\(key)' must be a rate between 0 and 1, got \(value)") }
            return value
        }
        if let v = try rate("pass_at_most") { settings.passRate = v }
        if let v = try rate("fall_back_at_least") { settings.fallbackRate = v }
        if let v = try rate("fast_fall_back_at_least") { settings.fastFallbackRate = v }
        if let v = try rate("alpha") { settings.alpha = v }
        if let v = try rate("beta") { settings.beta = v }
        if fields.value["maximum_sample"] != nil { settings.maximumSample = try integer(fields, "maximum_sample", minimum: 10) }
        guard settings.passRate < settings.fallbackRate else {
            throw GateDefinitionError(
                file: file, line: fields.line["fall_back_at_least"] ?? fields.line["pass_at_most"],
                message: "the thresholds cross: pass_at_most (\(settings.passRate)) must be below fall_back_at_least (\(settings.fallbackRate))",
                suggestion: "for example pass_at_most: 0.05 and fall_back_at_least: 0.10")
        }
        guard settings.fallbackRate <= settings.fastFallbackRate else {
            throw GateDefinitionError(
                file: file, line: fields.line["fast_fall_back_at_least"],
                message: "fast_fall_back_at_least must be at least fall_back_at_least (\(settings.fallbackRate))")
        }
        guard settings.alpha + settings.beta < 1 else {
            throw GateDefinitionError(file: file, line: fields.line["beta"] ?? fields.line["alpha"], message: "alpha + beta must be below 1")
        }
        return settings
    }

    func formatPercent(_ p: Double) -> String { p == p.rounded() ? String(Int(p)) : String(p) }
}
