import Numerics
import SluiceReplenishment
import Testing

@Suite("Replenishment proposals")
struct PlannerTests {
    private func state(onHand: Double = 0, history: [Double] = Array(repeating: 20, count: 60), multiple: Double = 1, minimum: Double = 0)
        -> MaterialState
    {
        var history = history
        // A little noise so the forecast error is not zero.
        for i in history.indices where i % 3 == 0 && history[i] > 0 { history[i] += 4 }
        return MaterialState(
            item: "BRG-6204", warehouse: "WH1", unit: "pcs", supplier: "SKF", onHand: onHand, demandHistory: history, leadTime: 5,
            leadTimeStandardDeviation: 1, holdingCost: 0.01, orderingCost: 50, shortageCost: 5, minimumOrderQuantity: minimum,
            orderMultiple: multiple,
            fillRateTarget: 0.98)
    }

    @Test func ordersUpToSWhenThePositionReachesTheReorderPoint() throws {
        let p = try ReplenishmentPlanner.propose(state(onHand: 0))
        #expect(p.triggered)
        #expect(p.quantity >= p.orderUpTo - p.inventoryPosition)
        #expect(p.orderUpTo.isApproximatelyEqual(to: p.reorderPoint + p.lotSize, relativeTolerance: 1e-12))
        #expect(p.expectedFillRate >= 0.98 - 1e-9)
        #expect(p.needByPeriods == 5)
        let doc = p.document(needBy: "2026-12-01")
        #expect(doc.item == "BRG-6204" && doc.warehouse == "WH1" && doc.supplier == "SKF" && doc.quantity == p.quantity && doc.unit == "pcs")
    }

    @Test func triggerIsAtOrBelowTheReorderPoint() throws {
        let s = try ReplenishmentPlanner.propose(state(onHand: 0)).reorderPoint
        #expect(try ReplenishmentPlanner.propose(state(onHand: s)).triggered, "position = s triggers")
        #expect(try !ReplenishmentPlanner.propose(state(onHand: s + 0.001)).triggered, "position just above s does not")
        #expect(try ReplenishmentPlanner.propose(state(onHand: s + 0.001)).quantity == 0)
    }

    @Test func quantitiesRespectTheMultipleAndTheMinimum() throws {
        let packed = try ReplenishmentPlanner.propose(state(onHand: 0, multiple: 25, minimum: 0))
        #expect(packed.quantity.truncatingRemainder(dividingBy: 25) == 0 && packed.quantity > 0)
        let big = try ReplenishmentPlanner.propose(state(onHand: 0, multiple: 10, minimum: 5_000))
        #expect(big.quantity >= 5_000 && big.quantity.truncatingRemainder(dividingBy: 10) == 0)
    }

    @Test func noDemandOrdersOnlyWhatIsOwed() throws {
        var quiet = state(onHand: 0, history: Array(repeating: 0, count: 30), multiple: 6)
        #expect(try ReplenishmentPlanner.propose(quiet).quantity == 0)
        quiet.backorders = 7
        let owed = try ReplenishmentPlanner.propose(quiet)
        #expect(owed.triggered && owed.quantity == 12, "7 owed, rounded up to a multiple of 6")
    }

    @Test func costModeServesCheapItemsBetter() throws {
        var cheap = state(onHand: 0)
        cheap.fillRateTarget = nil
        var dear = cheap
        dear.holdingCost *= 50
        let a = try ReplenishmentPlanner.propose(cheap)
        let b = try ReplenishmentPlanner.propose(dear)
        #expect(a.cycleServiceLevel > b.cycleServiceLevel)
    }

    @Test(
        arguments: [
            ("holdingCost", { @Sendable (s: inout MaterialState) in s.holdingCost = -1 }),
            ("shortageCost", { @Sendable (s: inout MaterialState) in s.shortageCost = .nan }),
            ("orderMultiple", { @Sendable (s: inout MaterialState) in s.orderMultiple = 0 }),
            ("leadTime", { @Sendable (s: inout MaterialState) in s.leadTime = -2 }),
            ("fillRateTarget", { @Sendable (s: inout MaterialState) in s.fillRateTarget = 1 }),
            ("demandHistory", { @Sendable (s: inout MaterialState) in s.demandHistory = [] }),
            ("item", { @Sendable (s: inout MaterialState) in s.item = "" }),
        ] as [(String, @Sendable (inout MaterialState) -> Void)])
    func badInputNamesTheField(field: String, edit: @Sendable (inout MaterialState) -> Void) {
        var s = state()
        edit(&s)
        do {
            _ = try ReplenishmentPlanner.propose(s)
            Issue.record("expected an error for \(field)")
        } catch let error as ReplenishmentError {
            #expect(error.field == field)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func zeroLeadTimeIsFineForPeriodicReviewButNotForRQ() throws {
        var s = state(onHand: 0)
        s.leadTime = 0
        s.leadTimeStandardDeviation = 0
        #expect(try ReplenishmentPlanner.propose(s).quantity > 0)
        let problem = ContinuousReviewRQ.Problem(
            holdingCost: 1, stockoutCost: 5, fixedCost: 10, demandRate: 100, demandStandardDeviation: 10, leadTime: 0)
        #expect(throws: ReplenishmentError.self) { try ContinuousReviewRQ.eoqPlusSafetyStock(problem: problem) }
    }
}
