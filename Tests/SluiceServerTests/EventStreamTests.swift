import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SluiceServer
import SluiceService
import SluiceTestSupport
import Testing

/// The server-sent event stream over a real connection: an action queued shows up at once.
@Suite(.timeLimit(.minutes(1))) struct EventStreamTests {
    @Test func aQueuedActionArrivesOnTheStream() async throws {
        let path = try TestCell.writeServerFolder(assets: 1)
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
