import Foundation

/// Escapes text for HTML/SVG text and attribute values (& < > " ').
public func htmlEscaped(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        // XML 1.0 forbids other C0 controls even as references; one stray byte would make the whole SVG unparsable.
        case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF: continue
        default: out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Inline SVG charts for the printable gate report and the operator page: greyscale, self-contained, deterministic.
public enum SVGChart {
    /// One data point of a line chart.
    public struct Point: Sendable, Equatable {
        /// Horizontal position, in data units.
        public var x: Double
        /// Vertical position, in data units.
        public var y: Double
        /// Creates a point.
        public init(x: Double, y: Double) {
            self.x = x
            self.y = y
        }
    }

    /// One line of a line chart.
    public struct Series: Sendable {
        /// Legend text.
        public var name: String
        /// The points, in drawing order; non-finite ones are skipped.
        public var points: [Point]
        /// Draws the line dashed.
        public var dashed: Bool
        /// Draws a step function (the value holds until the next point), e.g. a gate's stage over time.
        public var stepped: Bool
        /// Creates a series.
        public init(name: String, points: [Point], dashed: Bool = false, stepped: Bool = false) {
            self.name = name
            self.points = points
            self.dashed = dashed
            self.stepped = stepped
        }
    }

    /// A horizontal reference line (a threshold, an SLO, a boundary), labelled at its right end.
    public struct Rule: Sendable {
        /// Position on the value axis.
        public var value: Double
        /// Text written next to the line.
        public var label: String
        /// Draws the line dashed.
        public var dashed: Bool
        /// Creates a rule.
        public init(value: Double, label: String, dashed: Bool = true) {
            self.value = value
            self.label = label
            self.dashed = dashed
        }
    }

    /// A shaded vertical band between two x values, labelled at its top (e.g. a gate stage over a time span).
    public struct Band: Sendable {
        /// One edge, in x data units.
        public var from: Double
        /// The other edge, in x data units.
        public var to: Double
        /// Text written at the top of the band.
        public var label: String
        /// Grey level 0...3 (lightest to darkest), readable printed in black and white.
        public var shade: Int
        /// Creates a band.
        public init(from: Double, to: Double, label: String, shade: Int = 0) {
            self.from = from
            self.to = to
            self.label = label
            self.shade = shade
        }
    }

    /// One category of a bar chart.
    public struct Bar: Sendable {
        /// Category name, written left of the bar.
        public var label: String
        /// Bar length, in data units.
        public var value: Double
        /// Creates a bar.
        public init(label: String, value: Double) {
            self.label = label
            self.value = value
        }
    }

    // Greys rather than hues so the charts survive a black-and-white printer; pages may recolour via the classes.
    private static let inks = ["#000", "#444", "#222", "#666"]
    private static let dashes = ["6 3", "2 2", "8 3 2 3"]
    private static let shades = ["#f3f3f3", "#e2e2e2", "#cfcfcf", "#b8b8b8"]
    private static let halo = " paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\""
    private static let charWidth = 6.2

    /// A line chart with axes, ticks, optional rules and bands, and a legend when there are several series.
    public static func line(
        series: [Series], rules: [Rule] = [], bands: [Band] = [], title: String, xLabel: String, yLabel: String,
        width: Int = 640, height: Int = 240, xFormat: @Sendable (Double) -> String = SVGChart.defaultFormat,
        yFormat: @Sendable (Double) -> String = SVGChart.defaultFormat, yRange: ClosedRange<Double>? = nil
    ) -> String {
        let w = max(width, 160)
        let h = max(height, 100)
        let drawn: [(index: Int, series: Series, points: [Point])] = series.enumerated().compactMap { index, item in
            let points = item.points.filter { $0.x.isFinite && $0.y.isFinite }
            return points.isEmpty ? nil : (index, item, points)
        }
        guard !drawn.isEmpty else { return noData(title: title, width: w, height: h) }
        let rules = rules.filter { $0.value.isFinite }
        let bands = bands.filter { $0.from.isFinite && $0.to.isFinite }
        let xs = drawn.flatMap { $0.points.map(\.x) } + bands.flatMap { [$0.from, $0.to] }
        let (x0, x1) = padded(xs.min() ?? 0, xs.max() ?? 1)
        let ys = drawn.flatMap { $0.points.map(\.y) } + rules.map(\.value)
        let (y0, y1): (Double, Double)
        if let range = yRange, range.lowerBound.isFinite, range.upperBound.isFinite {
            (y0, y1) = padded(range.lowerBound, range.upperBound)
        } else {
            // Rounding the value axis out to nice ticks keeps gridlines on round numbers.
            let nice = ticks(lower: ys.min() ?? 0, upper: ys.max() ?? 1)
            (y0, y1) = padded(nice.first ?? 0, nice.last ?? 1)
        }
        let legend = drawn.count > 1
        let left = 52.0
        let right = 14.0
        let top = legend ? 40.0 : 24.0
        let bottom = 36.0
        let pw = Double(w) - left - right
        let ph = Double(h) - top - bottom
        let sx = { (x: Double) in left + (x - x0) / (x1 - x0) * pw }
        // Clamping rather than clipping: a clipPath needs an id, and ids collide when a page inlines several charts.
        let sy = { (y: Double) in top + ph - (min(max(y, y0), y1) - y0) / (y1 - y0) * ph }
        let inside = { (v: Double, lo: Double, hi: Double) in v >= lo - (hi - lo) * 1e-9 && v <= hi + (hi - lo) * 1e-9 }

        let lasts = drawn.map { item in
            item.points.last.map { "\(item.series.name) last \(yFormat($0.y)) at \(xFormat($0.x))" } ?? item.series.name
        }
        let ruleWords = rules.map { "\($0.label) \(yFormat($0.value))" }
        let summary =
            "\(title). Line chart of \(yLabel) against \(xLabel): " + lasts.joined(separator: "; ")
            + (ruleWords.isEmpty ? "" : ". Reference lines: " + ruleWords.joined(separator: "; "))
        var svg = open(w, h, label: summary)
        svg += text(title, x: 4, y: 15, extra: " font-weight=\"bold\"")
        for band in bands {
            let a = sx(min(band.from, band.to))
            let b = sx(max(band.from, band.to))
            let fill = shades[min(max(band.shade, 0), 3)]
            svg += "<rect x=\"\(n(a))\" y=\"\(n(top))\" width=\"\(n(max(b - a, 0.5)))\" height=\"\(n(ph))\" fill=\"\(fill)\" class=\"band\"/>"
            svg += text(band.label, x: (a + b) / 2, y: top + 11, anchor: "middle", extra: " font-size=\"10\"" + halo)
        }
        for value in ticks(lower: y0, upper: y1) where inside(value, y0, y1) {
            svg += segment(left, sy(value), left + pw, sy(value), stroke: "#ddd")
            svg += text(yFormat(value), x: left - 4, y: sy(value) + 4, anchor: "end")
        }
        for value in ticks(lower: x0, upper: x1, count: max(2, Int(pw / 90))) where inside(value, x0, x1) {
            svg += segment(sx(value), top + ph, sx(value), top + ph + 4, stroke: "#000")
            svg += text(xFormat(value), x: sx(value), y: top + ph + 15, anchor: "middle")
        }
        svg += segment(left, top, left, top + ph, stroke: "#000") + segment(left, top + ph, left + pw, top + ph, stroke: "#000")
        for rule in rules where inside(rule.value, y0, y1) {
            svg += segment(left, sy(rule.value), left + pw, sy(rule.value), stroke: "#000", extra: rule.dashed ? " stroke-dasharray=\"4 3\"" : "")
            svg += text(rule.label, x: left + pw - 2, y: sy(rule.value) - 3, anchor: "end", extra: " class=\"rule\"" + halo)
        }
        var legendX = left
        for item in drawn {
            let ink = inks[item.index % inks.count]
            let cls = " class=\"series-\(item.index)\""
            let dash = item.series.dashed ? " stroke-dasharray=\"\(dashes[item.index % dashes.count])\"" : ""
            var path = ""
            for (k, p) in item.points.enumerated() {
                let px = n(sx(p.x))
                let py = n(sy(p.y))
                path += k == 0 ? "M\(px) \(py)" : item.series.stepped ? "H\(px)V\(py)" : "L\(px) \(py)"
            }
            svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"\(ink)\" stroke-width=\"1.5\" stroke-linejoin=\"round\"\(dash)\(cls)/>"
            // Thinned markers stay legible on long series while still telling the lines apart without colour.
            let every = max(1, item.points.count / 12)
            for (k, p) in item.points.enumerated() where k % every == 0 || k == item.points.count - 1 {
                svg += marker(item.index, sx(p.x), sy(p.y), ink, cls)
            }
            if legend {
                let ly = 30.0
                svg += segment(legendX, ly, legendX + 22, ly, stroke: ink, extra: dash + cls + " stroke-width=\"1.5\"")
                svg += marker(item.index, legendX + 11, ly, ink, cls) + text(item.series.name, x: legendX + 26, y: ly + 4)
                legendX += 36 + Double(item.series.name.count) * charWidth
            }
        }
        svg += text(xLabel, x: left + pw / 2, y: Double(h) - 5, anchor: "middle")
        svg += "<text transform=\"translate(12 \(n(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\" fill=\"#000\">\(htmlEscaped(yLabel))</text>"
        return svg + "</svg>"
    }

    /// A horizontal bar chart: one bar per category with its value written at the bar's end; optional rules drawn as vertical lines.
    public static func bars(
        _ bars: [Bar], rules: [Rule] = [], title: String, unit: String, width: Int = 640,
        format: @Sendable (Double) -> String = SVGChart.defaultFormat
    ) -> String {
        let w = max(width, 200)
        let rules = rules.filter { $0.value.isFinite }
        let row = 20.0
        let top = rules.isEmpty ? 26.0 : 38.0
        let bottom = 34.0
        let h = Int(top + row * Double(max(bars.count, 1)) + bottom)
        let values = bars.map(\.value).filter(\.isFinite)
        guard !values.isEmpty else { return noData(title: title, width: w, height: max(h, 80)) }
        let all = values + rules.map(\.value)
        let nice = ticks(lower: min(0, all.min() ?? 0), upper: max(0, all.max() ?? 1))
        let (v0, v1) = padded(nice.first ?? 0, nice.last ?? 1)
        let longest = Double(bars.map(\.label.count).max() ?? 0)
        let left = min(Double(w) * 0.4, max(40, longest * charWidth + 10))
        let right = 56.0
        let pw = Double(w) - left - right
        let axisY = top + row * Double(bars.count)
        let sx = { (v: Double) in left + (min(max(v, v0), v1) - v0) / (v1 - v0) * pw }
        let maxChars = max(3, Int((left - 10) / charWidth))

        let words = bars.map { "\($0.label) \($0.value.isFinite ? format($0.value) : "no value")" }
        let ruleWords = rules.map { "\($0.label) \(format($0.value))" }
        let summary =
            "\(title). Bar chart in \(unit): " + words.joined(separator: "; ")
            + (ruleWords.isEmpty ? "" : ". Reference lines: " + ruleWords.joined(separator: "; "))
        var svg = open(w, h, label: summary)
        svg += text(title, x: 4, y: 15, extra: " font-weight=\"bold\"")
        for value in ticks(lower: v0, upper: v1, count: max(2, Int(pw / 80))) where value >= v0 && value <= v1 {
            svg += segment(sx(value), top, sx(value), axisY, stroke: "#ddd")
            svg += text(format(value), x: sx(value), y: axisY + 14, anchor: "middle")
        }
        for (i, bar) in bars.enumerated() {
            let y = top + row * Double(i)
            let baseline = y + row / 2 + 4
            // Long labels are cut so they never run off the left edge; the full text stays in the aria-label.
            let label = bar.label.count > maxChars ? String(bar.label.prefix(maxChars - 1)) + "…" : bar.label
            svg += text(label, x: left - 6, y: baseline, anchor: "end")
            guard bar.value.isFinite else {
                svg += text("n/a", x: sx(0) + 4, y: baseline, extra: " fill-opacity=\"0.7\"")
                continue
            }
            let a = sx(0)
            let b = sx(bar.value)
            svg +=
                "<rect x=\"\(n(min(a, b)))\" y=\"\(n(y + 3))\" width=\"\(n(abs(b - a)))\" height=\"\(n(row - 6))\" fill=\"#999\" "
                + "stroke=\"#000\" stroke-width=\"0.5\" class=\"bar\"/>"
            svg += text(format(bar.value), x: max(a, b) + 4, y: baseline)
        }
        svg += segment(sx(0), top, sx(0), axisY, stroke: "#000") + segment(left, axisY, left + pw, axisY, stroke: "#000")
        for rule in rules {
            let x = sx(rule.value)
            svg += segment(x, top - 4, x, axisY, stroke: "#000", extra: " stroke-width=\"1.5\"" + (rule.dashed ? " stroke-dasharray=\"4 3\"" : ""))
            svg += text(rule.label, x: min(max(x, left), left + pw), y: top - 7, anchor: "middle", extra: " class=\"rule\"")
        }
        svg += text(unit, x: left + pw / 2, y: Double(h) - 5, anchor: "middle")
        return svg + "</svg>"
    }

    /// A tiny line for a table cell or a list item: no axes, the last point marked, an optional threshold line; `width`×`height` pixels.
    public static func sparkline(_ values: [Double], threshold: Double? = nil, width: Int = 120, height: Int = 28, label: String) -> String {
        let w = max(width, 16)
        let h = max(height, 8)
        // Positions come from the original index so a skipped NaN leaves a gap in time rather than compressing it.
        let points = values.enumerated().filter { $0.element.isFinite }.map { Point(x: Double($0.offset), y: $0.element) }
        guard let first = points.first, let last = points.last else { return noData(title: label, width: w, height: h, small: true) }
        let limit = threshold.flatMap { $0.isFinite ? $0 : nil }
        let ys = points.map(\.y) + (limit.map { [$0] } ?? [])
        let (y0, y1) = padded(ys.min() ?? 0, ys.max() ?? 1)
        let (x0, x1) = padded(first.x, last.x)
        let pad = 3.0
        let pw = Double(w) - 2 * pad
        let ph = Double(h) - 2 * pad
        let sx = { (x: Double) in points.count == 1 ? Double(w) / 2 : pad + (x - x0) / (x1 - x0) * pw }
        let sy = { (y: Double) in pad + ph - (y - y0) / (y1 - y0) * ph }

        var summary = "\(label): last \(defaultFormat(last.y)) of \(points.count) values"
        if let limit { summary += ", threshold \(defaultFormat(limit))" + (last.y > limit ? " (above)" : "") }
        var svg = open(w, h, label: summary, fontSize: 9)
        if let limit {
            svg += segment(pad, sy(limit), Double(w) - pad, sy(limit), stroke: "#777", extra: " stroke-dasharray=\"3 2\" class=\"threshold\"")
        }
        let path = points.enumerated().map { k, p in "\(k == 0 ? "M" : "L")\(n(sx(p.x))) \(n(sy(p.y)))" }.joined()
        svg += "<path d=\"\(path)\" fill=\"none\" stroke=\"#000\" stroke-width=\"1.2\" stroke-linejoin=\"round\" class=\"series-0\"/>"
        svg += "<circle cx=\"\(n(sx(last.x)))\" cy=\"\(n(sy(last.y)))\" r=\"2.2\" fill=\"#000\" class=\"last\"/>"
        return svg + "</svg>"
    }

    /// A horizontal gauge: value against a threshold, e.g. "score 2.4 against threshold 1.0", bar clipped to `maximum` with the overflow marked.
    public static func gauge(value: Double, threshold: Double, maximum: Double, width: Int = 200, height: Int = 16, label: String) -> String {
        let w = max(width, 40)
        let h = max(height, 8)
        guard value.isFinite else { return noData(title: label, width: w, height: h, small: true) }
        // A missing or non-positive maximum would divide by zero; fall back to the largest thing we need to show.
        let limit = maximum.isFinite && maximum > 0 ? maximum : ([value, threshold].filter { $0.isFinite && $0 > 0 }.max() ?? 1)
        let arrow = Double(h) / 2 + 2
        let track = Double(w) - 2 - arrow
        let hh = Double(h)
        let above = threshold.isFinite && value > threshold
        let overflow = value > limit
        let fraction = { (v: Double) in min(max(v / limit, 0), 1) }

        var summary = "\(label): \(defaultFormat(value))"
        if threshold.isFinite { summary += " against threshold \(defaultFormat(threshold))" + (above ? ", above threshold" : ", within threshold") }
        if overflow { summary += "; exceeds the scale maximum \(defaultFormat(limit))" }
        var svg = open(w, h, label: summary, fontSize: 9)
        let fill = above ? "#444" : "#aaa"
        let cls = above ? "over-threshold" : "within-threshold"
        svg += "<rect x=\"1\" y=\"1\" width=\"\(n(fraction(value) * track))\" height=\"\(n(hh - 2))\" fill=\"\(fill)\" class=\"\(cls)\"/>"
        svg += "<rect x=\"1\" y=\"1\" width=\"\(n(track))\" height=\"\(n(hh - 2))\" fill=\"none\" stroke=\"#000\" stroke-width=\"0.8\"/>"
        if threshold.isFinite {
            let x = 1 + fraction(threshold) * track
            // A white underlay keeps the black mark visible where it crosses the dark over-threshold fill.
            svg += segment(x, 0, x, hh, stroke: "#fff", extra: " stroke-width=\"4\"")
            svg += segment(x, 0, x, hh, stroke: "#000", extra: " stroke-width=\"2\" class=\"threshold\"")
        }
        if overflow {
            let x = track + 2
            svg += "<polygon points=\"\(n(x)),\(n(1)) \(n(Double(w) - 1)),\(n(hh / 2)) \(n(x)),\(n(hh - 1))\" fill=\"#000\" class=\"overflow\"/>"
        }
        return svg + "</svg>"
    }

    /// Formats numbers compactly: 1234 → "1,234", 0.0512 → "0.051", 12.5 → "12.5", 1.2e6 → "1.2M".
    public static func defaultFormat(_ value: Double) -> String {
        if value.isNaN { return "n/a" }
        if value.isInfinite { return value > 0 ? "∞" : "-∞" }
        let magnitude = abs(value)
        // Beyond these bounds fixed notation would be a wall of digits (or zeros), so switch to scientific.
        if magnitude == 0 || (magnitude >= 0.001 && magnitude < 1e15) {
            for (limit, suffix) in [(1e12, "T"), (1e9, "B"), (1e6, "M")] where magnitude >= limit {
                return fixed(value / limit, decimals: 1) + suffix
            }
            return fixed(value, decimals: magnitude >= 1000 ? 0 : magnitude >= 100 ? 1 : magnitude >= 1 || magnitude == 0 ? 2 : 3)
        }
        let exponent = Int(log10(magnitude).rounded(.down))
        return fixed(value / pow(10, Double(exponent)), decimals: 1) + "e\(exponent)"
    }

    /// "Nice" axis ticks (1, 2, 5 × 10^k steps) covering lower...upper, about `count` of them.
    public static func ticks(lower: Double, upper: Double, count: Int = 5) -> [Double] {
        guard lower.isFinite, upper.isFinite else { return [] }
        let (lo, hi) = padded(lower, upper)
        let raw = (hi - lo) / Double(min(max(count, 1), 100))
        guard raw.isFinite, raw > 0 else { return [lo, hi] }
        let magnitude = pow(10, log10(raw).rounded(.down))
        let normal = raw / magnitude
        // The tolerance keeps 0.2 / 0.1 from landing just above 2 and jumping to a step of 5.
        let step = (normal <= 1 + 1e-9 ? 1 : normal <= 2 + 1e-9 ? 2 : normal <= 5 + 1e-9 ? 5 : 10) * magnitude
        guard step.isFinite, step > 0 else { return [lo, hi] }
        let first = (lo / step + 1e-9).rounded(.down)
        let last = (hi / step - 1e-9).rounded(.up)
        guard first.isFinite, last.isFinite, last >= first, last - first <= 1000 else { return [lo, hi] }
        // Multiples of 0.2 pick up binary noise (0.6000000000000001); rounding to the step's precision removes it.
        let decimals = max(0, -Int(log10(step).rounded(.down))) + 1
        let scale = decimals <= 15 ? pow(10, Double(decimals)) : 1
        return stride(from: first, through: last, by: 1).map { index in
            let value = index * step
            return (decimals <= 15 ? (value * scale).rounded() / scale : value) + 0
        }
    }

    /// Widens an empty or reversed span so that scaling never divides by zero.
    private static func padded(_ lower: Double, _ upper: Double) -> (Double, Double) {
        guard lower.isFinite, upper.isFinite else { return (0, 1) }
        let lo = min(lower, upper)
        let hi = max(lower, upper)
        if hi > lo { return (lo, hi) }
        let pad = lo == 0 ? 1 : abs(lo) * 0.1
        return (lo - pad, hi + pad)
    }

    /// Writes a number with at most `decimals` decimals and thousands separators, independent of the process locale.
    private static func fixed(_ value: Double, decimals: Int, grouped: Bool = true) -> String {
        guard value.isFinite else { return "0" }
        let scale = (0..<decimals).reduce(1) { acc, _ in acc * 10 }
        // Clamping keeps the Int conversion from trapping on absurd inputs; no chart coordinate comes near it.
        let scaled = Int((min(max(value, -1e15), 1e15) * Double(scale)).rounded())
        let units = String(scaled.magnitude / UInt(scale))
        let rest = scaled.magnitude % UInt(scale)
        var whole = ""
        for (i, digit) in units.enumerated() {
            if grouped && i > 0 && (units.count - i) % 3 == 0 { whole.append(",") }
            whole.append(digit)
        }
        var fraction = ""
        if rest > 0 {
            fraction = String(rest)
            fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
            while fraction.hasSuffix("0") { fraction.removeLast() }
        }
        return (scaled < 0 ? "-" : "") + whole + (fraction.isEmpty ? "" : "." + fraction)
    }

    /// Coordinates get two decimals at most: sub-pixel precision beyond that only bloats the report.
    private static func n(_ value: Double) -> String { fixed(value, decimals: 2, grouped: false) }

    private static func open(_ w: Int, _ h: Int, label: String, fontSize: Int = 11) -> String {
        let label = htmlEscaped(label)
        // The white backdrop keeps black ink readable when the operator page uses a dark theme.
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\" width=\"\(w)\" height=\"\(h)\" role=\"img\" "
            + "aria-label=\"\(label)\" font-family=\"inherit\" font-size=\"\(fontSize)\"><title>\(label)</title>"
            + "<rect width=\"\(w)\" height=\"\(h)\" fill=\"#fff\"/>"
    }

    private static func noData(title: String, width: Int, height: Int, small: Bool = false) -> String {
        var svg = open(width, height, label: "\(title): no data", fontSize: small ? 9 : 11)
        if !small { svg += text(title, x: 4, y: 15, extra: " font-weight=\"bold\"") }
        svg += text("no data", x: Double(width) / 2, y: Double(height) / 2 + (small ? 3 : 4), anchor: "middle", extra: " fill-opacity=\"0.7\"")
        return svg + "</svg>"
    }

    private static func text(_ content: String, x: Double, y: Double, anchor: String = "start", extra: String = "") -> String {
        let anchorAttribute = anchor == "start" ? "" : " text-anchor=\"\(anchor)\""
        return "<text x=\"\(n(x))\" y=\"\(n(y))\"\(anchorAttribute) fill=\"#000\"\(extra)>\(htmlEscaped(content))</text>"
    }

    private static func segment(_ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String, extra: String = "") -> String {
        "<line x1=\"\(n(x1))\" y1=\"\(n(y1))\" x2=\"\(n(x2))\" y2=\"\(n(y2))\" stroke=\"\(stroke)\"\(extra)/>"
    }

    /// Shapes cycle every four series and switch from filled to hollow after that, so up to eight lines differ without colour.
    private static func marker(_ index: Int, _ x: Double, _ y: Double, _ ink: String, _ cls: String) -> String {
        let r = 3.0
        let fill = (index / 4) % 2 == 0 ? ink : "#fff"
        let paint = " fill=\"\(fill)\" stroke=\"\(ink)\"\(cls)/>"
        switch index % 4 {
        case 0: return "<circle cx=\"\(n(x))\" cy=\"\(n(y))\" r=\"\(n(r))\"" + paint
        case 1: return "<rect x=\"\(n(x - r))\" y=\"\(n(y - r))\" width=\"\(n(2 * r))\" height=\"\(n(2 * r))\"" + paint
        case 2: return "<polygon points=\"\(n(x)),\(n(y - r - 0.5)) \(n(x + r)),\(n(y + r)) \(n(x - r)),\(n(y + r))\"" + paint
        default: return "<polygon points=\"\(n(x)),\(n(y - r - 1)) \(n(x + r + 1)),\(n(y)) \(n(x)),\(n(y + r + 1)) \(n(x - r - 1)),\(n(y))\"" + paint
        }
    }
}
