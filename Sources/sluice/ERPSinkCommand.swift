import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SluiceServer

struct ERPSinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "erp-sink",
        abstract: "Run a stand-in ERP/MES that takes maintenance orders and purchase requisitions and honours idempotency keys.",
        discussion: """
            For trying dispatch without a real ERP/MES: point `sluice serve --erp-url http://127.0.0.1:<port>` at it.
            GET /_calls lists what it received; POST /_down makes it answer 503 until POST /_up.
            """)
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on.") var port = 8090

    func run() async throws {
        let sink = ERPSink()
        let app = Application(
            router: sink.router(), configuration: .init(address: .hostname(host, port: port), serverName: "erp-sink"),
            logger: makeLogger(level: .warning))
        print("erp-sink listening on http://\(host):\(port)")
        try await app.runService()
    }
}
