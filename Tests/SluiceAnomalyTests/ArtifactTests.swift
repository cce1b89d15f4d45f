import Foundation
import SluiceAnomaly
import Testing

@Suite("Model artifacts")
struct ArtifactTests {
    @Test(arguments: AnomalyModelKind.allCases)
    func saveAndLoadRoundTripExactly(kind: AnomalyModelKind) throws {
        let configuration = kind == .hotellingT2 ? TrainingConfiguration.automatic : TrainingConfiguration(kind: kind)
        let model = try AnomalyTrainer.fit(correlatedStates(500), features: fixtureFeatures, configuration: configuration, name: "press").model
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try model.save(to: path)
        let loaded = try AnomalyModel.load(from: path)
        #expect(loaded == model)
        let states = correlatedStates(100, seed: 5)
        let fromLoaded = try AnomalyScorer(model: loaded).scores(sequence: states)
        let fromFitted = try AnomalyScorer(model: model).scores(sequence: states)
        // MSET inverts a near-singular similarity matrix when it is loaded; multithreaded OpenBLAS may
        // round differently from one inversion to the next, which shows far below the threshold.
        for (a, b) in zip(fromLoaded, fromFitted) {
            #expect(abs(a - b) <= (kind == .mset ? 1e-6 : 1e-12) * max(1, abs(b)))
        }
    }

    private func loadError(_ json: String) -> String? {
        do {
            _ = try AnomalyModel.decode(Data(json.utf8), path: "Models/x.json")
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func wrongFamilyIsRefusedWithAMessage() {
        #expect(
            loadError(#"{"format": 1, "family": "replenishment", "kind": "eoq"}"#)
                == "Models/x.json: this is a 'replenishment' model, not an anomaly model")
    }

    @Test func newerFormatIsRefusedWithAMessage() {
        #expect(
            loadError(#"{"format": 3, "family": "anomaly", "kind": "mset"}"#)
                == "Models/x.json: model format version 3 is not supported; this Sluice reads formats 1 to 2")
    }

    @Test func unknownKindIsRefused() throws {
        let message = try #require(loadError(#"{"format": 1, "family": "anomaly", "kind": "isolation-forest"}"#))
        #expect(message.contains("unknown anomaly model kind 'isolation-forest'"))
    }

    @Test func notAnArtifactIsRefused() throws {
        #expect(try #require(loadError("[1, 2]")).contains("not a valid model artifact"))
        #expect(try #require(loadError(#"{"format": 1, "family": "anomaly", "kind": "mset"}"#)).contains("missing"))
    }

    @Test func malformedNumbersAreRefusedOnLoad() throws {
        let model = try AnomalyTrainer.fit(correlatedStates(500), features: fixtureFeatures, configuration: .automatic, name: "press").model
        func message(_ edit: (inout AnomalyModel) -> Void) -> String? {
            var broken = model
            edit(&broken)
            do {
                _ = try AnomalyModel.decode(try broken.jsonData(), path: "m.json")
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(message { $0.filter.window = 0 }?.contains("filter.window") == true)
        #expect(message { $0.filter.slowFeatures = [true] }?.contains("slowFeatures") == true)
        #expect(message { $0.limits.primary = 0 }?.contains("limits.primary") == true)
        #expect(message { $0.scaling = Standardizer(means: [1], scales: [1]) }?.contains("scaling") == true)
        #expect(message { $0.parameters.retained = 9 }?.contains("retained") == true)
        #expect(message { _ in } == nil)
    }
}
