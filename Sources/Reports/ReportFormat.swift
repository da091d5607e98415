import Foundation

/// Small formatting helpers shared by the writers. All are locale-free and deterministic:
/// numbers are built from integers, never through `String(format:)` or a locale.
public enum ReportFormat {
    /// NaN, infinities and negatives become 0 so no writer ever prints `nan` or a negative time.
    public static func sanitisedMs(_ ms: Double) -> Double {
        ms.isFinite && ms > 0 ? ms : 0
    }

    /// Virtual time as evidence shows it: `t=1.250s`.
    public static func virtualTime(ms: Double) -> String {
        "t=" + seconds(ms: ms) + "s"
    }

    /// Milliseconds as seconds with three decimals (`1234.4` -> `1.234`), as JUnit `time` wants.
    public static func seconds(ms: Double) -> String {
        let total = roundedMs(ms)
        let frac = String(total % 1000)
        return "\(total / 1000)." + String(repeating: "0", count: 3 - frac.count) + frac
    }

    /// Duration for people: `12 ms`, `<1 ms` for a scenario that took a fraction of a millisecond.
    public static func duration(ms: Double) -> String {
        let clean = sanitisedMs(ms)
        let rounded = roundedMs(clean)
        if rounded == 0 && clean > 0 { return "<1 ms" }
        return "\(rounded) ms"
    }

    static func roundedMs(_ ms: Double) -> Int {
        let clean = sanitisedMs(ms)
        // Clamp so the conversion to Int cannot trap on absurd inputs.
        return clean >= 1e15 ? 1_000_000_000_000_000 : Int(clean.rounded())
    }

    /// Cuts `text` to at most `max` characters, ending in `…` when cut.
    public static func truncate(_ text: String, to max: Int) -> String {
        guard max > 0 else { return "" }
        guard text.count > max else { return text }
        if max == 1 { return "…" }
        return String(text.prefix(max - 1)) + "…"
    }

    /// CRLF and lone CR become LF (SIP excerpts arrive with CRLF).
    static func normalisedNewlines(_ text: String) -> String {
        text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
    }

    /// The first `maxLines` non-empty-at-end lines of an excerpt, each cut to `width`.
    static func excerptLines(_ excerpt: String, maxLines: Int, width: Int) -> [String] {
        var lines = normalisedNewlines(excerpt).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while let last = lines.last, last.trimmingCharacters(in: .whitespaces).isEmpty { lines.removeLast() }
        var out = lines.prefix(maxLines).map { truncate($0, to: width) }
        if lines.count > maxLines { out.append("…") }
        return out
    }
}

/// Escaping for XML 1.0 text and attributes (JUnit, SVG, HTML).
public enum XMLEscape {
    /// Escapes markup characters and replaces every character XML 1.0 forbids, so the output is
    /// always well-formed whatever bytes an attacker put in a message.
    ///
    /// - C0 controls other than TAB/LF/CR become their visible Control Pictures glyph (U+2400 + code),
    ///   so an excerpt still shows *where* a NUL or ESC was. DEL becomes U+2421.
    /// - C1 controls and the non-characters U+FFFE/U+FFFF become U+FFFD.
    /// - In attributes, TAB/LF/CR are written as character references, because a parser would
    ///   otherwise normalise them to spaces.
    public static func escape(_ text: String, attribute: Bool = false) -> String {
        var out = String.UnicodeScalarView()
        out.reserveCapacity(text.unicodeScalars.count)
        func append(_ s: String) { out.append(contentsOf: s.unicodeScalars) }
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x26: append("&amp;")
            case 0x3C: append("&lt;")
            case 0x3E: append("&gt;")
            case 0x22 where attribute: append("&quot;")
            case 0x27 where attribute: append("&apos;")
            case 0x09: if attribute { append("&#9;") } else { out.append(scalar) }
            case 0x0A: if attribute { append("&#10;") } else { out.append(scalar) }
            case 0x0D: append("&#13;")
            case 0x00...0x1F: out.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: out.append(Unicode.Scalar(0x2421)!)
            case 0x80...0x9F, 0xFFFE, 0xFFFF: out.append(Unicode.Scalar(0xFFFD)!)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}

/// Making untrusted text safe to print on a terminal: an attacker-controlled header must not be able
/// to move the cursor, clear the screen or change the title through escape sequences.
enum TerminalText {
    static func sanitise(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09: out.append(" ")
            case 0x00...0x1F: out.append(Unicode.Scalar(0x2400 + scalar.value)!)
            case 0x7F: out.append(Unicode.Scalar(0x2421)!)
            case 0x80...0x9F: out.append(Unicode.Scalar(0xFFFD)!)
            default: out.append(scalar)
            }
        }
        return String(out)
    }
}
