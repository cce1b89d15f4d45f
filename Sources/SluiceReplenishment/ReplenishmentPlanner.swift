import Foundation
import SluiceStatistics

/// Turns a material's state into a proposed order.
///
/// The policy is a periodic-review (s, S): every review, when the inventory position (on hand + on
/// order − backorders) is **at or below** s, order up to S. Demand over the protection interval (lead
/// time + review period) is taken as normal, with the forecast's mean and one-step error, widened by
/// the lead time's variability: `σ_T² = T·σ² + μ²·σ_L²`. The lot size Q is the economic order quantity
/// (at least the minimum, in order multiples); s is set for the fill-rate target when there is one
/// (expected shortage per cycle = (1 − target)·Q), otherwise where a unit of safety stock costs as much
/// as the shortages it prevents (`P(D_T > s) = Q·h / (p·μ)`).
public enum ReplenishmentPlanner {
    /// The proposal for `state`.
    ///
    /// A history with no demand at all proposes nothing unless backorders are owed, in which case it
    /// orders exactly what is owed (rounded to the order multiple, at least the minimum).
    ///
    /// - Throws: ``ReplenishmentError`` naming the first invalid field.
    public static func propose(_ state: MaterialState, forecasting: DemandForecaster.Parameters = .init()) throws -> ReplenishmentProposal {
        try state.validate()
        let forecast = try DemandForecaster.forecast(state.demandHistory, parameters: forecasting)
        let position = state.inventoryPosition
        let interval = state.leadTime + state.reviewPeriod
        guard forecast.mean > 0 else {
            let owed = max(-position, 0)
            let quantity = owed > 0 ? rounded(owed, state) : 0
            return ReplenishmentProposal(
                item: state.item, warehouse: state.warehouse, unit: state.unit, supplier: state.supplier, triggered: owed > 0, quantity: quantity,
                needByPeriods: state.leadTime, inventoryPosition: position, reorderPoint: 0, orderUpTo: 0, lotSize: 0, policy: "none: no demand",
                forecast: forecast, expectedFillRate: 1, cycleServiceLevel: 1, expectedCostPerPeriod: 0,
                explanation: forecast.explanation + (owed > 0 ? "; \(format(owed)) backordered units are owed, so exactly those are ordered" : ""))
        }
        let mu = forecast.mean
        let meanT = mu * interval
        let sigmaT = max(
            (interval * forecast.standardDeviation * forecast.standardDeviation + mu * mu * state.leadTimeStandardDeviation
                * state.leadTimeStandardDeviation)
                .squareRoot(), 1e-9)
        let eoq = (2 * state.orderingCost * mu / state.holdingCost).squareRoot()
        let lot = rounded(max(eoq, mu * state.reviewPeriod, state.minimumOrderQuantity), state)

        let k: Double
        let basis: String
        if let target = state.fillRateTarget {
            k = safetyFactor(forShortagePerCycle: (1 - target) * lot / sigmaT)
            basis = "fill-rate target \(format(100 * target)) %"
        } else {
            let tail = min(max(lot * state.holdingCost / (state.shortageCost * mu), 1e-6), 0.5)
            k = Distributions.normalQuantile(1 - tail)
            basis = "holding cost balanced against shortage cost"
        }
        let s = meanT + k * sigmaT
        let bigS = s + lot
        let shortagePerCycle = sigmaT * LossFunctions.normalLoss(k)
        let fillRate = max(0, 1 - shortagePerCycle / lot)
        let cycleService = Distributions.normalCDF(k)
        let cost = state.holdingCost * (k * sigmaT + lot / 2) + state.orderingCost * mu / lot + state.shortageCost * shortagePerCycle * mu / lot
        let triggered = position <= s
        let quantity = triggered ? rounded(max(bigS - position, state.minimumOrderQuantity), state) : 0
        let explanation =
            "\(forecast.explanation). Demand over \(format(interval)) periods: mean \(format(meanT)), sd \(format(sigmaT)); "
            + "s = \(format(s)) (\(basis)), Q = \(format(lot)), S = \(format(bigS)); position \(format(position)) "
            + (triggered ? "≤ s: order \(format(quantity))." : "> s: no order yet.")
        return ReplenishmentProposal(
            item: state.item, warehouse: state.warehouse, unit: state.unit, supplier: state.supplier, triggered: triggered, quantity: quantity,
            needByPeriods: state.leadTime, inventoryPosition: position, reorderPoint: s, orderUpTo: bigS, lotSize: lot,
            policy: "(s, S) periodic review, normal demand over lead time + review", forecast: forecast, expectedFillRate: fillRate,
            cycleServiceLevel: cycleService, expectedCostPerPeriod: cost, explanation: explanation)
    }

    /// The safety factor k whose expected shortage per cycle, in units of σ, is `target` (`L(k) = target`),
    /// kept within [−4, 8].
    static func safetyFactor(forShortagePerCycle target: Double) -> Double {
        if target >= LossFunctions.normalLoss(-4) { return -4 }
        if target <= LossFunctions.normalLoss(8) { return 8 }
        return LossFunctions.normalLossInverse(target)
    }

    /// `quantity` rounded up to the order multiple, and at least the minimum order quantity.
    static func rounded(_ quantity: Double, _ state: MaterialState) -> Double {
        let multiple = state.orderMultiple
        let up = (quantity / multiple - 1e-9).rounded(.up) * multiple
        return max(up, (state.minimumOrderQuantity / multiple - 1e-9).rounded(.up) * multiple)
    }

    /// A number for people: four significant digits, without the cost of `String(format:)`.
    public static func format(_ x: Double) -> String {
        guard x.isFinite, x != 0 else { return x == 0 ? "0" : "\(x)" }
        let digits = max(0, 3 - Int(log10(abs(x)).rounded(.down)))
        let scale = pow(10, Double(min(digits, 6)))
        let rounded = (x * scale).rounded() / scale
        return rounded == rounded.rounded() && abs(rounded) < 1e15 ? String(Int64(rounded)) : "\(rounded)"
    }
}
