public import Foundation

/// How a gate treats one asset's detections.
public enum AssetMode: String, Sendable, Codable, Equatable {
    /// Scored and logged, shown to nobody.
    case shadow
    /// Shown to operators, who may mark it useful or not; never dispatched.
    case recommendation
    /// A soft action queued for an operator's approval.
    case action
}

/// Where a gate stands.
public enum GateStatus: String, Sendable, Codable, Equatable {
    /// Acting in its stage, the judge watching.
    case running
    /// Stopped by a person; resumable.
    case paused
    /// Fallen back to recommendations by the judge; needs a fresh pass and a re-promotion.
    case fallenBack = "fallen-back"
    /// Stopped by a person and back to recommendations; needs a fresh pass and a re-promotion.
    case aborted
    /// The stage's test ended without a verdict: acting as before, waiting for a person to promote or abort.
    case holding
}

/// Something that happened to a gate, for the audit log: who, what, why, with the evidence.
public struct GateEvent: Sendable, Codable, Equatable {
    /// What happened.
    public enum Kind: String, Sendable, Codable, Equatable {
        /// Moved to the next stage.
        case promoted
        /// Back in its stage after a fallback or abort and a fresh pass.
        case rePromoted = "re-promoted"
        /// A sponsor signed off the next promotion.
        case signedOff = "signed-off"
        /// Stopped by a person.
        case paused
        /// Started again after a pause.
        case resumed
        /// Taken back to recommendations by a person.
        case aborted
        /// Taken back to recommendations by the judge.
        case fellBack = "fell-back"
        /// The stage's false-positive rate was shown low enough.
        case passed
        /// Fresh evidence after a fallback or abort passed.
        case passedAfterFallback = "passed-after-fallback"
        /// The stage's test ended without a verdict.
        case inconclusive
        /// The feature flag was turned on or off.
        case flagChanged = "flag-changed"
    }

    /// The gate.
    public let gate: String
    /// What happened.
    public let kind: Kind
    /// Who did it (``Identity/system`` for the judge).
    public let actor: Identity
    /// Why, in the actor's words or the judge's.
    public let reason: String
    /// When.
    public let time: Date
    /// The stage before.
    public let fromStage: Int
    /// The stage after.
    public let toStage: Int
    /// The status after.
    public let status: GateStatus
    /// The judge's evidence at the time.
    public let evidence: FalsePositiveJudge.Evidence
}

/// What the caller must do after a transition: record events, ask people, re-read modes.
public enum GateAction: Sendable, Equatable {
    /// Append to the audit log.
    case record(GateEvent)
    /// A person must decide (an inconclusive stage, a passed stage ready for promotion).
    case askForDecision(String)
    /// The sponsor's sign-off is needed before promotion.
    case requestSignOff(String)
    /// Asset modes may have changed: re-read ``GateStateMachine/mode(for:)``.
    case modesChanged
}

/// The gate as a value: stages, status, the false-positive judge and the rules that move them. Every
/// transition is a method that returns the actions to carry out, or throws a ``GateRefusal``; nothing
/// here touches storage, clocks or networks, so a restart restores it exactly from its encoded form.
public struct GateStateMachine: Sendable, Codable, Equatable {
    /// The definition it runs.
    public let definition: GateDefinition
    /// The current stage, an index into the definition's stages.
    public private(set) var stage: Int
    /// The status.
    public private(set) var status: GateStatus
    /// The feature flag.
    public private(set) var enabled: Bool
    /// The judge of the current stage (or of the fresh evidence after a fallback or abort).
    public private(set) var judge: FalsePositiveJudge
    /// When the current stage began.
    public private(set) var stageEnteredAt: Date
    /// Whether the current stage has passed (or, after a fallback, the fresh evidence).
    public private(set) var passed: Bool
    /// The sponsor who signed off the next promotion, if one has.
    public private(set) var signedOffBy: Identity?
    private var statusBeforePause: GateStatus?

    /// A gate at its first stage (shadow by default), running, from `now`.
    public init(definition: GateDefinition, now: Date) {
        self.definition = definition
        stage = 0
        status = .running
        enabled = definition.enabled
        judge = FalsePositiveJudge(settings: definition.judge, minimumSample: definition.stages[0].minimumSample)
        stageEnteredAt = now
        passed = false
    }

    /// A gate starting at `stage` rather than at the first one: for demos and rehearsals, which show a gate
    /// acting without the days of evidence a real deployment needs to earn its stages.
    public init(definition: GateDefinition, startingAt stage: Int, now: Date) {
        self.init(definition: definition, now: now)
        let stage = min(max(0, stage), definition.stages.count - 1)
        self.stage = stage
        judge = FalsePositiveJudge(settings: definition.judge, minimumSample: definition.stages[stage].minimumSample)
    }

    /// The same running state under an edited definition; the stage is kept (or clamped to the new last
    /// stage) and the judge keeps its evidence.
    public func replacingDefinition(with definition: GateDefinition) -> GateStateMachine {
        var copy = GateStateMachine(definition: definition, now: stageEnteredAt)
        copy.stage = min(stage, definition.stages.count - 1)
        copy.status = status
        copy.enabled = enabled
        copy.judge = judge
        copy.stageEnteredAt = stageEnteredAt
        copy.passed = passed
        copy.signedOffBy = signedOffBy
        copy.statusBeforePause = statusBeforePause
        return copy
    }

    /// The current stage's definition.
    public var currentStage: GateDefinition.Stage { definition.stages[stage] }

    /// How the gate treats `asset` now: shadow when the flag is off or the stage is shadow, actions inside
    /// the stage's cohort while running (or holding), recommendations otherwise.
    public func mode(for asset: String) -> AssetMode {
        guard enabled, !currentStage.isShadow else { return .shadow }
        switch status {
        case .running, .holding:
            return Bucketing.isInCohort(asset: asset, gate: definition.id, percent: currentStage.percent) ? .action : .recommendation
        case .paused, .fallenBack, .aborted:
            return .recommendation
        }
    }

    // MARK: Evidence

    /// Counts one decision: a rejected action or a recommendation marked not useful is a false positive.
    /// The judge may pass the stage, fall the gate back to recommendations, or end inconclusive.
    public mutating func recordDecision(falsePositive: Bool, at now: Date) -> [GateAction] {
        switch status {
        case .paused, .holding: return []
        case .running, .fallenBack, .aborted: break
        }
        let before = judge.verdict
        let verdict = judge.record(falsePositive: falsePositive)
        guard verdict != before else { return [] }
        let evidence = judge.evidence
        switch (verdict, status) {
        case (.fallBack, .running):
            let from = stage
            status = .fallenBack
            passed = false
            signedOffBy = nil
            judge.reset()
            return [
                .record(
                    event(
                        .fellBack, .system, "false-positive rate shown ≥ \(percent(definition.judge.fallbackRate)): \(describe(evidence))", now, from,
                        evidence)),
                .modesChanged,
            ]
        case (.fallBack, _):
            // Still failing on the fresh evidence: start counting again.
            judge.reset()
            return [.record(event(.fellBack, .system, "the fresh evidence fails again: \(describe(evidence))", now, stage, evidence))]
        case (.pass, .running):
            passed = true
            judge.reset()
            var actions: [GateAction] = [
                .record(
                    event(
                        .passed, .system, "false-positive rate shown ≤ \(percent(definition.judge.passRate)): \(describe(evidence))", now, stage,
                        evidence))
            ]
            if stage + 1 < definition.stages.count {
                if definition.requiresSponsorSignOff, signedOffBy == nil {
                    actions.append(.requestSignOff("gate \(definition.id) passed \(currentStage.name); a sponsor's sign-off is needed to promote it"))
                }
                actions.append(.askForDecision("gate \(definition.id) passed \(currentStage.name) and may be promoted"))
            }
            return actions
        case (.pass, _):
            passed = true
            judge.reset()
            return [
                .record(event(.passedAfterFallback, .system, "fresh evidence passes: \(describe(evidence))", now, stage, evidence)),
                .askForDecision("gate \(definition.id) passes again and may be re-promoted to \(currentStage.name)"),
            ]
        case (.inconclusive, .running):
            status = .holding
            return [
                .record(
                    event(.inconclusive, .system, "no verdict after \(evidence.decisions) decisions: \(describe(evidence))", now, stage, evidence)),
                .askForDecision("gate \(definition.id) is inconclusive in \(currentStage.name): promote or abort it"),
            ]
        case (.inconclusive, _):
            judge.reset()
            return [.askForDecision("gate \(definition.id): the fresh evidence is inconclusive after \(evidence.decisions) decisions")]
        case (.undecided, _):
            return []
        }
    }

    // MARK: People

    /// Moves the gate on: to the next stage from a passed (or, by a person's decision, inconclusive) stage,
    /// or back to the stage it left after a fallback or abort, once fresh evidence has passed. Needs an
    /// admin, a reason, the flag on, the minimum dwell and, where the gate says so, a sponsor's sign-off.
    public mutating func promote(by who: Identity, reason: String, at now: Date) throws -> [GateAction] {
        try require(who, in: [.admin], to: "promote")
        try requireReason(reason)
        guard enabled else { throw GateRefusal(.conflict, "the gate's flag is off: turn it on before promoting") }
        let from = stage
        switch status {
        case .paused:
            throw GateRefusal(.conflict, "the gate is paused: resume it first")
        case .fallenBack, .aborted:
            guard passed else {
                throw GateRefusal(.conflict, "re-promotion needs a fresh pass: \(describe(judge.evidence)) so far")
            }
            status = .running
            passed = false
            judge.reset()
            stageEnteredAt = now
            return [.record(event(.rePromoted, who, reason, now, from, judge.evidence)), .modesChanged]
        case .running, .holding:
            guard stage + 1 < definition.stages.count else {
                throw GateRefusal(.conflict, "the gate is already at its last stage (\(currentStage.name))")
            }
            let dwelt = now.timeIntervalSince(stageEnteredAt)
            guard dwelt >= currentStage.minimumDwell else {
                throw GateRefusal(
                    .conflict, "\(currentStage.name) needs \(hours(currentStage.minimumDwell)) before promotion; \(hours(dwelt)) so far")
            }
            if status == .running, !currentStage.isShadow, !passed {
                throw GateRefusal(.conflict, "\(currentStage.name) has not passed yet: \(describe(judge.evidence))")
            }
            if definition.requiresSponsorSignOff, signedOffBy == nil {
                throw GateRefusal(.conflict, "promotion from \(currentStage.name) needs a sponsor's sign-off")
            }
            stage += 1
            status = .running
            passed = false
            signedOffBy = nil
            judge = FalsePositiveJudge(settings: definition.judge, minimumSample: currentStage.minimumSample)
            stageEnteredAt = now
            return [.record(event(.promoted, who, reason, now, from, judge.evidence)), .modesChanged]
        }
    }

    /// A sponsor signs off the promotion out of the current stage.
    public mutating func signOff(by who: Identity, reason: String, at now: Date) throws -> [GateAction] {
        try require(who, in: [.sponsor], to: "sign off a promotion")
        try requireReason(reason)
        guard status == .running || status == .holding, stage + 1 < definition.stages.count else {
            throw GateRefusal(.conflict, "there is no promotion to sign off (status \(status.rawValue), stage \(currentStage.name))")
        }
        signedOffBy = who
        return [.record(event(.signedOff, who, reason, now, stage, judge.evidence))]
    }

    /// Stops acting for now (every asset in recommendation mode); an admin's call.
    public mutating func pause(by who: Identity, reason: String, at now: Date) throws -> [GateAction] {
        try require(who, in: [.admin], to: "pause")
        try requireReason(reason)
        guard status == .running || status == .holding else {
            throw GateRefusal(.conflict, "only a running or holding gate can be paused (status \(status.rawValue))")
        }
        statusBeforePause = status
        status = .paused
        return [.record(event(.paused, who, reason, now, stage, judge.evidence)), .modesChanged]
    }

    /// Resumes a paused gate where it stood. An aborted gate cannot be resumed: it needs a fresh pass and a
    /// re-promotion.
    public mutating func resume(by who: Identity, reason: String, at now: Date) throws -> [GateAction] {
        try require(who, in: [.admin], to: "resume")
        try requireReason(reason)
        switch status {
        case .paused:
            status = statusBeforePause ?? .running
            statusBeforePause = nil
            return [.record(event(.resumed, who, reason, now, stage, judge.evidence)), .modesChanged]
        case .aborted:
            throw GateRefusal(.conflict, "an aborted gate cannot be resumed: it needs a fresh pass and a re-promotion")
        default:
            throw GateRefusal(.conflict, "only a paused gate can be resumed (status \(status.rawValue))")
        }
    }

    /// Takes the gate back to recommendations for every asset, by an admin's decision.
    public mutating func abort(by who: Identity, reason: String, at now: Date) throws -> [GateAction] {
        try require(who, in: [.admin], to: "abort")
        try requireReason(reason)
        guard status != .aborted else { throw GateRefusal(.conflict, "the gate is already aborted") }
        status = .aborted
        statusBeforePause = nil
        passed = false
        signedOffBy = nil
        judge.reset()
        return [.record(event(.aborted, who, reason, now, stage, judge.evidence)), .modesChanged]
    }

    /// Turns the feature flag on or off; off keeps every asset in shadow.
    public mutating func setFlag(_ on: Bool, by who: Identity, reason: String, at now: Date) throws -> [GateAction] {
        try require(who, in: [.admin], to: "change the flag")
        try requireReason(reason)
        guard on != enabled else { return [] }
        enabled = on
        return [.record(event(.flagChanged, who, "\(on ? "on" : "off"): \(reason)", now, stage, judge.evidence)), .modesChanged]
    }

    // MARK: Helpers

    private func require(_ who: Identity, in roles: Set<Identity.Role>, to verb: String) throws {
        guard roles.contains(who.role) else {
            throw GateRefusal(
                .forbidden,
                "\(who.name) (\(who.role.rawValue)) may not \(verb) gate \(definition.id); that takes \(roles.map(\.rawValue).sorted().joined(separator: " or "))"
            )
        }
    }

    private func requireReason(_ reason: String) throws {
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw GateRefusal(.invalid, "say why: every gate change is recorded with its reason")
        }
    }

    private func event(_ kind: GateEvent.Kind, _ who: Identity, _ reason: String, _ now: Date, _ from: Int, _ evidence: FalsePositiveJudge.Evidence)
        -> GateEvent
    {
        GateEvent(
            gate: definition.id, kind: kind, actor: who, reason: reason, time: now, fromStage: from, toStage: stage, status: status,
            evidence: evidence)
    }

    private func describe(_ e: FalsePositiveJudge.Evidence) -> String {
        "\(e.falsePositives) false positives in \(e.decisions) decisions (\(percent(e.rate)), 95 % interval \(percent(e.interval.lowerBound))–\(percent(e.interval.upperBound)))"
    }

    private func percent(_ x: Double) -> String { "\((x * 1_000).rounded() / 10) %" }

    private func hours(_ t: TimeInterval) -> String { "\((t / 360).rounded() / 10) h" }
}
