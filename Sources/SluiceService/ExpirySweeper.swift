public import Logging
public import ServiceLifecycle

/// Expires pending actions and recommendations past their gate's expiry, once a second.
public struct ExpirySweeper: Service {
    let engine: DecisionEngine
    let interval: Duration
    let logger: Logger

    /// A sweeper over `engine`.
    public init(engine: DecisionEngine, interval: Duration = .seconds(1), logger: Logger) {
        self.engine = engine
        self.interval = interval
        self.logger = logger
    }

    /// Sweeps until shutdown.
    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                let expired = try engine.expireDue()
                if expired > 0 { logger.info("actions expired", metadata: ["actions.expired": "\(expired)"]) }
            } catch {
                logger.error("expiry sweep failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}
