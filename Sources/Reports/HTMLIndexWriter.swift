import Foundation

/// The HTML index of a diagram directory: one table row per scenario with verdict, duration, tags,
/// a failure summary and a relative link to its SVG. Inline CSS, no scripts, no external resources.
public enum HTMLIndexWriter {
    /// `diagramFileNames` is parallel to `suite.scenarios` (see `DiagramWriter.fileNames(for:)`);
    /// a missing entry leaves that row without a link.
    public static func html(for suite: SuiteReport, diagramFileNames: [String]) -> String {
        func esc(_ s: String) -> String { XMLEscape.escape(s, attribute: true) }
        let failedTotal = suite.failedCount + suite.errorCount
        var out = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>ims-harness report</title>
        <style>
        body { font: 14px/1.45 -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px; color: #263238; }
        h1 { font-size: 20px; margin: 0 0 4px; }
        .summary { margin: 0 0 16px; color: #455a64; }
        table { border-collapse: collapse; width: 100%; }
        th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid #eceff1; }
        th { background: #eceff1; font-weight: 600; }
        tr.failed td, tr.error td { background: #fff5f5; }
        .badge { display: inline-block; min-width: 56px; text-align: center; padding: 1px 6px; border-radius: 4px;
                 color: #fff; font-size: 12px; font-weight: 700; }
        .badge.passed { background: #2e7d32; } .badge.failed { background: #c62828; } .badge.error { background: #e65100; }
        .tag { display: inline-block; background: #e3f2fd; color: #1565c0; border-radius: 3px; padding: 0 5px;
               margin: 0 3px 2px 0; font-size: 12px; }
        .num { text-align: right; white-space: nowrap; }
        .file, .evidence { font-family: Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 12px; color: #607d8b; }
        .assertion { font-weight: 600; color: #b71c1c; }
        .desc { color: #607d8b; font-size: 12px; }
        </style>
        </head>
        <body>
        <h1>ims-harness report</h1>

        """
        out += "<p class=\"summary\">\(suite.passedCount) passed, \(failedTotal) failed"
        if suite.errorCount > 0 { out += " (\(suite.errorCount) with errors)" }
        out += " · \(suite.scenarios.count) scenarios"
        if let seed = suite.seed { out += " · seed \(seed)" }
        out += "</p>\n"
        out += "<table>\n<thead><tr><th>Verdict</th><th>Scenario</th><th class=\"num\">Duration</th><th>Tags</th><th>Failures</th></tr></thead>\n<tbody>\n"
        for (i, s) in suite.scenarios.enumerated() {
            let verdict = s.verdict.rawValue
            out += "<tr class=\"\(verdict)\">"
            out += "<td><span class=\"badge \(verdict)\">\(verdict.uppercased())</span></td>"
            out += "<td>"
            if i < diagramFileNames.count {
                out += "<a href=\"\(esc(diagramFileNames[i]))\">\(esc(s.displayName))</a>"
            } else {
                out += esc(s.displayName)
            }
            out += "<div class=\"file\">\(esc(s.file))</div>"
            if !s.description.isEmpty { out += "<div class=\"desc\">\(esc(s.description))</div>" }
            out += "</td>"
            out += "<td class=\"num\">\(esc(ReportFormat.duration(ms: s.durationMs)))</td>"
            out += "<td>" + s.tags.map { "<span class=\"tag\">\(esc($0))</span>" }.joined() + "</td>"
            out += "<td>"
            if let error = s.error {
                out += "<div class=\"assertion\">error</div><div>\(esc(error))</div>"
            }
            for f in s.failures {
                out += "<div class=\"assertion\">\(esc(f.assertion))</div><div>\(esc(f.message))</div>"
                if let e = f.evidence {
                    out += "<div class=\"evidence\">\(esc(e.hop)) at \(esc(e.time))</div>"
                }
            }
            out += "</td></tr>\n"
        }
        out += "</tbody>\n</table>\n</body>\n</html>\n"
        return out
    }
}
