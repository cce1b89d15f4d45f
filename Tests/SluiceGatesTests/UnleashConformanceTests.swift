import Foundation
import SluiceGates
import Testing

/// The percentage-rollout and variant cases of the Unleash client specification, evaluated with Sluice's
/// bucketing. Only what those cases need of an Unleash client is here: the rollout strategies, `IN` /
/// `NOT_IN` constraints, and variant selection by stickiness and weight.
private let specifications: URL? = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "../../../shared/data/unleash-client-spec/specifications"
    )
    .standardized
    return FileManager.default.fileExists(atPath: url.path) ? url : nil
}()

private struct Spec: Decodable {
    struct State: Decodable { let features: [Feature] }
    struct Feature: Decodable {
        let name: String
        let enabled: Bool
        let strategies: [Strategy]?
        let variants: [Variant]?
    }
    struct Strategy: Decodable {
        let name: String
        let parameters: [String: String]?
        let constraints: [Constraint]?
        let variants: [Variant]?
    }
    struct Constraint: Decodable {
        let contextName: String
        let `operator`: String
        let values: [String]?
    }
    struct Variant: Decodable, Equatable {
        struct Payload: Decodable, Equatable {
            let type: String
            let value: String
        }
        struct Override: Decodable, Equatable {
            let contextName: String
            let values: [String]
        }
        let name: String
        let weight: Int
        let stickiness: String?
        let payload: Payload?
        let overrides: [Override]?
    }
    struct Context: Decodable {
        let userId: String?
        let sessionId: String?
        let remoteAddress: String?
        let environment: String?
        let properties: [String: String]?

        func value(_ field: String) -> String? {
            switch field {
            case "userId": userId
            case "sessionId": sessionId
            case "remoteAddress": remoteAddress
            case "environment": environment
            default: properties?[field]
            }
        }

        /// The id a stickiness setting reads; `default` falls back from user to session to address.
        func sticky(_ stickiness: String) -> String? {
            switch stickiness {
            case "default": userId ?? sessionId ?? remoteAddress
            case "random": nil
            default: value(stickiness)
            }
        }
    }
    struct Test: Decodable {
        let description: String
        let context: Context
        let toggleName: String
        let expectedResult: Bool
    }
    struct VariantResult: Decodable, Equatable {
        let name: String
        let payload: Variant.Payload?
        let enabled: Bool
        let featureEnabled: Bool?

        private enum CodingKeys: String, CodingKey {
            case name, payload, enabled
            case featureEnabled = "feature_enabled"
        }
    }
    struct VariantTest: Decodable {
        let description: String
        let context: Context
        let toggleName: String
        let expectedResult: VariantResult
    }
    let state: State
    let tests: [Test]?
    let variantTests: [VariantTest]?
}

private func rollout(_ context: Spec.Context, stickiness: String, group: String, percent: Double) -> Bool {
    guard percent > 0 else { return false }
    guard let id = context.sticky(stickiness) else { return stickiness == "random" || stickiness == "default" ? percent >= 100 : false }
    return Bucketing.isInCohort(asset: id, gate: group, percent: percent)
}

/// The strategy that enables the feature for `context`, if any (the first that does).
private func enablingStrategy(_ feature: Spec.Feature, _ context: Spec.Context) -> (enabled: Bool, strategy: Spec.Strategy?) {
    guard feature.enabled else { return (false, nil) }
    let strategies = feature.strategies ?? []
    if strategies.isEmpty { return (true, nil) }
    for strategy in strategies {
        let satisfied = (strategy.constraints ?? []).allSatisfy { c in
            let value = context.value(c.contextName)
            let inList = value.map { (c.values ?? []).contains($0) } ?? false
            return c.operator == "NOT_IN" ? !inList : inList
        }
        guard satisfied else { continue }
        let p = strategy.parameters ?? [:]
        let on: Bool
        switch strategy.name {
        case "default": on = true
        case "gradualRolloutUserId":
            on = rollout(context, stickiness: "userId", group: p["groupId"] ?? feature.name, percent: Double(p["percentage"] ?? "0") ?? 0)
        case "gradualRolloutSessionId":
            on = rollout(context, stickiness: "sessionId", group: p["groupId"] ?? feature.name, percent: Double(p["percentage"] ?? "0") ?? 0)
        case "flexibleRollout":
            on = rollout(
                context, stickiness: p["stickiness"] ?? "default", group: p["groupId"] ?? feature.name, percent: Double(p["rollout"] ?? "0") ?? 0)
        default: on = false
        }
        if on { return (true, strategy) }
    }
    return (false, nil)
}

private func variant(_ feature: Spec.Feature?, _ context: Spec.Context) -> Spec.VariantResult {
    guard let feature else { return .init(name: "disabled", payload: nil, enabled: false, featureEnabled: false) }
    let (enabled, strategy) = enablingStrategy(feature, context)
    guard enabled else { return .init(name: "disabled", payload: nil, enabled: false, featureEnabled: false) }
    let fromStrategy = strategy?.variants ?? []
    let variants = fromStrategy.isEmpty ? (feature.variants ?? []) : fromStrategy
    let total = variants.reduce(0) { $0 + $1.weight }
    guard total > 0 else { return .init(name: "disabled", payload: nil, enabled: false, featureEnabled: true) }
    if let forced = variants.first(where: { v in (v.overrides ?? []).contains { o in context.value(o.contextName).map(o.values.contains) ?? false } })
    {
        return .init(name: forced.name, payload: forced.payload, enabled: true, featureEnabled: true)
    }
    let stickiness = fromStrategy.isEmpty ? (variants.first?.stickiness ?? "default") : (strategy?.parameters?["stickiness"] ?? "default")
    let group = fromStrategy.isEmpty ? feature.name : (strategy?.parameters?["groupId"] ?? feature.name)
    let id = context.sticky(stickiness) ?? String(Int.random(in: 0..<1_000_000))
    let target = Bucketing.normalizedValue(id, group: group, normalizer: UInt32(total), seed: Bucketing.variantSeed)
    var counter = 0
    for v in variants where v.weight > 0 {
        counter += v.weight
        if counter >= target { return .init(name: v.name, payload: v.payload, enabled: true, featureEnabled: true) }
    }
    return .init(name: "disabled", payload: nil, enabled: false, featureEnabled: true)
}

@Suite("Unleash client specification", .enabled(if: specifications != nil, "needs ../shared/data/unleash-client-spec beside the repository"))
struct UnleashConformanceTests {
    private func load(_ name: String) throws -> Spec {
        try JSONDecoder().decode(Spec.self, from: Data(contentsOf: specifications!.appendingPathComponent(name)))
    }

    @Test func percentageRolloutCasesAllPass() throws {
        var ran = 0
        var passed = 0
        for file in [
            "03-gradual-rollout-user-id-strategy.json", "04-gradual-rollout-session-id-strategy.json", "10-flexible-rollout-strategy.json",
            "12-custom-stickiness.json",
        ] {
            let spec = try load(file)
            for test in spec.tests ?? [] {
                ran += 1
                let feature = spec.state.features.first { $0.name == test.toggleName }
                let got = feature.map { enablingStrategy($0, test.context).enabled } ?? false
                if got == test.expectedResult { passed += 1 } else { Issue.record("\(file): \(test.description): expected \(test.expectedResult)") }
            }
        }
        print("Unleash percentage-rollout cases: \(passed) of \(ran) passed")
        #expect(ran == 27 && passed == ran)
    }

    @Test func variantCasesThatDependOnStickinessAndWeightsAllPass() throws {
        var ran = 0
        var passed = 0
        for file in ["08-variants.json", "16-strategy-variants.json", "12-custom-stickiness.json"] {
            let spec = try load(file)
            for test in spec.variantTests ?? [] {
                ran += 1
                let got = variant(spec.state.features.first { $0.name == test.toggleName }, test.context)
                if got.name == test.expectedResult.name, got.enabled == test.expectedResult.enabled, got.payload == test.expectedResult.payload {
                    passed += 1
                } else {
                    Issue.record("\(file): \(test.description): expected \(test.expectedResult.name), got \(got.name)")
                }
            }
        }
        print("Unleash variant cases: \(passed) of \(ran) passed")
        #expect(ran == 32 && passed == ran)
    }
}
