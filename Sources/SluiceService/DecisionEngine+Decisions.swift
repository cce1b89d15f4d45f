import Foundation
import Prometheus
import SluiceGates
public import SluiceStore
import SluiceTelemetry

extension DecisionEngine {
    /// Approves a pending action, optionally with an edited quantity, and queues it for the ERP/MES in the
    /// same transaction: the approval, the label, the outbox entry, the gate's evidence and the audit record
    /// are kept together or not at all.
    @discardableResult
    public func approve(_ id: String, by principal: Principal, quantity: Double? = nil, note: String? = nil) throws -> ActionRecord {
        try principal.require(.decide)
        let now = clock()
        let (action, raised) = try transact(cells: try cells(ofAction: id)) { state, session in
            var action = try pendingAction(id, for: principal, session: session)
            guard action.mode == AssetMode.action.rawValue else {
                throw ServiceError.conflict("\(id) is a recommendation: mark it useful or not useful; only actions are approved")
            }
            if let quantity {
                guard action.quantity != nil else { throw ServiceError.invalid("\(id) has no quantity to edit") }
                guard quantity.isFinite, quantity > 0 else { throw ServiceError.invalid("the quantity must be a number above 0, got \(quantity)") }
            }
            let approved = quantity ?? action.quantity
            action.state = .approved
            action.decidedAt = now
            action.decidedBy = principal.name
            action.reasonText = note
            action.approvedQuantity = approved
            action.updatedAt = now
            try session.actions.update(action)
            try session.actions.insertDecision(
                DecisionRecord(
                    actionID: id, decision: .approved, reasonText: note, proposedQuantity: action.quantity, quantity: approved, falsePositive: false,
                    decidedBy: principal.name, role: principal.role.rawValue, decidedAt: now))
            let evidenceText = try session.actions.evidence(id: id)
            let evidence = evidenceText.flatMap { try? Evidence.summary($0) }
            let connector = ConnectorMapping.connector(for: action.type)
            _ = try session.outbox.enqueue(
                OutboxRecord(
                    actionID: id, connector: connector,
                    payload: ConnectorMapping.payload(
                        for: action, evidence: evidence, evidenceText: evidenceText, quantity: approved, approvedBy: principal.name, at: now),
                    idempotencyKey: "sluice-\(id)", correlationID: action.correlationID, nextAttemptAt: now, createdAt: now))
            if let approved, state.materials[action.subject] != nil, connector == "purchase-requisition" {
                // The order is on its way as far as the twin is concerned, so the position recovers now.
                state.materials[action.subject]!.state.onOrder += approved
                try session.materials.save(
                    MaterialRecord(item: action.subject, cell: action.cell, state: try Self.encode(state.materials[action.subject]!), updatedAt: now))
            }
            var details: [String: JSONValue] = ["gate": .string(action.gate)]
            if let approved { details["quantity"] = .number(approved) }
            if let quantity, quantity != action.quantity { details["proposedQuantity"] = .number(action.quantity ?? 0) }
            if let note { details["note"] = .string(note) }
            try session.audit.append(
                AuditEntry(
                    time: now, actor: principal.name, role: principal.role.rawValue, event: "action.approved", subject: id, cell: action.cell,
                    correlationID: action.correlationID, details: JSONValue.object(details).encoded))
            let raised = try feedGate(action, falsePositive: false, now: now, state: &state, session: session)
            return (action, raised)
        }
        decided(action, raised: raised, decision: metrics.decisionApproved)
        return action
    }

    /// Rejects a pending action with a reason code (and text, required for `other`).
    @discardableResult
    public func reject(_ id: String, by principal: Principal, reason: RejectionReason, text: String? = nil) throws -> ActionRecord {
        try principal.require(.decide)
        let text = text?.trimmingCharacters(in: .whitespacesAndNewlines)
        if reason == .other, text?.isEmpty ?? true { throw ServiceError.invalid("a rejection for 'other' reasons needs a text saying what") }
        let now = clock()
        let (action, raised) = try transact(cells: try cells(ofAction: id)) { state, session in
            var action = try pendingAction(id, for: principal, session: session)
            guard action.mode == AssetMode.action.rawValue else {
                throw ServiceError.conflict("\(id) is a recommendation: mark it useful or not useful; only actions are rejected")
            }
            action.state = .rejected
            action.decidedAt = now
            action.decidedBy = principal.name
            action.reasonCode = reason.rawValue
            action.reasonText = text
            action.updatedAt = now
            try session.actions.update(action)
            try session.actions.insertDecision(
                DecisionRecord(
                    actionID: id, decision: .rejected, reasonCode: reason.rawValue, reasonText: text, proposedQuantity: action.quantity,
                    falsePositive: reason.isFalsePositive, decidedBy: principal.name, role: principal.role.rawValue, decidedAt: now))
            var details: [String: JSONValue] = ["gate": .string(action.gate), "reason": .string(reason.rawValue)]
            if let text { details["text"] = .string(text) }
            try session.audit.append(
                AuditEntry(
                    time: now, actor: principal.name, role: principal.role.rawValue, event: "action.rejected", subject: id, cell: action.cell,
                    correlationID: action.correlationID, details: JSONValue.object(details).encoded))
            let raised = try feedGate(action, falsePositive: reason.isFalsePositive, now: now, state: &state, session: session)
            return (action, raised)
        }
        decided(action, raised: raised, decision: metrics.decisionRejected)
        return action
    }

    /// Marks a pending recommendation useful or not useful; "not useful" counts against the gate.
    @discardableResult
    public func judge(_ id: String, useful: Bool, by principal: Principal, text: String? = nil) throws -> ActionRecord {
        try principal.require(.decide)
        let now = clock()
        let (action, raised) = try transact(cells: try cells(ofAction: id)) { state, session in
            var action = try pendingAction(id, for: principal, session: session)
            guard action.mode == AssetMode.recommendation.rawValue else {
                throw ServiceError.conflict("\(id) is an action: approve or reject it; only recommendations are judged useful or not")
            }
            action.state = useful ? .useful : .notUseful
            action.decidedAt = now
            action.decidedBy = principal.name
            action.reasonText = text
            action.updatedAt = now
            try session.actions.update(action)
            try session.actions.insertDecision(
                DecisionRecord(
                    actionID: id, decision: action.state, reasonText: text, proposedQuantity: action.quantity, falsePositive: !useful,
                    decidedBy: principal.name, role: principal.role.rawValue, decidedAt: now))
            try session.audit.append(
                AuditEntry(
                    time: now, actor: principal.name, role: principal.role.rawValue, event: "recommendation.judged", subject: id, cell: action.cell,
                    correlationID: action.correlationID,
                    details: JSONValue.object(["gate": .string(action.gate), "useful": .string(useful ? "yes" : "no")]).encoded))
            let raised = try feedGate(action, falsePositive: !useful, now: now, state: &state, session: session)
            return (action, raised)
        }
        decided(action, raised: raised, decision: metrics.decisionJudged)
        return action
    }

    /// Expires every pending action and recommendation past its gate's expiry; returns how many.
    /// Expiry is a label (nobody answered) but not evidence for the judge either way.
    @discardableResult
    public func expireDue() throws -> Int {
        let now = clock()
        // A read first, so the sweep takes the writer only when something is due: one action tells that. On a
        // shared store it reads as many as the sweep takes, to name the cells to lock.
        let waiting = try store.read { try $0.actions.expired(before: now, limit: store.isShared ? 500 : 1) }
        guard !waiting.isEmpty else { return 0 }
        let cells = store.isShared ? Set(waiting.map(\.cell)).sorted() : []
        let expired = try transact(cells: cells) { state, session in
            // On a shared store, only the cells locked: another replica's sweep may have taken some already.
            let due = try session.actions.expired(before: now, limit: 500).filter { cells.isEmpty || cells.contains($0.cell) }
            for var action in due {
                action.state = .expired
                action.decidedAt = now
                action.updatedAt = now
                try session.actions.update(action)
                try session.actions.insertDecision(
                    DecisionRecord(
                        actionID: action.id, decision: .expired, proposedQuantity: action.quantity, falsePositive: false,
                        decidedBy: Principal.system.name, role: "system", decidedAt: now))
                try session.audit.append(
                    AuditEntry(
                        time: now, actor: Principal.system.name, role: "system", event: "action.expired", subject: action.id, cell: action.cell,
                        correlationID: action.correlationID, details: JSONValue.object(["gate": .string(action.gate)]).encoded))
                state.gates[action.gate]?.debouncer.close(asset: action.subject)
            }
            return due
        }
        for action in expired {
            metrics.decisionExpired.increment()
            events.publish(
                QueueEvent(
                    event: "action.expired", cell: action.cell, action: action.id, gate: action.gate, state: ActionState.expired.rawValue,
                    mode: action.mode, subject: action.subject, time: now))
        }
        return expired.count
    }

    // MARK: Helpers

    /// On a shared store, the cell of action `id`, whose row its decision locks (none if there is no such action).
    private func cells(ofAction id: String) throws -> [String] {
        guard store.isShared else { return [] }
        return try store.read { session in try session.actions.get(id: id).map { [$0.cell] } ?? [] }
    }

    /// The pending action `id` within the principal's reach; another cell's action is "not found".
    private func pendingAction(_ id: String, for principal: Principal, session: any StoreSession) throws -> ActionRecord {
        guard let action = try session.actions.get(id: id), principal.reaches(action.cell), action.mode != AssetMode.shadow.rawValue else {
            throw ServiceError.notFound("no action \(id)")
        }
        guard action.state == .pending else { throw ServiceError.conflict("\(id) is already \(action.state.rawValue)") }
        return action
    }

    /// Counts a decision in the gate's judge and closes the subject in its debouncer; records any gate event.
    private func feedGate(_ action: ActionRecord, falsePositive: Bool, now: Date, state: inout EngineState, session: any StoreSession) throws
        -> Raised
    {
        guard state.gates[action.gate] != nil else { return Raised() }
        state.gates[action.gate]!.debouncer.close(asset: action.subject)
        let gateActions = state.gates[action.gate]!.machine.recordDecision(falsePositive: falsePositive, at: now)
        let runtime = state.gates[action.gate]!
        try save(runtime.machine, session: session, at: now)
        return try record(gateActions, runtime: runtime, session: session)
    }

    private func decided(_ action: ActionRecord, raised: Raised, decision counter: Counter) {
        counter.increment()
        metrics.queuedToDecided.record((action.decidedAt ?? action.updatedAt).timeIntervalSince(action.createdAt))
        events.publish(
            QueueEvent(
                event: "action.\(action.state.rawValue)", cell: action.cell, action: action.id, gate: action.gate, state: action.state.rawValue,
                mode: action.mode,
                subject: action.subject, time: action.updatedAt))
        publish(raised, latency: nil)
    }
}
