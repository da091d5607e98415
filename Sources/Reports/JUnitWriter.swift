import Foundation

/// JUnit XML in the shape GitHub (test-reporter actions), GitLab and Jenkins all read:
/// `<testsuites>` holding one `<testsuite>`, one `<testcase>` per scenario or matrix entry, at most
/// one `<failure>` or `<error>` per testcase (the strict Jenkins/Ant schema allows no more), with
/// every failure and its evidence in the element body.
public enum JUnitWriter {
    public static let suiteName = "ims-harness"

    public static func xml(for suite: SuiteReport) -> String {
        let tests = suite.scenarios.count
        let failures = suite.failedCount
        let errors = suite.errorCount
        let time = ReportFormat.seconds(ms: suite.totalDurationMs)
        let counts = "tests=\"\(tests)\" failures=\"\(failures)\" errors=\"\(errors)\""

        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        out += "<testsuites name=\"\(suiteName)\" \(counts) time=\"\(time)\">\n"
        out += "  <testsuite name=\"\(suiteName)\" \(counts) skipped=\"0\" time=\"\(time)\">\n"
        if let seed = suite.seed {
            out += "    <properties>\n      <property name=\"seed\" value=\"\(seed)\"/>\n    </properties>\n"
        }
        for scenario in suite.scenarios {
            out += testcase(scenario)
        }
        out += "  </testsuite>\n</testsuites>\n"
        return out
    }

    public static func data(for suite: SuiteReport) -> Data {
        Data(xml(for: suite).utf8)
    }

    /// `Scenarios/identity/pai-spoof.yaml` -> `identity.pai-spoof`: tools group testcases by the
    /// dotted classname, so the folder becomes the package and the file the class.
    public static func className(forFile file: String) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        parts.removeAll { $0 == "." || $0 == ".." }
        if parts.count > 1, parts.first?.lowercased() == "scenarios" { parts.removeFirst() }
        guard var last = parts.popLast() else { return suiteName }
        for ext in [".yaml", ".yml"] where last.lowercased().hasSuffix(ext) {
            last = String(last.dropLast(ext.count))
        }
        return (parts + [last]).map { $0.replacingOccurrences(of: ".", with: "_") }.joined(separator: ".")
    }

    static func testcase(_ s: ScenarioReport) -> String {
        let attrs = "name=\"\(XMLEscape.escape(s.displayName, attribute: true))\""
            + " classname=\"\(XMLEscape.escape(className(forFile: s.file), attribute: true))\""
            + " file=\"\(XMLEscape.escape(s.file, attribute: true))\""
            + " time=\"\(ReportFormat.seconds(ms: s.durationMs))\""
        var body = ""
        switch s.verdict {
        case .passed:
            break
        case .failed:
            let first = s.failures.first
            let message: String
            if let first {
                let more = s.failures.count > 1 ? " (and \(s.failures.count - 1) more)" : ""
                message = "\(first.assertion): \(first.message)\(more)"
            } else {
                message = "scenario failed"
            }
            body += "      <failure message=\"\(XMLEscape.escape(message, attribute: true))\" type=\"AssertionFailure\">"
            let sockets = (s.transportErrors ?? []).map { "socket: \($0)\n" }.joined()
            body += XMLEscape.escape(failureText(s.failures) + sockets) + "</failure>\n"
        case .error:
            let message = s.error ?? "scenario error"
            let firstLine = ReportFormat.normalisedNewlines(message).split(separator: "\n").first.map(String.init) ?? message
            body += "      <error message=\"\(XMLEscape.escape(firstLine, attribute: true))\" type=\"ScenarioError\">"
            body += XMLEscape.escape(message) + "</error>\n"
        }
        if !s.assertions.isEmpty {
            let lines = s.assertions.map { ($0.passed ? "pass: " : "FAIL: ") + $0.text }.joined(separator: "\n")
            body += "      <system-out>" + XMLEscape.escape(lines + "\n") + "</system-out>\n"
        }
        if body.isEmpty { return "    <testcase \(attrs)/>\n" }
        return "    <testcase \(attrs)>\n" + body + "    </testcase>\n"
    }

    /// Every failure, with its evidence, as the failure element's body.
    static func failureText(_ failures: [AssertionFailure]) -> String {
        var text = ""
        for (n, f) in failures.enumerated() {
            if n > 0 { text += "\n" }
            text += "assertion: \(f.assertion)\n\(f.message)\n"
            if let e = f.evidence {
                text += "evidence: \(e.hop) at \(e.time)\n"
                for line in ReportFormat.excerptLines(e.excerpt, maxLines: 12, width: 200) {
                    text += "  | \(line)\n"
                }
            }
        }
        return text
    }
}
