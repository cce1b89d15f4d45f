import Numerics
import SluiceReplenishment
import Testing

@Suite("Inventory policies")
struct PolicyTests {
    @Test func eoqClosedForm() throws {
        // FoSCT Example 3.1: K = 8, h = 0.225, λ = 1300.
        let s = try EconomicOrderQuantity.classic(fixedCost: 8, holdingCost: 0.225, demandRate: 1_300)
        #expect(s.quantity.isApproximatelyEqual(to: (2 * 8 * 1_300 / 0.225).squareRoot(), relativeTolerance: 1e-14))
        #expect(s.cost.isApproximatelyEqual(to: 68.41052550594827, relativeTolerance: 1e-12))
        #expect(throws: ReplenishmentError.self) { try EconomicOrderQuantity.classic(fixedCost: -1, holdingCost: 1, demandRate: 1) }
        #expect(throws: ReplenishmentError.self) {
            try EconomicOrderQuantity.withProductionRate(fixedCost: 1, holdingCost: 1, demandRate: 10, productionRate: 5)
        }
    }

    @Test func wagnerWhitinExample() throws {
        let plan = try WagnerWhitin.plan(demand: [90, 120, 80, 70], fixedCost: [500, 500, 500, 500], holdingCost: [2, 2, 2, 2])
        #expect(plan.orders == [210, 0, 150, 0])
        #expect(plan.cost == 1_380)
    }

    @Test func newsvendorPoissonIsTheSmallestLevelAtTheCriticalRatio() throws {
        let s = try Newsvendor.poisson(holdingCost: 1, stockoutCost: 4, mean: 6)
        #expect(s.level == 8)
        #expect(LossFunctions.poissonCDF(7, mean: 6) < 0.8 && LossFunctions.poissonCDF(8, mean: 6) >= 0.8)
    }

    @Test func zhengFedergruenBeatsItsNeighbours() throws {
        let demand = try DiscreteDemand.poisson(mean: 6)
        let best = try PeriodicReviewSS.optimal(holdingCost: 1, stockoutCost: 4, fixedCost: 5, pmf: demand)
        #expect(best.reorderPoint == 4 && best.orderUpTo == 10)
        for (ds, dS) in [(-1, 0), (1, 0), (0, -1), (0, 1), (1, 1), (-1, -1)] {
            let other = try PeriodicReviewSS.cost(
                reorderPoint: 4 + ds, orderUpTo: 10 + dS, holdingCost: 1, stockoutCost: 4, fixedCost: 5, pmf: demand)
            #expect(other >= best.cost! - 1e-12)
        }
    }

    @Test func rqCostIsMinimisedNearTheLossFunctionPolicy() throws {
        let problem = ContinuousReviewRQ.Problem(
            holdingCost: 0.225, stockoutCost: 7.5, fixedCost: 8, demandRate: 1_300, demandStandardDeviation: 150, leadTime: 1.0 / 12)
        let policy = try ContinuousReviewRQ.lossFunctionApproximation(problem: problem)
        let at = try ContinuousReviewRQ.cost(reorderPoint: policy.reorderPoint, quantity: policy.quantity, problem: problem)
        for (dr, dq) in [(-5.0, 0.0), (5, 0), (0, -20), (0, 20)] {
            #expect(try ContinuousReviewRQ.cost(reorderPoint: policy.reorderPoint + dr, quantity: policy.quantity + dq, problem: problem) > at)
        }
    }

    @Test func guaranteedServiceTreeExample() throws {
        // FoSCT Example 6.5: cost 2√2 + √6 + 3.
        let nodes = [
            GuaranteedServiceTree.Node(id: 1, holdingCost: 1, processingTime: 2, successors: [3], externalInboundServiceTime: 1),
            GuaranteedServiceTree.Node(id: 3, holdingCost: 2, processingTime: 1, successors: [2, 4], predecessors: [1]),
            GuaranteedServiceTree.Node(id: 2, holdingCost: 3, processingTime: 1, externalOutboundServiceTime: 0, demandStandardDeviation: 1),
            GuaranteedServiceTree.Node(id: 4, holdingCost: 3, processingTime: 1, externalOutboundServiceTime: 1, demandStandardDeviation: 1),
        ]
        let solution = try GuaranteedServiceTree.optimize(nodes)
        #expect(solution.serviceTimes == [1: 0, 2: 0, 3: 0, 4: 1])
        #expect(solution.cost.isApproximatelyEqual(to: 2 * 2.0.squareRoot() + 6.0.squareRoot() + 3, relativeTolerance: 1e-14))
        #expect(throws: ReplenishmentError.self) { try GuaranteedServiceTree.optimize([]) }
    }

    @Test func serialSystemMatchesShangAndSong() throws {
        let s = try SerialBaseStock.optimize(
            echelonHoldingCosts: [0.25, 0.25, 0.25, 0.25], leadTimes: [0.25, 0.25, 0.25, 0.25], stockoutCost: 9, demand: .poisson(mean: 16))
        #expect(s.echelonBaseStock == [8, 13, 18, 22])
        #expect(abs(s.cost - 12.688) < 0.05)
    }
}
