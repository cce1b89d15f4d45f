import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceGates
import SluiceServer
import SluiceService
import SluiceStore
import SluiceTestSupport
import Testing

/// The pages under /ui as a browser uses them: a session cookie from the sign-in form, forms posted back.
@Suite struct WebPageTests {
    struct Reply {
        let status: HTTPResponse.Status
        let headers: HTTPFields
        let body: String
    }

    func send(
        _ client: any TestClientProtocol, _ method: HTTPRequest.Method, _ path: String, session: String? = nil, form: String? = nil,
        origin: String? = nil, fetch: Bool = false
    ) async throws -> Reply {
        var headers: HTTPFields = [:]
        if let session { headers[.cookie] = "sluice_session=\(session)" }
        if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        if let origin { headers[.origin] = origin }
        if fetch { headers[HTTPField.Name("X-Requested-With")!] = "fetch" }
        return try await client.execute(uri: path, method: method, headers: headers, body: form.map { ByteBuffer(string: $0) }) {
            Reply(status: $0.status, headers: $0.headers, body: String(buffer: $0.body))
        }
    }

    @Test func anOperatorSignsInSeesTheQueueWithEvidenceAndDecidesFromTheForms() async throws {
        let world = try APIWorld()
        let token = world.token["operator@cell-a"]!
        try await world.test { client in
            let bad = try await send(client, .post, "/ui/sign-in", form: "token=sluice_nope_nope")
            #expect(bad.status == .unauthorized)
            #expect(bad.body.contains("role=\"alert\""), "a wrong token is said on the page")

            let signedIn = try await send(client, .post, "/ui/sign-in", form: "token=\(token)")
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.headers[.location] == "/ui/queue")
            let cookie = try #require(signedIn.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/ui"))

            let anonymous = try await send(client, .get, "/ui/queue")
            #expect(anonymous.status == .seeOther && anonymous.headers[.location] == "/ui/sign-in")

            let queue = try await send(client, .get, "/ui/queue", session: token)
            #expect(queue.status == .ok)
            #expect(queue.body.contains("data-id=\"\(world.actionID)\""))
            #expect(queue.body.contains("section id=\"actions\"") && queue.body.contains("section id=\"recommendations\""))
            #expect(queue.body.contains("new EventSource('/ui/events')"))

            let evidence = try await send(client, .get, "/ui/actions/\(world.actionID)/evidence", session: token)
            #expect(evidence.status == .ok)
            for part in [
                "class=\"score\"", "svg class=\"sparkline\"", "table class=\"snapshot\"", "class=\"model\"", "class=\"stage\"", "form class=\"reject",
            ] {
                #expect(evidence.body.contains(part), "the evidence shows \(part)")
            }

            let withoutScript = try await send(client, .get, "/ui/queue?open=\(world.actionID)", session: token)
            #expect(withoutScript.body.contains("form class=\"reject"), "a browser without the script gets the evidence in the page")
            let opaque = try await send(
                client, .post, "/ui/actions/\(world.actionID)/approve", session: token, form: "", origin: "null", fetch: true)
            #expect(opaque.status == .forbidden, "an opaque origin is refused")

            let forged = try await send(
                client, .post, "/ui/actions/\(world.actionID)/approve", session: token, form: "", origin: "http://evil.example", fetch: true)
            #expect(forged.status == .forbidden, "a form from another site is refused")

            let rejected = try await send(
                client, .post, "/ui/actions/\(world.actionID)/reject", session: token, form: "reason=false-alarm&text=wash+cycle", fetch: true)
            #expect(rejected.status == .ok, "\(rejected.body)")
            let view = try world.engine.action(world.actionID, for: .system)
            #expect(view.action.state == .rejected)
            #expect(view.action.reasonCode == "false-alarm" && view.action.reasonText == "wash cycle")

            let again = try await send(client, .post, "/ui/actions/\(world.actionID)/approve", session: token, form: "", fetch: true)
            #expect(again.status == .conflict, "a decided action cannot be decided again: \(again.body)")
        }
    }

    @Test func otherRolesMayReadTheQueueButNotDecide() async throws {
        let world = try APIWorld()
        try await world.test { client in
            let sponsor = world.token["sponsor@cell-a"]!
            let signedIn = try await send(client, .post, "/ui/sign-in", form: "token=\(sponsor)")
            #expect(signedIn.headers[.location] == "/ui/report")
            let approve = try await send(client, .post, "/ui/actions/\(world.actionID)/approve", session: sponsor, form: "", fetch: true)
            #expect(approve.status == .forbidden)
            let edge = world.token["edge@cell-a"]!
            let queue = try await send(client, .get, "/ui/queue/lists", session: edge, fetch: true)
            #expect(queue.status == .forbidden)
            let other = world.token["operator@cell-b"]!
            let evidence = try await send(client, .get, "/ui/actions/\(world.actionID)/evidence", session: other, fetch: true)
            #expect(evidence.status == .notFound, "another cell's action is not found")
        }
    }

    @Test func theFloodBannerShowsPastTenAlarmsInTenMinutes() async throws {
        let world = try APIWorld()
        let edge = Principal(tokenID: "", name: "edge", role: .edge, cell: TestCell.id)
        let token = world.token["operator@cell-a"]!
        try await world.test { client in
            let calm = try await send(client, .get, "/ui/queue/lists", session: token)
            #expect(!calm.body.contains("flood-banner"))
            let olivia = Principal(tokenID: "", name: "olivia", role: .operator, cell: TestCell.id)
            // Eleven rounds of faults on two assets: 22 alarms within two minutes.
            for round in 0..<11 {
                world.clock.advance(by: 1)
                for t in 0..<3 {
                    let report = try world.engine.ingest(
                        TestCell.batch(
                            ["asset-02", "asset-03"], at: world.clock.now, values: round % 2 == 0 ? TestCell.faulty(t) : TestCell.normal(t)),
                        from: edge)
                    // Decided at once, so each asset's next fault raises a new alarm.
                    for id in report.raised where try world.engine.action(id, for: olivia).action.mode == "action" {
                        _ = try world.engine.approve(id, by: olivia, quantity: nil, note: nil)
                    }
                    world.clock.advance(by: 1)
                }
            }
            let flooded = try await send(client, .get, "/ui/queue/lists", session: token)
            let count = try world.engine.actions(ActionFilter(since: world.clock.now.addingTimeInterval(-600), limit: 1_000), for: .system).count
            #expect(count > 10, "the test raised \(count) alarms")
            #expect(flooded.body.contains("id=\"flood-banner\""))
        }
    }

    @Test func aSponsorSignsOffAPromotionFromTheReportPage() async throws {
        let clock = ManualClock(Date())
        let gate = GateDefinition(
            id: "cell-a-pilot", cell: TestCell.id, actionType: "maintenance-order", modelKind: "pca-t2q", modelVersion: 1,
            stages: [
                .init(name: "pilot", percent: 100, minimumSample: 10, minimumDwell: 0),
                .init(name: "plant", percent: 100, minimumSample: 10, minimumDwell: 0),
            ],
            requiresSponsorSignOff: true, debounce: 2, silentPeriod: 0, actionExpiry: 3_600)
        let engine = try DecisionEngine(store: try SQLiteStore(), catalog: try TestCell.catalog(gates: [gate]), clock: clock.function)
        let tokens = TokenAuthority(store: engine.store, cells: [TestCell.id, TestCell.otherID], clock: clock.function)
        let sponsor = try tokens.create(name: "sam", role: .sponsor, cell: TestCell.id, by: .local("test")).token
        let olivia = Principal(tokenID: "", name: "olivia", role: .operator, cell: TestCell.id)
        let edge = Principal(tokenID: "", name: "edge", role: .edge, cell: TestCell.id)
        // Real faults, every one approved: the pilot stage passes on its sequential test.
        var step = 0
        while try !engine.gate(gate.id, for: .system).passed, step < 1_000 {
            clock.advance(by: 1)
            let report = try engine.ingest(
                TestCell.batch(["asset-01"], at: clock.now, values: step % 4 < 2 ? TestCell.faulty(step) : TestCell.normal(step)), from: edge)
            for id in report.raised { _ = try engine.approve(id, by: olivia, quantity: nil, note: nil) }
            step += 1
        }
        #expect(try engine.gate(gate.id, for: .system).passed, "the stage passed after \(step) steps")
        let app = Application(router: buildRouter(APIServices(engine: engine, tokens: tokens)))
        try await app.test(.router) { client in
            let page = try await send(client, .get, "/ui/report", session: sponsor)
            #expect(page.status == .ok)
            #expect(page.body.contains("<svg"), "charts are inline SVG")
            #expect(!page.body.contains("<script"), "the report carries no script")
            #expect(page.body.contains("form class=\"sign-off"), "the gate awaits the sponsor's sign-off")
            let signed = try await send(client, .post, "/ui/gates/\(gate.id)/sign-off", session: sponsor, form: "reason=figures+reviewed")
            #expect(signed.status == .seeOther, "\(signed.body)")
            #expect(try engine.gate(gate.id, for: .system).signedOffBy == "sam")
            let after = try await send(client, .get, "/ui/report", session: sponsor)
            #expect(!after.body.contains("form class=\"sign-off"), "signed off: no form any more")
            #expect(after.body.contains("signed off by sam"))
        }
    }
}
