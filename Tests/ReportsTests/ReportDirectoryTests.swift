import Foundation
import Testing
@testable import Reports

@Suite struct ReportDirectoryTests {
    static func tempDir() -> URL {
        FileManager.default.temporaryDirectory
            .appendingPathComponent("reports-tests-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    }

    @Test func fileNamesAreSlugsAndDistinct() {
        let names = DiagramWriter.fileNames(for: Fixtures.suite)
        #expect(names == [
            "ue-spoofs-pai-strip-untrusted-pai-true.svg",
            "ue-spoofs-pai-strip-untrusted-pai-false.svg",
            "broken-network.svg",
        ])
    }

    @Test func collisionsGetAStableHashWhateverTheOrder() {
        let a = ScenarioReport(name: "PAI: spoof!", file: "a.yaml", verdict: .passed, durationMs: 1)
        let b = ScenarioReport(name: "pai spoof", file: "b.yaml", verdict: .passed, durationMs: 1)
        let c = ScenarioReport(name: "Other", file: "c.yaml", verdict: .passed, durationMs: 1)
        let forward = DiagramWriter.fileNames(for: SuiteReport(scenarios: [a, b, c]))
        let backward = DiagramWriter.fileNames(for: SuiteReport(scenarios: [c, b, a]))
        #expect(Set(forward).count == 3)
        #expect(forward[0].hasPrefix("pai-spoof-") && forward[0].count == "pai-spoof-".count + 8 + 4)
        #expect(forward[0] != forward[1])
        #expect(forward[2] == "other.svg")
        #expect(forward == [backward[2], backward[1], backward[0]])
        // True duplicates still get distinct names.
        let dup = DiagramWriter.fileNames(for: SuiteReport(scenarios: [a, a, a]))
        #expect(Set(dup).count == 3)
        #expect(dup[1] == dup[0].replacingOccurrences(of: ".svg", with: "-2.svg"))
    }

    @Test func slugs() {
        #expect(DiagramWriter.slug("  Ünïcode → ✓ ") == "n-code")
        #expect(DiagramWriter.slug("✓✓✓") == "scenario")
        #expect(DiagramWriter.slug("../../etc/passwd") == "etc-passwd")
        #expect(DiagramWriter.slug(String(repeating: "ab-", count: 100)).count <= 80)
        #expect(DiagramWriter.fnv1a("") == "811c9dc5")
        #expect(DiagramWriter.fnv1a("a") == "e40c292c")
    }

    @Test func writesOneSVGPerScenarioAndAnIndex() throws {
        let dir = Self.tempDir().appendingPathComponent("nested/diagrams")
        defer { try? FileManager.default.removeItem(at: dir.deletingLastPathComponent().deletingLastPathComponent()) }
        try DiagramWriter.writeDirectory(suite: Fixtures.suite, to: dir)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        let names = DiagramWriter.fileNames(for: Fixtures.suite)
        #expect(files == (names + ["index.html"]).sorted())
        for (name, scenario) in zip(names, Fixtures.suite.scenarios) {
            let text = try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            #expect(text == DiagramWriter.svg(for: scenario))
        }
        let html = try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8)
        for name in names { #expect(html.contains("<a href=\"\(name)\">")) }
        // Writing again replaces the files with the same content.
        try DiagramWriter.writeDirectory(suite: Fixtures.suite, to: dir)
        #expect(try String(contentsOf: dir.appendingPathComponent("index.html"), encoding: .utf8) == html)
        // A rendering aid: REPORTS_EXAMPLE_DIR=/some/dir keeps a copy to open in a browser.
        if let keep = ProcessInfo.processInfo.environment["REPORTS_EXAMPLE_DIR"] {
            try DiagramWriter.writeDirectory(suite: Fixtures.suite, to: URL(fileURLWithPath: keep))
        }
    }

    @Test func aFileInTheWayIsAClearError() throws {
        let file = Self.tempDir()
        try Data("x".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: ReportWriteError(path: file.path, reason: "exists and is not a directory")) {
            try DiagramWriter.writeDirectory(suite: Fixtures.suite, to: file)
        }
    }

    @Test func indexListsEveryScenario() {
        let names = DiagramWriter.fileNames(for: Fixtures.suite)
        let html = HTMLIndexWriter.html(for: Fixtures.suite, diagramFileNames: names)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.components(separatedBy: "<tr class=").count - 1 == 3)
        #expect(html.contains("<tr class=\"failed\"><td><span class=\"badge failed\">FAILED</span></td>"))
        #expect(html.contains("<p class=\"summary\">1 passed, 2 failed (1 with errors) · 3 scenarios · seed 42</p>"))
        #expect(html.contains("<td class=\"num\">12 ms</td>"))
        #expect(html.contains("<span class=\"tag\">ki1</span><span class=\"tag\">identity</span>"))
        #expect(html.contains("<div class=\"evidence\">pcscf-a -&gt; scscf-a at t=0.120s</div>"))
        #expect(html.contains("UE-supplied PAI reached scscf-a"))
        #expect(!html.contains("http://") && !html.contains("https://") && !html.contains("<script"))
        // Hostile names are escaped.
        var s = Fixtures.errored
        s.name = "<img src=x onerror=alert(1)>"
        let hostile = HTMLIndexWriter.html(for: SuiteReport(scenarios: [s]), diagramFileNames: [])
        #expect(!hostile.contains("<img"))
        #expect(hostile.contains("&lt;img src=x onerror=alert(1)&gt;"))
    }
}
