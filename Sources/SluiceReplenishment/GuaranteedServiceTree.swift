import Foundation

/// Safety-stock placement in a tree-shaped supply chain under the guaranteed-service model (Graves and
/// Willems 2000): each stage quotes an outbound service time S and is quoted an inbound one SI; it holds
/// safety stock `z·σ·√(SI + T − S)` against its net lead time, and the committed service times are chosen
/// to minimise the total holding cost of that stock, by dynamic programming over the tree.
public enum GuaranteedServiceTree {
    /// One stage of the tree.
    public struct Node: Sendable, Equatable {
        /// The stage's label (an integer, unique in the tree).
        public var id: Int
        /// Holding cost per unit of safety stock at this stage.
        public var holdingCost: Double
        /// Processing time, in whole periods.
        public var processingTime: Int
        /// Stages this one ships to.
        public var successors: [Int]
        /// Stages this one is supplied by.
        public var predecessors: [Int]
        /// Service time quoted by an outside supplier (stages without predecessors).
        public var externalInboundServiceTime: Int
        /// Service time promised to outside customers, when there is one.
        public var externalOutboundServiceTime: Int?
        /// Standard deviation of external demand per period at this stage (0 for none).
        public var demandStandardDeviation: Double
        /// Safety factor z of this stage's demand bound.
        public var safetyFactor: Double

        /// A stage.
        public init(
            id: Int, holdingCost: Double, processingTime: Int, successors: [Int] = [], predecessors: [Int] = [], externalInboundServiceTime: Int = 0,
            externalOutboundServiceTime: Int? = nil, demandStandardDeviation: Double = 0, safetyFactor: Double = 1
        ) {
            self.id = id
            self.holdingCost = holdingCost
            self.processingTime = processingTime
            self.successors = successors
            self.predecessors = predecessors
            self.externalInboundServiceTime = externalInboundServiceTime
            self.externalOutboundServiceTime = externalOutboundServiceTime
            self.demandStandardDeviation = demandStandardDeviation
            self.safetyFactor = safetyFactor
        }
    }

    /// The optimal committed service times.
    public struct Solution: Sendable, Equatable {
        /// The outbound committed service time of each stage, by id.
        public let serviceTimes: [Int: Int]
        /// The total safety-stock holding cost.
        public let cost: Double
    }

    /// Optimises the committed service times of a tree given as its nodes (successor and predecessor
    /// lists may name each arc from either end).
    ///
    /// - Throws: ``ReplenishmentError`` for an empty or cyclic network, unknown neighbours, or negative
    ///   costs and times.
    public static func optimize(_ input: [Node]) throws -> Solution {
        guard !input.isEmpty else { throw ReplenishmentError(field: "nodes", "the network has no nodes") }
        var nodes: [Int: Node] = [:]
        for node in input {
            guard nodes[node.id] == nil else { throw ReplenishmentError(field: "nodes", "node \(node.id) appears twice") }
            try ReplenishmentError.require(node.holdingCost, "nodes[\(node.id)].local_holding_cost")
            guard node.processingTime >= 0 else {
                throw ReplenishmentError(field: "nodes[\(node.id)].processing_time", "must be a whole number of periods ≥ 0")
            }
            try ReplenishmentError.require(node.demandStandardDeviation, "nodes[\(node.id)].demand")
            nodes[node.id] = node
        }
        // Arcs may be listed at either end; make both ends know them, in list order.
        for node in input {
            for s in node.successors {
                guard nodes[s] != nil else { throw ReplenishmentError(field: "nodes[\(node.id)].successors", "names unknown node \(s)") }
                if !nodes[s]!.predecessors.contains(node.id) { nodes[s]!.predecessors.append(node.id) }
            }
            for q in node.predecessors {
                guard nodes[q] != nil else { throw ReplenishmentError(field: "nodes[\(node.id)].predecessors", "names unknown node \(q)") }
                if !nodes[q]!.successors.contains(node.id) { nodes[q]!.successors.append(node.id) }
            }
        }
        let order = input.map(\.id)
        let arcs = nodes.values.reduce(0) { $0 + $1.successors.count }
        guard arcs == nodes.count - 1 else {
            throw ReplenishmentError(field: "nodes", "the network is not a tree (\(nodes.count) nodes, \(arcs) arcs)")
        }

        // Net demand: variances flow upstream from the leaves.
        var variance = nodes.mapValues { $0.demandStandardDeviation * $0.demandStandardDeviation }
        var remaining = Set(order)
        while !remaining.isEmpty {
            let leaves = order.filter { remaining.contains($0) && nodes[$0]!.successors.allSatisfy { !remaining.contains($0) } }
            guard !leaves.isEmpty else { throw ReplenishmentError(field: "nodes", "the network has a cycle") }
            for k in leaves {
                for i in nodes[k]!.predecessors { variance[i]! += variance[k]! }
                remaining.remove(k)
            }
        }
        let sigma = variance.mapValues { $0.squareRoot() }

        // Longest replenishment time to each stage.
        var longest: [Int: Int] = [:]
        func replenishment(_ k: Int) -> Int {
            if let m = longest[k] { return m }
            let node = nodes[k]!
            var candidates = node.predecessors.map(replenishment)
            if node.predecessors.isEmpty || node.externalInboundServiceTime > 0 { candidates.append(node.externalInboundServiceTime) }
            let m = node.processingTime + (candidates.max() ?? 0)
            longest[k] = m
            return m
        }
        for k in order { _ = replenishment(k) }
        let mMax = longest.values.max()!

        // Label so that every stage but the last has exactly one larger neighbour.
        let labels = labelling(nodes, order: order)
        let byLabel = Dictionary(uniqueKeysWithValues: labels.map { ($0.value, $0.key) })
        let sortedLabels = byLabel.keys.sorted()
        let top = sortedLabels.last!
        func neighbours(_ id: Int) -> [Int] { nodes[id]!.successors + nodes[id]!.predecessors }
        var parent: [Int: Int] = [:]
        var down: [Int: Bool] = [:]
        for label in sortedLabels.dropLast() {
            let id = byLabel[label]!
            let larger = neighbours(id).first { labels[$0]! > label }!
            parent[id] = larger
            down[id] = nodes[id]!.successors.contains(larger)
        }

        var outbound: [Int: [Double]] = [:]  // θ_out keyed by S
        var inbound: [Int: [Double]] = [:]  // θ_in keyed by SI
        var choices: [Int: [[Int: Int]]] = [:]

        /// `c(a, S, SI)`: the stage's own safety-stock cost plus the best of its already-solved smaller neighbours.
        func cost(_ a: Int, _ s: Int, _ si: Int) -> (Double, [Int: Int]) {
            let node = nodes[a]!
            var total = node.holdingCost * ((node.safetyFactor * sigma[a]!) * Double(si + node.processingTime - s).squareRoot())
            var picks: [Int: Int] = [:]
            for i in node.predecessors where labels[i]! < labels[a]! {
                let (value, arg) = firstMinimum(outbound[i]!, over: 0...si)
                total += value
                picks[i] = arg
            }
            for j in node.successors where labels[j]! < labels[a]! {
                let (value, arg) = firstMinimum(inbound[j]!, over: s...mMax)
                total += value
                picks[j] = arg
            }
            return (total, picks)
        }

        for label in sortedLabels {
            let a = byLabel[label]!
            let node = nodes[a]!
            let m = longest[a]!
            let t = node.processingTime
            let eicst = node.externalInboundServiceTime
            let eocst = node.externalOutboundServiceTime ?? Int.max
            var table: [Double] = []
            var picks: [[Int: Int]] = []
            /// The cheapest `cost(a, S, SI)` as `key` runs over `range` (first minimum), with the choices behind it.
            func cheapest(over range: ClosedRange<Int>?, _ evaluate: (Int) -> (Double, [Int: Int])) -> (Double, [Int: Int]) {
                var best = Double.infinity
                var bestPicks: [Int: Int] = [:]
                guard let range else { return (best, bestPicks) }
                for key in range {
                    let (value, chosen) = evaluate(key)
                    if value < best {
                        best = value
                        bestPicks = chosen
                        bestPicks[a] = key
                    }
                }
                return (best, bestPicks)
            }
            let isOutbound = a != byLabel[top]! && down[a]!
            if isOutbound {
                // θ_out[S]: the best inbound service time for each outbound one it can quote.
                for s in 0...m {
                    let lowSI = max(eicst, s - t)
                    let (best, chosen) = s <= eocst ? cheapest(over: lowSI <= m - t ? lowSI...(m - t) : nil) { cost(a, s, $0) } : (.infinity, [:])
                    table.append(best)
                    picks.append(chosen)
                }
            } else {
                // θ_in[SI]: the best outbound service time for each inbound one it may be quoted.
                for si in 0...(m - t) {
                    let effective = max(si, eicst)
                    let highS = min(effective + t, eocst)
                    let (best, chosen) = cheapest(over: highS >= 0 ? 0...highS : nil) { cost(a, $0, effective) }
                    table.append(best)
                    picks.append(chosen)
                }
            }
            // Beyond the stage's own range the table stays at its last value.
            let last = table.count - 1
            while table.count <= mMax {
                table.append(table[last])
                picks.append(picks[last])
            }
            if isOutbound { outbound[a] = table } else { inbound[a] = table }
            choices[a] = picks
        }

        let root = byLabel[top]!
        let (optimum, rootSI) = firstMinimum(inbound[root]!, over: 0...(longest[root]! - nodes[root]!.processingTime))
        guard optimum.isFinite else { throw ReplenishmentError(field: "external_outbound_cst", "no service times meet the external commitments") }
        var serviceTime: [Int: Int] = [root: choices[root]![rootSI][root]!]
        var inboundTime: [Int: Int] = [root: rootSI]
        for label in sortedLabels.dropLast().reversed() {
            let a = byLabel[label]!
            let q = parent[a]!
            let key = q != root && down[q]! ? serviceTime[q]! : inboundTime[q]!
            if down[a]! {
                serviceTime[a] = choices[q]![key][a]!
                inboundTime[a] = choices[a]![serviceTime[a]!][a]!
            } else {
                inboundTime[a] = choices[q]![key][a]!
                serviceTime[a] = choices[a]![inboundTime[a]!][a]!
            }
            if let eocst = nodes[a]!.externalOutboundServiceTime { serviceTime[a] = min(serviceTime[a]!, eocst) }
        }
        return Solution(serviceTimes: serviceTime, cost: optimum)
    }

    /// The value and key of the first minimum of `table` over `range` (ties go to the smallest key).
    static func firstMinimum(_ table: [Double], over range: ClosedRange<Int>) -> (Double, Int) {
        var best = Double.infinity
        var arg = range.lowerBound
        for key in range where key < table.count && table[key] < best {
            best = table[key]
            arg = key
        }
        return (best, arg)
    }

    /// Labels: the ids themselves when they are consecutive and every stage but the largest has exactly
    /// one larger neighbour; otherwise 0, 1, … given in node order to the first stage with at most one
    /// unlabelled neighbour.
    static func labelling(_ nodes: [Int: Node], order: [Int]) -> [Int: Int] {
        func neighbours(_ id: Int) -> [Int] { nodes[id]!.successors + nodes[id]!.predecessors }
        let ids = order.sorted()
        let consecutive = ids == Array(ids[0]...(ids[0] + ids.count - 1))
        if consecutive, ids.dropLast().allSatisfy({ id in neighbours(id).filter { $0 > id }.count == 1 }) {
            return Dictionary(uniqueKeysWithValues: ids.map { ($0, $0) })
        }
        var labels: [Int: Int] = [:]
        for label in 0..<order.count {
            for id in order where labels[id] == nil && neighbours(id).filter({ labels[$0] == nil }).count <= 1 {
                labels[id] = label
                break
            }
        }
        return labels
    }
}
