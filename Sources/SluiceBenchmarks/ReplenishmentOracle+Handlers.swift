import Foundation
import SluiceReplenishment
import SluiceTelemetry

extension ReplenishmentOracle {
    /// EOQ variants and Wagner–Whitin.
    static let lotSizingHandlers: [String: Handler] = [
        "eoq.economic_order_quantity": { p in
            let s = try EconomicOrderQuantity.classic(
                fixedCost: try p.number("fixed_cost_K"), holdingCost: try p.number("holding_cost_h"), demandRate: try p.number("demand_rate_lambda"))
            return ["order_quantity_Q": .number(s.quantity), "cost_per_unit_time": .number(s.cost)]
        },
        "eoq.economic_order_quantity_with_backorders": { p in
            let s = try EconomicOrderQuantity.withBackorders(
                fixedCost: try p.number("fixed_cost_K"), holdingCost: try p.number("holding_cost_h"), stockoutCost: try p.number("stockout_cost_p"),
                demandRate: try p.number("demand_rate_lambda"))
            return [
                "order_quantity_Q": .number(s.quantity), "stockout_fraction_x": .number(s.stockoutFraction!), "cost_per_unit_time": .number(s.cost),
            ]
        },
        "eoq.economic_production_quantity": { p in
            let s = try EconomicOrderQuantity.withProductionRate(
                fixedCost: try p.number("fixed_cost_K"), holdingCost: try p.number("holding_cost_h"), demandRate: try p.number("demand_rate_lambda"),
                productionRate: try p.number("production_rate_mu"))
            return ["order_quantity_Q": .number(s.quantity), "cost_per_unit_time": .number(s.cost)]
        },
        "eoq.economic_order_quantity_with_all_units_discounts": { p in
            let s = try EconomicOrderQuantity.withAllUnitsDiscounts(
                fixedCost: try p.number("fixed_cost_K"), holdingCostRate: try p.number("holding_cost_rate_i"),
                demandRate: try p.number("demand_rate_lambda"), breakpoints: try p.numbers("breakpoints"), unitCosts: try p.numbers("unit_costs"))
            return ["order_quantity_Q": .number(s.quantity), "region": .number(Double(s.region!)), "cost_per_unit_time": .number(s.cost)]
        },
        "wagner_whitin.wagner_whitin": { p in
            let demand = try p.numbers("demand")
            let n = Int(try p.number("num_periods", default: Double(demand.count)))
            guard n == demand.count else { throw ReplenishmentError(field: "num_periods", "is \(n) but demand has \(demand.count) periods") }
            let plan = try WagnerWhitin.plan(
                demand: demand, fixedCost: try p.numbers("fixed_cost_K", count: n), holdingCost: try p.numbers("holding_cost_h", count: n))
            // The case format is 1-indexed with a dummy entry at index 0.
            return [
                "order_quantities": .array([.number(0)] + plan.orders.map { .number($0) }),
                "next_order_periods": .array([.number(0)] + plan.nextOrderPeriods.map { .number(Double($0)) }),
                "total_cost": .number(plan.cost),
            ]
        },
    ]

    /// Newsvendor, base-stock and the stochastic policies.
    static let stochasticHandlers: [String: Handler] = [
        "newsvendor.newsvendor_normal": { p in
            let s = try Newsvendor.normal(
                holdingCost: try p.number("holding_cost_h"), stockoutCost: try p.number("stockout_cost_p"), mean: try p.number("demand_mean"),
                standardDeviation: try p.number("demand_sd"), leadTime: try p.number("lead_time_L", default: 0),
                level: p.has("base_stock_level_S") ? try p.number("base_stock_level_S") : nil)
            return ["base_stock_level_S": .number(s.level), "expected_cost": .number(s.cost)]
        },
        "newsvendor.newsvendor_poisson": { p in
            let s = try Newsvendor.poisson(
                holdingCost: try p.number("holding_cost_h"), stockoutCost: try p.number("stockout_cost_p"), mean: try p.number("demand_mean"),
                leadTime: try p.number("lead_time_L", default: 0))
            return ["base_stock_level_S": .number(s.level), "expected_cost": .number(s.cost)]
        },
        "newsvendor.newsvendor_discrete": { p in
            let pmf = try p.object("demand_pmf")
            var probabilities: [Int: Double] = [:]
            for (key, value) in pmf {
                guard let d = Int(key), d >= 0 else {
                    throw ReplenishmentError(field: "demand_pmf", "keys must be demand values 0, 1, 2, …, got '\(key)'")
                }
                guard let f = value.number else { throw ReplenishmentError(field: "demand_pmf[\(key)]", "must be a probability, got \(value)") }
                probabilities[d] = f
            }
            let total = probabilities.values.reduce(0, +)
            guard abs(total - 1) < 1e-6 else { throw ReplenishmentError(field: "demand_pmf", "probabilities add up to \(total), not 1") }
            let s = try Newsvendor.discrete(
                holdingCost: try p.number("holding_cost_h"), stockoutCost: try p.number("stockout_cost_p"), maximum: probabilities.keys.max() ?? 0
            ) { probabilities[$0] ?? 0 }
            return ["base_stock_level_S": .number(s.level), "expected_cost": .number(s.cost)]
        },
        "ss.s_s_discrete_exact": { p in
            let s = try PeriodicReviewSS.optimal(
                holdingCost: try p.number("holding_cost_h"), stockoutCost: try p.number("stockout_cost_p"), fixedCost: try p.number("fixed_cost_K"),
                pmf: try leadTimeDemand(p))
            return ["reorder_point_s": .number(s.reorderPoint), "order_up_to_S": .number(s.orderUpTo), "cost_per_period_g": .number(s.cost!)]
        },
        "ss.s_s_cost_discrete": { p in
            let cost = try PeriodicReviewSS.cost(
                reorderPoint: Int(try p.number("s")), orderUpTo: Int(try p.number("S")), holdingCost: try p.number("holding_cost_h"),
                stockoutCost: try p.number("stockout_cost_p"), fixedCost: try p.number("fixed_cost_K"), pmf: try leadTimeDemand(p))
            return ["cost_per_period_g": .number(cost)]
        },
        "ss.s_s_power_approximation": { p in
            let s = try PeriodicReviewSS.powerApproximation(
                holdingCost: try p.number("holding_cost_h"), stockoutCost: try p.number("stockout_cost_p"), fixedCost: try p.number("fixed_cost_K"),
                mean: try p.number("demand_mean"), standardDeviation: try p.number("demand_sd"), leadTime: try p.number("lead_time_L", default: 0))
            return ["reorder_point_s": .number(s.reorderPoint), "order_up_to_S": .number(s.orderUpTo)]
        },
        "rq.r_q_cost": { p in
            let cost = try ContinuousReviewRQ.cost(
                reorderPoint: try p.number("reorder_point_r"), quantity: try p.number("order_quantity_Q"), problem: try rqProblem(p))
            return ["cost_per_unit_time": .number(cost)]
        },
        "rq.r_q_optimal_r_for_q": { p in
            let r = try ContinuousReviewRQ.optimalReorderPoint(
                quantity: try p.number("order_quantity_Q"), problem: try rqProblem(p, fixedCost: false),
                tolerance: try p.number("solver_tol", default: 1e-6))
            return ["reorder_point_r": .number(r)]
        },
        "rq.r_q_eil_approximation": { p in
            let policy = try ContinuousReviewRQ.expectedInventoryLevelApproximation(
                problem: try rqProblem(p), tolerance: try p.number("solver_tol", default: 1e-6))
            return ["reorder_point_r": .number(policy.reorderPoint), "order_quantity_Q": .number(policy.quantity), "cost": .number(policy.cost!)]
        },
        "rq.r_q_eoqss_approximation": { p in
            let policy = try ContinuousReviewRQ.eoqPlusSafetyStock(problem: try rqProblem(p))
            return ["reorder_point_r": .number(policy.reorderPoint), "order_quantity_Q": .number(policy.quantity)]
        },
        "rq.r_q_loss_function_approximation": { p in
            let policy = try ContinuousReviewRQ.lossFunctionApproximation(
                problem: try rqProblem(p), tolerance: try p.number("solver_tol", default: 1e-6))
            return ["reorder_point_r": .number(policy.reorderPoint), "order_quantity_Q": .number(policy.quantity)]
        },
        "rq.r_q_poisson_exact": { p in
            if let kind = p.string("demand"), kind.lowercased() != "poisson" {
                throw ReplenishmentError(field: "demand", "only Poisson demand is supported here, got '\(kind)'")
            }
            let policy = try ContinuousReviewRQ.poissonOptimal(
                holdingCost: try p.number("holding_cost_h"), stockoutCost: try p.number("stockout_cost_p"), fixedCost: try p.number("fixed_cost_K"),
                demandRate: try p.number("demand_rate_lambda"), leadTime: try p.number("lead_time_L"))
            return ["reorder_point_r": .number(policy.reorderPoint), "order_quantity_Q": .number(policy.quantity), "cost": .number(policy.cost!)]
        },
        "ssm_serial.optimize_base_stock_levels": { p in
            let stages = Int(try p.number("num_stages"))
            guard stages >= 1 else { throw ReplenishmentError(field: "num_stages", "must be at least 1") }
            func perStage(_ name: String) throws -> [Double] {
                let o = try p.object(name)
                return try (1...stages).map { j in
                    guard let v = o[String(j)]?.number else { throw ReplenishmentError(field: "\(name).\(j)", "missing or not a number") }
                    return v
                }
            }
            var holding: [Double]
            if p.has("echelon_holding_cost") {
                holding = try perStage("echelon_holding_cost")
            } else {
                let local = try perStage("local_holding_cost")
                holding = local.indices.map { local[$0] - ($0 + 1 < local.count ? local[$0 + 1] : 0) }
            }
            var leadTimes = try perStage("lead_time")
            if case .bool(false)? = p.values["stage_1_is_downstream"] {
                holding.reverse()
                leadTimes.reverse()
            }
            let kind = (p.string("demand") ?? "Poisson").lowercased()
            let demand: SerialBaseStock.Demand =
                kind.hasPrefix("poisson")
                ? .poisson(mean: try p.number("demand_mean"))
                : .normal(mean: try p.number("demand_mean"), standardDeviation: try p.number("demand_sd"))
            var settings = SerialBaseStock.Discretization()
            if p.has("discretization") {
                let d = try p.object("discretization")
                func tail(_ key: String) throws -> Double? {
                    guard let value = d[key] else { return nil }
                    if let n = value.number { return n }
                    if case .string(let text) = value, let k = parseTail(text) { return SerialBaseStock.Discretization.tail(k) }
                    throw ReplenishmentError(field: "discretization.\(key)", "must be a probability or '1-Phi(k)', got \(value)")
                }
                if let n = d["x_num"]?.number { settings.inventoryCells = Int(n) }
                if let n = d["d_num"]?.number { settings.demandCells = Int(n) }
                if let t = try tail("ltd_lower_tail_prob") { settings.lowerTail = t }
                if let t = try tail("ltd_upper_tail_prob") { settings.upperTail = t }
                if let t = try tail("sum_ltd_lower_tail_prob") { settings.totalLowerTail = t }
                if let t = try tail("sum_ltd_upper_tail_prob") { settings.totalUpperTail = t }
            }
            let solution = try SerialBaseStock.optimize(
                echelonHoldingCosts: holding, leadTimes: leadTimes, stockoutCost: try p.number("stockout_cost_p"), demand: demand,
                discretization: settings)
            var levels = solution.echelonBaseStock
            if case .bool(false)? = p.values["stage_1_is_downstream"] { levels.reverse() }
            var byStage: [String: JSONValue] = [:]
            for (j, v) in levels.enumerated() { byStage[String(j + 1)] = .number(v) }
            return ["echelon_base_stock_S": .object(byStage), "cost": .number(solution.cost)]
        },
        "gsm_tree.optimize_committed_service_times": { p in
            let z = try p.number("demand_bound_constant_z", default: 1)
            let entries = try p.object("nodes")
            var nodes: [GuaranteedServiceTree.Node] = []
            for key in entries.keys.sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
                guard let id = Int(key) else { throw ReplenishmentError(field: "nodes", "node labels must be integers, got '\(key)'") }
                guard case .object(let fields)? = entries[key] else { throw ReplenishmentError(field: "nodes.\(key)", "must be an object") }
                let node = Parameters(values: fields)
                func ids(_ name: String) throws -> [Int] { node.has(name) ? try node.numbers(name).map { Int($0) } : [] }
                var sd = 0.0
                if let text = node.string("demand") {
                    guard let parsed = parseNormal(text) else {
                        throw ReplenishmentError(field: "nodes.\(key).demand", "must read N(mean,sd), got '\(text)'")
                    }
                    sd = parsed.sd
                } else if node.has("demand_sd") {
                    sd = try node.number("demand_sd")
                }
                nodes.append(
                    GuaranteedServiceTree.Node(
                        id: id, holdingCost: try node.number("local_holding_cost"), processingTime: Int(try node.number("processing_time")),
                        successors: try ids("successors"), predecessors: try ids("predecessors"),
                        externalInboundServiceTime: Int(try node.number("external_inbound_cst", default: 0)),
                        externalOutboundServiceTime: node.has("external_outbound_cst") ? Int(try node.number("external_outbound_cst")) : nil,
                        demandStandardDeviation: sd, safetyFactor: try node.number("demand_bound_constant_z", default: z)))
            }
            let solution = try GuaranteedServiceTree.optimize(nodes)
            var times: [String: JSONValue] = [:]
            for (id, t) in solution.serviceTimes { times[String(id)] = .number(Double(t)) }
            return ["committed_service_times": .object(times), "cost": .number(solution.cost)]
        },
    ]

    /// k in a tail written `1-Phi(k)`.
    static func parseTail(_ text: String) -> Double? {
        let compact = text.replacingOccurrences(of: " ", with: "")
        guard compact.hasPrefix("1-Phi("), compact.hasSuffix(")") else { return nil }
        return Double(compact.dropFirst(6).dropLast())
    }

    /// Mean and standard deviation of a demand written `N(mean,sd)`.
    static func parseNormal(_ text: String) -> (mean: Double, sd: Double)? {
        let compact = text.replacingOccurrences(of: " ", with: "")
        guard compact.hasPrefix("N("), compact.hasSuffix(")") else { return nil }
        let parts = compact.dropFirst(2).dropLast().split(separator: ",")
        guard parts.count == 2, let m = Double(parts[0]), let s = Double(parts[1]) else { return nil }
        return (m, s)
    }

    /// The (r, Q) problem of a case.
    static func rqProblem(_ p: Parameters, fixedCost: Bool = true) throws -> ContinuousReviewRQ.Problem {
        ContinuousReviewRQ.Problem(
            holdingCost: try p.number("holding_cost_h"), stockoutCost: try p.number("stockout_cost_p"),
            fixedCost: fixedCost ? try p.number("fixed_cost_K") : 0, demandRate: try p.number("demand_rate_lambda"),
            demandStandardDeviation: try p.number("demand_sd_tau"), leadTime: try p.number("lead_time_L"))
    }

    /// Poisson demand over L + 1 periods (`demand: "Poisson"`, `demand_mean` per period, `lead_time_L`).
    static func leadTimeDemand(_ p: Parameters) throws -> DiscreteDemand {
        if let kind = p.string("demand"), kind.lowercased() != "poisson" {
            throw ReplenishmentError(field: "demand", "only Poisson demand is supported here, got '\(kind)'")
        }
        let lead = try p.number("lead_time_L", default: 0)
        try ReplenishmentError.require(lead, "lead_time_L")
        return try DiscreteDemand.poisson(mean: try p.number("demand_mean") * (lead + 1))
    }
}
