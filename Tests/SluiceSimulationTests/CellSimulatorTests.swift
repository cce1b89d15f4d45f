import SluiceSimulation
import SluiceTelemetry
import Testing

@Suite("Simulated cell")
struct CellSimulatorTests {
    let simulator = CellSimulator(configuration: .init(seed: 7, samples: 3_000, normalSamples: 1_200, faultSpacing: 400, faultDuration: 120))

    @Test func sameSeedSameTelemetry() {
        let again = CellSimulator(configuration: simulator.configuration)
        #expect(simulator.csv() == again.csv())
        var other = simulator.configuration
        other.seed = 8
        #expect(CellSimulator(configuration: other).csv() != simulator.csv())
    }

    @Test func labelsFollowTheSchedule() throws {
        for asset in simulator.configuration.assets {
            let frame = simulator.telemetry(for: asset)
            let anomaly = try #require(frame.labels["anomaly"])
            let faults = simulator.schedule.filter { $0.asset == asset }
            #expect(!faults.isEmpty)
            #expect(anomaly[0..<1_200].allSatisfy { $0 == 0 })
            for t in 0..<frame.count {
                #expect((anomaly[t] == 1) == faults.contains { $0.samples.contains(t) })
            }
        }
        #expect(Set(simulator.schedule.map(\.kind)) == Set(FaultKind.allCases))
    }

    @Test func sensorsMoveTogetherAndStayInRangeWhenNormal() throws {
        let frame = simulator.telemetry(for: "press-01")
        let normal = frame.values.rows(0..<1_200)
        let current = normal.column(3)
        let flow = normal.column(4)
        #expect(correlation(current, flow) > 0.5)
        for (j, spec) in CellSimulator.sensors.enumerated() {
            let inRange = normal.column(j).filter { spec.expectedRange.contains($0) }.count
            #expect(Double(inRange) / 1_200 > 0.95, "\(spec.name) leaves its expected range in normal operation")
        }
    }

    @Test func csvReadsBackPerAsset() throws {
        let frame = try TelemetryCSV.parse(simulator.csv(), source: "sim", options: .init(filter: ("asset", "pump-02")))
        #expect(frame.count == 3_000)
        #expect(frame.sensors == CellSimulator.sensors.map(\.name))
        #expect(frame.labels["anomaly"]!.reduce(0, +) == Double(simulator.schedule.filter { $0.asset == "pump-02" }.count * 120))
    }

    private func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let ma = a.reduce(0, +) / Double(a.count)
        let mb = b.reduce(0, +) / Double(b.count)
        var sab = 0.0
        var saa = 0.0
        var sbb = 0.0
        for (x, y) in zip(a, b) {
            sab += (x - ma) * (y - mb)
            saa += (x - ma) * (x - ma)
            sbb += (y - mb) * (y - mb)
        }
        return sab / (saa * sbb).squareRoot()
    }
}
