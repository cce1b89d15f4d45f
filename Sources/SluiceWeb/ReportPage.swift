import Foundation
public import SluiceService

/// The sponsor's gate report as one self-contained HTML page: inline SVG charts, no scripts, printable to PDF.
public enum ReportPage {
    /// Renders `report`. With `signOffAction`, gates awaiting a sponsor's sign-off get a form posting to
    /// `signOffAction(gate)`; a saved file has none and says where to sign off.
    public static func render(_ report: SponsorReport, signOffAction: ((String) -> String)? = nil) -> String {
        var body = """
            <header><h1>Sluice gate report</h1>
            <p>Cells \(htmlEscaped(report.cells.joined(separator: ", "))) · \(day(report.from)) to \(day(report.to)) ·
            generated \(time(report.generatedAt))</p></header>
            """
        body += summary(report)
        for gate in report.gates { body += section(gate, now: report.generatedAt, signOffAction: signOffAction) }
        body += alarmLoad(report)
        body += materials(report)
        body += returns(report.returns)
        body += audit(report.audit)
        return Page.document(title: "Sluice gate report: \(report.cells.joined(separator: ", "))", body: body)
    }

    static func summary(_ report: SponsorReport) -> String {
        var rows = ""
        for gate in report.gates {
            let view = gate.view
            rows += """
                <tr><td><a href="#gate-\(htmlEscaped(view.id))">\(htmlEscaped(view.id))</a></td><td>\(htmlEscaped(view.stageName))</td>
                <td>\(htmlEscaped(view.status))\(gate.awaitsSignOff ? " · awaits sign-off" : "")</td>
                <td class="n">\(view.judge.rate.percentText) [\(view.judge.interval[0].percentText)–\(view.judge.interval[1].percentText)]</td>
                <td class="n">\(p95(gate.detection))</td><td class="n">\(p95(gate.response))</td></tr>
                """
        }
        return """
            <h2>Summary</h2>
            <table><tr><th>gate</th><th>stage</th><th>status</th><th class="n">false positives (95 % interval), current stage</th>
            <th class="n">detection p95 (SLO \(report.settings.detectionObjective.readableDuration))</th>
            <th class="n">response p95 (SLO \(report.settings.responseObjective.readableDuration))</th></tr>\(rows)</table>
            """
    }

    static func section(_ gate: SponsorReport.Gate, now: Date, signOffAction: ((String) -> String)?) -> String {
        let view = gate.view
        let id = htmlEscaped(view.id)
        var html = """
            <section class="gate" id="gate-\(id)"><h2>Gate \(id)</h2>
            <p>\(htmlEscaped(view.actionType)) on cell \(htmlEscaped(view.cell)), model \(htmlEscaped(view.model)), flag \(view.flag ? "on" : "off").
            Stage <strong>\(htmlEscaped(view.stageName))</strong> (\(view.stage + 1) of \(view.stages.count),
            \(SVGChart.defaultFormat(view.stages[view.stage].percent)) % of assets), status <strong>\(htmlEscaped(view.status))</strong>
            since \(time(view.stageEnteredAt)); stage \(view.passed ? "passed" : "not passed yet").
            \(view.requiresSignOff ? "Promotion needs a sponsor's sign-off" + (view.signedOffBy.map { ": signed off by \(htmlEscaped($0))" } ?? ".") : "")</p>
            """
        if gate.awaitsSignOff {
            if let signOffAction {
                html += """
                    <form class="sign-off inline" method="post" action="\(htmlEscaped(signOffAction(view.id)))">
                    <label>Reason <input name="reason" required size="40" placeholder="e.g. rates and times reviewed"></label>
                    <button type="submit" class="sign-off">Sign off the promotion to \(htmlEscaped(view.stages[min(view.stage + 1, view.stages.count - 1)].name))</button>
                    </form>
                    """
            } else {
                html +=
                    "<p class=\"banner\">This stage passed and awaits a sponsor's sign-off: sign off from the report page of the running service (/ui/report).</p>"
            }
        }
        html += "<h3>Stage and mode over time</h3>" + timeline(gate, now: now)
        html += "<h3>Decisions per stage</h3>" + stageTable(gate)
        html += "<h3>False-positive rate and the sequential test</h3>" + trace(gate)
        html += "<h3>Detection and response times</h3>" + times(gate)
        if let rehearsal = gate.rehearsal { html += "<h3>Rehearsal of a candidate model</h3>" + self.rehearsal(rehearsal, by: gate.rehearsalBy) }
        return html + "</section>"
    }

    static func timeline(_ gate: SponsorReport.Gate, now: Date) -> String {
        let moves = gate.timeline.filter { $0.toStage != nil }
        var points: [SVGChart.Point] = []
        for entry in moves {
            let fallen = ["fallen-back", "aborted", "paused"].contains(entry.status ?? "")
            points.append(SVGChart.Point(x: entry.time.timeIntervalSince1970, y: fallen ? -1 : Double(entry.toStage!)))
        }
        if let last = points.last { points.append(SVGChart.Point(x: max(now.timeIntervalSince1970, last.x), y: last.y)) }
        let names = gate.view.stages.map(\.name)
        let chart = SVGChart.line(
            series: [SVGChart.Series(name: "stage", points: points, stepped: true)],
            rules: [SVGChart.Rule(value: -1, label: "recommendations only (fallen back, aborted or paused)")],
            title: "Stage of gate \(gate.view.id) over time", xLabel: "time (UTC)", yLabel: "stage",
            xFormat: { day(Date(timeIntervalSince1970: $0)) },
            yFormat: { value in value < 0 ? "recs" : (Int(value) < names.count && value == value.rounded() ? names[Int(value)] : "") },
            yRange: -1...Double(max(names.count - 1, 1)))
        var rows = ""
        for entry in gate.timeline.suffix(30) {
            rows += """
                <tr><td>\(time(entry.time))</td><td>\(htmlEscaped(entry.event))</td><td>\(htmlEscaped(entry.actor))</td>
                <td>\(htmlEscaped(entry.status ?? ""))</td><td>\(htmlEscaped(entry.reason))</td></tr>
                """
        }
        return chart + "<table><tr><th>time</th><th>event</th><th>who</th><th>status</th><th>why</th></tr>\(rows)</table>"
    }

    static func stageTable(_ gate: SponsorReport.Gate) -> String {
        guard !gate.stages.isEmpty else { return "<p class=\"muted\">No detections in this span.</p>" }
        var rows = ""
        for stage in gate.stages {
            func count(_ key: String, in map: [String: Int]) -> Int { map[key] ?? 0 }
            rows += """
                <tr><td>\(htmlEscaped(stage.stage))</td><td class="n">\(count("action", in: stage.raised))</td>
                <td class="n">\(count("recommendation", in: stage.raised))</td><td class="n">\(count("shadow", in: stage.raised))</td>
                <td class="n">\(count("approved", in: stage.decisions))</td><td class="n">\(count("rejected", in: stage.decisions))</td>
                <td class="n">\(count("useful", in: stage.decisions))</td><td class="n">\(count("not-useful", in: stage.decisions))</td>
                <td class="n">\(count("expired", in: stage.decisions))</td>
                <td class="n">\(stage.falsePositives) / \(stage.judged) = \(stage.rate.percentText)
                [\(stage.interval[0].percentText)–\(stage.interval[1].percentText)]</td></tr>
                """
        }
        return """
            <table><tr><th>stage</th><th class="n">actions</th><th class="n">recommendations</th><th class="n">shadow</th>
            <th class="n">approved</th><th class="n">rejected</th><th class="n">useful</th><th class="n">not useful</th><th class="n">expired</th>
            <th class="n">false positives (Wilson 95 %)</th></tr>\(rows)</table>
            """
    }

    static func trace(_ gate: SponsorReport.Gate) -> String {
        let judge = gate.view.judge
        var html = """
            <p>Current stage: \(judge.falsePositives) false positives in \(judge.decisions) decisions, \(judge.rate.percentText)
            (Wilson 95 % interval \(judge.interval[0].percentText)–\(judge.interval[1].percentText)); verdict \(htmlEscaped(judge.verdict)).
            The test passes the stage when the log-likelihood ratio reaches \(SVGChart.defaultFormat(gate.passBoundary)) and falls the gate back
            when it reaches \(SVGChart.defaultFormat(gate.fallBackBoundary)).</p>
            """
        guard !gate.trace.isEmpty else { return html + "<p class=\"muted\">No decisions in this span.</p>" }
        let series = Dictionary(grouping: gate.trace.enumerated(), by: \.element.stage).sorted { $0.value[0].offset < $1.value[0].offset }
            .enumerated()
            .map { index, group in
                SVGChart.Series(
                    name: "stage \(group.key)",
                    points: group.value.map { SVGChart.Point(x: Double($0.offset + 1), y: $0.element.logLikelihoodRatio) },
                    dashed: index % 2 == 1)
            }
        html += SVGChart.line(
            series: series,
            rules: [
                SVGChart.Rule(value: gate.fallBackBoundary, label: "fall back (rate ≥ fall-back level)"),
                SVGChart.Rule(value: gate.passBoundary, label: "pass (rate ≤ pass level)"),
            ], title: "Sequential test of gate \(gate.view.id)", xLabel: "decision", yLabel: "log-likelihood ratio")
        let verdicts = gate.trace.filter { $0.verdict != nil }
        if !verdicts.isEmpty {
            html +=
                "<p>Verdicts: "
                + verdicts.map { "\(htmlEscaped($0.verdict!)) in \(htmlEscaped($0.stage)) after \($0.decisions) decisions (\(time($0.time)))" }
                .joined(separator: "; ") + ".</p>"
        }
        return html
    }

    static func times(_ gate: SponsorReport.Gate) -> String {
        func row(_ name: String, _ d: SponsorReport.Durations) -> String {
            let objective = d.objective ?? 0
            let met = d.p95.map { $0 <= objective }
            return """
                <tr><td>\(name)</td><td class="n">\(d.count)</td><td class="n">\(d.median?.readableDuration ?? "n/a")</td>
                <td class="n">\(d.p95?.readableDuration ?? "n/a")</td><td class="n">\(objective.readableDuration)</td>
                <td class="n">\(d.withinObjective?.percentText ?? "n/a")</td>
                <td class="\(met == false ? "bad" : "ok")">\(met.map { $0 ? "met" : "missed" } ?? "no data")</td></tr>
                """
        }
        return """
            <table><tr><th></th><th class="n">count</th><th class="n">median</th><th class="n">95th percentile</th><th class="n">SLO</th>
            <th class="n">within SLO</th><th>p95 against SLO</th></tr>
            \(row("detection (first anomalous sample → action queued)", gate.detection))
            \(row("human response (queued → decided)", gate.response))</table>
            """
    }

    static func rehearsal(_ r: RehearsalReport, by: String?) -> String {
        func row(_ name: String, _ t: RehearsalReport.Tally) -> String {
            """
            <tr><td>\(name)</td><td class="n">\(t.modelVersion.map { "v\($0)" } ?? "")</td><td class="n">\(t.actions)</td>
            <td class="n">\(t.recommendations)</td><td class="n">\(t.shadow)</td><td class="n">\(t.decided)</td>
            <td class="n">\(t.falsePositives)\(t.decided > 0 ? " (" + (Double(t.falsePositives) / Double(t.decided)).percentText + ")" : "")</td></tr>
            """
        }
        var html = """
            <p>\(r.samples) samples from \(time(r.from)) to \(time(r.to)), gate run at stage \(htmlEscaped(r.stage))\(by.map { "; rehearsed by \(htmlEscaped($0))" } ?? "").
            Nothing was queued or dispatched; live decisions on the same needs were replayed onto the candidate's detections.</p>
            <table><tr><th></th><th class="n">model</th><th class="n">actions</th><th class="n">recommendations</th><th class="n">shadow</th>
            <th class="n">decided</th><th class="n">false positives</th></tr>\(row("candidate (rehearsal)", r.candidate))\(row("live", r.live))</table>
            """
        if !r.transitions.isEmpty {
            html +=
                "<p>Gate transitions in the rehearsal: "
                + r.transitions.map { "\(htmlEscaped($0.event)) at \(time($0.time))" }.joined(separator: "; ") + ".</p>"
        }
        return html
    }

    static func alarmLoad(_ report: SponsorReport) -> String {
        func rows(_ loads: [SponsorReport.AlarmLoad]) -> String {
            loads.map { load in
                let flooded = load.floodShare > 0.01 || load.perHour > SponsorReport.manageablePerHour
                return """
                    <tr><td>\(htmlEscaped(load.name))</td><td class="n">\(load.alarms)</td><td class="n">\(String(format: "%.1f", load.perHour))</td>
                    <td class="n">\(load.peakPer10Minutes)</td><td class="n">\(load.floodShare.percentText)</td>
                    <td class="\(flooded ? "bad" : "ok")">\(load.perHour <= SponsorReport.acceptablePerHour && load.floodShare <= 0.01 ? "acceptable" : (flooded ? "overloaded" : "manageable"))</td></tr>
                    """
            }.joined()
        }
        let header = """
            <tr><th></th><th class="n">alarms</th><th class="n">per hour</th><th class="n">peak in 10 min</th>
            <th class="n">10-min periods in flood</th><th>against ISA-18.2</th></tr>
            """
        var html = """
            <h2>Alarm load (ISA-18.2)</h2>
            <p>ISA-18.2 calls about \(Int(SponsorReport.acceptablePerHour)) alarms an hour per operator very likely acceptable and
            \(Int(SponsorReport.manageablePerHour)) the most manageable; more than \(SponsorReport.floodLevel) in 10 minutes is a flood,
            which should happen in under 1 % of periods. Alarms are actions and recommendations raised.</p>
            <h3>Per cell</h3><table>\(header)\(rows(report.cellLoad))</table>
            <h3>Per operator (decisions taken)</h3>
            """
        if report.operatorLoad.isEmpty { return html + "<p class=\"muted\">No operator decisions in this span.</p>" }
        html += "<table>\(header)\(rows(report.operatorLoad))</table>"
        html += SVGChart.bars(
            report.operatorLoad.map { SVGChart.Bar(label: $0.name, value: $0.perHour) },
            rules: [
                SVGChart.Rule(value: SponsorReport.acceptablePerHour, label: "acceptable"),
                SVGChart.Rule(value: SponsorReport.manageablePerHour, label: "manageable"),
            ], title: "Decisions per hour by operator", unit: "per hour")
        return html
    }

    static func materials(_ report: SponsorReport) -> String {
        guard !report.materials.isEmpty else { return "" }
        var rows = ""
        for m in report.materials {
            rows += """
                <tr><td>\(htmlEscaped(m.item))</td><td class="n">\(SVGChart.defaultFormat(m.demand)) \(htmlEscaped(m.unit))</td>
                <td class="n">\(m.fillRate?.percentText ?? "n/a")</td><td class="n">\(m.baselineFillRate?.percentText ?? "not set")</td>
                <td class="n">\(m.averageOnHand.map(SVGChart.defaultFormat) ?? "n/a")</td><td class="n">\(m.baselineOnHand.map(SVGChart.defaultFormat) ?? "not set")</td>
                <td class="n">\(SVGChart.defaultFormat(m.onHand))</td><td class="n">\(m.leadTime.count)</td>
                <td class="n">\(m.leadTime.median?.readableDuration ?? "n/a")</td><td class="n">\(m.leadTime.p95?.readableDuration ?? "n/a")</td>
                <td class="n">\(m.leadTime.objective?.readableDuration ?? "not set")</td></tr>
                """
        }
        return """
            <h2>Replenishment</h2>
            <p>Fill rate is the share of demand served from stock; average stock is weighted by time; the administrative lead time runs from
            the need (the movement that crossed the reorder point) to the ERP/MES acknowledging the order. Baselines are the manual process's,
            as the cell file states them.</p>
            <table><tr><th>item</th><th class="n">demand</th><th class="n">fill rate</th><th class="n">baseline</th>
            <th class="n">average on hand</th><th class="n">baseline</th><th class="n">on hand now</th><th class="n">orders</th>
            <th class="n">lead time median</th><th class="n">p95</th><th class="n">baseline lead time</th></tr>\(rows)</table>
            """
    }

    static func returns(_ r: SponsorReport.Return) -> String {
        let currency = htmlEscaped(r.currency)
        return """
            <h2>Return</h2>
            <table><tr><td>Manual interventions avoided (orders the ERP/MES acknowledged)</td><td class="n">\(r.interventionsAvoided)</td></tr>
            <tr><td>Hours saved</td><td class="n">\(String(format: "%.1f", r.hoursSaved)) h (\(SVGChart.defaultFormat(r.hoursValue.rounded())) \(currency))</td></tr>
            <tr><td>Faults confirmed by operators</td><td class="n">\(r.faultsConfirmed)</td></tr>
            <tr><td>Downtime avoided (estimate)</td><td class="n">\(String(format: "%.1f", r.downtimeHoursAvoided)) h
            (\(SVGChart.defaultFormat(r.downtimeValue.rounded())) \(currency))</td></tr></table>
            <p class="muted">Assumptions: \(r.assumptions.map(htmlEscaped).joined(separator: "; ")).</p>
            """
    }

    static func audit(_ a: SponsorReport.Audit) -> String {
        """
        <h2>Audit log</h2>
        <table><tr><td>Records</td><td class="n">\(a.size)</td></tr><tr><td>Head hash (SHA-256)</td><td><code>\(htmlEscaped(a.head))</code></td></tr>
        <tr><td>Verified</td><td class="\(a.verified ? "ok" : "bad")">\(a.verified ? "every link verified" : "BROKEN: " + htmlEscaped(a.problem ?? "unknown problem"))</td></tr></table>
        """
    }

    static func p95(_ d: SponsorReport.Durations) -> String {
        guard let p95 = d.p95 else { return "no data" }
        let met = d.objective.map { p95 <= $0 } ?? true
        return p95.readableDuration + (met ? "" : " (over)")
    }

    static func day(_ date: Date) -> String { String(ISOTime.format(date).prefix(10)) }
    static func time(_ date: Date) -> String { String(ISOTime.format(date).prefix(16)).replacingOccurrences(of: "T", with: " ") }
}
