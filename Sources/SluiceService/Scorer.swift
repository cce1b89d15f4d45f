public import Logging
public import ServiceLifecycle
import SluiceTelemetry

/// The scorer of a replica on a shared store: every round it takes or renews the scorer lease of each
/// cell it can and scores what waits in that cell's inbox. When the replica holding a cell's lease dies,
/// the lease lapses and the next replica to try takes the cell over; it reloads the cell from the store
/// first, so it scores on where the other left off. On graceful shutdown it gives its leases up at once.
public final class Scorer: Service {
    /// This replica's name, unique among the replicas.
    public let replica: String
    /// How long a lease lasts unless renewed (renewed every round while held).
    public let lease: Duration
    /// How often a round runs.
    public let interval: Duration
    let engine: DecisionEngine
    let logger: Logger

    /// A scorer for `engine`'s cells.
    public init(engine: DecisionEngine, replica: String, lease: Duration = .seconds(10), interval: Duration = .milliseconds(100), logger: Logger) {
        self.engine = engine
        self.replica = replica
        self.lease = lease
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let seconds = lease.inSeconds
        var held = Set<String>()
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            for cell in engine.catalog.cells.keys.sorted() {
                do {
                    let scored = try engine.scoreQueued(cell: cell, replica: replica, lease: seconds)
                    if scored != nil, held.insert(cell).inserted {
                        logger.notice("scorer lease taken: this replica scores the cell", metadata: ["cell": "\(cell)", "replica": "\(replica)"])
                    } else if scored == nil, held.remove(cell) != nil {
                        logger.warning("scorer lease lost to another replica", metadata: ["cell": "\(cell)", "replica": "\(replica)"])
                    }
                } catch {
                    logger.error("scoring round failed", metadata: ["cell": "\(cell)", "error": "\(error)"])
                }
            }
            try? await Task.sleep(for: interval)
        }
        for cell in held.sorted() {
            do {
                try engine.store.write { session in try session.coordination?.releaseLease(cell: cell, holder: replica) }
                logger.notice("scorer lease released", metadata: ["cell": "\(cell)", "replica": "\(replica)"])
            } catch {
                logger.warning("cannot release the scorer lease; it lapses by itself", metadata: ["cell": "\(cell)", "error": "\(error)"])
            }
        }
    }
}
