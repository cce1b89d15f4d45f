import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SluiceGates
import SluiceService
import SluiceStore
import SluiceTelemetry
import SluiceWeb

/// Telemetry in: `POST /v1/telemetry`.
struct TelemetryController {
    let engine: DecisionEngine

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.post("telemetry", use: ingest)
    }

    @Sendable func ingest(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let arrival = ContinuousClock.now
        let principal = try context.caller()
        try principal.require(.ingest)
        var request = request
        let buffer = try await request.collectBody(upTo: context.maxUploadSize)
        let batch = try TelemetryBatch.decode(Data(buffer: buffer))
        let report = try engine.ingest(batch, from: principal, correlationID: request.headers[.correlationID], arrival: arrival)
        let nothingKept = report.acceptedSamples + report.acceptedMovements == 0 && !report.rejected.isEmpty
        var response = try APICoding.json(report, status: nothingKept ? .unprocessableContent : .ok)
        response.headers[.correlationID] = report.correlationID
        return response
    }
}

/// The queue: list, get, approve, reject, judge, requeue.
struct ActionsController {
    let engine: DecisionEngine

    struct ApproveBody: Decodable {
        var quantity: Double?
        var note: String?
    }

    struct RejectBody: Decodable {
        var reason: String
        var text: String?
    }

    struct JudgeBody: Decodable {
        var useful: Bool
        var text: String?
    }

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.get("actions", use: list)
        group.get("actions/{id}", use: get)
        group.post("actions/{id}/approve", use: approve)
        group.post("actions/{id}/reject", use: reject)
        group.post("actions/{id}/judge", use: judge)
        group.post("actions/{id}/requeue", use: requeue)
        group.get("cells", use: cells)
        group.get("cells/{cell}/twin", use: twin)
    }

    @Sendable func list(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        var limit = 100
        if let text = query["limit"] {
            guard let value = Int(String(text)), value > 0 else { throw ServiceError.invalid("limit must be a whole number above 0") }
            limit = value
        }
        let state = try query["state"].map { text -> ActionState in
            guard let state = ActionState(rawValue: String(text)) else {
                throw ServiceError.invalid("state must be one of \(ActionState.allCases.map(\.rawValue).joined(separator: ", ")); got '\(text)'")
            }
            return state
        }
        let filter = ActionFilter(
            cells: query["cell"].map { [String($0)] }, state: state, type: query["type"].map(String.init),
            mode: query["mode"].map(String.init), limit: limit)
        return try APICoding.json(["actions": try engine.actions(filter, for: try context.caller())])
    }

    @Sendable func get(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try APICoding.json(try engine.action(try context.parameters.require("id"), for: try context.caller()))
    }

    @Sendable func approve(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal = try context.caller()
        try principal.require(.decide)
        let body = try await APICoding.decodeIfPresent(ApproveBody.self, from: request) ?? ApproveBody()
        return try APICoding.json(try engine.approve(try context.parameters.require("id"), by: principal, quantity: body.quantity, note: body.note))
    }

    @Sendable func reject(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal = try context.caller()
        try principal.require(.decide)
        let body = try await APICoding.decode(RejectBody.self, from: request)
        guard let reason = RejectionReason(rawValue: body.reason) else {
            throw ServiceError.invalid(
                "reason must be one of \(RejectionReason.allCases.map(\.rawValue).joined(separator: ", ")); got '\(body.reason.prefix(40))'")
        }
        return try APICoding.json(try engine.reject(try context.parameters.require("id"), by: principal, reason: reason, text: body.text))
    }

    @Sendable func judge(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal = try context.caller()
        try principal.require(.decide)
        let body = try await APICoding.decode(JudgeBody.self, from: request)
        return try APICoding.json(try engine.judge(try context.parameters.require("id"), useful: body.useful, by: principal, text: body.text))
    }

    @Sendable func requeue(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let id = try context.parameters.require("id")
        let requeued = try Dispatcher.requeue(actionID: id, in: engine.store, by: try context.caller(), now: engine.now)
        return try APICoding.json(["requeued": requeued])
    }

    @Sendable func cells(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try APICoding.json(["cells": try engine.cells(for: try context.caller())])
    }

    @Sendable func twin(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try APICoding.json(try engine.twin(cell: try context.parameters.require("cell"), for: try context.caller()))
    }
}

/// Gates: status and people's changes.
struct GatesController {
    let engine: DecisionEngine

    struct ChangeBody: Decodable {
        var reason: String
    }

    struct FlagBody: Decodable {
        var enabled: Bool
        var reason: String
    }

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.get("gates", use: list)
        group.get("gates/{id}", use: get)
        group.post("gates/{id}/promote") { try await change($0, $1, .promote) }
        group.post("gates/{id}/sign-off") { try await change($0, $1, .signOff) }
        group.post("gates/{id}/pause") { try await change($0, $1, .pause) }
        group.post("gates/{id}/resume") { try await change($0, $1, .resume) }
        group.post("gates/{id}/abort") { try await change($0, $1, .abort) }
        group.put("gates/{id}/flag", use: flag)
    }

    @Sendable func list(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try APICoding.json(["gates": try engine.gates(for: try context.caller())])
    }

    @Sendable func get(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try APICoding.json(try engine.gate(try context.parameters.require("id"), for: try context.caller()))
    }

    func change(_ request: Request, _ context: SluiceRequestContext, _ change: GateChange) async throws -> Response {
        let principal = try context.caller()
        try principal.require(change == .signOff ? .signOff : .changeGates)
        let body = try await APICoding.decode(ChangeBody.self, from: request)
        return try APICoding.json(try engine.change(gate: try context.parameters.require("id"), change, by: principal, reason: body.reason))
    }

    @Sendable func flag(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal = try context.caller()
        try principal.require(.changeGates)
        let body = try await APICoding.decode(FlagBody.self, from: request)
        return try APICoding.json(
            try engine.change(gate: try context.parameters.require("id"), .flag(body.enabled), by: principal, reason: body.reason))
    }
}

/// Tokens and the audit log.
struct AdminController {
    let engine: DecisionEngine
    let tokens: TokenAuthority

    struct TokenBody: Decodable {
        var name: String
        var role: String
        var cell: String?
        var expiresInDays: Double?
    }

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.get("tokens", use: list)
        group.post("tokens", use: create)
        group.delete("tokens/{id}", use: revoke)
        group.get("audit/verify", use: verify)
    }

    @Sendable func list(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try APICoding.json(["tokens": try tokens.list(by: try context.caller())])
    }

    @Sendable func create(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal = try context.caller()
        try principal.require(.manageTokens)
        let body = try await APICoding.decode(TokenBody.self, from: request)
        guard let role = Identity.Role(rawValue: body.role), role != .system else {
            throw ServiceError.invalid("role must be one of operator, data, sponsor, admin, edge; got '\(body.role.prefix(40))'")
        }
        let issued = try tokens.create(name: body.name, role: role, cell: body.cell, expiresIn: body.expiresInDays.map { $0 * 86_400 }, by: principal)
        return try APICoding.json(issued, status: .created)
    }

    @Sendable func revoke(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        try tokens.revoke(id: try context.parameters.require("id"), by: try context.caller())
        return Response(status: .noContent)
    }

    @Sendable func verify(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let verification = try engine.verifyAudit(for: try context.caller())
        return try APICoding.json(verification)
    }
}

/// The sponsor's report and the data team's labels: `GET /v1/report`, `GET /v1/labels`.
struct ReportsController {
    let engine: DecisionEngine

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.get("report", use: report)
        group.get("labels", use: labels)
    }

    /// The gate report as one self-contained HTML page (the same as `sluice report` writes).
    @Sendable func report(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal = try context.caller()
        try principal.require(.readReports)
        let span = try WebController.span(request.uri.queryParameters["days"].map(String.init), now: engine.now)
        return html(ReportPage.render(try engine.report(from: span.from, to: span.to, for: principal)))
    }

    /// The labelled decisions as CSV, from `since` (RFC 3339; 30 days ago unless given) to `until` (now).
    @Sendable func labels(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal = try context.caller()
        try principal.require(.exportLabels)
        let query = request.uri.queryParameters
        func time(_ name: String, default value: Date) throws -> Date {
            guard let text = query[Substring(name)] else { return value }
            guard let date = ISOTime.parse(String(text)) else {
                throw ServiceError.invalid("\(name) must be an RFC 3339 time such as 2026-11-01T00:00:00Z")
            }
            return date
        }
        let now = engine.now
        let since = try time("since", default: now.addingTimeInterval(-30 * 86_400))
        let until = try time("until", default: now)
        guard since < until else { throw ServiceError.invalid("since must be before until") }
        let csv = try engine.exportLabels(from: since, to: until, for: principal)
        return Response(
            status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"labels.csv\""],
            body: .init(byteBuffer: ByteBuffer(string: csv)))
    }
}

/// The server-sent event stream of queue changes: `GET /v1/events`.
struct EventsController {
    let engine: DecisionEngine

    func addRoutes(to group: RouterGroup<SluiceRequestContext>) {
        group.get("events", use: stream)
    }

    @Sendable func stream(_ request: Request, context: SluiceRequestContext) async throws -> Response {
        let principal = try context.caller()
        try principal.require(.read)
        return Self.eventStream(engine.events.subscribe(cell: principal.cell), named: true)
    }

    /// Queue events as server-sent events: each named by its kind, or unnamed (`named: false`) so one
    /// `onmessage` handler sees them all.
    static func eventStream(_ events: AsyncStream<QueueEvent>, named: Bool) -> Response {
        let body = ResponseBody { writer in
            // Comment lines keep proxies from timing the stream out and tell the client it is live.
            try await writer.write(ByteBuffer(string: ": sluice event stream\nretry: 2000\n\n"))
            for await event in events {
                let data = String(decoding: try APICoding.encoder.encode(event), as: UTF8.self)
                try await writer.write(ByteBuffer(string: (named ? "event: \(event.event)\n" : "") + "data: \(data)\n\n"))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }
}

extension HTTPField.Name {
    static let correlationID = HTTPField.Name("X-Correlation-ID")!
}
