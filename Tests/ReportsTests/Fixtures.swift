import Foundation
@testable import Reports
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Shared sample results. Built inline so every test reads the same, known values.
enum Fixtures {
    static let actors = [
        ActorColumn(name: "alice", role: "ue", domain: "home-a"),
        ActorColumn(name: "pcscf-a", role: "pcscf", domain: "home-a"),
        ActorColumn(name: "mallory", role: "attacker"),
        ActorColumn(name: "scscf-a", role: "scscf", domain: "home-a"),
        ActorColumn(name: "sti-vs-b", role: "sti-vs", domain: "home-b"),
    ]

    /// The offending message as the engine would cut it: CRLF, a `<`, an `&`, and hostile bytes.
    static let excerpt = "INVITE sip:bob@b.example SIP/2.0\r\nP-Asserted-Identity: <sip:bob@b.example>\r\n"
        + "X-Evil: a\u{1B}[2Jb\u{0}c\u{0B}d & more\r\n\r\n"

    static let failure = AssertionFailure(
        assertion: "never header P-Asserted-Identity at scscf-a equals sip:bob@b.example",
        message: "UE-supplied PAI reached scscf-a",
        evidence: Evidence(time: "t=0.120s", hop: "pcscf-a -> scscf-a", excerpt: excerpt))

    static let messages = [
        DiagramMessage(index: 0, timeMs: 0, from: "alice", to: "pcscf-a", label: "INVITE",
                       details: ["PAI: <sip:bob@b.example>", "Privacy: none"]),
        DiagramMessage(index: 1, timeMs: 80, from: "mallory", to: "pcscf-a", label: "INVITE <injected>",
                       details: ["PAI: <sip:bob@b.example>"], attacker: true, note: "attack: inject"),
        DiagramMessage(index: 2, timeMs: 120, from: "pcscf-a", to: "scscf-a", label: "INVITE",
                       details: ["PAI: <sip:bob@b.example>"], failed: true),
        DiagramMessage(index: 3, timeMs: 150, from: "scscf-a", to: "scscf-a", label: "iFC: trigger sti-as"),
        DiagramMessage(index: 4, timeMs: 200, from: "scscf-a", to: "sti-vs-b", label: "INVITE", dropped: true),
        DiagramMessage(index: 5, timeMs: 32_200, from: "ghost-node", to: "alice",
                       label: "408 Request Timeout " + String(repeating: "and a very long reason ", count: 10)),
    ]

    static let failed = ScenarioReport(
        name: "UE spoofs PAI", file: "Scenarios/identity/ue-spoofed-pai.yaml",
        matrixLabel: "strip_untrusted_pai=false", description: "DOMAIN §8 row 1", tags: ["ki1", "identity"],
        verdict: .failed, durationMs: 3.4, failures: [failure], actors: actors, messages: messages,
        assertions: [AssertionOutcome(text: failure.assertion, passed: false),
                     AssertionOutcome(text: "eventually status 200 at alice", passed: true)])

    static let passed = ScenarioReport(
        name: "UE spoofs PAI", file: "Scenarios/identity/ue-spoofed-pai.yaml",
        matrixLabel: "strip_untrusted_pai=true", tags: ["ki1", "identity"],
        verdict: .passed, durationMs: 12.2, actors: actors, messages: Array(messages.prefix(2)),
        assertions: [AssertionOutcome(text: "never header P-Asserted-Identity at scscf-a", passed: true)])

    static let errored = ScenarioReport(
        name: "Broken network", file: "Scenarios/malformed/broken.yaml", verdict: .error, durationMs: 0.2,
        error: "unknown actor 'pcscf-z' in link\nsecond line")

    static let suite = SuiteReport(scenarios: [passed, failed, errored], seed: 42)

    /// Element names and attributes of a document, via Foundation's XMLParser; nil if not well-formed.
    static func parseXML(_ text: String) -> XMLCollector? {
        let collector = XMLCollector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = collector
        return parser.parse() ? collector : nil
    }
}

final class XMLCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text: [String: String] = [:]   // concatenated character data per element name
    private var stack: [String] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes))
        stack.append(name)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let top = stack.last { text[top, default: ""] += string }
    }

    func all(_ name: String) -> [[String: String]] {
        elements.filter { $0.name == name }.map(\.attributes)
    }
}
