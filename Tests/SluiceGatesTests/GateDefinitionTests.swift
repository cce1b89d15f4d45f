import Foundation
import SluiceGates
import Testing

@Suite("Gate definitions")
struct GateDefinitionTests {
    private let minimal = "gate: g\ncell: c\naction: maintenance-order\nmodel:\n  kind: pca-t2q\n  version: 1\n"

    private func error(_ yaml: String) -> GateDefinitionError? {
        do {
            _ = try GateDefinition.parse(yaml, file: "Gates/g.yaml")
            return nil
        } catch let e as GateDefinitionError {
            return e
        } catch {
            return nil
        }
    }

    @Test func aMinimalFileTakesTheDefaults() throws {
        let g = try GateDefinition.parse(minimal, file: "g.yaml")
        #expect(g.stages == GateDefinition.defaultStages)
        #expect(g.judge == FalsePositiveJudge.Settings())
        #expect(g.enabled && g.requiresSponsorSignOff && g.debounce == 3 && g.minimumCoverage == 0.7)
        #expect(g.silentPeriod == 1_800 && g.actionExpiry == 28_800)
    }

    @Test func theShippedGatesLoad() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Gates").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 2)
        for file in files {
            let g = try GateDefinition.load(path: folder.appendingPathComponent(file).path)
            #expect(g.cell == "simulated-cell" && g.stages.last?.percent == 100)
        }
    }

    @Test func anUnknownKeyIsLocatedWithTheFix() throws {
        let e = try #require(error(minimal + "silent_perod: 5m\n"))
        #expect(e.description == "Gates/g.yaml:7: unknown key 'silent_perod' in the gate; write 'silent_period' instead")
    }

    @Test func stagesOutOfOrderAreLocated() throws {
        let e = try #require(error(minimal + "stages:\n  - percent: 25\n  - percent: 5\n  - percent: 100\n"))
        #expect(e.line == 9 && e.message == "stages must grow: 5 % comes after 25 %")
        let short = try #require(error(minimal + "stages:\n  - percent: 5\n  - percent: 50\n"))
        #expect(short.message.contains("last stage must reach 100 %") && short.suggestion == "add '- percent: 100'")
    }

    @Test func crossingThresholdsAreLocated() throws {
        let e = try #require(error(minimal + "false_positive:\n  pass_at_most: 12 %\n  fall_back_at_least: 0.10\n"))
        #expect(e.line == 9 && e.message.contains("the thresholds cross"))
    }

    @Test func missingKeysWrongTypesAndBadYAML() throws {
        #expect(try #require(error("gate: g\ncell: c\naction: a\n")).message == "missing 'model'")
        #expect(try #require(error(minimal + "debounce: often\n")).message.contains("'debounce' must be a whole number"))
        #expect(try #require(error(minimal + "flag: maybe\n")).message.contains("on or off"))
        #expect(try #require(error(minimal + "silent_period: soon\n")).message.contains("duration such as 500ms, 30m"))
        #expect(try #require(error(minimal + "minimum_coverage: 1.5\n")).message.contains("share between 0 and 1"))
        #expect(try #require(error("gate: [unclosed\n")).message.hasPrefix("not valid YAML"))
        #expect(try #require(error("")).message == "the file is empty")
    }

    @Test func sharesAndDurationsReadEitherWay() throws {
        let g = try GateDefinition.parse(
            minimal
                + "minimum_coverage: 80 %\nsilent_period: 2h\naction_expiry: 3d\nfalse_positive:\n  pass_at_most: 4 %\n  fall_back_at_least: 0.12\n  fast_fall_back_at_least: 20 %\n",
            file: "g.yaml")
        #expect(g.minimumCoverage == 0.8 && g.silentPeriod == 7_200 && g.actionExpiry == 259_200)
        #expect(g.judge.passRate == 0.04 && g.judge.fallbackRate == 0.12 && g.judge.fastFallbackRate == 0.2)
    }
}
