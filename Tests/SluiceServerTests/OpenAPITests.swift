import Foundation
import Hummingbird
import SluiceServer
import Testing
import Yams

/// The OpenAPI document in the repository lists exactly the routes the server has.
@Suite struct OpenAPITests {
    @Test func theDocumentAndTheRoutesAgree() throws {
        let world = try APIWorld()
        // The pages under /ui are for browsers, with a session cookie; the README documents them.
        let routes = Set(
            buildRouter(world.services).routes.map { "\($0.method.rawValue) \(Self.normalize("\($0.path)"))" }.filter { !$0.contains(" /ui") })
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        var documented = Set<String>()
        for (path, item) in paths {
            for method in (item as? [String: Any] ?? [:]).keys where ["get", "post", "put", "delete", "patch"].contains(method) {
                documented.insert("\(method.uppercased()) \(Self.normalize(path))")
            }
        }
        #expect(routes.subtracting(documented).isEmpty, "routes the document lacks: \(routes.subtracting(documented).sorted())")
        #expect(documented.subtracting(routes).isEmpty, "documented routes the server lacks: \(documented.subtracting(routes).sorted())")
        #expect(routes.count >= 25)
    }

    @Test func everyErrorStatusTheRoutesCanGiveIsDocumented() throws {
        let document = try #require(try Yams.load(yaml: OpenAPIDocument.text) as? [String: Any])
        let paths = try #require(document["paths"] as? [String: Any])
        for (path, item) in paths where path.hasPrefix("/v1/") {
            for (method, operation) in item as? [String: Any] ?? [:] {
                let responses = (operation as? [String: Any])?["responses"] as? [String: Any] ?? [:]
                #expect(responses["401"] != nil, "\(method) \(path) documents 401")
                #expect(responses["403"] != nil, "\(method) \(path) documents 403")
            }
        }
    }

    /// `{id}` and `:id` alike, without a trailing slash.
    static func normalize(_ path: String) -> String {
        let parts = path.split(separator: "/").map { part -> String in
            if part.hasPrefix(":") { return "{\(part.dropFirst())}" }
            return String(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
