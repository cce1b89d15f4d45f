import Foundation
import SluiceAnomaly
import SluiceGates
import SluiceService
import SluiceStore
import SluiceTelemetry
import SluiceTestSupport
import Testing

@Suite struct PipelineTests {
    let clock = ManualClock()
    let edge = Principal(tokenID: "t1", name: "edge-1", role: .edge, cell: TestCell.id)
    let olivia = Principal(tokenID: "t2", name: "olivia", role: .operator, cell: TestCell.id)

    private func engine(
        _ gates: [GateDefinition]? = nil, assets: Int = 3, store: (any Store)? = nil, material: Bool = false, modelVersion: Int = 1
    ) throws -> DecisionEngine {
        try DecisionEngine(
            store: try store ?? SQLiteStore(),
            catalog: try TestCell.catalog(assets: assets, gates: gates, withMaterial: material, modelVersion: modelVersion),
            clock: clock.function)
    }

    /// Sends `count` one-second steps of `values(t)` for `assets`; returns every id raised.
    @discardableResult
    private func stream(
        _ engine: DecisionEngine, _ assets: [String], from start: Int = 0, count: Int, correlation: String? = nil,
        values: (Int) -> [String: Double]
    ) throws -> [String] {
        var raised: [String] = []
        for t in start..<(start + count) {
            raised += try engine.ingest(TestCell.batch(assets, at: clock.now, values: values(t)), from: edge, correlationID: correlation).raised
            clock.advance(by: 1)
        }
        return raised
    }

    @Test func normalOperationRaisesNothingAndAFaultRaisesOneActionWithItsEvidence() throws {
        let engine = try engine()
        #expect(try stream(engine, ["asset-01"], count: 60, values: TestCell.normal).isEmpty)
        let raised = try stream(engine, ["asset-01"], from: 60, count: 10, correlation: "corr-fault-1", values: TestCell.faulty)
        #expect(raised.count == 1, "one fault, one action: debounce 2, then one open action per asset")
        let view = try engine.action(raised[0], for: olivia)
        #expect(view.action.mode == "action")
        #expect(view.action.state == .pending)
        #expect(view.action.correlationID == "corr-fault-1")
        #expect(view.action.modelName == "press-01")
        #expect(view.action.severity > 1)
        let anomaly = try #require(view.evidence?.anomaly)
        #expect(anomaly.consecutive == 2)
        #expect(Set(anomaly.contributions.keys) == Set(TestCell.sensors))
        #expect(abs(anomaly.contributions.values.reduce(0, +) - anomaly.score) < 1e-6 * max(1, anomaly.score))
        #expect(anomaly.drivers.first == "flow" || anomaly.drivers.first == "pressure")
        #expect(anomaly.snapshot.coverage == 1)
        #expect(anomaly.recent["pressure"]?.count == 60)
        #expect(view.evidence?.gate.mode == "action")
        // The queueing is on the record, with the correlation id.
        let audit = try engine.store.read { try $0.audit.records(subject: raised[0]) }
        #expect(audit.map(\.entry.event) == ["action.queued"])
        #expect(audit.first?.entry.correlationID == "corr-fault-1")
    }

    @Test func theDefaultDetectorWaitsForItsSettleAndShowsItsDesignInTheEvidence() throws {
        let model = try TestCell.model(version: 2)
        #expect(model.settle == 2 * model.filter.window && model.settle > 2, "a model that averages over a window settles over two")
        let engine = try engine(modelVersion: 2)
        #expect(try stream(engine, ["asset-01"], count: 120, values: TestCell.normal).isEmpty)
        // A blip of half a window holds the window mean over the limit for less than two windows: nothing is
        // raised. A fault that lasts raises one action.
        let blip = max(model.filter.window / 2, 1)
        #expect(try stream(engine, ["asset-01"], from: 120, count: blip, values: TestCell.faulty).isEmpty)
        #expect(try stream(engine, ["asset-01"], from: 120 + blip, count: 60, values: TestCell.normal).isEmpty)
        let raised = try stream(engine, ["asset-01"], from: 300, count: 3 * model.settle, values: TestCell.faulty)
        #expect(raised.count == 1)
        let view = try engine.action(try #require(raised.first), for: olivia)
        #expect(view.evidence?.anomaly?.consecutive == model.settle)
        let design = try #require(view.evidence?.model.design)
        #expect(design.count == model.design?.count)
        #expect(design.contains { $0.hasPrefix("window: \(model.filter.window) s") }, "\(design)")
    }

    @Test func aShadowGateLogsAndShowsNothing() throws {
        let engine = try engine([TestCell.gate(stages: [0, 100])])
        let raised = try stream(engine, ["asset-01"], count: 6, values: TestCell.faulty)
        #expect(raised.count == 3, "shadow detections close at once, so each debounce run logs one")
        #expect(try engine.actions(ActionFilter(), for: olivia).isEmpty, "shadow detections stay out of the queue")
        let logged = try engine.actions(ActionFilter(mode: "shadow"), for: olivia)
        #expect(logged.count == 3 && logged.allSatisfy { $0.state == .logged })
        #expect(throws: ServiceError.notFound("no action \(raised[0])")) { try engine.approve(raised[0], by: olivia) }
    }

    @Test func approvalQueuesTheCallWithItsIdempotencyKeyAndCorrelationID() throws {
        let engine = try engine()
        let id = try #require(try stream(engine, ["asset-02"], count: 3, correlation: "corr-7", values: TestCell.faulty).first)
        let approved = try engine.approve(id, by: olivia, note: "bearing noise confirmed")
        #expect(approved.state == .approved)
        let view = try engine.action(id, for: olivia)
        let call = try #require(view.dispatch.first)
        #expect(call.idempotencyKey == "sluice-\(id)")
        #expect(call.correlationID == "corr-7")
        #expect(call.connector == "maintenance-order")
        #expect(call.payload.contains("\"equipment\":\"asset-02\""))
        #expect(view.decisions.map(\.decision) == [.approved])
        #expect(throws: ServiceError.conflict("\(id) is already approved")) { try engine.approve(id, by: olivia) }
        let other = try #require(try stream(engine, ["asset-03"], count: 3, values: TestCell.faulty).first)
        #expect(throws: ServiceError.invalid("\(other) has no quantity to edit")) { try engine.approve(other, by: olivia, quantity: 5) }
    }

    @Test func operatorsDecideOnlyInTheirCellAndOnlyOperatorsDecide() throws {
        let engine = try engine()
        let id = try #require(try stream(engine, ["asset-01"], count: 3, values: TestCell.faulty).first)
        let elsewhere = Principal(tokenID: "t3", name: "bob", role: .operator, cell: TestCell.otherID)
        #expect(throws: ServiceError.notFound("no action \(id)")) { try engine.approve(id, by: elsewhere) }
        #expect(throws: ServiceError.notFound("no action \(id)")) { try engine.action(id, for: elsewhere) }
        let admin = Principal(tokenID: "t4", name: "ada", role: .admin, cell: nil)
        #expect(throws: ServiceError.self) { try engine.reject(id, by: admin, reason: .falseAlarm) }
        #expect(throws: ServiceError.invalid("a rejection for 'other' reasons needs a text saying what")) {
            try engine.reject(id, by: olivia, reason: .other)
        }
        let rejected = try engine.reject(id, by: olivia, reason: .falseAlarm, text: "sensor was being cleaned")
        #expect(rejected.reasonCode == "false-alarm")
        let label = try #require(try engine.action(id, for: olivia).decisions.first)
        #expect(label.falsePositive)
        #expect(label.decidedBy == "olivia")
    }

    @Test func rejectionsFeedTheJudgeAndTheGateFallsBackToRecommendations() throws {
        let engine = try engine([TestCell.gate(stages: [100], debounce: 1, minimumSample: 10)], assets: 1)
        var fellBack = false
        for round in 0..<60 {
            let raised = try stream(engine, ["asset-01"], from: round * 2, count: 1, values: TestCell.faulty)
            _ = try stream(engine, ["asset-01"], from: round * 2 + 1, count: 1, values: TestCell.normal)
            guard let id = raised.first else { continue }
            let action = try engine.action(id, for: olivia).action
            if action.mode == "recommendation" {
                fellBack = true
                break
            }
            try engine.reject(id, by: olivia, reason: .falseAlarm)
        }
        #expect(fellBack, "every action rejected: the judge falls the gate back and later detections are recommendations")
        let gate = try engine.gate(TestCell.maintenanceGate, for: olivia)
        #expect(gate.status == "fallen-back")
        let events = try engine.store.read { try $0.audit.records(subject: TestCell.maintenanceGate) }.map(\.entry.event)
        #expect(events.contains("gate.fell-back"))
    }

    @Test func recommendationsAreJudgedNotApproved() throws {
        let engine = try engine([TestCell.gate(stages: [100], debounce: 1)], assets: 1)
        let admin = Principal(tokenID: "a", name: "ada", role: .admin, cell: nil)
        try engine.change(gate: TestCell.maintenanceGate, .abort, by: admin, reason: "model under review")
        let id = try #require(try stream(engine, ["asset-01"], count: 1, values: TestCell.faulty).first)
        #expect(try engine.action(id, for: olivia).action.mode == "recommendation")
        #expect(throws: ServiceError.self) { try engine.approve(id, by: olivia) }
        let judged = try engine.judge(id, useful: false, by: olivia)
        #expect(judged.state == .notUseful)
        #expect(try engine.action(id, for: olivia).dispatch.isEmpty, "recommendations are never dispatched")
    }

    @Test func undecidedActionsExpireAfterTheGatesTTL() throws {
        let engine = try engine([TestCell.gate(expiry: 600)], assets: 1)
        let id = try #require(try stream(engine, ["asset-01"], count: 2, values: TestCell.faulty).first)
        #expect(try engine.expireDue() == 0)
        clock.advance(by: 601)
        #expect(try engine.expireDue() == 1)
        let view = try engine.action(id, for: olivia)
        #expect(view.action.state == .expired)
        #expect(view.decisions.map(\.decision) == [.expired])
        // The asset may raise again once its action is closed.
        #expect(try stream(engine, ["asset-01"], from: 10, count: 2, values: TestCell.faulty).count == 1)
    }

    @Test func aRestartRestoresGatesOpenActionsAndTheTwin() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-restart-\(UUID().uuidString).sqlite").path
        var first: DecisionEngine? = try engine(store: try SQLiteStore(path: path))
        try stream(first!, ["asset-01", "asset-02"], count: 20, values: TestCell.normal)
        let id = try #require(try stream(first!, ["asset-01"], from: 20, count: 2, values: TestCell.faulty).first)
        let admin = Principal(tokenID: "a", name: "ada", role: .admin, cell: nil)
        try first!.change(gate: TestCell.maintenanceGate, .pause, by: admin, reason: "shift change")
        first = nil

        let second = try engine(store: try SQLiteStore(path: path))
        #expect(try second.gate(TestCell.maintenanceGate, for: olivia).status == "paused")
        // asset-01's action is still open: more faulty samples raise nothing new for it.
        #expect(try stream(second, ["asset-01"], from: 22, count: 4, values: TestCell.faulty).isEmpty)
        let twin = try second.twin(cell: TestCell.id, for: olivia)
        #expect(twin.assets.first { $0.asset == "asset-02" }?.windowLength == 20)
        #expect(try second.action(id, for: olivia).action.state == .pending)
    }

    @Test func consumptionThroughTheReorderPointProposesAnOrderAndApprovalPutsItOnOrder() throws {
        let gates = [
            TestCell.gate(),
            TestCell.gate(id: TestCell.replenishmentGate, action: "purchase-requisition", kind: "replenishment", debounce: 1, silentPeriod: 86_400),
        ]
        let engine = try engine(gates, material: true)
        var raised: [String] = []
        for _ in 0..<10 where raised.isEmpty {
            let batch = TelemetryBatch(movements: [.init(item: TestCell.material, kind: "consumption", quantity: 15, time: ISOTime.format(clock.now))]
            )
            raised = try engine.ingest(batch, from: edge).raised
            clock.advance(by: 60)
        }
        let id = try #require(raised.first)
        let action = try engine.action(id, for: olivia)
        #expect(action.action.type == "purchase-requisition")
        let proposed = try #require(action.action.quantity)
        #expect(proposed >= 50, "at least the minimum order quantity")
        #expect(proposed.truncatingRemainder(dividingBy: 10) == 0, "a multiple of the order multiple")
        let before = try engine.twin(cell: TestCell.id, for: olivia).materials[0]
        try engine.approve(id, by: olivia, quantity: proposed + 20)
        let after = try engine.twin(cell: TestCell.id, for: olivia).materials[0]
        #expect(after.onOrder == before.onOrder + proposed + 20)
        let call = try #require(try engine.action(id, for: olivia).dispatch.first)
        #expect(call.connector == "purchase-requisition")
        #expect(call.payload.contains("\"quantity\":\(Int(proposed + 20))"))
        let label = try #require(try engine.action(id, for: olivia).decisions.first)
        #expect(label.proposedQuantity == proposed)
        #expect(label.quantity == proposed + 20)
    }

    @Test func aResentMovementDoesNotDrawTheStockTwice() throws {
        let engine = try engine(material: true)
        let movement = TelemetryBatch(movements: [.init(item: TestCell.material, kind: "consumption", quantity: 5, time: ISOTime.format(clock.now))])
        #expect(try engine.ingest(movement, from: edge).acceptedMovements == 1)
        let again = try engine.ingest(movement, from: edge)
        #expect(again.acceptedMovements == 0)
        #expect(again.rejected.first?.reason.contains("duplicate") == true)
        #expect(try engine.twin(cell: TestCell.id, for: olivia).materials[0].onHand == 115)
    }

    @Test func onlyAdminsChangeGatesAndSponsorsSignOff() throws {
        let engine = try engine([TestCell.gate(stages: [0, 100])])
        let sponsor = Principal(tokenID: "s", name: "sam", role: .sponsor, cell: nil)
        let admin = Principal(tokenID: "a", name: "ada", role: .admin, cell: nil)
        #expect(throws: ServiceError.self) { try engine.change(gate: TestCell.maintenanceGate, .promote, by: sponsor, reason: "go") }
        #expect(throws: ServiceError.self) { try engine.change(gate: TestCell.maintenanceGate, .pause, by: olivia, reason: "stop") }
        #expect(throws: ServiceError.self) { try engine.change(gate: TestCell.maintenanceGate, .signOff, by: admin, reason: "ok") }
        #expect(throws: ServiceError.invalid("say why: every gate change is recorded with its reason")) {
            try engine.change(gate: TestCell.maintenanceGate, .promote, by: admin, reason: " ")
        }
        let promoted = try engine.change(gate: TestCell.maintenanceGate, .promote, by: admin, reason: "shadow week looked clean")
        #expect(promoted.stageName == "100 %")
        let event = try #require(try engine.store.read { try $0.audit.records(subject: TestCell.maintenanceGate) }.last)
        #expect(event.entry.event == "gate.promoted")
        #expect(event.entry.actor == "ada")
    }
}

/// A new model version never acts at once.
@Suite struct ModelVersionTests {
    @Test func aGatePointedAtANewModelVersionStartsAgainInShadow() throws {
        let clock = ManualClock()
        let store = try SQLiteStore()
        var gate = TestCell.gate(stages: [0, 100])
        let first = try DecisionEngine(
            store: store, catalog: try TestCell.catalog(gates: [gate]),
            configuration: {
                var c = EngineConfiguration()
                c.startingStages = [gate.id: 1]
                return c
            }(), clock: clock.function)
        #expect(try first.gate(gate.id, for: .system).stage == 1)
        // The same file again: the stage is kept.
        let again = try DecisionEngine(store: store, catalog: try TestCell.catalog(gates: [gate]), clock: clock.function)
        #expect(try again.gate(gate.id, for: .system).stage == 1)
        gate.modelVersion = 2
        let retrained = try DecisionEngine(store: store, catalog: try TestCell.catalog(gates: [gate]), clock: clock.function)
        let view = try retrained.gate(gate.id, for: .system)
        #expect(view.stage == 0 && view.stageName == "shadow")
        #expect(view.model == "pca-t2q v2")
        let events = try store.read { try $0.audit.records(subject: gate.id) }.map(\.entry.event)
        #expect(events.contains("gate.model-changed"))
    }
}
