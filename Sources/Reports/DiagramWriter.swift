import Foundation

/// Self-contained SVG sequence diagrams: presentation attributes only (no CSS, no external fonts,
/// images or scripts), so the file renders the same in a browser, on GitHub and in rsvg.
///
/// Layout, top to bottom: header (name, file, verdict badge), trust-domain bands behind the actor
/// columns, one row per message in time order (label above the arrow, identity headers below),
/// then a footer with failed assertions (numbered to match the red markers), the other assertions,
/// any error, and a legend.
public enum DiagramWriter {
    // Geometry. Text widths are estimated from the font size, which is exact enough for monospace.
    static let gutter = 96          // time labels and failure markers
    static let columnWidth = 210
    static let rightMargin = 80     // room for a self-message loop on the last column
    static let minWidth = 760
    static let headerHeight = 64
    static let bandTop = 74
    static let actorTop = 96
    static let actorHeight = 42
    static let firstRow = 160
    static let lineHeight = 13
    static let labelFont = 12.0
    static let detailFont = 10.5
    static let monoCharWidth = 0.6  // em
    static let sansCharWidth = 0.58

    static let sans = "Helvetica, Arial, DejaVu Sans, sans-serif"
    static let mono = "Menlo, Consolas, DejaVu Sans Mono, monospace"
    static let ink = "#37474f"
    static let muted = "#78909c"
    static let red = "#c62828"
    static let green = "#2e7d32"
    static let orange = "#e65100"
    static let bandColours = ["#e3f2fd", "#e8f5e9", "#fff8e1", "#f3e5f5", "#e0f7fa", "#fbe9e7"]
    static let bandInk = ["#1565c0", "#2e7d32", "#f57f17", "#6a1b9a", "#00838f", "#bf360c"]

    // MARK: Columns

    /// The diagram's columns: the declared actors, then any name a message uses that was not
    /// declared (role `?`), in order of first use, so no arrow ever points nowhere.
    public static func columns(for scenario: ScenarioReport) -> [ActorColumn] {
        var columns: [ActorColumn] = []
        var seen = Set<String>()
        for actor in scenario.actors where seen.insert(actor.name).inserted {
            columns.append(actor)
        }
        for message in scenario.messages {
            for name in [message.from, message.to] where seen.insert(name).inserted {
                columns.append(ActorColumn(name: name, role: "?", domain: nil))
            }
        }
        return columns
    }

    /// Which failure (0-based) a message is the evidence of: same hop and same virtual time.
    static func failureIndex(for message: DiagramMessage, in failures: [AssertionFailure]) -> Int? {
        let time = ReportFormat.virtualTime(ms: message.timeMs)
        let hop = normalisedHop(message.hop)
        return failures.firstIndex { f in
            guard let e = f.evidence else { return false }
            return e.time == time && normalisedHop(e.hop) == hop
        }
    }

    static func normalisedHop(_ hop: String) -> String {
        hop.split(whereSeparator: { $0 == " " }).joined(separator: " ")
    }

    // MARK: SVG

    public static func svg(for scenario: ScenarioReport) -> String {
        let columns = columns(for: scenario)
        let width = max(minWidth, gutter + columns.count * columnWidth + rightMargin)
        var index: [String: Int] = [:]
        for (i, c) in columns.enumerated() { index[c.name] = i }
        func x(_ name: String) -> Int { gutter + (index[name] ?? 0) * columnWidth + columnWidth / 2 }

        var body = ""      // everything drawn after the bands and lifelines
        var y = columns.isEmpty ? headerHeight + 36 : firstRow

        // Messages.
        if scenario.messages.isEmpty {
            body += text("(no messages)", x: gutter, y: y + 4, size: 12, fill: muted, style: "italic")
            y += 30
        }
        for message in scenario.messages {
            let isSelf = message.from == message.to
            let x1 = x(message.from), x2 = x(message.to)
            let colour = message.attacker ? red : ink
            // Text may overhang the arrow by a few columns' worth (a row holds one message, so nothing
            // else competes for the space) but stays inside the drawing.
            let span: Int
            if isSelf {
                span = min(columnWidth * 3 / 2, width - (x1 + 42) - 8)
            } else {
                let mid = (x1 + x2) / 2
                span = min(max(abs(x2 - x1), columnWidth) + columnWidth * 2 / 3, 2 * min(mid - gutter, width - mid) - 8) - 16
            }
            let labelChars = chars(span, size: labelFont, per: monoCharWidth)
            let detailChars = chars(span, size: detailFont, per: monoCharWidth)
            let details = packed(message.details, width: detailChars, maxLines: 3)
            let note = message.note.map { ReportFormat.truncate($0, to: detailChars) }
            let extraLines = details.count + (note == nil ? 0 : 1)
            let arrowY = y + 21
            let rowHeight = 21 + 12 + extraLines * lineHeight + (isSelf ? 10 : 0)
            let marker = failureIndex(for: message, in: scenario.failures)
            let isFailed = message.failed || marker != nil

            var g = "<g class=\"msg\" data-index=\"\(message.index)\">"
            if isFailed {
                // Translucent so the lifelines and bands still show through the highlighted row.
                g += "<rect x=\"\(gutter - 28)\" y=\"\(y)\" width=\"\(width - gutter + 20)\" height=\"\(rowHeight)\" fill=\"#e57373\" fill-opacity=\"0.22\"/>"
                let label = marker.map { String($0 + 1) } ?? "!"
                g += "<circle cx=\"\(gutter - 14)\" cy=\"\(arrowY)\" r=\"9\" fill=\"\(red)\"/>"
                g += text(label, x: gutter - 14, y: arrowY + 4, size: 11, fill: "#ffffff", anchor: "middle", weight: "bold")
            }
            g += text(ReportFormat.virtualTime(ms: message.timeMs), x: 6, y: arrowY + 4, size: 10, fill: muted, family: mono)

            let dash = message.attacker ? " stroke-dasharray=\"6 4\"" : ""
            let strokeWidth = message.attacker || isFailed ? "2" : "1.4"
            let textX: Int, anchor: String
            if isSelf {
                let loopRight = x1 + 36, loopBottom = arrowY + 18
                g += "<path d=\"M \(x1) \(arrowY) H \(loopRight) V \(loopBottom) H \(x1 + 8)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(strokeWidth)\"\(dash)/>"
                g += message.dropped ? cross(x: x1 + 8, y: loopBottom, colour: colour) : head(tipX: x1, y: loopBottom, direction: -1, colour: colour)
                textX = loopRight + 6
                anchor = "start"
            } else {
                let direction = x2 > x1 ? 1 : -1
                if message.dropped {
                    // A dropped message stops three quarters of the way and ends in an X.
                    let end = x1 + (x2 - x1) * 3 / 4
                    g += line(x1, arrowY, end, arrowY, colour: colour, width: strokeWidth, dash: dash)
                    g += cross(x: end, y: arrowY, colour: colour)
                } else {
                    let tip = x2 - direction * 2
                    g += line(x1, arrowY, tip - direction * 8, arrowY, colour: colour, width: strokeWidth, dash: dash)
                    g += head(tipX: tip, y: arrowY, direction: direction, colour: colour)
                }
                textX = (x1 + x2) / 2
                anchor = "middle"
            }
            // Beside a self-loop the text starts level with the loop; otherwise the label sits on the arrow.
            let labelY = isSelf ? arrowY + 5 : arrowY - 8  // clear of the arrowhead
            g += text(ReportFormat.truncate(message.label, to: labelChars), x: textX, y: labelY, size: labelFont,
                      fill: message.attacker ? red : "#263238", anchor: anchor, weight: "bold", family: mono, halo: true)
            var lineY = isSelf ? labelY + lineHeight + 1 : arrowY + 14
            for detail in details {
                g += text(detail, x: textX, y: lineY, size: detailFont, fill: "#455a64", anchor: anchor, family: mono, halo: true)
                lineY += lineHeight
            }
            if let note {
                g += text(note, x: textX, y: lineY, size: detailFont, fill: message.attacker ? red : muted,
                          anchor: anchor, style: "italic", family: mono, halo: true)
            }
            g += "</g>\n"
            body += g
            y += rowHeight + 8
        }
        let lifelineEnd = y + 4

        // Footer.
        var footer = ""
        var fy = lifelineEnd + 30
        let footerChars = chars(width - 60, size: 12, per: sansCharWidth)
        func footerLine(_ s: String, x: Int = 40, size: Double = 12, fill: String = ink, weight: String? = nil, family: String = sans) {
            footer += text(s, x: x, y: fy, size: size, fill: fill, weight: weight, family: family)
            fy += Int(size) + 6
        }
        if let error = scenario.error {
            footerLine("Error", x: 16, size: 13, fill: orange, weight: "bold")
            for l in wrap(error, width: footerChars, maxLines: 4) { footerLine(l, fill: orange) }
            fy += 6
        }
        let failedTexts = Set(scenario.failures.map(\.assertion))
        let unlistedFailed = scenario.assertions.filter { !$0.passed && !failedTexts.contains($0.text) }
        let passed = scenario.assertions.filter(\.passed)
        if !scenario.failures.isEmpty || !scenario.assertions.isEmpty {
            footerLine("Assertions", x: 16, size: 13, weight: "bold")
        }
        for (i, failure) in scenario.failures.enumerated() {
            footer += "<circle cx=\"26\" cy=\"\(fy - 4)\" r=\"9\" fill=\"\(red)\"/>"
            footer += text(String(i + 1), x: 26, y: fy, size: 11, fill: "#ffffff", anchor: "middle", weight: "bold")
            for l in wrap(failure.assertion, width: footerChars, maxLines: 3) { footerLine(l, fill: red, weight: "bold") }
            for l in wrap(failure.message, width: footerChars, maxLines: 3) { footerLine(l) }
            if let e = failure.evidence {
                footerLine(ReportFormat.truncate("evidence: \(e.hop) at \(e.time)", to: footerChars), size: 11, fill: muted, family: mono)
            }
            fy += 6
        }
        for outcome in unlistedFailed {
            footerLine(ReportFormat.truncate("✗ " + outcome.text, to: footerChars), x: 20, fill: red)
        }
        for outcome in passed {
            footerLine(ReportFormat.truncate("✓ " + outcome.text, to: footerChars), x: 20, fill: green)
        }

        // Legend.
        fy += 10
        let ly = fy
        footer += line(16, ly, 56, ly, colour: ink, width: "1.4", dash: "") + head(tipX: 62, y: ly, direction: 1, colour: ink)
        footer += text("message", x: 70, y: ly + 4, size: 11, fill: muted)
        footer += line(140, ly, 180, ly, colour: red, width: "2", dash: " stroke-dasharray=\"6 4\"") + head(tipX: 186, y: ly, direction: 1, colour: red)
        footer += text("attacker changed / injected", x: 194, y: ly + 4, size: 11, fill: muted)
        footer += line(370, ly, 400, ly, colour: ink, width: "1.4", dash: "") + cross(x: 400, y: ly, colour: ink)
        footer += text("dropped", x: 412, y: ly + 4, size: 11, fill: muted)
        footer += "<circle cx=\"480\" cy=\"\(ly)\" r=\"7\" fill=\"\(red)\"/>"
        footer += text("evidence of a failed assertion", x: 494, y: ly + 4, size: 11, fill: muted)
        fy += 20
        let height = fy

        // Assemble: background, header, bands, actors, lifelines, then rows and footer on top.
        var svg = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"\(sans)\">\n"
        svg += "<title>\(XMLEscape.escape(scenario.displayName + " — " + scenario.verdict.rawValue))</title>\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(height)\" fill=\"#ffffff\"/>\n"
        svg += header(scenario, width: width)
        svg += bands(columns, bottom: lifelineEnd)
        for (i, column) in columns.enumerated() {
            svg += actorBox(column, centre: gutter + i * columnWidth + columnWidth / 2, lifelineEnd: lifelineEnd)
        }
        svg += body
        svg += footer
        svg += "</svg>\n"
        return svg
    }

    static func header(_ s: ScenarioReport, width: Int) -> String {
        let (verdictText, verdictColour): (String, String) = switch s.verdict {
        case .passed: ("PASSED", green)
        case .failed: ("FAILED", red)
        case .error: ("ERROR", orange)
        }
        let badgeWidth = 84
        var out = "<rect x=\"0\" y=\"0\" width=\"\(width)\" height=\"\(headerHeight)\" fill=\"#eceff1\"/>\n"
        let titleChars = chars(width - badgeWidth - 48, size: 17, per: 0.62)
        out += text(ReportFormat.truncate(s.displayName, to: titleChars), x: 16, y: 28, size: 17, fill: "#263238", weight: "bold")
        var sub = s.file
        sub += (sub.isEmpty ? "" : "  ·  ") + ReportFormat.duration(ms: s.durationMs)
        if !s.tags.isEmpty { sub += "  ·  " + s.tags.joined(separator: ", ") }
        out += text(ReportFormat.truncate(sub, to: chars(width - badgeWidth - 48, size: 11.5, per: sansCharWidth)),
                    x: 16, y: 50, size: 11.5, fill: muted)
        out += "<rect x=\"\(width - badgeWidth - 16)\" y=\"18\" width=\"\(badgeWidth)\" height=\"28\" rx=\"5\" fill=\"\(verdictColour)\"/>"
        out += text(verdictText, x: width - badgeWidth / 2 - 16, y: 37, size: 13, fill: "#ffffff", anchor: "middle", weight: "bold")
        return out + "\n"
    }

    /// One shaded band per run of adjacent columns in the same trust domain; the same domain keeps
    /// its colour if its actors are split across runs.
    static func bands(_ columns: [ActorColumn], bottom: Int) -> String {
        var colourOf: [String: Int] = [:]
        var out = ""
        var i = 0
        while i < columns.count {
            guard let domain = columns[i].domain, !domain.isEmpty else { i += 1; continue }
            var j = i
            while j + 1 < columns.count, columns[j + 1].domain == domain { j += 1 }
            let c = colourOf[domain] ?? colourOf.count % bandColours.count
            colourOf[domain] = c
            let x0 = gutter + i * columnWidth + 4
            let w = (j - i + 1) * columnWidth - 8
            out += "<rect x=\"\(x0)\" y=\"\(bandTop)\" width=\"\(w)\" height=\"\(bottom - bandTop)\" rx=\"6\" fill=\"\(bandColours[c])\"/>"
            out += text(ReportFormat.truncate("trust domain: " + domain, to: chars(w - 12, size: 11, per: sansCharWidth)),
                        x: x0 + 8, y: bandTop + 14, size: 11, fill: bandInk[c], weight: "bold")
            out += "\n"
            i = j + 1
        }
        return out
    }

    static func actorBox(_ actor: ActorColumn, centre: Int, lifelineEnd: Int) -> String {
        let unknown = actor.role == "?"
        let isAttacker = actor.role.lowercased() == "attacker"
        let boxWidth = columnWidth - 28
        let stroke = isAttacker ? red : (unknown ? muted : "#455a64")
        let fill = isAttacker ? "#ffebee" : "#ffffff"
        let dash = unknown ? " stroke-dasharray=\"4 3\"" : ""
        var out = "<line x1=\"\(centre)\" y1=\"\(actorTop + actorHeight)\" x2=\"\(centre)\" y2=\"\(lifelineEnd)\" stroke=\"#b0bec5\" stroke-width=\"1\" stroke-dasharray=\"4 4\"/>"
        out += "<rect x=\"\(centre - boxWidth / 2)\" y=\"\(actorTop)\" width=\"\(boxWidth)\" height=\"\(actorHeight)\" rx=\"5\" fill=\"\(fill)\" stroke=\"\(stroke)\" stroke-width=\"1.4\"\(dash)/>"
        out += text(ReportFormat.truncate(actor.name, to: chars(boxWidth - 12, size: 13, per: 0.62)),
                    x: centre, y: actorTop + 18, size: 13, fill: isAttacker ? red : "#263238", anchor: "middle", weight: "bold")
        var role = unknown ? "not declared" : actor.role
        if let domain = actor.domain, !domain.isEmpty { role += " · " + domain }
        out += text(ReportFormat.truncate(role, to: chars(boxWidth - 12, size: 10.5, per: sansCharWidth)),
                    x: centre, y: actorTop + 34, size: 10.5, fill: muted, anchor: "middle")
        return out + "\n"
    }

    // MARK: Primitives

    static func text(_ s: String, x: Int, y: Int, size: Double, fill: String, anchor: String = "start",
                     weight: String? = nil, style: String? = nil, family: String? = nil, halo: Bool = false) -> String {
        var attrs = "x=\"\(x)\" y=\"\(y)\" font-size=\"\(size)\" fill=\"\(fill)\""
        if anchor != "start" { attrs += " text-anchor=\"\(anchor)\"" }
        if let weight { attrs += " font-weight=\"\(weight)\"" }
        if let style { attrs += " font-style=\"\(style)\"" }
        if let family { attrs += " font-family=\"\(family)\"" }
        // A white outline under the glyphs keeps labels readable where they cross lifelines.
        if halo { attrs += " stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" paint-order=\"stroke\"" }
        // xml:space keeps the padding spaces between packed details.
        return "<text \(attrs) xml:space=\"preserve\">\(XMLEscape.escape(s))</text>"
    }

    static func line(_ x1: Int, _ y1: Int, _ x2: Int, _ y2: Int, colour: String, width: String, dash: String) -> String {
        "<line x1=\"\(x1)\" y1=\"\(y1)\" x2=\"\(x2)\" y2=\"\(y2)\" stroke=\"\(colour)\" stroke-width=\"\(width)\"\(dash)/>"
    }

    /// A filled arrowhead whose tip is at `tipX`, pointing right (1) or left (-1).
    static func head(tipX: Int, y: Int, direction: Int, colour: String) -> String {
        let back = tipX - direction * 10
        return "<polygon points=\"\(tipX),\(y) \(back),\(y - 5) \(back),\(y + 5)\" fill=\"\(colour)\"/>"
    }

    static func cross(x: Int, y: Int, colour: String) -> String {
        "<path d=\"M \(x - 6) \(y - 6) L \(x + 6) \(y + 6) M \(x - 6) \(y + 6) L \(x + 6) \(y - 6)\" stroke=\"\(colour)\" stroke-width=\"2.4\"/>"
    }

    static func chars(_ pixels: Int, size: Double, per: Double) -> Int {
        max(4, Int(Double(pixels) / (size * per)))
    }

    /// Packs short items onto shared lines (`a  ·  b`), long ones alone and cut; at most `maxLines`.
    static func packed(_ items: [String], width: Int, maxLines: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for raw in items {
            let item = ReportFormat.normalisedNewlines(raw).replacingOccurrences(of: "\n", with: " ")
            if current.isEmpty {
                current = item
            } else if current.count + 5 + item.count <= width {
                current += "  ·  " + item
            } else {
                lines.append(current)
                current = item
            }
        }
        if !current.isEmpty { lines.append(current) }
        var out = lines.prefix(maxLines).map { ReportFormat.truncate($0, to: width) }
        if lines.count > maxLines, let last = out.popLast() {
            out.append(last.hasSuffix("…") ? last : ReportFormat.truncate(last + " …", to: width))
        }
        return out
    }

    /// Word wrap to `width` characters, at most `maxLines` lines (the last one cut with `…`).
    static func wrap(_ text: String, width: Int, maxLines: Int) -> [String] {
        var lines: [String] = []
        for paragraph in ReportFormat.normalisedNewlines(text).split(separator: "\n", omittingEmptySubsequences: true) {
            var current = ""
            for word in paragraph.split(separator: " ", omittingEmptySubsequences: true) {
                var w = String(word)
                while w.count > width {  // a word longer than a line is cut into pieces
                    if !current.isEmpty { lines.append(current); current = "" }
                    lines.append(String(w.prefix(width)))
                    w = String(w.dropFirst(width))
                }
                if current.isEmpty { current = w }
                else if current.count + 1 + w.count <= width { current += " " + w }
                else { lines.append(current); current = w }
            }
            if !current.isEmpty { lines.append(current) }
        }
        guard lines.count > maxLines else { return lines }
        var out = Array(lines.prefix(maxLines))
        out[maxLines - 1] = ReportFormat.truncate(out[maxLines - 1] + " …", to: width)
        return out
    }
}
