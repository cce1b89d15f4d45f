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
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw GateDefinitionError(file: file, line: nil, message: "the file is empty", suggestion: "start with 'gate: <id>'")
            }
            root = node
        } catch let error as GateDefinitionError {
            throw error
        } catch let error as YamlError {
            throw GateDefinitionError(file: file, line: Self.line(of: error), message: "not valid YAML (\(Self.summary(of: error)))")
        }
        let reader = Reader(file: file)
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

    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func summary(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        default: return "\(error)"
        }
    }

    /// Walks the YAML nodes, turning every mismatch into a located error.
    struct Reader {
        let file: String

        /// A mapping's values by key, with the line of each key.
        struct Fields {
            var value: [String: Node] = [:]
            var line: [String: Int] = [:]
            var start: Int?
        }

        func fail(_ node: Node?, _ message: String, _ suggestion: String? = nil) -> GateDefinitionError {
            GateDefinitionError(file: file, line: node?.mark?.line, message: message, suggestion: suggestion)
        }

        func mapping(_ node: Node, allowed: [String], context: String) throws -> Fields {
            guard let mapping = node.mapping else { throw fail(node, "\(context) must be a mapping of keys to values") }
            var fields = Fields(start: node.mark?.line)
            for (key, value) in mapping {
                guard let name = key.string else { throw fail(key, "keys must be plain words") }
                guard allowed.contains(name) else {
                    let close = allowed.min { editDistance($0, name) < editDistance($1, name) }
                    let hint = close.flatMap { editDistance($0, name) <= max(2, name.count / 3) ? "write '\($0)' instead" : nil }
                    throw fail(key, "unknown key '\(name)' in \(context)", hint ?? "the keys allowed here are \(allowed.joined(separator: ", "))")
                }
                guard fields.value[name] == nil else { throw fail(key, "'\(name)' appears twice in \(context)") }
                fields.value[name] = value
                fields.line[name] = key.mark?.line
            }
            return fields
        }

        func required(_ fields: Fields, _ key: String) throws -> Node {
            guard let node = fields.value[key] else {
                throw GateDefinitionError(file: file, line: fields.start, message: "missing '\(key)'", suggestion: "add '\(key): …'")
            }
            return node
        }

        func string(_ fields: Fields, _ key: String) throws -> String {
            let node = try required(fields, key)
            guard let text = node.scalar?.string, !text.isEmpty else { throw fail(node, "'\(key)' must be a non-empty word") }
            return text
        }

        func number(_ node: Node, key: String) throws -> Double {
            guard let text = node.scalar?.string, let value = Double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw fail(node, "'\(key)' must be a number, got '\(node.scalar?.string ?? "a structure")'")
            }
            return value
        }

        func integer(_ fields: Fields, _ key: String, minimum: Int) throws -> Int {
            let node = try required(fields, key)
            guard let text = node.scalar?.string, let value = Int(text) else {
                throw fail(node, "'\(key)' must be a whole number, got '\(node.scalar?.string ?? "a structure")'")
            }
            guard value >= minimum else { throw fail(node, "'\(key)' must be at least \(minimum), got \(value)") }
            return value
        }

        /// A share written as a fraction (0.05) or a percentage (5 %).
        func share(_ node: Node, key: String) throws -> Double {
            let text = (node.scalar?.string ?? "").trimmingCharacters(in: .whitespaces)
            if text.hasSuffix("%"), let value = Double(text.dropLast().trimmingCharacters(in: .whitespaces)), value.isFinite { return value / 100 }
            return try number(node, key: key)
        }

        func fraction(_ fields: Fields, _ key: String) throws -> Double {
            let node = try required(fields, key)
            let value = try share(node, key: key)
            guard value > 0, value <= 1 else {
                throw fail(
                    node, "'\(key)' must be a share between 0 and 1 (or a percentage such as 70 %), got \(value)", "write for example '\(key): 0.7'")
            }
            return value
        }

        func flag(_ node: Node, key: String) throws -> Bool {
            switch node.scalar?.string.lowercased() {
            case "on", "true", "yes": return true
            case "off", "false", "no": return false
            default: throw fail(node, "'\(key)' must be on or off, got '\(node.scalar?.string ?? "a structure")'")
            }
        }

        /// Durations: a number of seconds, or a number with s, m, h or d.
        func duration(_ node: Node, key: String, positive: Bool = false) throws -> TimeInterval {
            guard let text = node.scalar?.string.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                throw fail(node, "'\(key)' must be a duration")
            }
            let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
            let (digits, factor): (Substring, Double) = units[text.last!].map { (text.dropLast(), $0) } ?? (Substring(text), 1)
            guard let value = Double(digits.trimmingCharacters(in: .whitespaces)), value >= 0, value.isFinite else {
                throw fail(node, "'\(key)' must be a duration such as 30m, 8h or 2d, got '\(text)'")
            }
            guard !positive || value > 0 else { throw fail(node, "'\(key)' must be longer than zero") }
            return value * factor
        }

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

        private func formatPercent(_ p: Double) -> String { p == p.rounded() ? String(Int(p)) : String(p) }
    }
}
