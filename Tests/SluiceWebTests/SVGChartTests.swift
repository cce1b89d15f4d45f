import Foundation
import Testing

@testable import SluiceWeb

#if canImport(FoundationXML)
    import FoundationXML
#endif

private func count(_ needle: String, in haystack: String) -> Int {
    haystack.components(separatedBy: needle).count - 1
}

/// Looks attributes up by scanning, because FoundationXML on Linux misses `attribute(forName:)` on namespaced elements.
private func attribute(_ element: XMLElement?, _ name: String) -> String? {
    element?.attributes?.first { $0.name == name }?.stringValue
}

/// Parses the SVG and returns the root element, failing the test when it is not well-formed XML.
@discardableResult
private func parse(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) -> XMLElement? {
    do {
        let document = try XMLDocument(xmlString: svg, options: [])
        let root = document.rootElement()
        #expect(root?.name == "svg", sourceLocation: sourceLocation)
        #expect(attribute(root, "role") == "img", sourceLocation: sourceLocation)
        #expect(attribute(root, "aria-label")?.isEmpty == false, sourceLocation: sourceLocation)
        let size = "0 0 \(attribute(root, "width") ?? "?") \(attribute(root, "height") ?? "?")"
        #expect(attribute(root, "viewBox") == size, sourceLocation: sourceLocation)
        #expect(svg.contains("xmlns=\"http://www.w3.org/2000/svg\""), sourceLocation: sourceLocation)
        #expect(svg.contains("<title>"), sourceLocation: sourceLocation)
        return root
    } catch {
        Issue.record("not well-formed: \(error)\n\(svg)", sourceLocation: sourceLocation)
        return nil
    }
}

private func ariaLabel(_ svg: String) -> String {
    attribute(parse(svg), "aria-label") ?? ""
}

private let ramp = SVGChart.Series(name: "p95 latency", points: (0..<10).map { SVGChart.Point(x: Double($0), y: Double($0 * $0)) })
private let stage = SVGChart.Series(
    name: "stage", points: [.init(x: 0, y: 1), .init(x: 4, y: 2), .init(x: 8, y: 3)],
    dashed: true, stepped: true)

@Suite struct EscapingTests {
    @Test func escapesAllFiveCharacters() {
        #expect(htmlEscaped(#"<a href="x">Tom & Jerry's</a>"#) == "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
        #expect(htmlEscaped("plain ü ✓") == "plain ü ✓")
        #expect(htmlEscaped("") == "")
    }

    @Test func dropsControlCharactersXMLCannotCarry() {
        #expect(htmlEscaped("a\u{0}b\u{7}c\nd") == "abc\nd")
    }
}

@Suite struct FormatTests {
    @Test func compactNumbers() {
        #expect(SVGChart.defaultFormat(1234) == "1,234")
        #expect(SVGChart.defaultFormat(0.0512) == "0.051")
        #expect(SVGChart.defaultFormat(12.5) == "12.5")
        #expect(SVGChart.defaultFormat(1.2e6) == "1.2M")
        #expect(SVGChart.defaultFormat(0) == "0")
        #expect(SVGChart.defaultFormat(-3.25) == "-3.25")
        #expect(SVGChart.defaultFormat(-0.0001) == "-1e-4")
        #expect(SVGChart.defaultFormat(3e9) == "3B")
        #expect(SVGChart.defaultFormat(.nan) == "n/a")
        #expect(SVGChart.defaultFormat(.infinity) == "∞")
        #expect(SVGChart.defaultFormat(1e300) == "1e300")
        #expect(SVGChart.defaultFormat(2.5e14) == "250T")
    }
}

@Suite struct TickTests {
    @Test func unitInterval() {
        #expect(SVGChart.ticks(lower: 0, upper: 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    @Test func roundsOutToNiceSteps() {
        #expect(SVGChart.ticks(lower: 0, upper: 47) == [0, 10, 20, 30, 40, 50])
        #expect(SVGChart.ticks(lower: 3, upper: 97, count: 4) == [0, 50, 100])
        #expect(SVGChart.ticks(lower: -0.3, upper: 0.3) == [-0.4, -0.2, 0, 0.2, 0.4])
    }

    @Test func reversedBoundsAreSorted() {
        #expect(SVGChart.ticks(lower: 1, upper: 0) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    @Test func equalBoundsGiveARangeAroundTheValue() {
        for value in [0.0, 5, -2, 1e-9] {
            let ticks = SVGChart.ticks(lower: value, upper: value)
            #expect(ticks.count >= 2)
            #expect(ticks.first! <= value && ticks.last! >= value)
            #expect(ticks == ticks.sorted())
        }
    }

    @Test func degenerateInputsNeverCrash() {
        #expect(SVGChart.ticks(lower: .nan, upper: 1).isEmpty)
        #expect(SVGChart.ticks(lower: 0, upper: .infinity).isEmpty)
        #expect(!SVGChart.ticks(lower: -1e308, upper: 1e308).isEmpty)
        #expect(!SVGChart.ticks(lower: 0, upper: 1, count: 0).isEmpty)
        #expect(!SVGChart.ticks(lower: 0, upper: .leastNonzeroMagnitude).isEmpty)
    }
}

@Suite struct LineChartTests {
    @Test func onePathPerSeriesWithRulesBandsAndLegend() {
        let svg = SVGChart.line(
            series: [ramp, stage], rules: [.init(value: 50, label: "SLO <= 50ms")],
            bands: [.init(from: 2, to: 5, label: "canary & soak", shade: 2)],
            title: "Latency \"p95\" <gate>", xLabel: "minutes", yLabel: "ms")
        parse(svg)
        #expect(count("<path", in: svg) == 2)
        #expect(svg.contains("SLO &lt;= 50ms"))
        #expect(svg.contains("canary &amp; soak"))
        #expect(svg.contains("Latency &quot;p95&quot; &lt;gate&gt;"))
        #expect(!svg.contains("<gate>"))
        #expect(svg.contains("class=\"series-0\"") && svg.contains("class=\"series-1\""))
        #expect(svg.contains("stroke-dasharray"))
        #expect(svg.contains("p95 latency") && svg.contains(">stage<"), "legend names both series")
        #expect(!svg.contains("<script") && !svg.contains("href"))
        let label = ariaLabel(svg)
        #expect(label.contains("p95 latency last 81 at 9"))
        #expect(label.contains("SLO <= 50ms 50"))
    }

    @Test func steppedSeriesUsesHorizontalThenVerticalMoves() {
        let svg = SVGChart.line(series: [stage], title: "Stage", xLabel: "t", yLabel: "stage")
        let path = svg.components(separatedBy: "<path d=\"")[1].prefix { $0 != "\"" }
        #expect(path.contains("H") && path.contains("V") && !path.contains("L"))
        #expect(!svg.contains(">stage</text><line"), "no legend for one series")
    }

    @Test func numbersHaveAtMostTwoDecimals() {
        let odd = SVGChart.Series(name: "odd", points: (0..<7).map { .init(x: Double($0) / 3, y: 1 / Double($0 + 3)) })
        let svg = SVGChart.line(series: [odd], title: "t", xLabel: "x", yLabel: "y", width: 333, height: 177)
        let regex = try! NSRegularExpression(pattern: "\\s(?!aria-label=)[a-zA-Z-]+=\"[^\"]*\\d\\.\\d{3}")
        #expect(regex.numberOfMatches(in: svg, range: NSRange(svg.startIndex..., in: svg)) == 0, "coordinates, not labels")
        #expect(ariaLabel(svg).contains("0.111"), "the regex would have caught three decimals")
    }

    @Test func nonFiniteValuesAreSkipped() {
        let noisy = SVGChart.Series(name: "noisy", points: [.init(x: 0, y: 1), .init(x: 1, y: .nan), .init(x: .infinity, y: 2), .init(x: 3, y: 4)])
        let svg = SVGChart.line(
            series: [noisy], rules: [.init(value: .nan, label: "bad rule")], bands: [.init(from: .nan, to: 1, label: "bad")],
            title: "noisy", xLabel: "x", yLabel: "y")
        parse(svg)
        #expect(!svg.lowercased().contains("nan") && !svg.contains("inf"))
        #expect(!svg.contains("bad rule") && !svg.contains(">bad<"))
        let path = svg.components(separatedBy: "<path d=\"")[1].prefix { $0 != "\"" }
        #expect(count("L", in: String(path)) == 1)
    }

    @Test func emptyInputSaysNoData() {
        for series in [[], [SVGChart.Series(name: "e", points: [])], [SVGChart.Series(name: "n", points: [.init(x: .nan, y: .nan)])]] {
            let svg = SVGChart.line(series: series, title: "Empty <chart>", xLabel: "x", yLabel: "y")
            parse(svg)
            #expect(svg.contains("no data"))
            #expect(svg.contains("Empty &lt;chart&gt;"))
            #expect(!svg.contains("<path"))
        }
    }

    @Test func singlePointAndFlatLinesDoNotDivideByZero() {
        let single = SVGChart.line(series: [.init(name: "one", points: [.init(x: 5, y: 5)])], title: "one", xLabel: "x", yLabel: "y")
        let flatSeries = SVGChart.Series(name: "flat", points: [.init(x: 1, y: 0), .init(x: 2, y: 0)])
        let flat = SVGChart.line(series: [flatSeries], title: "flat", xLabel: "x", yLabel: "y")
        let zeroSpan = SVGChart.line(
            series: [.init(name: "v", points: [.init(x: 3, y: 1), .init(x: 3, y: 2)])], title: "v", xLabel: "x", yLabel: "y",
            yRange: 0...0)
        for svg in [single, flat, zeroSpan] {
            parse(svg)
            #expect(count("<path", in: svg) == 1)
            #expect(!svg.lowercased().contains("nan"))
        }
    }

    @Test func extremeValuesAndSizes() {
        let big = SVGChart.Series(name: "big", points: [.init(x: -1e308, y: -1e308), .init(x: 1e308, y: 1e308)])
        parse(SVGChart.line(series: [big], title: "big", xLabel: "x", yLabel: "y", width: 0, height: -5))
    }

    @Test func deterministic() {
        let make = { SVGChart.line(series: [ramp, stage], rules: [.init(value: 10, label: "r")], title: "d", xLabel: "x", yLabel: "y") }
        #expect(make() == make())
    }
}

@Suite struct BarChartTests {
    @Test func barsWithValuesAndRule() {
        let svg = SVGChart.bars(
            [.init(label: "api & web", value: 1234), .init(label: "batch", value: 0.5), .init(label: "broken", value: .nan)],
            rules: [.init(value: 1000, label: "target")], title: "Throughput <rps>", unit: "requests/s")
        parse(svg)
        #expect(count("class=\"bar\"", in: svg) == 2)
        #expect(svg.contains(">1,234<") && svg.contains(">0.5<") && svg.contains(">n/a<"))
        #expect(svg.contains("api &amp; web") && svg.contains("Throughput &lt;rps&gt;") && svg.contains(">target<"))
        #expect(ariaLabel(svg).contains("broken no value"))
    }

    @Test func negativeAndEmpty() {
        parse(SVGChart.bars([.init(label: "loss", value: -3), .init(label: "gain", value: 2)], title: "delta", unit: "%"))
        let empty = SVGChart.bars([], title: "nothing", unit: "x")
        parse(empty)
        #expect(empty.contains("no data"))
        let long = SVGChart.bars([.init(label: String(repeating: "very long label ", count: 20), value: 1)], title: "l", unit: "u", width: 300)
        parse(long)
        #expect(long.contains("…"))
    }
}

@Suite struct SparklineTests {
    @Test func marksLastPointAndThreshold() {
        let svg = SVGChart.sparkline([1, 3, .nan, 2, 5], threshold: 4, label: "errors <5m>")
        parse(svg)
        #expect(svg.contains("class=\"last\""))
        #expect(svg.contains("class=\"threshold\""))
        #expect(count("<path", in: svg) == 1)
        let label = ariaLabel(svg)
        #expect(label.contains("errors <5m>: last 5 of 4 values, threshold 4 (above)"))
    }

    @Test func degenerateSparklines() {
        let empty = SVGChart.sparkline([], label: "none")
        parse(empty)
        #expect(empty.contains("no data"))
        for values in [[7.0], [2, 2, 2], [.infinity, 1]] {
            let svg = SVGChart.sparkline(values, threshold: .nan, width: 0, height: 0, label: "s")
            parse(svg)
            #expect(svg.contains("class=\"last\"") && !svg.contains("class=\"threshold\""))
        }
    }
}

@Suite struct GaugeTests {
    @Test func overflowIsMarked() {
        let svg = SVGChart.gauge(value: 2.4, threshold: 1.0, maximum: 2, label: "score")
        parse(svg)
        #expect(svg.contains("class=\"overflow\""))
        #expect(svg.contains("class=\"over-threshold\""))
        #expect(ariaLabel(svg) == "score: 2.4 against threshold 1, above threshold; exceeds the scale maximum 2")
    }

    @Test func withinRangeHasNoOverflow() {
        let svg = SVGChart.gauge(value: 0.4, threshold: 1.0, maximum: 2, label: "score")
        parse(svg)
        #expect(!svg.contains("overflow") && svg.contains("within-threshold") && svg.contains("class=\"threshold\""))
    }

    @Test func degenerateGauges() {
        for (value, maximum) in [(Double.nan, 1.0), (1, 0), (-5, 1), (3, .infinity), (0, -1)] {
            let svg = SVGChart.gauge(value: value, threshold: .nan, maximum: maximum, width: 0, height: 0, label: "g")
            parse(svg)
            #expect(!svg.lowercased().contains("nan"))
        }
        #expect(SVGChart.gauge(value: .nan, threshold: 1, maximum: 2, label: "g").contains("no data"))
    }
}
