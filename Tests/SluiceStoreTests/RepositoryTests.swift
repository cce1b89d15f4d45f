import Foundation
import Testing

@testable import SluiceStore

/// Every repository method, on every kind of store: what one store keeps and answers, the other does too.
@Suite struct RepositoryTests {
    private let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    @Test(arguments: StoreKind.allCases) func batchesAndManySamplesRoundTrip(_ kind: StoreKind) throws {
        let store = try kind.make()
        let batch = try store.write { session in
            let batch = try session.samples.insertBatch(IngestBatchRecord(correlationID: "c-1", source: "edge", receivedAt: t0))
            // More rows than one multi-row statement holds, with awkward sensor names.
            try session.samples.insert(
                (0..<450).map { i in
                    SampleRecord(
                        asset: i.isMultiple(of: 2) ? "a" : "b", time: t0 + Double(i), values: ["x\"q": Double(i) / 3, "y": -0.5], batch: batch)
                })
            try session.samples.updateBatchCounts(id: batch, accepted: 450, rejected: 2)
            return batch
        }
        #expect(batch > 0)
        #expect(try store.read { try $0.samples.count(asset: nil) } == 450)
        #expect(try store.read { try $0.samples.count(asset: "b") } == 225)
        #expect(try store.read { try $0.samples.contains(asset: "b", time: t0 + 449) })
        #expect(try store.read { try $0.samples.contains(asset: "a", time: t0 + 449) } == false)
        let span = try #require(try store.read { try $0.samples.timeSpan() })
        #expect(span == t0...(t0 + 449))
        let some = try store.read { try $0.samples.samples(assets: ["b"], from: t0 + 10, to: t0 + 20) }
        #expect(some.map(\.time) == [11, 13, 15, 17, 19].map { t0 + Double($0) })
        #expect(abs((some.first?.values["x\"q"] ?? 0) - 11.0 / 3) < 1e-12)
        let recent = try store.read { try $0.samples.recentByAsset(perAsset: 2, scanLimit: 10) }
        #expect(recent["a"]?.map(\.time) == [t0 + 446, t0 + 448])
        #expect(recent["b"]?.first?.batch == batch)
    }

    @Test(arguments: StoreKind.allCases) func actionsUpdateListExpireAndCount(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.write { session in
            for (i, cell) in ["c1", "c2", "c1"].enumerated() {
                var action = Self.action("a\(i)", cell: cell, at: t0 + Double(i))
                action.quantity = i == 1 ? 12.5 : nil
                action.unit = i == 1 ? "kg" : nil
                try session.actions.insert(action, evidence: "{\"i\":\(i)}")
            }
        }
        #expect(try store.read { try $0.actions.evidence(id: "a1") } == "{\"i\":1}")
        #expect(try store.read { try $0.actions.get(id: "a1") } == Self.action("a1", cell: "c2", at: t0 + 1, quantity: 12.5, unit: "kg"))
        #expect(try store.read { try $0.actions.get(id: "nope") } == nil)
        #expect(try store.read { try $0.actions.list(ActionFilter(cells: ["c1"])) }.map(\.id) == ["a2", "a0"])
        #expect(try store.read { try $0.actions.list(ActionFilter(cells: [])) }.isEmpty)
        #expect(try store.read { try $0.actions.list(ActionFilter(state: .pending, limit: 1)) }.map(\.id) == ["a2"])
        #expect(try store.read { try $0.actions.open(gate: "g") }.count == 3)

        try store.write { session in
            var decided = try #require(try session.actions.get(id: "a0"))
            decided.state = .approved
            decided.decidedAt = t0 + 50
            decided.decidedBy = "olga"
            decided.approvedQuantity = 3
            decided.reasonText = "ok"
            try session.actions.update(decided)
            try session.actions.insertDecision(
                DecisionRecord(
                    actionID: "a0", decision: .approved, quantity: 3, falsePositive: false, decidedBy: "olga", role: "operator", decidedAt: t0 + 50))
        }
        let decided = try #require(try store.read { try $0.actions.get(id: "a0") })
        #expect(decided.state == .approved && decided.decidedBy == "olga" && decided.approvedQuantity == 3 && decided.decidedAt == t0 + 50)
        #expect(try store.read { try $0.actions.decisions(actionID: "a0") }.map(\.decision) == [.approved])
        #expect(try store.read { try $0.actions.decisions(actionID: "a0") }.first?.falsePositive == false)
        #expect(try store.read { try $0.actions.countByState(cells: nil) } == [.approved: 1, .pending: 2])
        #expect(try store.read { try $0.actions.countByState(cells: ["c2"]) } == [.pending: 1])
        #expect(try store.read { try $0.actions.expired(before: t0 + 3_601.5, limit: 10) }.map(\.id) == ["a1"])
        #expect(try store.read { try $0.actions.lastRaised(gate: "g") } == ["s": t0 + 2])
    }

    @Test(arguments: StoreKind.allCases) func outboxClaimsMoveTheNextAttemptAndSkipWhatIsNotDue(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.write { session in
            for i in 0..<3 {
                try session.actions.insert(Self.action("a\(i)", cell: "c", at: t0), evidence: "{}")
                _ = try session.outbox.enqueue(
                    OutboxRecord(
                        actionID: "a\(i)", connector: "webhook", payload: "{\"n\":\(i)}", idempotencyKey: "k\(i)", correlationID: "c",
                        nextAttemptAt: t0 + Double(i), createdAt: t0))
            }
        }
        let claimed = try store.write { try $0.outbox.claimDue(at: t0 + 1, until: t0 + 60, limit: 10) }
        #expect(claimed.map(\.idempotencyKey) == ["k0", "k1"])
        #expect(claimed.allSatisfy { $0.nextAttemptAt == t0 + 60 })
        // Claimed calls are not due again until the claim lapses.
        #expect(try store.write { try $0.outbox.claimDue(at: t0 + 2, until: t0 + 60, limit: 10) }.map(\.idempotencyKey) == ["k2"])
        #expect(try store.read { try $0.outbox.nextDue() } == t0 + 60)
        var delivered = claimed[0]
        delivered.state = .delivered
        delivered.attempts = 1
        delivered.deliveredAt = t0 + 5
        try store.write { try $0.outbox.update(delivered) }
        #expect(try store.read { try $0.outbox.entries(actionID: "a0") } == [delivered])
        #expect(try store.read { try $0.outbox.entries(state: .pending, limit: 10) }.map(\.idempotencyKey) == ["k1", "k2"])
        #expect(try store.read { try $0.outbox.countByState() } == [.delivered: 1, .pending: 2])
    }

    @Test(arguments: StoreKind.allCases) func theAuditChainAppendsAndVerifies(_ kind: StoreKind) throws {
        let store = try kind.make()
        #expect(try store.read { try $0.audit.checkpoint() } == .empty)
        try store.write { session in
            for i in 0..<5 {
                try session.audit.append(
                    AuditEntry(
                        time: t0 + Double(i), actor: "ada", role: "admin", event: "e\(i)", subject: i < 2 ? "x" : "y", cell: "c", details: "{}"))
            }
        }
        let checkpoint = try store.read { try $0.audit.checkpoint() }
        #expect(checkpoint.size == 5)
        #expect(try store.read { try $0.audit.records(subject: "x") }.map(\.entry.event) == ["e0", "e1"])
        let records = try store.read { try $0.audit.records(from: 1, limit: 100) }
        #expect(records.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(records.last?.hash == checkpoint.head)
        #expect(AuditVerification.verify(records, checkpoint: checkpoint).intact)
    }

    @Test(arguments: StoreKind.allCases) func tokensGatesMaterialsAndRehearsalsRoundTrip(_ kind: StoreKind) throws {
        let store = try kind.make()
        let token = TokenRecord(id: "t1", name: "olga", role: "operator", cell: "c", hash: "abc", createdAt: t0, createdBy: "ada", expiresAt: t0 + 60)
        try store.write { session in
            try session.tokens.insert(token)
            try session.gates.save(GateRecord(id: "g", cell: "c", state: "{\"v\":1}", updatedAt: t0))
            try session.gates.save(GateRecord(id: "g", cell: "c", state: "{\"v\":2}", updatedAt: t0 + 1))
            try session.materials.save(MaterialRecord(item: "m", cell: "c", state: "{}", updatedAt: t0))
            try session.materials.insertMovement(MovementRecord(item: "m", kind: "receipt", quantity: 5, time: t0 + 2, batch: 1))
            try session.materials.insertMovement(MovementRecord(item: "m", kind: "consumption", quantity: 1.5, time: t0 + 1, batch: 1))
        }
        #expect(try store.read { try $0.tokens.find(hash: "abc") } == token)
        #expect(try store.read { try $0.tokens.get(id: "t1") } == token)
        try store.write { try $0.tokens.revoke(id: "t1", at: t0 + 10) }
        try store.write { try $0.tokens.revoke(id: "t1", at: t0 + 20) }
        #expect(try store.read { try $0.tokens.all() }.map(\.revokedAt) == [t0 + 10])
        #expect(try store.read { try $0.gates.all() } == [GateRecord(id: "g", cell: "c", state: "{\"v\":2}", updatedAt: t0 + 1)])
        #expect(try store.read { try $0.gates.get(id: "other") } == nil)
        #expect(try store.read { try $0.materials.get(item: "m") }?.cell == "c")
        #expect(try store.read { try $0.materials.movements(item: "m") }.map(\.kind) == ["consumption", "receipt"])
        #expect(try store.read { try $0.materials.containsMovement(item: "m", kind: "consumption", quantity: 1.5, time: t0 + 1) })
        #expect(try store.read { try $0.materials.containsMovement(item: "m", kind: "consumption", quantity: 2, time: t0 + 1) } == false)
        let rehearsal = RehearsalRecord(gate: "g", candidateVersion: 2, from: t0, to: t0 + 9, createdAt: t0 + 10, createdBy: "dana", summary: "{}")
        let id = try store.write { try $0.rehearsals.insert(rehearsal) }
        var stored = rehearsal
        stored.id = id
        #expect(try store.read { try $0.rehearsals.latest(gate: "g") } == stored)
    }

    @Test(arguments: StoreKind.allCases) func aStateNoVersionWritesIsADamagedRowNotACrash(_ kind: StoreKind) throws {
        let store = try kind.make()
        try store.write { session in
            try session.actions.insert(Self.action("a0", cell: "c1", at: t0), evidence: "{}")
            // What a hand edit or a damaged page could leave behind.
            if let sqlite = session as? SQLiteSession {
                try sqlite.db.execute(sql: "UPDATE action SET state = 'half-approved'")
            } else if let postgres = session as? PostgresSession {
                _ = try postgres.link.execute("UPDATE action SET state = 'half-approved'")
            }
        }
        let error = #expect(throws: StoreError.self) { try store.read { try $0.actions.get(id: "a0") } }
        #expect(error?.message.contains("an action has the unknown state 'half-approved'") == true, "\(String(describing: error))")
        #expect(throws: StoreError.self) { try store.read { try $0.actions.countByState(cells: nil) } }
    }

    @Test(arguments: StoreKind.allCases) func aReadCannotWrite(_ kind: StoreKind) throws {
        let store = try kind.make()
        #expect(throws: (any Error).self) {
            try store.read { session in try session.gates.save(GateRecord(id: "g", cell: "c", state: "{}", updatedAt: t0)) }
        }
        #expect(try store.read { try $0.gates.all() }.isEmpty)
    }

    static func action(_ id: String, cell: String, at time: Date, quantity: Double? = nil, unit: String? = nil) -> ActionRecord {
        ActionRecord(
            id: id, cell: cell, gate: "g", type: "maintenance-order", mode: "action", state: .pending, subject: "s", severity: 1.5,
            quantity: quantity, unit: unit, correlationID: "corr", modelName: "m", modelVersion: 1, createdAt: time, expiresAt: time + 3_600,
            stage: "canary-5", detectedAt: time - 30)
    }
}
