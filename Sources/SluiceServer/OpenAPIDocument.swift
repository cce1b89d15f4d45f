import Foundation

/// The API's OpenAPI document, shipped with the server and served at `/openapi.yaml`.
public enum OpenAPIDocument {
    /// The document's text.
    public static let text: String = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml"), let text = try? String(contentsOf: url, encoding: .utf8)
        else { return "openapi: 3.1.0\ninfo: {title: Sluice, version: unknown}\npaths: {}\n" }
        return text
    }()
}
