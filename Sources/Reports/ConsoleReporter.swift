import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Console text for a run. Pure: every method returns the text to print, so tests can pin it.
///
/// - A progress line (`\r[12/40] running name`) only on a TTY; it is overwritten in place.
/// - One block per scenario: `PASS name (12 ms)`, `FAIL name (3 ms)` followed by each failed
///   assertion, its evidence (hop and virtual time) and a short excerpt, or `ERROR name: message`.
/// - The last line is exactly `N passed, N failed`, never coloured, so CI logs can be grepped;
///   errors count as failed there and are announced on a line of their own just before it.
///
/// Text from scenarios (names, excerpts) may carry attacker bytes, so control characters are
/// shown as visible glyphs instead of reaching the terminal.
public struct ConsoleReporter: Sendable {
    public var isTTY: Bool
    /// Effective colour: asked for *and* a TTY.
    public var colour: Bool
    /// Also list the assertions of passing scenarios.
    public var verbose: Bool
    /// Terminal width, used to keep the progress line on one line.
    public var width: Int

    public init(isTTY: Bool, colour: Bool, verbose: Bool = false, width: Int = 80) {
        self.isTTY = isTTY
        self.colour = colour && isTTY
        self.verbose = verbose
        self.width = max(20, width)
    }

    /// Settings for standard output: TTY from `isatty(1)`, colour unless `NO_COLOR` is set or `TERM=dumb`.
    public static func forStandardOutput(verbose: Bool = false) -> ConsoleReporter {
        let tty = Terminal.isTTY(1)
        return ConsoleReporter(isTTY: tty, colour: Terminal.colourWanted(isTTY: tty), verbose: verbose)
    }

    static let clearToEnd = "\u{1B}[K"

    /// `\r[12/40] running name`, or nil off a TTY (a log file should not fill with progress).
    public func progress(completed: Int, total: Int, running name: String) -> String? {
        guard isTTY else { return nil }
        let prefix = "[\(completed)/\(total)] running "
        let room = max(4, width - 1 - prefix.count)
        return "\r" + prefix + ReportFormat.truncate(TerminalText.sanitise(name), to: room) + Self.clearToEnd
    }

    /// The lines for one finished scenario, newline-terminated. On a TTY they first clear the progress line.
    public func lines(for scenario: ScenarioReport) -> String {
        let name = TerminalText.sanitise(scenario.displayName)
        var out = isTTY ? "\r" + Self.clearToEnd : ""
        switch scenario.verdict {
        case .passed:
            out += paint("PASS", .green) + " \(name) (\(ReportFormat.duration(ms: scenario.durationMs)))\n"
            if verbose {
                for a in scenario.assertions { out += "    " + paint(a.passed ? "ok" : "not ok", a.passed ? .green : .red) + " \(clean(a.text))\n" }
            }
        case .failed:
            out += paint("FAIL", .red) + " \(name) (\(ReportFormat.duration(ms: scenario.durationMs)))\n"
            if scenario.failures.isEmpty { out += "    (no assertion named the failure)\n" }
            for f in scenario.failures {
                out += "    " + paint("assertion:", .bold) + " \(clean(f.assertion))\n"
                out += "    \(clean(f.message))\n"
                if let e = f.evidence {
                    out += "    " + paint("evidence: \(clean(e.hop)) at \(clean(e.time))", .dim) + "\n"
                    for l in ReportFormat.excerptLines(e.excerpt, maxLines: 6, width: max(20, width - 8)) {
                        out += "      " + paint("| ", .dim) + TerminalText.sanitise(l) + "\n"
                    }
                }
            }
            for t in scenario.transportErrors ?? [] { out += "    " + paint("socket:", .bold) + " \(clean(t))\n" }
        case .error:
            let message = clean(scenario.error ?? "scenario error")
            out += paint("ERROR", .yellow) + " \(name): \(message)\n"
        }
        return out
    }

    /// The closing text: an errors line when there were errors, then exactly `N passed, N failed`.
    public func summary(for suite: SuiteReport) -> String {
        var out = isTTY ? "\r" + Self.clearToEnd : ""
        let errors = suite.errorCount
        if errors > 0 {
            out += paint("\(errors) \(errors == 1 ? "error" : "errors") (counted as failed)", .yellow) + "\n"
        }
        out += Self.summaryLine(passed: suite.passedCount, failed: suite.failedCount + errors) + "\n"
        return out
    }

    /// `38 passed, 2 failed`. Exact words; CI scripts match on this.
    public static func summaryLine(passed: Int, failed: Int) -> String {
        "\(passed) passed, \(failed) failed"
    }

    // One line per message text: embedded newlines would break the indentation.
    private func clean(_ text: String) -> String {
        TerminalText.sanitise(ReportFormat.normalisedNewlines(text).replacingOccurrences(of: "\n", with: " / "))
    }

    enum Style: String {
        case green = "32", red = "31", yellow = "33", bold = "1", dim = "2"
    }

    func paint(_ text: String, _ style: Style) -> String {
        colour ? "\u{1B}[\(style.rawValue)m\(text)\u{1B}[0m" : text
    }
}

/// Terminal detection, kept out of the reporter so the reporter stays pure.
public enum Terminal {
    public static func isTTY(_ fd: Int32 = 1) -> Bool {
        isatty(fd) == 1
    }

    /// Colour on a TTY unless the user opted out (https://no-color.org) or the terminal is dumb.
    public static func colourWanted(isTTY: Bool, environment: [String: String] = ProcessInfo.processInfo.environment) -> Bool {
        guard isTTY else { return false }
        if let v = environment["NO_COLOR"], !v.isEmpty { return false }
        return environment["TERM"] != "dumb"
    }
}

/// A thread-safe console for a parallel run: scenarios report as they finish, in any order, and the
/// progress line is redrawn under the finished ones. Output goes through `write` (stdout by default).
public final class ConsoleStream: @unchecked Sendable {
    public let reporter: ConsoleReporter
    private let total: Int
    private let write: @Sendable (String) -> Void
    private let lock = NSLock()
    private var completed = 0
    private var running: [String] = []

    public init(reporter: ConsoleReporter, total: Int,
                write: @escaping @Sendable (String) -> Void = { StandardStream.output.write($0) }) {
        self.reporter = reporter
        self.total = total
        self.write = write
    }

    /// Pass the scenario's `displayName`, so `finished` can take it off the progress line.
    public func started(_ name: String) {
        lock.lock(); defer { lock.unlock() }
        running.append(name)
        redrawProgress()
    }

    public func finished(_ scenario: ScenarioReport) {
        lock.lock(); defer { lock.unlock() }
        completed += 1
        if let i = running.firstIndex(of: scenario.displayName) ?? running.firstIndex(of: scenario.name) {
            running.remove(at: i)
        }
        write(reporter.lines(for: scenario))
        redrawProgress()
    }

    public func finish(_ suite: SuiteReport) {
        lock.lock(); defer { lock.unlock() }
        write(reporter.summary(for: suite))
    }

    private func redrawProgress() {
        guard let name = running.last, let line = reporter.progress(completed: completed, total: total, running: name) else { return }
        write(line)
    }
}
