import Foundation
import Testing
@testable import Reports
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite struct JUnitWriterTests {
    let xml = JUnitWriter.xml(for: Fixtures.suite)

    @Test func wellFormedWithOneTestcasePerScenario() throws {
        let doc = try #require(Fixtures.parseXML(xml), "JUnit output is not well-formed XML")
        #expect(doc.elements.first?.name == "testsuites")
        let suites = doc.all("testsuite")
        #expect(suites.count == 1)
        let suite = try #require(suites.first)
        #expect(suite["tests"] == "3")
        #expect(suite["failures"] == "1")
        #expect(suite["errors"] == "1")
        #expect(suite["time"] == "0.016")  // 12.2 + 3.4 + 0.2 ms
        #expect(doc.all("property").first?["value"] == "42")

        let cases = doc.all("testcase")
        #expect(cases.count == 3)
        #expect(cases.map { $0["name"] } == [
            "UE spoofs PAI [strip_untrusted_pai=true]",
            "UE spoofs PAI [strip_untrusted_pai=false]",
            "Broken network",
        ])
        #expect(cases[1]["classname"] == "identity.ue-spoofed-pai")
        #expect(cases[1]["file"] == "Scenarios/identity/ue-spoofed-pai.yaml")
        #expect(cases[0]["time"] == "0.012")
        #expect(cases[1]["time"] == "0.003")
    }

    @Test func failureCarriesMessageAndEvidence() throws {
        let doc = try #require(Fixtures.parseXML(xml))
        let failures = doc.all("failure")
        #expect(failures.count == 1)
        #expect(failures.first?["type"] == "AssertionFailure")
        #expect(failures.first?["message"]
            == "never header P-Asserted-Identity at scscf-a equals sip:bob@b.example: UE-supplied PAI reached scscf-a")
        let body = try #require(doc.text["failure"])
        #expect(body.contains("evidence: pcscf-a -> scscf-a at t=0.120s"))
        #expect(body.contains("  | P-Asserted-Identity: <sip:bob@b.example>"))
        // Hostile bytes from the message arrive as visible glyphs, not as raw controls.
        #expect(body.contains("X-Evil: a\u{241B}[2Jb\u{2400}c\u{240B}d & more"))
        #expect(!body.contains("\r"))

        let errors = doc.all("error")
        #expect(errors.count == 1)
        #expect(errors.first?["message"] == "unknown actor 'pcscf-z' in link")
        #expect(doc.text["error"] == "unknown actor 'pcscf-z' in link\nsecond line")
        #expect(doc.text["system-out"]?.contains("FAIL: never header P-Asserted-Identity") == true)
    }

    @Test func moreThanOneFailureStaysInOneElement() throws {
        var s = Fixtures.failed
        s.failures.append(AssertionFailure(assertion: "call not established", message: "200 OK reached alice"))
        let doc = try #require(Fixtures.parseXML(JUnitWriter.xml(for: SuiteReport(scenarios: [s]))))
        #expect(doc.all("failure").count == 1)
        #expect(doc.all("failure").first?["message"]?.hasSuffix("(and 1 more)") == true)
        #expect(doc.text["failure"]?.contains("assertion: call not established\n200 OK reached alice") == true)
    }

    /// A live run's socket trouble is in the failure body, after the assertions, and only in
    /// reports that have some (the JSON leaves the key out otherwise).
    @Test func socketErrorsFollowTheFailures() throws {
        var s = Fixtures.failed
        s.transportErrors = ["t=0.006s caller -> pcscf: error: connect to tls:127.0.0.1:5061 failed: Connection refused"]
        let doc = try #require(Fixtures.parseXML(JUnitWriter.xml(for: SuiteReport(scenarios: [s]))))
        #expect(doc.text["failure"]?.hasSuffix("socket: t=0.006s caller -> pcscf: error: connect to tls:127.0.0.1:5061 failed: Connection refused\n") == true)
        let plain = try JSONReportWriter.data(for: SuiteReport(scenarios: [Fixtures.failed]))
        #expect(!String(decoding: plain, as: UTF8.self).contains("transportErrors"))
        let withErrors = try JSONReportWriter.data(for: SuiteReport(scenarios: [s]))
        #expect(String(decoding: withErrors, as: UTF8.self).contains("\"transportErrors\""))
    }

    @Test func illegalCharactersNeverReachTheOutput() throws {
        let hostile = "a\u{0}b\u{1}\u{8}\u{B}\u{C}\u{1F}\u{7F}\u{85}\u{FFFE}\u{FFFF}c<&>\"'"
        var s = Fixtures.failed
        s.name = hostile
        s.matrixLabel = nil
        s.failures = [AssertionFailure(assertion: hostile, message: hostile,
                                       evidence: Evidence(time: "t=0s", hop: hostile, excerpt: hostile))]
        let out = JUnitWriter.xml(for: SuiteReport(scenarios: [s]))
        let forbidden = out.unicodeScalars.filter { v in
            let c = v.value
            return (c < 0x20 && c != 0x09 && c != 0x0A && c != 0x0D) || (0x7F...0x9F).contains(c) || c == 0xFFFE || c == 0xFFFF
        }
        #expect(forbidden.isEmpty)
        let doc = try #require(Fixtures.parseXML(out))
        #expect(doc.all("testcase").first?["name"] == "a\u{2400}b\u{2401}\u{2408}\u{240B}\u{240C}\u{241F}\u{2421}\u{FFFD}\u{FFFD}\u{FFFD}c<&>\"'")
    }

    @Test func escapeRules() {
        #expect(XMLEscape.escape("<a href=\"x\">&'</a>") == "&lt;a href=\"x\"&gt;&amp;'&lt;/a&gt;")
        #expect(XMLEscape.escape("\"'\t\n\r", attribute: true) == "&quot;&apos;&#9;&#10;&#13;")
        #expect(XMLEscape.escape("line\nnext\ttab") == "line\nnext\ttab")
        #expect(XMLEscape.escape("é → ✓") == "é → ✓")
    }

    @Test func attributeWhitespaceSurvivesParsing() throws {
        var s = Fixtures.errored
        s.name = "two\nlines\tand tab"
        let doc = try #require(Fixtures.parseXML(JUnitWriter.xml(for: SuiteReport(scenarios: [s]))))
        #expect(doc.all("testcase").first?["name"] == "two\nlines\tand tab")
    }

    @Test func passedTestcaseWithoutAssertionsIsEmpty() {
        let s = ScenarioReport(name: "ok", file: "a/b.yml", verdict: .passed, durationMs: 1500)
        let out = JUnitWriter.xml(for: SuiteReport(scenarios: [s]))
        #expect(out.contains("    <testcase name=\"ok\" classname=\"a.b\" file=\"a/b.yml\" time=\"1.500\"/>\n"))
        #expect(!out.contains("<properties>"))
    }

    @Test func classNames() {
        #expect(JUnitWriter.className(forFile: "Scenarios/dc/offer.v2.yaml") == "dc.offer_v2")
        #expect(JUnitWriter.className(forFile: "./x.yaml") == "x")
        #expect(JUnitWriter.className(forFile: "") == "ims-harness")
        #expect(JUnitWriter.className(forFile: "/abs/Scenarios/sba/token.YML") == "abs.Scenarios.sba.token")
    }

    @Test func timesAreLocaleFreeAndSane() {
        #expect(ReportFormat.seconds(ms: 0) == "0.000")
        #expect(ReportFormat.seconds(ms: 1234.5) == "1.235")
        #expect(ReportFormat.seconds(ms: 61_000) == "61.000")
        #expect(ReportFormat.seconds(ms: .nan) == "0.000")
        #expect(ReportFormat.seconds(ms: -5) == "0.000")
        #expect(ReportFormat.seconds(ms: .infinity) == "0.000")
        #expect(ReportFormat.virtualTime(ms: 1250) == "t=1.250s")
        #expect(ReportFormat.duration(ms: 12.4) == "12 ms")
        #expect(ReportFormat.duration(ms: 0.3) == "<1 ms")
        #expect(ReportFormat.duration(ms: 0) == "0 ms")
    }

    #if canImport(FoundationXML) || os(macOS)
    @Test func xmlDocumentAcceptsIt() throws {
        let doc = try XMLDocument(xmlString: xml, options: [])
        #expect(try doc.nodes(forXPath: "/testsuites/testsuite/testcase").count == 3)
        #expect(try doc.nodes(forXPath: "//testcase/failure").count == 1)
        #expect(try doc.nodes(forXPath: "//testcase/error").count == 1)
    }
    #endif
}
