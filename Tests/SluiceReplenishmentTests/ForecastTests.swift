import Numerics
import SluiceReplenishment
import Testing

@Suite("Demand forecasts")
struct ForecastTests {
    @Test func classesFollowTheSyntetosBoylanCutOffs() throws {
        // Every period, sizes 10 and 11: ADI 1, CV² tiny.
        #expect(try DemandProfile(history: [10, 11, 10, 11]).demandClass == .smooth)
        // Every period, sizes 1 and 20: CV² = (var 90.25) / (mean 10.5)² = 0.82.
        #expect(try DemandProfile(history: [1, 20, 1, 20]).demandClass == .erratic)
        // Demand in 2 of 6 periods: ADI 3.
        let intermittent = try DemandProfile(history: [0, 5, 0, 0, 5, 0])
        #expect(intermittent.adi == 3 && intermittent.demandClass == .intermittent)
        #expect(try DemandProfile(history: [0, 1, 0, 0, 30, 0]).demandClass == .lumpy)
    }

    @Test func badHistoryNamesThePeriod() {
        #expect(throws: ReplenishmentError(field: "demandHistory", "is empty: at least one period of demand is needed")) {
            try DemandProfile(history: [])
        }
        do {
            _ = try DemandProfile(history: [1, 2, -3])
            Issue.record("expected an error")
        } catch let error as ReplenishmentError {
            #expect(error.field == "demandHistory[2]")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func sesOfAConstantIsTheConstant() throws {
        let f = try DemandForecaster.forecast(Array(repeating: 12, count: 30), method: .ses)
        #expect(f.mean.isApproximatelyEqual(to: 12, relativeTolerance: 1e-12))
        #expect(f.standardDeviation < 1e-12)
    }

    @Test func crostonAndSBAByHand() throws {
        // Sizes 4 and 6 at intervals 2 and 3 (first demand in period 2 counts as interval 2).
        // α = 0.5: size 4 → 4 + 0.5·(6 − 4) = 5; interval 2 → 2 + 0.5·(3 − 2) = 2.5; forecast 5 / 2.5 = 2.
        let history: [Double] = [0, 4, 0, 0, 6]
        let parameters = DemandForecaster.Parameters(alpha: 0.5)
        let croston = try DemandForecaster.forecast(history, method: .croston, parameters: parameters)
        #expect(croston.mean.isApproximatelyEqual(to: 2, relativeTolerance: 1e-12))
        let sba = try DemandForecaster.forecast(history, method: .sba, parameters: parameters)
        #expect(sba.mean.isApproximatelyEqual(to: 2 * (1 - 0.25), relativeTolerance: 1e-12))
    }

    @Test func tsbFollowsADyingItemDown() throws {
        let dying = Array(repeating: 10.0, count: 20) + Array(repeating: 0, count: 40)
        let tsb = try DemandForecaster.forecast(dying, method: .tsb)
        let croston = try DemandForecaster.forecast(dying, method: .croston)
        #expect(tsb.mean < 0.5 * croston.mean, "TSB (\(tsb.mean)) should fall well below Croston (\(croston.mean)) after 40 empty periods")
    }

    @Test func ridgeIsChosenForAWeeklyPatternAndPredictsIt() throws {
        // A weekly cycle: Mondays high. SES cannot see it; lags can.
        let week: [Double] = [50, 20, 22, 21, 23, 20, 10]
        let history = (0..<20).flatMap { _ in week }
        let f = try DemandForecaster.forecast(history)
        #expect(f.method == .ridge)
        #expect(f.explanation.contains("ridge regression"))
        // The next period is a Monday again.
        #expect(abs(f.mean - 50) < 2, "forecast \(f.mean) for a Monday")
    }

    @Test func noDemandMeansNothingToForecast() throws {
        let f = try DemandForecaster.forecast(Array(repeating: 0, count: 10))
        #expect(f.method == .none && f.mean == 0)
        #expect(f.explanation.contains("no demand"))
    }

    @Test(arguments: [(0.0, "alpha"), (1.5, "alpha")])
    func badParametersAreNamed(alpha: Double, field: String) {
        do {
            _ = try DemandForecaster.forecast([1, 2, 3], parameters: .init(alpha: alpha))
            Issue.record("expected an error")
        } catch let error as ReplenishmentError {
            #expect(error.field == field)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
