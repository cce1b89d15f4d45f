import Foundation
import SluiceGates
public import SluiceStore

/// An action with everything known about it: evidence, decisions, and its calls to the ERP/MES.
public struct ActionView: Sendable, Codable, Equatable {
    /// The action.
    public var action: ActionRecord
    /// Its evidence, decoded.
    public var evidence: Evidence?
    /// The decisions on it.
    public var decisions: [DecisionRecord]
    /// Its outbox entries.
    public var dispatch: [OutboxRecord]
}

/// A cell's twin as the API shows it.
public struct TwinView: Sendable, Codable, Equatable {
    /// One material's position.
    public struct Material: Sendable, Codable, Equatable {
        /// Item code.
        public var item: String
        /// On hand.
        public var onHand: Double
        /// On order.
        public var onOrder: Double
        /// Backordered.
        public var backorders: Double
        /// On hand + on order − backorders.
        public var inventoryPosition: Double
        /// Consumption so far in the period in progress.
        public var periodDemand: Double
        /// Whole periods of demand history.
        public var historyPeriods: Int
        /// Unit.
        public var unit: String
    }

    /// The cell.
    public var cell: String
    /// Each asset's latest state.
    public var assets: [TwinSnapshot]
    /// Each material's position.
    public var materials: [Material]
}

extension DecisionEngine {
    /// Actions matching `filter` within the principal's reach, newest first. Naming a cell out of reach is
    /// "not found".
    public func actions(_ filter: ActionFilter, for principal: Principal) throws -> [ActionRecord] {
        try principal.require(.read)
        var filter = filter
        if let cells = filter.cells {
            for cell in cells where catalog.cells[cell] == nil || !principal.reaches(cell) { throw ServiceError.notFound("no cell \(cell)") }
        } else if let cell = principal.cell {
            filter.cells = [cell]
        }
        if let mode = filter.mode, AssetMode(rawValue: mode) == nil {
            throw ServiceError.invalid("mode must be action, recommendation or shadow; got '\(mode)'")
        }
        filter.limit = min(max(filter.limit, 1), 1_000)
        let query = filter
        return try store.read { try $0.actions.list(query) }
    }

    /// One action with its evidence, decisions and dispatch, if within reach.
    public func action(_ id: String, for principal: Principal) throws -> ActionView {
        try principal.require(.read)
        return try store.read { session in
            guard let action = try session.actions.get(id: id), principal.reaches(action.cell) else { throw ServiceError.notFound("no action \(id)") }
            return ActionView(
                action: action, evidence: try session.actions.evidence(id: id).flatMap { try? Evidence.decode($0) },
                decisions: try session.actions.decisions(actionID: id),
                dispatch: try session.outbox.entries(actionID: id))
        }
    }

    /// A cell's twin.
    public func twin(cell: String, for principal: Principal) throws -> TwinView {
        try principal.require(.read)
        guard let definition = catalog.cells[cell], principal.reaches(cell) else { throw ServiceError.notFound("no cell \(cell)") }
        return state.withLock { state in
            TwinView(
                cell: cell,
                assets: definition.assets.compactMap { asset in
                    state.assets[asset.id]?.snapshot(freshness: definition.freshness, sensors: asset.sensors)
                },
                materials: definition.materials.compactMap { material in
                    state.materials[material.item].map { twin in
                        TwinView.Material(
                            item: material.item, onHand: twin.state.onHand, onOrder: twin.state.onOrder, backorders: twin.state.backorders,
                            inventoryPosition: twin.state.inventoryPosition, periodDemand: twin.periodDemand,
                            historyPeriods: twin.state.demandHistory.count, unit: twin.state.unit)
                    }
                })
        }
    }

    /// The metrics in Prometheus's text format. The audit log's size is read at scrape time: records are
    /// appended in too many places to count each one.
    public func renderMetrics() throws -> String {
        metrics.auditRecords.set(Double(try store.read { try $0.audit.checkpoint() }.size))
        return metrics.render()
    }

    /// The cells within the principal's reach.
    public func cells(for principal: Principal) throws -> [String] {
        try principal.require(.read)
        return catalog.cells.keys.filter(principal.reaches).sorted()
    }

    /// Walks the whole audit log and reports the first record that breaks the chain.
    public func verifyAudit(for principal: Principal) throws -> AuditVerification {
        try principal.require(.readReports)
        return try Self.verifyAudit(store)
    }

    /// Walks the whole audit log of `store` in pages, checking every link, on one consistent snapshot: records
    /// appended meanwhile are for the next verification.
    public static func verifyAudit(_ store: any Store) throws -> AuditVerification {
        try store.read { session in
            let checkpoint = try session.audit.checkpoint()
            let pages = AuditPages(session: session)
            let result = AuditVerification.verify(pages, checkpoint: checkpoint)
            if let error = pages.failure.error { throw error }
            return result
        }
    }
}

/// The audit log read 10,000 records at a time, so verifying a large log needs little memory. A read that
/// fails ends the sequence and is kept in ``failure``, for the caller to throw.
struct AuditPages: Sequence {
    final class Failure {
        var error: (any Error)?
    }

    let session: any StoreSession
    let failure = Failure()

    func makeIterator() -> Iterator { Iterator(session: session, failure: failure) }

    struct Iterator: IteratorProtocol {
        let session: any StoreSession
        let failure: Failure
        var buffer: [AuditRecord] = []
        var position = 0
        var nextSequence: Int64 = 1
        var exhausted = false

        mutating func next() -> AuditRecord? {
            if position == buffer.count {
                guard !exhausted else { return nil }
                do {
                    buffer = try session.audit.records(from: nextSequence, limit: 10_000)
                } catch {
                    failure.error = error
                    buffer = []
                }
                position = 0
                guard let last = buffer.last else {
                    exhausted = true
                    return nil
                }
                nextSequence = last.sequence + 1
                if buffer.count < 10_000 { exhausted = true }
            }
            defer { position += 1 }
            return buffer[position]
        }
    }
}
