import AsyncHTTPClient
import Foundation
import NIOCore
import SluiceService

/// A small client of Sluice's API for the commands that drive a server (replay, demo, bench).
struct APIClient: Sendable {
    let base: String
    let token: String

    struct Failure: Error, CustomStringConvertible {
        let status: Int
        let body: String
        var description: String { "HTTP \(status): \(body.prefix(300))" }
    }

    /// Posts a telemetry batch; returns the server's report. While the server answers 429 (a cell's scoring
    /// lags, nothing of the batch stored) the batch is sent again after the Retry-After it asks for, up to
    /// two minutes in all; `onBusy` hears of each such answer.
    func ingest(_ body: String, correlationID: String? = nil, onBusy: () -> Void = {}) async throws -> IngestReport {
        let headers = correlationID.map { [("X-Correlation-ID", $0)] } ?? []
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let (status, text, retryAfter) = try await exchange("POST", "/v1/telemetry", body: body, headers: headers)
            if status == 429, ContinuousClock.now < deadline {
                onBusy()
                try await Task.sleep(for: .seconds(retryAfter ?? 1))
                continue
            }
            guard status == 200 || status == 422 else { throw Failure(status: status, body: text) }
            return try JSONDecoder().decode(IngestReport.self, from: Data(text.utf8))
        }
    }

    /// Sends a request; returns the status and body.
    func send(_ method: String, _ path: String, body: String? = nil, headers: [(String, String)] = []) async throws -> (Int, String) {
        let (status, text, _) = try await exchange(method, path, body: body, headers: headers)
        return (status, text)
    }

    /// Sends a request; returns the status, the body and the seconds of a Retry-After header.
    private func exchange(
        _ method: String, _ path: String, body: String?, headers: [(String, String)]
    ) async throws -> (status: Int, body: String, retryAfter: Int?) {
        var request = HTTPClientRequest(url: base.trimmingSuffixSlash() + path)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 * 1_024 * 1_024)
        return (Int(response.status.code), String(buffer: bytes), response.headers.first(name: "Retry-After").flatMap { Int($0) })
    }
}

extension String {
    func trimmingSuffixSlash() -> String {
        var text = self
        while text.hasSuffix("/") { text.removeLast() }
        return text
    }
}
