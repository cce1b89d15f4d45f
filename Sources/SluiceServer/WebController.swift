import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceService
import SluiceStore
import SluiceWeb

/// The people's pages under `/ui`: sign-in, the operator's queue and the sponsor's report.
///
/// A browser signs in once with its token, which is kept in an HttpOnly, SameSite=Strict cookie scoped to
/// `/ui`; every page and form checks it as the API checks a bearer token, with the same roles. A form post
/// from another origin is refused. Forms work without the page's script (the server answers a redirect);
/// the script posts them with `X-Requested-With: fetch` and gets the outcome as plain text.
struct WebController {
    let engine: DecisionEngine
    let tokens: TokenAuthority
    /// The cookie goes over HTTPS only (the server speaks TLS).
    let secureCookies: Bool

    static let cookie = "sluice_session"

    /// The session cookie's attributes.
    private var cookieAttributes: String { "Path=/ui; HttpOnly; SameSite=Strict" + (secureCookies ? "; Secure" : "") }

    func addRoutes(to router: Router<SluiceRequestContext>) {
        router.get("ui") { request, _ in try page(request) { redirect(to: $0.role == .operator ? "/ui/queue" : "/ui/report") } }
        router.get("ui/sign-in") { _, _ in html(OperatorPage.signIn()) }
        router.post("ui/sign-in", use: signIn)
        router.post("ui/sign-out") { _, _ in
            var response = redirect(to: "/ui/sign-in")
            response.headers[.setCookie] = "\(Self.cookie)=; \(cookieAttributes); Max-Age=0"
            return response
        }
        router.get("ui/queue") { request, _ in
            try page(request) { principal in
                // `?open=<id>` shows that action's evidence in the page itself, for a browser without the script.
                let open = try request.uri.queryParameters["open"].map { id -> String in
                    let view = try engine.action(String(id), for: principal)
                    return OperatorPage.evidence(view, gate: try? engine.gate(view.action.gate, for: principal))
                }
                return html(OperatorPage.queue(try queue(for: principal), evidence: open))
            }
        }
        router.get("ui/queue/lists") { request, _ in try page(request) { html(OperatorPage.lists(try queue(for: $0))) } }
        router.get("ui/actions/{id}/evidence") { request, context in
            try page(request) { principal in
                let view = try engine.action(try context.parameters.require("id"), for: principal)
                return html(OperatorPage.evidence(view, gate: try? engine.gate(view.action.gate, for: principal)))
            }
        }
        router.post("ui/actions/{id}/approve") { request, context in
            try await decide(request, context) { principal, form, id in
                let quantity = try form["quantity"].flatMap { text -> Double? in
                    guard !text.isEmpty else { return nil }
                    guard let value = Double(text), value.isFinite else {
                        throw ServiceError.invalid("the quantity must be a number; got '\(text.prefix(20))'")
                    }
                    return value
                }
                let view = try engine.approve(id, by: principal, quantity: quantity, note: form["note"])
                return "approved \(view.subject) (\(view.type))"
            }
        }
        router.post("ui/actions/{id}/reject") { request, context in
            try await decide(request, context) { principal, form, id in
                guard let reason = form["reason"].flatMap(RejectionReason.init(rawValue:)) else {
                    throw ServiceError.invalid("choose a reason: \(RejectionReason.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                let text = form["text"].flatMap { $0.isEmpty ? nil : $0 }
                let view = try engine.reject(id, by: principal, reason: reason, text: text)
                return "rejected \(view.subject) (\(reason.rawValue))"
            }
        }
        router.post("ui/actions/{id}/judge") { request, context in
            try await decide(request, context) { principal, form, id in
                guard let useful = form["useful"].flatMap({ $0 == "true" ? true : ($0 == "false" ? false : nil) }) else {
                    throw ServiceError.invalid("say whether it was useful: useful=true or useful=false")
                }
                let view = try engine.judge(id, useful: useful, by: principal, text: form["text"])
                return "marked \(view.subject) \(useful ? "useful" : "not useful")"
            }
        }
        router.get("ui/events", use: events)
        router.get("ui/report") { request, _ in
            try page(request) { principal in
                let report = try engine.report(from: try span(request).from, to: engine.now, for: principal)
                let canSignOff = principal.role == .sponsor
                return html(ReportPage.render(report, signOffAction: canSignOff ? { "/ui/gates/\($0)/sign-off" } : nil))
            }
        }
        router.post("ui/gates/{id}/sign-off") { request, context in
            do {
                let principal = try principal(request)
                try checkOrigin(request)
                let form = try await Self.form(request)
                let id = try context.parameters.require("id")
                try engine.change(gate: id, .signOff, by: principal, reason: form["reason"] ?? "")
                return redirect(to: "/ui/report#gate-\(id)")
            } catch let error as ServiceError {
                return failure(request, error)
            }
        }
    }

    // MARK: Pages

    @Sendable func signIn(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try checkOrigin(request)
        let form = try await Self.form(request)
        let token = (form["token"] ?? "").trimmingCharacters(in: .whitespaces)
        let principal: Principal
        do {
            principal = try tokens.authenticate(token: token)
        } catch let error as ServiceError {
            return html(OperatorPage.signIn(error: error.message), status: .unauthorized)
        }
        var response = redirect(to: principal.role == .operator ? "/ui/queue" : "/ui/report")
        // The token itself is the session: revoking it ends every browser signed in with it.
        response.headers[.setCookie] = "\(Self.cookie)=\(token); \(cookieAttributes); Max-Age=43200"
        return response
    }

    /// Runs a page for the signed-in caller; without a session, a navigation goes to the sign-in page and a
    /// script's fetch gets 401.
    func page(_ request: Request, _ body: (Principal) throws -> Response) throws -> Response {
        do {
            return try body(try principal(request))
        } catch let error as ServiceError {
            return failure(request, error)
        }
    }

    func decide(
        _ request: Request, _ context: SluiceRequestContext, _ body: (Principal, [String: String], String) throws -> String
    ) async throws -> Response {
        do {
            let principal = try principal(request)
            try checkOrigin(request)
            let form = try await Self.form(request)
            let message = try body(principal, form, try context.parameters.require("id"))
            if request.headers[.requestedWith] == "fetch" { return text(message) }
            return redirect(to: "/ui/queue")
        } catch let error as ServiceError {
            return failure(request, error)
        }
    }

    func failure(_ request: Request, _ error: ServiceError) -> Response {
        let status = ErrorMiddleware<SluiceRequestContext>.status(of: error.kind)
        // A page opened without a session goes to the sign-in page; the script's requests get the status.
        if error.kind == .unauthorized, request.method == .get, request.headers[.requestedWith] != "fetch" { return redirect(to: "/ui/sign-in") }
        return text(error.message, status: status)
    }

    func queue(for principal: Principal) throws -> OperatorPage.Queue {
        let pending = try engine.actions(ActionFilter(state: .pending, limit: 1_000), for: principal)
        let recent = try engine.actions(ActionFilter(since: engine.now.addingTimeInterval(-600), limit: 1_000), for: principal)
        return OperatorPage.Queue(
            name: principal.name, cells: try engine.cells(for: principal), actions: pending.filter { $0.mode == "action" },
            recommendations: pending.filter { $0.mode == "recommendation" }, alarmsLast10Minutes: recent.count)
    }

    /// The queue's live feed for the page: every change as an unnamed event, so one handler reloads the lists.
    @Sendable func events(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal: Principal
        do {
            principal = try self.principal(request)
            try principal.require(.read)
        } catch let error as ServiceError {
            return failure(request, error)
        }
        return EventsController.eventStream(engine.events.subscribe(cell: principal.cell), named: false)
    }

    // MARK: Sessions and forms

    func principal(_ request: Request) throws -> Principal {
        guard let token = Self.cookieValue(request.headers[.cookie], name: Self.cookie), !token.isEmpty else {
            throw ServiceError.unauthorized("sign in first")
        }
        return try tokens.authenticate(token: token)
    }

    /// Refuses a form posted from another site: browsers send `Origin` with every POST, and it must name this host.
    func checkOrigin(_ request: Request) throws {
        // Browsers send Origin with every form post; a client without one (curl) is not a browser another
        // site can drive. An opaque origin ("null") is refused.
        guard let origin = request.headers[.origin] else { return }
        guard let host = request.head.authority, let url = URL(string: origin), url.host != nil else {
            throw ServiceError.forbidden("the form came from another site")
        }
        let originHost = url.port.map { "\(url.host!):\($0)" } ?? url.host!
        guard originHost == host else { throw ServiceError.forbidden("the form came from another site (\(origin))") }
    }

    static func cookieValue(_ header: String?, name: String) -> String? {
        guard let header else { return nil }
        for part in header.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == name { return String(pair[1]).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    /// A URL-encoded form body (at most 16 KiB).
    static func form(_ request: Request) async throws -> [String: String] {
        var request = request
        let buffer = try await request.collectBody(upTo: 16 * 1_024)
        return decodeForm(String(buffer: buffer))
    }

    static func decodeForm(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { String(s).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    func span(_ request: Request) throws -> (from: Date, to: Date) {
        try Self.span(request.uri.queryParameters["days"].map(String.init), now: engine.now)
    }

    /// The report's span: the last `days` days (30 unless given).
    static func span(_ days: String?, now: Date) throws -> (from: Date, to: Date) {
        var length = 30.0
        if let days {
            guard let value = Double(days), value > 0, value <= 3_650 else {
                throw ServiceError.invalid("days must be a number of days above 0 and at most 3650")
            }
            length = value
        }
        return (now.addingTimeInterval(-length * 86_400), now)
    }
}

func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(
        status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
        body: .init(byteBuffer: ByteBuffer(string: text)))
}

func text(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
}

func redirect(to location: String) -> Response {
    Response(status: .seeOther, headers: [.location: location])
}

extension HTTPField.Name {
    static let requestedWith = HTTPField.Name("X-Requested-With")!
}
