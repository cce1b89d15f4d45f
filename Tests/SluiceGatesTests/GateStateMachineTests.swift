import Foundation
import SluiceGates
import Testing

private let admin = Identity(name: "a.admin", role: .admin)
private let sponsor = Identity(name: "s.sponsor", role: .sponsor)
private let op = Identity(name: "o.operator", role: .operator)
private let edge = Identity(name: "plc-7", role: .edge)
private let t0 = Date(timeIntervalSince1970: 1_800_000_000)
private func at(hours: Double) -> Date { t0.addingTimeInterval(hours * 3_600) }

private func definition(signOff: Bool = true) -> GateDefinition {
    GateDefinition(
        id: "press-line-anomaly", cell: "press-line", actionType: "maintenance-order", modelKind: "pca-t2q", modelVersion: 2,
        requiresSponsorSignOff: signOff)
}

/// A gate promoted out of shadow into its 5 % stage at hour 24.
private func canary(signOff: Bool = true) throws -> GateStateMachine {
    var gate = GateStateMachine(definition: definition(signOff: signOff), now: t0)
    if signOff { _ = try gate.signOff(by: sponsor, reason: "shadow logs look sane", at: at(hours: 23)) }
    _ = try gate.promote(by: admin, reason: "a day in shadow", at: at(hours: 24))
    return gate
}

private func feed(_ gate: inout GateStateMachine, clean: Int, falsePositives: Int = 0, at time: Date) -> [GateAction] {
    var actions: [GateAction] = []
    for _ in 0..<falsePositives { actions += gate.recordDecision(falsePositive: true, at: time) }
    for _ in 0..<clean { actions += gate.recordDecision(falsePositive: false, at: time) }
    return actions
}

private func events(_ actions: [GateAction]) -> [GateEvent] {
    actions.compactMap { if case .record(let e) = $0 { e } else { nil } }
}

private func refusal(_ body: () throws -> Any) -> GateRefusal? {
    do {
        _ = try body()
        return nil
    } catch let r as GateRefusal {
        return r
    } catch {
        return nil
    }
}

@Suite("Gate state machine")
struct GateStateMachineTests {
    @Test func startsInShadowAndPromotesAfterDwellAndSignOff() throws {
        var gate = GateStateMachine(definition: definition(), now: t0)
        #expect(gate.mode(for: "press-01") == .shadow)
        #expect(refusal { try gate.promote(by: admin, reason: "go", at: at(hours: 23)) }?.message.contains("needs 24.0 h") == true)
        #expect(refusal { try gate.promote(by: admin, reason: "go", at: at(hours: 25)) }?.message.contains("sign-off") == true)
        _ = try gate.signOff(by: sponsor, reason: "ok", at: at(hours: 25))
        let actions = try gate.promote(by: admin, reason: "a day in shadow", at: at(hours: 25))
        #expect(gate.stage == 1 && gate.status == .running && gate.signedOffBy == nil)
        let e = try #require(events(actions).first)
        #expect(e.kind == .promoted && e.actor == admin && e.reason == "a day in shadow" && e.fromStage == 0 && e.toStage == 1)
        #expect(actions.contains(.modesChanged))
    }

    @Test func canaryModesFollowTheCohort() throws {
        let gate = try canary()
        let assets = (0..<400).map { "asset-\($0)" }
        let acting = assets.filter { gate.mode(for: $0) == .action }
        #expect(!acting.isEmpty && acting.count < 60)
        #expect(acting.allSatisfy { Bucketing.isInCohort(asset: $0, gate: "press-line-anomaly", percent: 5) })
        #expect(assets.filter { gate.mode(for: $0) == .recommendation }.count == 400 - acting.count)
    }

    @Test func promotionNeedsAPass() throws {
        var gate = try canary()
        _ = try gate.signOff(by: sponsor, reason: "ok", at: at(hours: 30))
        #expect(refusal { try gate.promote(by: admin, reason: "go", at: at(hours: 100)) }?.message.contains("has not passed yet") == true)
        let actions = feed(&gate, clean: 42, at: at(hours: 90))
        #expect(gate.passed)
        #expect(events(actions).map(\.kind) == [.passed])
        #expect(actions.contains { if case .askForDecision = $0 { true } else { false } })
        _ = try gate.promote(by: admin, reason: "5 % passed", at: at(hours: 100))
        #expect(gate.stage == 2 && !gate.passed)
    }

    @Test func passRequestsSignOffWhenItIsMissing() throws {
        var gate = try canary()
        let actions = feed(&gate, clean: 42, at: at(hours: 30))
        #expect(actions.contains { if case .requestSignOff = $0 { true } else { false } })
    }

    @Test func onlyTheRightRolesMayAct() throws {
        var gate = try canary()
        #expect(refusal { try gate.promote(by: sponsor, reason: "x", at: at(hours: 99)) }?.reason == .forbidden)
        #expect(refusal { try gate.signOff(by: admin, reason: "x", at: at(hours: 99)) }?.reason == .forbidden)
        #expect(refusal { try gate.pause(by: edge, reason: "x", at: at(hours: 99)) }?.reason == .forbidden)
        #expect(refusal { try gate.pause(by: op, reason: "x", at: at(hours: 99)) }?.reason == .forbidden, "only admins change gates")
        #expect(refusal { try gate.abort(by: op, reason: "x", at: at(hours: 99)) }?.reason == .forbidden)
        #expect(refusal { try gate.abort(by: sponsor, reason: "x", at: at(hours: 99)) }?.reason == .forbidden, "sponsors sign off; admins change")
        #expect(refusal { try gate.setFlag(false, by: sponsor, reason: "x", at: at(hours: 99)) }?.reason == .forbidden)
        #expect(refusal { try gate.pause(by: admin, reason: "  ", at: at(hours: 99)) }?.reason == .invalid, "a reason is required")
    }

    @Test func automaticFallbackTakesEveryAssetToRecommendations() throws {
        var gate = try canary()
        let actions = feed(&gate, clean: 0, falsePositives: 3, at: at(hours: 30))
        #expect(gate.status == .fallenBack)
        let e = try #require(events(actions).first)
        #expect(e.kind == .fellBack && e.actor == .system && e.evidence.falsePositives == 3 && e.reason.contains("95 % interval"))
        #expect((0..<200).allSatisfy { gate.mode(for: "asset-\($0)") == .recommendation })
    }

    @Test func leavingFallbackNeedsAFreshPassAndAnAdmin() throws {
        var gate = try canary()
        _ = feed(&gate, clean: 0, falsePositives: 3, at: at(hours: 30))
        #expect(refusal { try gate.promote(by: admin, reason: "retrained", at: at(hours: 40)) }?.message.contains("fresh pass") == true)
        let actions = feed(&gate, clean: 42, at: at(hours: 50))
        #expect(events(actions).map(\.kind) == [.passedAfterFallback])
        #expect(gate.status == .fallenBack, "a fresh pass does not act by itself")
        #expect(refusal { try gate.promote(by: sponsor, reason: "go", at: at(hours: 51)) }?.reason == .forbidden)
        let back = try gate.promote(by: admin, reason: "fresh evidence passes", at: at(hours: 51))
        #expect(events(back).first?.kind == .rePromoted)
        #expect(gate.status == .running && gate.stage == 1)
    }

    @Test func pauseResumeAndAbort() throws {
        var gate = try canary()
        _ = try gate.pause(by: admin, reason: "line stopped for cleaning", at: at(hours: 30))
        #expect(gate.status == .paused && gate.mode(for: "asset-1") == .recommendation)
        #expect(feed(&gate, clean: 50, at: at(hours: 30)).isEmpty, "decisions while paused are not judged")
        #expect(refusal { try gate.promote(by: admin, reason: "go", at: at(hours: 100)) }?.message.contains("paused") == true)
        _ = try gate.resume(by: admin, reason: "line running", at: at(hours: 31))
        #expect(gate.status == .running)
        #expect(refusal { try gate.resume(by: admin, reason: "again", at: at(hours: 31)) }?.reason == .conflict)
        _ = try gate.abort(by: admin, reason: "model misbehaves on night shift", at: at(hours: 32))
        #expect(gate.status == .aborted && gate.mode(for: "asset-1") == .recommendation)
        #expect(refusal { try gate.resume(by: admin, reason: "undo", at: at(hours: 33)) }?.message.contains("aborted gate cannot be resumed") == true)
        #expect(refusal { try gate.abort(by: admin, reason: "again", at: at(hours: 33)) }?.reason == .conflict)
        _ = feed(&gate, clean: 42, at: at(hours: 40))
        _ = try gate.promote(by: admin, reason: "fixed", at: at(hours: 41))
        #expect(gate.status == .running)
    }

    @Test func anInconclusiveStageHoldsForAPerson() throws {
        var d = definition()
        d.judge.maximumSample = 60
        var gate = GateStateMachine(definition: d, now: t0)
        _ = try gate.signOff(by: sponsor, reason: "ok", at: t0)
        _ = try gate.promote(by: admin, reason: "go", at: at(hours: 24))
        var actions: [GateAction] = []
        for i in 0..<60 { actions += gate.recordDecision(falsePositive: i % 12 == 0, at: at(hours: 30)) }
        #expect(gate.status == .holding)
        #expect(events(actions).last?.kind == .inconclusive)
        #expect(actions.contains { if case .askForDecision = $0 { true } else { false } })
        // A person decides: promotion without a pass, recorded with who and why.
        _ = try gate.signOff(by: sponsor, reason: "rate looks fine", at: at(hours: 80))
        let promoted = try gate.promote(by: admin, reason: "inconclusive at 5 %, accepted by the sponsor", at: at(hours: 80))
        #expect(gate.stage == 2 && events(promoted).first?.actor == admin)
    }

    @Test func theLastStageCannotBePromotedAndTheFlagTurnsItOff() throws {
        var gate = try canary(signOff: false)
        for hour in [100.0, 200, 300] {
            _ = feed(&gate, clean: 42, at: at(hours: hour))
            if gate.stage < 3 { _ = try gate.promote(by: admin, reason: "passed", at: at(hours: hour + 1)) }
        }
        #expect(gate.stage == 3 && gate.mode(for: "asset-9") == .action)
        #expect(refusal { try gate.promote(by: admin, reason: "more", at: at(hours: 500)) }?.message.contains("last stage") == true)
        let off = try gate.setFlag(false, by: admin, reason: "maintenance window", at: at(hours: 501))
        #expect(events(off).first?.kind == .flagChanged && gate.mode(for: "asset-9") == .shadow)
        #expect(try gate.setFlag(false, by: admin, reason: "again", at: at(hours: 502)).isEmpty)
    }

    @Test func theStateSurvivesARestart() throws {
        var gate = try canary()
        _ = feed(&gate, clean: 20, falsePositives: 1, at: at(hours: 30))
        let data = try JSONEncoder().encode(gate)
        let restored = try JSONDecoder().decode(GateStateMachine.self, from: data)
        #expect(restored == gate)
        #expect(restored.judge.decisions == 21)
    }
}
