import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SluiceServer
import SluiceService
import SluiceTestSupport
import Testing

/// The server-sent event stream over a real connection: an action queued shows up at once.
@Suite struct EventStreamTests {
    @Test func aQueuedActionArrivesOnTheStream() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-sse-\(UUID().uuidString)").path
        for sub in ["Cells", "Gates", "Models"] {
            try FileManager.default.createDirectory(atPath: path + "/" + sub, withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(
            atPath: TestCell.root.appendingPathComponent("Models/press-01.pca-t2q.v1.json").path, toPath: path + "/Models/press-01.pca-t2q.v1.json")
        try "cell: cell-a\nassets:\n  - {id: asset-01, model: press-01, sensors: [temperature, pressure, vibration, current, flow]}\n"
            .write(toFile: path + "/Cells/cell-a.yaml", atomically: true, encoding: .utf8)
        try
            "gate: g\ncell: cell-a\naction: maintenance-order\nmodel: {kind: pca-t2q, version: 1}\nstages:\n  - percent: 100\nsponsor_sign_off: off\ndebounce: 1\n"
            .write(toFile: path + "/Gates/g.yaml", atomically: true, encoding: .utf8)
        var configuration = RuntimeConfiguration()
        configuration.storePath = path + "/s.sqlite"
        configuration.cells = path + "/Cells"
        configuration.gates = path + "/Gates"
        configuration.models = path + "/Models"
        configuration.port = 0
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let runtime = try SluiceRuntime(configuration: configuration, logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let server = Task { try await runtime.run { continuation.yield($0) } }
        defer { server.cancel() }
        var portIterator = ports.makeAsyncIterator()
        let port = try #require(await portIterator.next())
        let reader = try runtime.tokens.create(name: "olivia", role: .operator, cell: "cell-a", by: .local("test")).token

        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/v1/events")
        request.headers.add(name: "Authorization", value: "Bearer \(reader)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        #expect(response.status == .ok)
        #expect(response.headers.first(name: "Content-Type") == "text/event-stream")
        let batch = TestCell.batch(["asset-01"], at: Date(), values: TestCell.faulty(0))
        let edge = Principal(tokenID: "", name: "edge", role: .edge, cell: "cell-a")
        var received = ""
        var ingested = false
        for try await chunk in response.body {
            received += String(buffer: chunk)
            if !ingested, received.contains(": sluice event stream") {
                ingested = true
                _ = try runtime.engine.ingest(batch, from: edge)
            }
            if received.contains("event: action.queued") { break }
        }
        #expect(received.contains("event: action.queued"))
        #expect(received.contains("\"subject\":\"asset-01\""))
    }
}
