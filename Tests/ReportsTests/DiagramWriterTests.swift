import Foundation
import Testing
@testable import Reports

@Suite struct DiagramWriterTests {
    let svg = DiagramWriter.svg(for: Fixtures.failed)

    /// The `<g class="msg">` groups, each with the elements inside it.
    func messageGroups(_ text: String) throws -> [(attributes: [String: String], children: [String])] {
        let doc = try #require(Fixtures.parseXML(text), "SVG is not well-formed XML")
        var groups: [(attributes: [String: String], children: [String])] = []
        var inside = false
        for e in doc.elements {
            if e.name == "g" {
                inside = e.attributes["class"] == "msg"
                if inside { groups.append((e.attributes, [])) }
            } else if inside, e.name != "text", e.name != "rect", e.name != "circle" {
                groups[groups.count - 1].children.append(e.name)
            }
        }
        return groups
    }

    @Test func wellFormedWithOneArrowPerMessage() throws {
        let doc = try #require(Fixtures.parseXML(svg))
        #expect(doc.elements.first?.name == "svg")
        #expect(doc.elements.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
        let groups = try messageGroups(svg)
        #expect(groups.count == Fixtures.messages.count)
        #expect(groups.map { $0.attributes["data-index"] } == ["0", "1", "2", "3", "4", "5"])
    }

    @Test func labelsAreEscaped() {
        #expect(svg.contains("INVITE &lt;injected&gt;"))
        #expect(!svg.contains("<injected>"))
        #expect(svg.contains("PAI: &lt;sip:bob@b.example&gt;"))
    }

    @Test func arrowKinds() throws {
        let groups = try messageGroups(svg)
        // Plain delivered message: a line and an arrowhead.
        #expect(groups[0].children == ["line", "polygon"])
        // Self-message: a loop path and an arrowhead.
        #expect(groups[3].children == ["path", "polygon"])
        // Dropped: a line ending in an X (a path), no arrowhead.
        #expect(groups[4].children == ["line", "path"])
        // Attacker: red and dashed.
        let attackerGroup = try #require(svg.components(separatedBy: "<g class=\"msg\" data-index=\"1\">").last?
            .components(separatedBy: "</g>").first)
        #expect(attackerGroup.contains("stroke=\"#c62828\" stroke-width=\"2\" stroke-dasharray=\"6 4\""))
        #expect(attackerGroup.contains("attack: inject"))
        let plainGroup = try #require(svg.components(separatedBy: "<g class=\"msg\" data-index=\"0\">").last?
            .components(separatedBy: "</g>").first)
        #expect(!plainGroup.contains("stroke-dasharray"))
        #expect(plainGroup.contains("Privacy: none"))
    }

    @Test func failedAssertionIsMarkedAndListed() throws {
        let failedGroup = try #require(svg.components(separatedBy: "<g class=\"msg\" data-index=\"2\">").last?
            .components(separatedBy: "</g>").first)
        #expect(failedGroup.contains("<circle"))
        #expect(failedGroup.contains(">1</text>"))  // numbered like the footer entry
        #expect(svg.contains("never header P-Asserted-Identity at scscf-a equals sip:bob@b.example"))
        #expect(svg.contains("evidence: pcscf-a -&gt; scscf-a at t=0.120s"))
        #expect(svg.contains("✓ eventually status 200 at alice"))
        #expect(svg.contains(">FAILED</text>"))
        #expect(svg.contains("UE spoofs PAI [strip_untrusted_pai=false]"))
    }

    @Test func unknownActorGetsAColumn() throws {
        let columns = DiagramWriter.columns(for: Fixtures.failed)
        #expect(columns.map(\.name) == ["alice", "pcscf-a", "mallory", "scscf-a", "sti-vs-b", "ghost-node"])
        #expect(columns.last?.role == "?")
        #expect(svg.contains(">ghost-node</text>"))
        #expect(svg.contains(">not declared</text>"))
        // Six columns make the drawing wider than the minimum.
        let doc = try #require(Fixtures.parseXML(svg))
        #expect(doc.elements.first?.attributes["width"] == String(96 + 6 * 210 + 80))
    }

    @Test func longLabelsAreTruncated() {
        let long = Fixtures.messages[5].label
        #expect(!svg.contains(long))
        #expect(svg.contains("408 Request Timeout and a very long reason"))
        #expect(svg.contains("…</text>"))
    }

    @Test func trustDomainsAreShaded() {
        // alice and pcscf-a are adjacent in home-a, mallory breaks the run, scscf-a resumes it.
        #expect(svg.components(separatedBy: ">trust domain: home-a</text>").count - 1 == 2)
        #expect(svg.components(separatedBy: ">trust domain: home-b</text>").count - 1 == 1)
        #expect(svg.contains(">pcscf · home-a</text>"))
    }

    @Test func heightGrowsWithMessages() throws {
        func height(_ n: Int) throws -> Int {
            var s = Fixtures.passed
            s.messages = (0..<n).map {
                DiagramMessage(index: $0, timeMs: Double($0), from: "alice", to: "pcscf-a", label: "MESSAGE")
            }
            let svg = DiagramWriter.svg(for: s)
            let groups = try messageGroups(svg)
            #expect(groups.count == n)
            let doc = try #require(Fixtures.parseXML(svg))
            return try #require(Int(doc.elements.first?.attributes["height"] ?? ""))
        }
        let five = try height(5), fiveHundred = try height(500)
        #expect(fiveHundred > five + 495 * 30)
    }

    @Test func selfContained() {
        for forbidden in ["href", "<image", "url(", "<script", "<style", "@import", "<foreignObject"] {
            #expect(!svg.contains(forbidden), "SVG contains \(forbidden)")
        }
    }

    @Test func hostileTextStaysWellFormed() throws {
        var s = Fixtures.failed
        s.name = "</svg><script>alert(1)</script>\u{0}"
        s.error = "bad & worse\u{1B}"
        s.messages[0].label = "]]><!-- \u{FFFF}"
        s.messages[0].details = ["\"quoted\" & 'single'", "line\r\nbreak"]
        s.actors[0].name = "<alice>"
        let svg = DiagramWriter.svg(for: s)
        #expect(Fixtures.parseXML(svg) != nil)
        #expect(!svg.contains("<script"))
    }

    @Test func emptyScenarioStillRenders() throws {
        let svg = DiagramWriter.svg(for: Fixtures.errored)
        #expect(Fixtures.parseXML(svg) != nil)
        #expect(svg.contains("(no messages)"))
        #expect(svg.contains(">ERROR</text>"))
        #expect(svg.contains("unknown actor &apos;pcscf-z&apos; in link") || svg.contains("unknown actor 'pcscf-z' in link"))
    }

    @Test func wrapAndPack() {
        #expect(DiagramWriter.wrap("aaa bbb ccc", width: 7, maxLines: 5) == ["aaa bbb", "ccc"])
        #expect(DiagramWriter.wrap("abcdefghij", width: 4, maxLines: 5) == ["abcd", "efgh", "ij"])
        #expect(DiagramWriter.wrap("a b c d e f", width: 3, maxLines: 2) == ["a b", "c …"])
        #expect(DiagramWriter.packed(["PAI: x", "Privacy: id", "verstat=TN-Validation-Passed"], width: 24, maxLines: 3)
            == ["PAI: x  ·  Privacy: id", "verstat=TN-Validation-P…"])
        #expect(DiagramWriter.packed(["a", "b", "c"], width: 1, maxLines: 2) == ["a", "…"])
    }
}
