public import Foundation
public import Logging
import SluiceAnomaly
import SluiceGates
public import SluiceStore
import Synchronization

/// Settings of the decision engine.
public struct EngineConfiguration: Sendable {
    /// Samples older than this (against the service's clock) are refused.
    public var maximumSampleAge: TimeInterval = 86_400
    /// Samples further ahead than this are refused (clocks drift, but not by hours).
    public var maximumClockSkew: TimeInterval = 300
    /// Samples kept per asset in the twin's recent window.
    public var windowLength = 120
    /// Recent values per sensor copied into an anomaly's evidence.
    public var evidenceLength = 60
    /// Samples plus movements in one batch, at most.
    public var maximumBatchItems = 50_000
    /// On a shared store, how far a cell's scoring may lag behind acceptance (the age of the oldest sample
    /// waiting for its scorer) before ingest for that cell is refused with "busy, retry later" (HTTP 429),
    /// so the backlog stays bounded instead of growing for as long as the load lasts. 30 s outlasts a
    /// scorer's takeover after a replica dies (the lease, 10 s by default) with room to catch up.
    public var maximumScoringLag: TimeInterval = 30
    /// The stage a gate starts at the first time it runs (by gate id); 0, the first stage, unless set.
    /// Demos and rehearsals set it; a real deployment lets each gate earn its stages.
    public var startingStages: [String: Int] = [:]
    /// Whether every detection is closed as soon as it is raised, as shadow detections are, so the next one
    /// of its asset counts after the silent period. Rehearsals set it: they have no operators to decide.
    public var closesDetectionsAtOnce = false

    /// The defaults.
    public init() {}
}

/// The decision service's core: takes in telemetry, keeps the twin, runs the gates' models, debounces,
/// asks each gate for the mode, and queues soft actions; records people's decisions, feeds the gates'
/// judges and queues approved actions for dispatch; and writes every step to the audit log.
///
/// The engine's in-memory state (twins, gates, debouncers) changes only inside a store write transaction
/// and under one lock, in place; when a transaction fails, the state is reloaded from what the store kept
/// (see ``transact(cells:_:)``).
public final class DecisionEngine: Sendable {
    /// Where everything is kept.
    public let store: any Store
    /// The cells, gates and models.
    public let catalog: Catalog
    /// The settings.
    public let configuration: EngineConfiguration
    /// Queue changes for the event stream.
    public let events: EventHub
    /// The service's figures.
    public let metrics: ServiceMetrics
    let logger: Logger
    let clock: @Sendable () -> Date
    let state: Mutex<EngineState>
    /// Anomaly gates by cell, and replenishment gates by cell, in id order.
    let anomalyGates: [String: [GateDefinition]]
    /// Each cell's telemetry freshness window.
    let freshness: [String: TimeInterval]
    let replenishmentGates: [String: [GateDefinition]]

    /// An engine over `store`, restoring gates, materials and twins from it.
    public init(
        store: any Store, catalog: Catalog, configuration: EngineConfiguration = EngineConfiguration(), events: EventHub = EventHub(),
        metrics: ServiceMetrics = ServiceMetrics(), logger: Logger = Logger(label: "sluice"), clock: @escaping @Sendable () -> Date = { Date() }
    ) throws {
        self.store = store
        self.catalog = catalog
        self.configuration = configuration
        self.events = events
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
        var anomaly: [String: [GateDefinition]] = [:]
        var replenishment: [String: [GateDefinition]] = [:]
        for cell in catalog.cells.keys {
            let gates = catalog.gates(of: cell)
            anomaly[cell] = gates.filter { !Catalog.replenishmentKinds.contains($0.modelKind) }
            replenishment[cell] = gates.filter { Catalog.replenishmentKinds.contains($0.modelKind) }
        }
        anomalyGates = anomaly
        freshness = catalog.cells.mapValues(\.freshness)
        replenishmentGates = replenishment
        state = Mutex(EngineState())
        try start()
    }

    /// Runs `body` on the state inside a write transaction, one at a time: everything that changes the
    /// engine goes through here.
    ///
    /// `body` changes the state in place, for speed (a copy per batch would copy every asset's window).
    /// Bodies throw a ``ServiceError`` only from their checks, before they change anything; any other
    /// error rolls the transaction back, and the state is then rebuilt from what the store kept, so memory
    /// never runs ahead of the store.
    ///
    /// On a store that replicas share, the transaction first locks the rows of `cells` (the cells whose
    /// twins, gates or materials `body` may change): replicas change a cell one at a time. A cell that
    /// another replica changed since this one last did is reloaded from the store before `body` runs, and
    /// each cell's version is counted up after it.
    func transact<T: Sendable>(cells: [String] = [], _ body: (inout EngineState, any StoreSession) throws -> T) throws -> T {
        try state.withLock { current in
            do {
                return try store.write { session in
                    guard let coordination = session.coordination, !cells.isEmpty else { return try body(&current, session) }
                    let stale = try coordination.lockCells(cells).filter { current.versions[$0.key] != $0.value }.keys
                    if !stale.isEmpty { try reload(cells: stale.sorted(), into: &current, session: session) }
                    let result = try body(&current, session)
                    current.versions.merge(try coordination.bumpCells(cells)) { $1 }
                    return result
                }
            } catch let error as ServiceError {
                throw error
            } catch {
                logger.error("transaction rolled back; reloading the engine's state from the store", metadata: ["error": "\(error)"])
                if let reloaded = try? store.read({ session in try loadState(session) }) { current = reloaded }
                throw error
            }
        }
    }

    /// The current time by the engine's clock.
    public var now: Date { clock() }

    /// Stores a gate's stage machine (its debouncer is rebuilt from the queue on load).
    func save(_ machine: GateStateMachine, session: any StoreSession, at time: Date) throws {
        try session.gates.save(GateRecord(id: machine.definition.id, cell: machine.definition.cell, state: try Self.encode(machine), updatedAt: time))
    }

    /// State as stored; a value that cannot be encoded fails the transaction rather than storing something
    /// unreadable.
    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try SluiceJSON.encoder.encode(value), as: UTF8.self)
    }
}

/// A gate at run time: its stage machine and its detection debouncer.
struct GateRuntime: Sendable {
    var machine: GateStateMachine
    var debouncer: DetectionDebouncer
}

/// Everything the engine holds in memory.
struct EngineState: Sendable {
    var gates: [String: GateRuntime] = [:]
    var assets: [String: AssetTwin] = [:]
    var materials: [String: MaterialTwin] = [:]
    /// On a shared store, each cell's version as this replica last saw it (none: reload before use).
    var versions: [String: Int64] = [:]
}
