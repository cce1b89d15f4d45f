import Foundation
import SluiceBenchmarks
import Testing

private let here = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
private let sharedOracle: String? = {
    let path = here.appendingPathComponent("../../../shared/data/replenishment-oracle.json").standardized.path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}()

@Suite("Replenishment oracle")
struct OracleTests {
    @Test(.enabled(if: sharedOracle != nil, "needs ../shared/data/replenishment-oracle.json beside the repository"))
    func everySharedCaseIsWithinTolerance() throws {
        let cases = try ReplenishmentOracle.load(path: sharedOracle!)
        #expect(cases.count == 30)
        let failures = cases.map(ReplenishmentOracle.run).filter { !$0.ok }
        #expect(failures.isEmpty, "\(failures.map { "\($0.id): \($0.problem ?? "")" })")
    }

    @Test func randomisedCasesWithOtherParametersAreWithinTolerance() throws {
        let cases = try ReplenishmentOracle.load(path: here.appendingPathComponent("Fixtures/oracle-random-cases.json").path)
        #expect(cases.count == 154)
        #expect(Set(cases.map(\.function)).count == 19)
        let failures = cases.map(ReplenishmentOracle.run).filter { !$0.ok }
        #expect(failures.isEmpty, "\(failures.map { "\($0.id): \($0.problem ?? "")" })")
    }

    private func cases(_ json: String) throws -> [ReplenishmentOracle.Case] {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-\(UUID().uuidString).json").path
        try json.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ReplenishmentOracle.load(path: path)
    }

    @Test func unsupportedFunctionsAndBadParametersFailWithAReason() throws {
        let loaded = try cases(
            """
            {"cases": [
              {"id": "a", "stockpyl_function": "eoq.something_new", "parameters": {}, "expected": {"x": 1}, "tolerance": {"abs_tol": 1e-6}},
              {"id": "b", "stockpyl_function": "eoq.economic_order_quantity", "parameters": {"fixed_cost_K": 8, "holding_cost_h": -1, "demand_rate_lambda": 10},
               "expected": {"order_quantity_Q": 1}, "tolerance": {"abs_tol": 1e-6}},
              {"id": "c", "stockpyl_function": "eoq.economic_order_quantity", "parameters": {"fixed_cost_K": 8, "demand_rate_lambda": 10},
               "expected": {"order_quantity_Q": 1}},
              {"id": "d", "stockpyl_function": "eoq.economic_order_quantity", "parameters": {"fixed_cost_K": 8, "holding_cost_h": 0.225, "demand_rate_lambda": 1300},
               "expected": {"order_quantity_Q": 300}, "tolerance": {"abs_tol": 1e-6}}
            ]}
            """)
        let outcomes = loaded.map(ReplenishmentOracle.run)
        #expect(outcomes.allSatisfy { !$0.ok })
        #expect(outcomes[0].problem == "unsupported function eoq.something_new")
        #expect(outcomes[1].problem?.hasPrefix("holding_cost_h:") == true)
        #expect(outcomes[2].problem == "holding_cost_h: missing")
        #expect(outcomes[3].problem == "off: order_quantity_Q")
    }

    @Test func aFileInAnotherFormatIsRefused() {
        #expect(throws: (any Error).self) { try cases(#"{"tests": []}"#) }
        #expect(throws: (any Error).self) { try ReplenishmentOracle.load(path: "/nonexistent.json") }
    }
}
