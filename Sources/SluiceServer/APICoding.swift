import Foundation
import Hummingbird
import NIOCore
import SluiceService

/// JSON as the API writes it: sorted keys, RFC 3339 times with milliseconds.
enum APICoding {
    static var encoder: JSONEncoder { SluiceJSON.encoder }

    /// A JSON response.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Decodes a small JSON request body (at most 64 KiB) that must be there; a bad body is a 400 that says
    /// what is wrong.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        guard let body = try await decodeIfPresent(type, from: request) else { throw ServiceError.invalid("the request needs a JSON body") }
        return body
    }

    /// Decodes a small JSON request body that may be left out (nil when it is empty).
    static func decodeIfPresent<T: Decodable>(_ type: T.Type, from request: Request, limit: Int = 64 * 1_024) async throws -> T? {
        var request = request
        let buffer = try await request.collectBody(upTo: limit)
        guard buffer.readableBytes > 0 else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: buffer))
        } catch let DecodingError.keyNotFound(key, _) {
            throw ServiceError.invalid("the body is missing '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw ServiceError.invalid("'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
        } catch let DecodingError.valueNotFound(_, context) {
            throw ServiceError.invalid("'\(context.codingPath.map(\.stringValue).joined(separator: "."))' must not be null")
        } catch {
            throw ServiceError.invalid("the body is not valid JSON")
        }
    }
}
