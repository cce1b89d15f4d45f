import ArgumentParser
import Foundation
import SluiceLinearAlgebra
import SluiceReplenishment
import SluiceTelemetry

struct ProposeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "propose",
        abstract: "Propose replenishment orders for materials, with the forecast and policy behind each.",
        discussion: """
            --materials is a JSON array of material states: item, warehouse, unit, supplier, onHand, onOrder,
            backorders, demandHistory (per day, oldest first), leadTime and leadTimeStandardDeviation (days),
            reviewPeriod, holdingCost (per unit per day), orderingCost (per order), shortageCost (per unit short),
            minimumOrderQuantity, orderMultiple and, optionally, fillRateTarget. The policy is a periodic-review
            (s, S): an order is proposed when the inventory position (on hand + on order − backorders) is at or
            below s, for S minus the position, rounded up to the order multiple and at least the minimum. Each
            proposal maps onto an ERP document (item, warehouse, quantity, unit, need-by date, supplier).
            """)

    @Option(help: "JSON array of material states.") var materials: String
    @Option(help: "The day the decision is made (YYYY-MM-DD); need-by dates count from it. Today when left out.") var asOf: String?
    @Option(help: "ERP document for each order: purchase-requisition or material-request.") var document = "purchase-requisition"
    @Flag(help: "Print JSON: one object per material with its proposal and, when ordering, its document.") var json = false

    func validate() throws {
        guard ReplenishmentDocument.Kind(rawValue: document) != nil else {
            throw ValidationError("--document must be purchase-requisition or material-request, got '\(document)'")
        }
        if let asOf, Timestamp.seconds(from: Substring(asOf + " 00:00:00")) == nil {
            throw ValidationError("--as-of must be a date written YYYY-MM-DD, got '\(asOf)'")
        }
    }

    func run() async throws {
        try await reportingErrors {
            BLAS.setThreadCount(1)
            guard let data = FileManager.default.contents(atPath: materials) else {
                throw ValidationError("cannot read \(materials)")
            }
            let states: [MaterialState]
            do {
                states = try JSONDecoder().decode([MaterialState].self, from: data)
            } catch let DecodingError.keyNotFound(key, context) {
                throw ValidationError("\(materials): \(Self.place(context.codingPath)): missing '\(key.stringValue)'")
            } catch let DecodingError.typeMismatch(_, context) {
                throw ValidationError("\(materials): \(Self.place(context.codingPath)): wrong type (\(context.debugDescription))")
            } catch {
                throw ValidationError("\(materials): not a JSON array of material states")
            }
            let today = asOf.flatMap { Timestamp.seconds(from: Substring($0 + " 00:00:00")) } ?? Date().timeIntervalSince1970
            let kind = ReplenishmentDocument.Kind(rawValue: document)!
            struct Entry: Encodable {
                let proposal: ReplenishmentProposal
                let document: ReplenishmentDocument?
            }
            var entries: [Entry] = []
            for (index, state) in states.enumerated() {
                let proposal: ReplenishmentProposal
                do {
                    proposal = try ReplenishmentPlanner.propose(state)
                } catch let error as ReplenishmentError {
                    throw ValidationError("\(materials): material \(index) (\(state.item)): \(error)")
                }
                let needBy = String(Timestamp.format(today + 86_400 * proposal.needByPeriods.rounded(.up)).prefix(10))
                entries.append(Entry(proposal: proposal, document: proposal.quantity > 0 ? proposal.document(kind: kind, needBy: needBy) : nil))
            }
            if json {
                try printJSON(entries)
                return
            }
            for entry in entries {
                let p = entry.proposal
                if let doc = entry.document {
                    print(
                        "\(p.item) @ \(p.warehouse): order \(ReplenishmentPlanner.format(p.quantity)) \(p.unit) from \(p.supplier), needed by \(doc.needBy)"
                    )
                } else {
                    print("\(p.item) @ \(p.warehouse): no order")
                }
                print("  \(p.explanation)")
                print(
                    "  expected fill rate \(ReplenishmentPlanner.format(100 * p.expectedFillRate)) %, cycle service \(ReplenishmentPlanner.format(100 * p.cycleServiceLevel)) %, cost \(ReplenishmentPlanner.format(p.expectedCostPerPeriod)) per day"
                )
            }
        }
    }

    private static func place(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "material \($0)" } ?? $0.stringValue }.joined(separator: ".")
    }
}
