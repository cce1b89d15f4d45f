import Foundation
import SluiceService
import SluiceTestSupport
import Testing

/// The operator page in a real browser: `Tests/Browser/operator_page_test.py` drives Debian's headless
/// chromium through chromium-driver and Selenium against a running `sluice serve`: sign in, see two actions
/// arrive live, approve one from the keyboard, reject the other with a reason with the mouse, and check both
/// through the API. `make test` installs chromium, chromium-driver and selenium where it can (as root).
@Suite struct OperatorPageBrowserTests {
    /// Whether this machine has what the browser test needs.
    static let browserAvailable: Bool = {
        let found = ["chromium", "chromedriver"].allSatisfy { name in
            (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
                FileManager.default.isExecutableFile(atPath: "\($0)/\(name)")
            }
        }
        guard found else { return false }
        return (try? run("/usr/bin/env", ["python3", "-c", "import selenium"]).status) == 0
    }()

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try runProgram(URL(fileURLWithPath: executable), arguments)
    }

    @Test(
        .enabled(if: browserAvailable, "needs chromium, chromium-driver and the selenium package; scripts/install-deps.sh installs them as root"),
        .timeLimit(.minutes(3)))
    func anOperatorApprovesOneActionAndRejectsAnotherInARealBrowser() async throws {
        let folder = try ServerFolder(assets: 2)
        let edge = try await folder.token("edge")
        let operatorToken = try await folder.token("operator")
        let server = try await ServerProcess.start(folder)
        defer { server.terminate() }

        // One fault sample per asset: the gate (debounce 1) raises an action for each.
        let telemetry = folder.path + "/faults.json"
        try faultyBatch(2, at: Date().addingTimeInterval(-5)).write(toFile: telemetry, atomically: true, encoding: .utf8)

        let script = TestCell.root.appendingPathComponent("Tests/Browser/operator_page_test.py").path
        let result = try await offThePool {
            try Self.run(
                "/usr/bin/env",
                [
                    "python3", script, "--url", server.url, "--operator-token", operatorToken, "--edge-token", edge, "--telemetry", telemetry,
                    "--screenshots", folder.path + "/screenshots", "--timeout", "30",
                ])
        }
        #expect(
            result.status == 0, "the browser test failed (screenshots in \(folder.path)/screenshots):\n\(result.err)\n\(result.out.suffix(2_000))")

        // The same outcome through the API, read here rather than in the browser script.
        let api = TestAPI(base: server.url, token: operatorToken)
        let list = try await api.json("GET", "/v1/actions?limit=10")
        let actions = (list["actions"] as? [[String: Any]]) ?? []
        let states = actions.compactMap { $0["state"] as? String }.sorted()
        #expect(actions.count == 2)
        #expect(states.contains("rejected"), "\(states)")
        #expect(states.contains { ["approved", "dispatched", "acknowledged", "failed"].contains($0) }, "\(states)")
        #expect(actions.contains { $0["reasonCode"] as? String == "false-alarm" })
    }
}
