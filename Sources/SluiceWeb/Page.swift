import Foundation

/// The shell every Sluice page shares: one self-contained HTML document, its style inline, readable printed.
public enum Page {
    /// A whole document around `body`, with `script` (if any) inline at the end.
    public static func document(title: String, body: String, bodyAttributes: String = "", script: String? = nil) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(htmlEscaped(title))</title>
        <style>\(style)</style>
        </head>
        <body\(bodyAttributes.isEmpty ? "" : " " + bodyAttributes)>
        \(body)
        \(script.map { "<script>\($0)</script>" } ?? "")
        </body>
        </html>
        """
    }

    /// Large type and high contrast for a shop-floor screen; black on white with no backgrounds when printed.
    static let style = """
        :root { font-family: system-ui, sans-serif; font-size: 16px; color: #111; background: #fff; }
        body { margin: 0 auto; max-width: 1200px; padding: 0 1rem 2rem; }
        header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; border-bottom: 2px solid #111; }
        h1 { font-size: 1.5rem; margin: .6rem 0; } h2 { font-size: 1.2rem; margin: 1.2rem 0 .4rem; } h3 { font-size: 1rem; margin: 1rem 0 .3rem; }
        table { border-collapse: collapse; margin: .3rem 0 .8rem; } th, td { border: 1px solid #999; padding: .2rem .45rem; text-align: left; }
        td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
        button, select, input { font: inherit; padding: .35rem .6rem; }
        button { border: 2px solid #111; background: #fff; cursor: pointer; } button:focus, li:focus { outline: 3px solid #0a58ca; }
        .banner { border: 3px solid #b00; background: #fee; padding: .6rem .8rem; margin: .6rem 0; font-weight: 600; }
        .muted { color: #555; } .ok { color: #064; } .bad { color: #b00; font-weight: 600; }
        .layout { display: grid; grid-template-columns: minmax(300px, 2fr) 3fr; gap: 1rem; }
        ul.queue { list-style: none; padding: 0; margin: 0; } ul.queue li { border: 1px solid #999; margin: .3rem 0; padding: .45rem .6rem; cursor: pointer; }
        ul.queue li.selected { border: 3px solid #0a58ca; } .severity { font-weight: 700; font-variant-numeric: tabular-nums; }
        #evidence { border: 1px solid #999; padding: .6rem .8rem; min-height: 8rem; }
        #keys { border: 1px solid #999; padding: .5rem .8rem; margin: .5rem 0; } #keys[hidden] { display: none; }
        .status { min-height: 1.4rem; } form.inline { display: inline-flex; gap: .4rem; flex-wrap: wrap; align-items: center; margin: .3rem 0; }
        section.gate { border-top: 1px solid #999; }
        @media (max-width: 800px) { .layout { grid-template-columns: 1fr; } }
        @media print { form, .noprint { display: none; } section.gate { break-before: page; } body { max-width: none; } }
        """
}

extension Double {
    /// A duration in seconds as people read it: `45 s`, `3 min 20 s`, `2 h 5 min`, `3 d 4 h`.
    public var readableDuration: String {
        guard isFinite else { return "n/a" }
        let seconds = Int(self.rounded())
        if seconds < 60 { return "\(seconds) s" }
        if seconds < 3_600 { return "\(seconds / 60) min" + (seconds % 60 == 0 ? "" : " \(seconds % 60) s") }
        if seconds < 86_400 { return "\(seconds / 3_600) h" + (seconds % 3_600 / 60 == 0 ? "" : " \(seconds % 3_600 / 60) min") }
        return "\(seconds / 86_400) d" + (seconds % 86_400 / 3_600 == 0 ? "" : " \(seconds % 86_400 / 3_600) h")
    }

    /// A share as a percentage with one decimal: `4.2 %`.
    public var percentText: String { isFinite ? String(format: "%.1f %%", self * 100) : "n/a" }
}
