import Foundation
import Hummingbird
import HummingbirdTesting
import SluiceService
import SluiceTestSupport
import Testing

/// Every endpoint × every role: no token → 401, a role that may not → 403, another cell → 404, and the
/// roles that may get through to the endpoint's own answer.
@Suite struct RoleMatrixTests {
    struct Endpoint: Sendable, CustomTestStringConvertible {
        let method: HTTPRequest.Method
        let path: @Sendable (APIWorld) -> String
        let body: String?
        let permission: Permission
        /// Whether another cell's token gets 404 (false: the endpoint is not about one cell's resources).
        let cellScoped: Bool
        /// The status a permitted token of the right cell gets.
        let success: HTTPResponse.Status
        /// The status a permitted token of another cell gets, when not 404.
        var otherCell: HTTPResponse.Status? = nil
        let name: String

        var testDescription: String { name }
    }

    static let endpoints: [Endpoint] = [
        Endpoint(
            method: .post, path: { _ in "/v1/telemetry" },
            body: #"{"samples":[{"asset":"asset-02","time":"\#(ISOTime.format(Date()))","values":{"pressure":5.5}}]}"#, permission: .ingest,
            cellScoped: false, success: .ok, otherCell: .unprocessableContent, name: "POST /v1/telemetry"),
        Endpoint(
            method: .get, path: { _ in "/v1/actions?cell=\(TestCell.id)" }, body: nil, permission: .read, cellScoped: true, success: .ok,
            name: "GET /v1/actions"),
        Endpoint(
            method: .get, path: { "/v1/actions/\($0.actionID)" }, body: nil, permission: .read, cellScoped: true, success: .ok,
            name: "GET /v1/actions/{id}"),
        Endpoint(
            method: .post, path: { "/v1/actions/\($0.actionID)/approve" }, body: #"{"note":"checked"}"#, permission: .decide, cellScoped: true,
            success: .ok, name: "POST /v1/actions/{id}/approve"),
        Endpoint(
            method: .post, path: { "/v1/actions/\($0.actionID)/reject" }, body: #"{"reason":"false-alarm"}"#, permission: .decide,
            cellScoped: true, success: .ok, name: "POST /v1/actions/{id}/reject"),
        Endpoint(
            method: .post, path: { "/v1/actions/\($0.actionID)/judge" }, body: #"{"useful":true}"#, permission: .decide, cellScoped: true,
            success: .conflict, name: "POST /v1/actions/{id}/judge"),
        Endpoint(
            method: .post, path: { "/v1/actions/\($0.actionID)/requeue" }, body: nil, permission: .requeueDispatch, cellScoped: true,
            success: .conflict, name: "POST /v1/actions/{id}/requeue"),
        Endpoint(method: .get, path: { _ in "/v1/cells" }, body: nil, permission: .read, cellScoped: false, success: .ok, name: "GET /v1/cells"),
        Endpoint(
            method: .get, path: { _ in "/v1/cells/\(TestCell.id)/twin" }, body: nil, permission: .read, cellScoped: true, success: .ok,
            name: "GET /v1/cells/{cell}/twin"),
        Endpoint(method: .get, path: { _ in "/v1/gates" }, body: nil, permission: .read, cellScoped: false, success: .ok, name: "GET /v1/gates"),
        Endpoint(
            method: .get, path: { _ in "/v1/gates/\(APIWorld.inspectionGate)" }, body: nil, permission: .read, cellScoped: true, success: .ok,
            name: "GET /v1/gates/{id}"),
        Endpoint(
            method: .post, path: { _ in "/v1/gates/\(APIWorld.inspectionGate)/promote" }, body: #"{"reason":"clean week in shadow"}"#,
            permission: .changeGates, cellScoped: true, success: .ok, name: "POST /v1/gates/{id}/promote"),
        Endpoint(
            method: .post, path: { _ in "/v1/gates/\(APIWorld.inspectionGate)/sign-off" }, body: #"{"reason":"figures reviewed"}"#,
            permission: .signOff, cellScoped: true, success: .ok, name: "POST /v1/gates/{id}/sign-off"),
        Endpoint(
            method: .post, path: { _ in "/v1/gates/\(APIWorld.inspectionGate)/pause" }, body: #"{"reason":"maintenance window"}"#,
            permission: .changeGates, cellScoped: true, success: .ok, name: "POST /v1/gates/{id}/pause"),
        Endpoint(
            method: .post, path: { _ in "/v1/gates/\(APIWorld.inspectionGate)/resume" }, body: #"{"reason":"back"}"#, permission: .changeGates,
            cellScoped: true, success: .conflict, name: "POST /v1/gates/{id}/resume"),
        Endpoint(
            method: .post, path: { _ in "/v1/gates/\(APIWorld.inspectionGate)/abort" }, body: #"{"reason":"model retired"}"#,
            permission: .changeGates, cellScoped: true, success: .ok, name: "POST /v1/gates/{id}/abort"),
        Endpoint(
            method: .put, path: { _ in "/v1/gates/\(APIWorld.inspectionGate)/flag" }, body: #"{"enabled":false,"reason":"line stopped"}"#,
            permission: .changeGates, cellScoped: true, success: .ok, name: "PUT /v1/gates/{id}/flag"),
        Endpoint(
            method: .get, path: { _ in "/v1/tokens" }, body: nil, permission: .manageTokens, cellScoped: false, success: .ok, name: "GET /v1/tokens"),
        Endpoint(
            method: .post, path: { _ in "/v1/tokens" }, body: #"{"name":"new operator","role":"operator","cell":"cell-a"}"#,
            permission: .manageTokens, cellScoped: false, success: .created, name: "POST /v1/tokens"),
        Endpoint(
            method: .delete, path: { "/v1/tokens/\($0.tokenIDs["data@cell-b"]!)" }, body: nil, permission: .manageTokens, cellScoped: false,
            success: .noContent, name: "DELETE /v1/tokens/{id}"),
        Endpoint(
            method: .get, path: { _ in "/v1/audit/verify" }, body: nil, permission: .readReports, cellScoped: false, success: .ok,
            name: "GET /v1/audit/verify"),
        Endpoint(
            method: .get, path: { _ in "/v1/report?days=7" }, body: nil, permission: .readReports, cellScoped: false, success: .ok,
            name: "GET /v1/report"),
        Endpoint(
            method: .get, path: { _ in "/v1/labels" }, body: nil, permission: .exportLabels, cellScoped: false, success: .ok, name: "GET /v1/labels"),
    ]

    static let callers: [(role: String, cell: String?)] =
        [("operator", TestCell.id), ("data", TestCell.id), ("sponsor", TestCell.id), ("edge", TestCell.id), ("admin", nil)]
        + [("operator", TestCell.otherID), ("data", TestCell.otherID), ("sponsor", TestCell.otherID), ("edge", TestCell.otherID)]

    @Test(arguments: endpoints)
    func everyRoleGetsWhatItMay(_ endpoint: Endpoint) async throws {
        for caller in Self.callers + [(role: "none", cell: nil)] {
            // A fresh world for each caller, so one caller's success does not change the next one's answer.
            let world = try APIWorld()
            let token = caller.role == "none" ? nil : world.token["\(caller.role)@\(caller.cell ?? "*")"]
            let (status, body) = try await world.test { client in
                try await client.call(endpoint.method, endpoint.path(world), token: token, body: endpoint.body)
            }
            let role = caller.role
            let expected: HTTPResponse.Status =
                if role == "none" {
                    .unauthorized
                } else if !endpoint.permission.roles.contains(where: { $0.rawValue == role }) {
                    .forbidden
                } else if caller.cell == TestCell.otherID, endpoint.cellScoped {
                    .notFound
                } else if caller.cell == TestCell.otherID, let other = endpoint.otherCell {
                    other
                } else {
                    endpoint.success
                }
            #expect(status == expected, "\(endpoint.name) as \(role)@\(caller.cell ?? "*"): \(body.prefix(200))")
            if status.code >= 400 {
                #expect(body.contains("\"message\"") || body.contains("\"reason\""), "\(endpoint.name) as \(role): errors say what was wrong")
            }
        }
    }

    @Test func theEventStreamNeedsAReaderToken() async throws {
        let world = try APIWorld()
        let (none, _) = try await world.test { try await $0.call(.get, "/v1/events", token: nil) }
        #expect(none == .unauthorized)
        let (edge, _) = try await world.test { try await $0.call(.get, "/v1/events", token: world.token["edge@cell-a"]) }
        #expect(edge == .forbidden)
    }

    @Test func publicEndpointsNeedNoToken() async throws {
        let world = try APIWorld()
        for path in ["/health", "/metrics", "/openapi.yaml"] {
            let (status, body) = try await world.test { try await $0.call(.get, path, token: nil) }
            #expect(status == .ok, "\(path)")
            #expect(!body.isEmpty)
        }
        let (_, metrics) = try await world.test { try await $0.call(.get, "/metrics", token: nil) }
        #expect(metrics.contains("sluice_samples_accepted_total"))
        #expect(metrics.contains("sluice_sample_to_action_seconds_bucket"))
    }

    @Test func revokedAndExpiredTokensAreRefused() async throws {
        let world = try APIWorld()
        let admin = Principal.local("test")
        let shortLived = try world.tokens.create(name: "temp", role: .operator, cell: TestCell.id, expiresIn: 60, by: admin)
        let (before, _) = try await world.test { try await $0.call(.get, "/v1/actions", token: shortLived.token) }
        #expect(before == .ok)
        world.clock.advance(by: 61)
        let (after, body) = try await world.test { try await $0.call(.get, "/v1/actions", token: shortLived.token) }
        #expect(after == .unauthorized)
        #expect(body.contains("expired"))
        try world.tokens.revoke(id: world.tokenIDs["operator@cell-a"]!, by: admin)
        let (revoked, text) = try await world.test { try await $0.call(.get, "/v1/actions", token: world.token["operator@cell-a"]) }
        #expect(revoked == .unauthorized)
        #expect(text.contains("revoked"))
        let (wrong, _) = try await world.test { try await $0.call(.get, "/v1/actions", token: "sluice_00000000_nope") }
        #expect(wrong == .unauthorized)
    }

    @Test func anAdminOfOneCellManagesThatCellsTokensOnly() async throws {
        let world = try APIWorld()
        let scoped = try world.tokens.create(name: "cell admin", role: .admin, cell: TestCell.id, by: .local("test")).token
        let (everywhere, _) = try await world.test {
            try await $0.call(.post, "/v1/tokens", token: scoped, body: #"{"name":"x","role":"admin"}"#)
        }
        #expect(everywhere == .forbidden, "no token beyond its own cell")
        let (own, _) = try await world.test {
            try await $0.call(.post, "/v1/tokens", token: scoped, body: #"{"name":"y","role":"operator","cell":"cell-a"}"#)
        }
        #expect(own == .created)
        let (revokeOther, _) = try await world.test {
            try await $0.call(.delete, "/v1/tokens/\(world.tokenIDs["data@cell-b"]!)", token: scoped)
        }
        #expect(revokeOther == .notFound)
        let (listed, list) = try await world.test { try await $0.call(.get, "/v1/tokens", token: scoped) }
        #expect(listed == .ok)
        #expect(list.contains("cell-a") && !list.contains("cell-b"), "its own cell's tokens only: \(list)")
    }

    @Test func everyWriteIsAttributedInTheAuditLog() async throws {
        let world = try APIWorld()
        let operatorToken = world.token["operator@cell-a"]
        _ = try await world.test { try await $0.call(.post, "/v1/actions/\(world.actionID)/approve", token: operatorToken, body: "{}") }
        _ = try await world.test {
            try await $0.call(.post, "/v1/gates/\(APIWorld.inspectionGate)/pause", token: world.token["admin@*"], body: #"{"reason":"test"}"#)
        }
        let records = try world.engine.store.read { try $0.audit.records(from: 1, limit: 1_000) }
        let approval = try #require(records.first { $0.entry.event == "action.approved" })
        #expect(approval.entry.actor == "operator-cell-a")
        #expect(approval.entry.role == "operator")
        let pause = try #require(records.first { $0.entry.event == "gate.paused" })
        #expect(pause.entry.actor == "ada")
        #expect(records.contains { $0.entry.event == "token.created" && $0.entry.actor == "test" })
        #expect(records.contains { $0.entry.event == "telemetry.accepted" })
    }
}
