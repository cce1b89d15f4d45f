import AsyncHTTPClient
public import Foundation
import NIOCore

/// Calls the ERP/MES over HTTP with AsyncHTTPClient's shared client.
public struct HTTPTransport: DispatchTransport {
    /// A transport on the shared HTTP client.
    public init() {}

    public func post(url: String, body: String, headers: [(String, String)], timeout: TimeInterval) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .milliseconds(Int64(timeout * 1_000)))
        let bytes = try await response.body.collect(upTo: 64 * 1_024)
        return (Int(response.status.code), String(buffer: bytes))
    }
}
