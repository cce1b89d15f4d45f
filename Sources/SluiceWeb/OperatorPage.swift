import Foundation
public import SluiceService
public import SluiceStore

/// The operator's page: the queue of pending actions and recommendations of their cells, each action's
/// evidence, approve and reject from the keyboard or the mouse, live from the event stream. Plain HTML that
/// works without its script (forms post and the page reloads); the script adds live updates and keys.
public enum OperatorPage {
    /// Paths the page's forms and script use, under the server's `/ui`.
    public static let base = "/ui"

    /// The sign-in page.
    public static func signIn(error: String? = nil) -> String {
        Page.document(
            title: "Sluice: sign in",
            body: """
                <header><h1>Sluice</h1></header>
                <h2>Sign in</h2>
                \(error.map { "<p class=\"banner\" role=\"alert\">\(htmlEscaped($0))</p>" } ?? "")
                <form id="sign-in" method="post" action="\(base)/sign-in">
                <p><label for="token">Your token</label><br><input id="token" name="token" type="password" size="60" autocomplete="off" required autofocus></p>
                <p><button id="sign-in-submit" type="submit">Sign in</button></p>
                </form>
                <p class="muted">Operators see their cells' queue; sponsors, admins and the data team see the gate report.
                An admin creates tokens with <code>sluice tokens create</code>.</p>
                """)
    }

    /// What the queue shows.
    public struct Queue: Sendable {
        /// Who is signed in.
        public var name: String
        /// Their cells.
        public var cells: [String]
        /// Pending soft actions.
        public var actions: [ActionRecord]
        /// Pending recommendations.
        public var recommendations: [ActionRecord]
        /// Alarms (actions and recommendations) raised in their cells in the last 10 minutes.
        public var alarmsLast10Minutes: Int

        /// A queue.
        public init(name: String, cells: [String], actions: [ActionRecord], recommendations: [ActionRecord], alarmsLast10Minutes: Int) {
            self.name = name
            self.cells = cells
            self.actions = actions
            self.recommendations = recommendations
            self.alarmsLast10Minutes = alarmsLast10Minutes
        }

        /// Newest first, and within the same moment the most severe first.
        static func ordered(_ records: [ActionRecord]) -> [ActionRecord] {
            records.sorted { ($0.createdAt, $0.severity, $0.id) > ($1.createdAt, $1.severity, $1.id) }
        }
    }

    /// The whole queue page.
    public static func queue(_ queue: Queue, status: String? = nil, evidence: String? = nil) -> String {
        Page.document(
            title: "Sluice: queue of \(queue.cells.joined(separator: ", "))",
            body: """
                <header><h1>Queue</h1><span>\(htmlEscaped(queue.name)) · cells \(htmlEscaped(queue.cells.joined(separator: ", ")))</span>
                <span id="live" class="muted">connecting…</span>
                <form class="inline" method="post" action="\(base)/sign-out"><button type="submit">Sign out</button></form></header>
                <p id="status" class="status" role="status">\(htmlEscaped(status ?? ""))</p>
                <div id="keys" hidden><strong>Keys</strong>: <kbd>j</kbd>/<kbd>↓</kbd> next, <kbd>k</kbd>/<kbd>↑</kbd> previous,
                <kbd>Enter</kbd> open the evidence, <kbd>a</kbd> approve, <kbd>r</kbd> reject (choose the reason, then Enter),
                <kbd>u</kbd> useful, <kbd>n</kbd> not useful, <kbd>?</kbd> show or hide this.</div>
                <div class="layout"><div id="lists">\(lists(queue))</div>
                <div><div id="evidence" aria-live="polite">\(evidence ?? """
                    <p class="muted">Choose an action (click it, or <kbd>j</kbd> then <kbd>Enter</kbd>) to see
                    its evidence. Press <kbd>?</kbd> for the keys.</p>
                    """)</div></div></div>
                """,
            bodyAttributes: "data-live=\"off\"", script: script)
    }

    /// The part of the queue page the script reloads on every event: the flood banner and both lists.
    public static func lists(_ queue: Queue) -> String {
        var html = ""
        if queue.alarmsLast10Minutes > SponsorReport.floodLevel {
            html += """
                <div id="flood-banner" class="banner" role="alert">Alarm flood: \(queue.alarmsLast10Minutes) alarms in the last 10 minutes
                (ISA-18.2 flood level: more than \(SponsorReport.floodLevel)). Work the most severe first; ask your supervisor to check the gates.</div>
                """
        }
        html += "<section id=\"actions\"><h2>Actions awaiting approval (\(queue.actions.count))</h2>"
        html +=
            queue.actions.isEmpty
            ? "<p class=\"muted\">Nothing to approve.</p>"
            : "<ul class=\"queue\">" + Queue.ordered(queue.actions).map { item($0, kind: "action") }.joined() + "</ul>"
        html += "</section><section id=\"recommendations\"><h2>Recommendations (\(queue.recommendations.count))</h2>"
        html +=
            queue.recommendations.isEmpty
            ? "<p class=\"muted\">No recommendations.</p>"
            : "<ul class=\"queue\">" + Queue.ordered(queue.recommendations).map { item($0, kind: "recommendation") }.joined() + "</ul>"
        return html + "</section>"
    }

    static func item(_ action: ActionRecord, kind: String) -> String {
        let quantity = action.quantity.map { " · \(SVGChart.defaultFormat($0)) \(htmlEscaped(action.unit ?? ""))" } ?? ""
        return """
            <li class="\(kind)" tabindex="-1" data-id="\(htmlEscaped(action.id))" data-state="\(htmlEscaped(action.state.rawValue))"
            data-severity="\(action.severity)" data-created="\(ISOTime.format(action.createdAt))">
            <span class="severity">\(String(format: "%.2f", action.severity))×</span> <span class="subject">\(htmlEscaped(action.subject))</span>
            <span class="type">\(htmlEscaped(action.type))</span>\(quantity) <span class="muted">\(ReportPage.time(action.createdAt))</span>
            <a class="noprint" href="\(base)/queue?open=\(htmlEscaped(action.id))">evidence</a></li>
            """
    }

    /// One action's evidence with its decision forms.
    public static func evidence(_ view: ActionView, gate: GateView?) -> String {
        let action = view.action
        let id = htmlEscaped(action.id)
        var html = """
            <h2>\(htmlEscaped(action.subject)): \(htmlEscaped(action.type)) <span class="muted">(\(htmlEscaped(action.mode)), \(htmlEscaped(action.state.rawValue)))</span></h2>
            """
        let evidence = view.evidence
        if let anomaly = evidence?.anomaly {
            html += """
                <p class="score">Score <strong>\(String(format: "%.2f", anomaly.score))</strong> against threshold \(String(format: "%.2f", anomaly.threshold))
                (T² \(String(format: "%.2f", anomaly.primary))\(anomaly.q.map { String(format: ", Q %.2f", $0) } ?? "") of their limits),
                \(anomaly.consecutive) in a row over it.</p>
                \(SVGChart.gauge(value: anomaly.score, threshold: anomaly.threshold, maximum: max(3 * anomaly.threshold, 1), width: 260, label: "score against threshold"))
                <h3>Sensors that drove it</h3><table class="drivers"><tr><th>sensor</th><th class="n">share of the score</th><th>recent values</th></tr>
                """
            let total = anomaly.contributions.values.reduce(0, +)
            for sensor in anomaly.drivers {
                let values = anomaly.recent[sensor] ?? []
                let spark = SVGChart.sparkline(values, width: 180, height: 32, label: "\(sensor), recent values")
                    .replacingOccurrences(of: "<svg ", with: "<svg class=\"sparkline\" ", options: [], range: nil)
                html += """
                    <tr><td>\(htmlEscaped(sensor))</td><td class="n">\(total > 0 ? ((anomaly.contributions[sensor] ?? 0) / total).percentText : "n/a")</td><td>\(spark)</td></tr>
                    """
            }
            html += "</table><h3>Twin snapshot</h3><table class=\"snapshot\"><tr><th>sensor</th><th class=\"n\">latest</th></tr>"
            for (sensor, value) in anomaly.snapshot.values.sorted(by: { $0.key < $1.key }) {
                html += "<tr><td>\(htmlEscaped(sensor))</td><td class=\"n\">\(SVGChart.defaultFormat(value))</td></tr>"
            }
            html +=
                "</table><p class=\"muted\">Coverage \(anomaly.snapshot.coverage.percentText), triggered at \(evidence.map { ReportPage.time($0.triggeredAt) } ?? "").</p>"
        } else if let replenishment = evidence?.replenishment {
            let p = replenishment.proposal
            html += """
                <p class="score">Inventory position <strong>\(SVGChart.defaultFormat(p.inventoryPosition))</strong> against reorder point
                \(SVGChart.defaultFormat(p.reorderPoint)) \(htmlEscaped(p.unit)): order \(SVGChart.defaultFormat(p.quantity)) from
                \(htmlEscaped(p.supplier)), needed by \(ReportPage.day(replenishment.needBy)).</p>
                <table class="snapshot"><tr><th></th><th class="n">value</th></tr>
                <tr><td>on hand</td><td class="n">\(SVGChart.defaultFormat(replenishment.state.onHand))</td></tr>
                <tr><td>on order</td><td class="n">\(SVGChart.defaultFormat(replenishment.state.onOrder))</td></tr>
                <tr><td>backorders</td><td class="n">\(SVGChart.defaultFormat(replenishment.state.backorders))</td></tr>
                <tr><td>forecast demand per period</td><td class="n">\(SVGChart.defaultFormat(p.forecast.mean))</td></tr>
                <tr><td>expected fill rate</td><td class="n">\(p.expectedFillRate.percentText)</td></tr></table>
                <p>\(htmlEscaped(p.explanation))</p>
                """
            let history = Array(replenishment.state.demandHistory.suffix(60))
            html +=
                "<p>Demand, last \(history.count) periods: "
                + SVGChart.sparkline(history, width: 220, height: 32, label: "\(p.item) demand history")
                .replacingOccurrences(of: "<svg ", with: "<svg class=\"sparkline\" ") + "</p>"
        }
        if let evidence {
            html += """
                <p class="model">Model \(htmlEscaped(evidence.model.name)) \(htmlEscaped(evidence.model.kind)) v\(evidence.model.version)</p>\(
                    (evidence.model.design ?? []).isEmpty ? "" : "<details class=\"design\"><summary>How the model was set up from its training data</summary><ul>"
                        + (evidence.model.design ?? []).map { "<li>\(htmlEscaped($0))</li>" }.joined() + "</ul></details>")
                <p class="stage">Gate \(htmlEscaped(evidence.gate.id)): stage \(htmlEscaped(evidence.gate.stage)) (\(SVGChart.defaultFormat(evidence.gate.percent)) %)
                when raised\(gate.map { "; now \(htmlEscaped($0.stageName)), \(htmlEscaped($0.status))" } ?? "").</p>
                """
        }
        guard action.state == .pending else {
            let decided = action.decidedBy.map { " by \(htmlEscaped($0))" } ?? ""
            return html + "<p class=\"banner\">Already \(htmlEscaped(action.state.rawValue))\(decided).</p>"
        }
        if action.mode == "recommendation" {
            html += """
                <form class="judge inline" method="post" action="\(base)/actions/\(id)/judge">
                <button type="submit" class="useful" name="useful" value="true">Useful (u)</button>
                <button type="submit" class="not-useful" name="useful" value="false">Not useful (n)</button></form>
                """
        } else {
            let quantity =
                action.quantity.map {
                    "<label>Quantity <input name=\"quantity\" type=\"number\" step=\"any\" min=\"0\" value=\"\($0)\"> \(htmlEscaped(action.unit ?? ""))</label>"
                } ?? ""
            html += """
                <form class="approve inline" method="post" action="\(base)/actions/\(id)/approve">\(quantity)
                <button type="submit" class="approve">Approve (a)</button></form>
                <form class="reject inline" method="post" action="\(base)/actions/\(id)/reject">
                <label>Reason <select name="reason" required><option value="false-alarm">false alarm</option>
                <option value="already-handled">already handled</option><option value="wrong-quantity">wrong quantity</option>
                <option value="other">other</option></select></label>
                <input name="text" placeholder="what you saw (optional)" size="28">
                <button type="submit" class="reject">Reject (r)</button></form>
                """
        }
        return html
    }

    /// Live updates, selection and keys. Forms still post without it.
    static let script = """
        (() => {
          const $ = (s, r = document) => r.querySelector(s);
          const items = () => [...document.querySelectorAll('#lists li[data-id]')];
          let selected = null;
          const status = (text, bad) => { const s = $('#status'); s.textContent = text; s.className = 'status' + (bad ? ' bad' : ''); };
          const mark = () => items().forEach(li => li.classList.toggle('selected', li.dataset.id === selected));
          async function refresh() {
            const r = await fetch('\(base)/queue/lists', {credentials: 'same-origin', headers: {'X-Requested-With': 'fetch'}});
            if (r.status === 401) { location.href = '\(base)/sign-in'; return; }
            if (r.ok) { $('#lists').innerHTML = await r.text(); mark(); }
          }
          async function open(id) {
            selected = id; mark();
            const r = await fetch('\(base)/actions/' + encodeURIComponent(id) + '/evidence', {
              credentials: 'same-origin', headers: {'X-Requested-With': 'fetch'}});
            const panel = $('#evidence');
            panel.innerHTML = r.ok ? await r.text() : '<p class="bad">' + (await r.text()) + '</p>';
            panel.dataset.id = id;
          }
          async function submit(form, extra) {
            const body = new URLSearchParams(new FormData(form));
            if (extra) for (const [k, v] of Object.entries(extra)) body.set(k, v);
            const r = await fetch(form.action, {method: 'POST', body, credentials: 'same-origin', headers: {'X-Requested-With': 'fetch'}});
            const text = await r.text();
            status(text, !r.ok);
            if (r.ok) { await refresh(); const id = $('#evidence').dataset.id; if (id) await open(id); }
          }
          document.addEventListener('click', e => {
            const li = e.target.closest('#lists li[data-id]');
            if (li && !e.target.closest('a')) { open(li.dataset.id); }
          });
          document.addEventListener('submit', e => {
            const form = e.target;
            if (!form.matches('#evidence form')) return;
            e.preventDefault();
            const extra = e.submitter && e.submitter.name ? {[e.submitter.name]: e.submitter.value} : null;
            submit(form, extra);
          });
          document.addEventListener('keydown', e => {
            const typing = e.target.closest('input, select, textarea');
            if (typing && e.key === 'Enter' && typing.matches('#evidence form.reject select')) {
              e.preventDefault();
              submit(typing.form);
              return;
            }
            if (typing && e.key !== 'Escape') return;
            if (e.ctrlKey || e.metaKey || e.altKey) return;
            const list = items();
            const at = list.findIndex(li => li.dataset.id === selected);
            const pick = i => { if (list.length) { selected = list[Math.max(0, Math.min(list.length - 1, i))].dataset.id; mark(); } };
            const panel = $('#evidence');
            switch (e.key) {
              case 'j': case 'ArrowDown': pick(at + 1); break;
              case 'k': case 'ArrowUp': pick(at < 0 ? 0 : at - 1); break;
              case 'Enter': if (selected) open(selected); break;
              case 'a': { const f = $('form.approve', panel); if (f) submit(f); break; }
              case 'r': { const s = $('form.reject select', panel); if (s) s.focus(); break; }
              case 'u': { const f = $('form.judge', panel); if (f) submit(f, {useful: 'true'}); break; }
              case 'n': { const f = $('form.judge', panel); if (f) submit(f, {useful: 'false'}); break; }
              case '?': $('#keys').hidden = !$('#keys').hidden; break;
              case 'Escape': if (typing) typing.blur(); break;
              default: return;
            }
            e.preventDefault();
          });
          const opened = new URLSearchParams(location.search).get('open');
          if (opened) open(opened);
          const events = new EventSource('\(base)/events');
          events.onopen = () => { document.body.dataset.live = 'on'; $('#live').textContent = 'live'; refresh(); };
          events.onerror = () => { document.body.dataset.live = 'off'; $('#live').textContent = 'reconnecting…'; };
          events.onmessage = () => refresh();
        })();
        """
}
