import Foundation
import HTTPTypes
import SluiceTestSupport
import Testing

/// Inputs the OpenAPI fuzzing (`scripts/fuzz-api.sh`) found mishandled, and the body size limit: each is
/// refused with a 4xx and a message, and the server keeps running.
@Suite struct HostileInputTests {
    @Test(arguments: ["since=-1e300", "until=1e16", "since=0.5", "since=10000-01-01T00:00:00Z"])
    func absurdTimesInALabelsExportAreRefused(_ query: String) async throws {
        let world = try APIWorld()
        let (status, body) = try await world.test { try await $0.call(.get, "/v1/labels?\(query)", token: world.token["admin@*"]) }
        #expect(status == .badRequest, "\(query): \(status) \(body)")
        #expect(body.contains("RFC 3339"), "\(body)")
        // Still answering.
        let (health, _) = try await world.test { try await $0.call(.get, "/health", token: nil) }
        #expect(health == .ok)
    }

    @Test func aSampleTimedByABareNumberIsRefusedWithItsReason() async throws {
        let world = try APIWorld()
        let body = #"{"samples":[{"asset":"asset-01","time":"1795304000","values":{"temperature":60}}]}"#
        let (status, text) = try await world.test { try await $0.call(.post, "/v1/telemetry", token: world.token["edge@cell-a"], body: body) }
        #expect(status == .unprocessableContent, "\(status) \(text)")
        #expect(text.contains("RFC 3339"))
    }

    @Test(arguments: [5e-324, 0.0001, 36_501])
    func aTokenLifetimeUnderAMinuteOrOverACenturyIsRefused(_ days: Double) async throws {
        let world = try APIWorld()
        let body = #"{"name":"t","role":"operator","expiresInDays":\#(days)}"#
        let (status, text) = try await world.test { try await $0.call(.post, "/v1/tokens", token: world.token["admin@*"], body: body) }
        #expect(status == .badRequest, "\(days): \(status) \(text)")
    }

    @Test func aTelemetryBodyThatIsNotJSONIsRefusedWith400SayingWhere() async throws {
        let world = try APIWorld()
        let (status, text) = try await world.test {
            try await $0.call(.post, "/v1/telemetry", token: world.token["edge@cell-a"], body: "{\"samples\": [")
        }
        #expect(status == .badRequest, "\(status) \(text)")
        #expect(text.contains("not valid JSON at line 1, column 14"), "\(text)")
    }

    @Test func anUnknownActionStateInAListIsRefusedWithTheStatesThereAre() async throws {
        let world = try APIWorld()
        let (status, body) = try await world.test { try await $0.call(.get, "/v1/actions?state=half-approved", token: world.token["admin@*"]) }
        #expect(status == .badRequest, "\(status) \(body)")
        #expect(body.contains("state must be one of pending, approved,") && body.contains("got 'half-approved'"), "\(body)")
        let (listed, _) = try await world.test { try await $0.call(.get, "/v1/actions?state=dead-lettered", token: world.token["admin@*"]) }
        #expect(listed == .ok)
    }

    @Test func aBodyOverTheLimitIsRefusedWith413() async throws {
        let world = try APIWorld()
        let body = "{\"samples\":[" + String(repeating: " ", count: 16 * 1_024 * 1_024 + 1) + "]}"
        let (status, _) = try await world.test { try await $0.call(.post, "/v1/telemetry", token: world.token["edge@cell-a"], body: body) }
        #expect(status == .contentTooLarge)
    }
}
