import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceGates
import SluiceServer
import SluiceService
import SluiceStore
import SluiceTestSupport

/// A running API on an in-memory store: cell A with three assets and a pending action on asset-01, and
/// a token for every role in cell A, in cell B, and none.
struct APIWorld: Sendable {
    let engine: DecisionEngine
    let tokens: TokenAuthority
    let services: APIServices
    let clock: ManualClock
    /// Tokens by "role@cell" ("admin@*" for the admin).
    var token: [String: String] = [:]
    var tokenIDs: [String: String] = [:]
    /// The pending action on asset-01.
    var actionID = ""

    static let inspectionGate = "cell-a-inspection"

    init() throws {
        clock = ManualClock(Date())
        let gates = [TestCell.gate(), TestCell.gate(id: Self.inspectionGate, action: "work-order", stages: [0, 100])]
        engine = try DecisionEngine(store: try SQLiteStore(), catalog: try TestCell.catalog(gates: gates), clock: clock.function)
        tokens = TokenAuthority(store: engine.store, cells: [TestCell.id, TestCell.otherID], clock: clock.function)
        services = APIServices(engine: engine, tokens: tokens)
        for role in [Identity.Role.operator, .data, .sponsor, .edge] {
            for cell in [TestCell.id, TestCell.otherID] {
                let issued = try tokens.create(name: "\(role.rawValue)-\(cell)", role: role, cell: cell, by: .local("test"))
                token["\(role.rawValue)@\(cell)"] = issued.token
                tokenIDs["\(role.rawValue)@\(cell)"] = issued.record.id
            }
        }
        let admin = try tokens.create(name: "ada", role: .admin, cell: nil, by: .local("test"))
        token["admin@*"] = admin.token
        let edge = Principal(tokenID: "", name: "edge", role: .edge, cell: TestCell.id)
        for t in 0..<3 {
            let report = try engine.ingest(TestCell.batch(["asset-01"], at: clock.now, values: TestCell.faulty(t)), from: edge)
            if let id = report.raised.first(where: { (try? engine.action($0, for: .system).action.mode) == "action" }) { actionID = id }
            clock.advance(by: 1)
        }
    }

    /// Runs `body` against the router, in memory.
    func test<T>(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> T) async throws -> T {
        let app = Application(router: buildRouter(services))
        return try await app.test(.router, body)
    }
}

extension TestClientProtocol {
    /// A request with an optional bearer token and JSON body; returns the status and body text.
    func call(_ method: HTTPRequest.Method, _ path: String, token: String?, body: String? = nil) async throws -> (HTTPResponse.Status, String) {
        var headers: HTTPFields = [:]
        if let token { headers[.authorization] = "Bearer \(token)" }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }) { response in
            (response.status, String(buffer: response.body))
        }
    }
}
