import Testing
@testable import SIPCore

/// Editing a parsed message: only what changed is re-serialised, every other line keeps
/// its exact bytes, edits cannot inject header lines, and repeated edits stay bounded.
@Suite struct EditingTests {
    // MARK: Fixtures (all built inline)

    static let messyBody = "v=0\no=alice 2890844526 2890844526 IN IP4 client.atlanta.example.com\ns=-\n"
        + "c=IN IP4 192.0.2.101\nt=0 0\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\n"

    /// Compact names, space before the colon, no space after it, folding (SP and HTAB),
    /// trailing whitespace, and a body with bare-LF lines.
    static let messyLines = [
        "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n",
        "v:  SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n",
        "Via : SIP/2.0/UDP   proxy.example.com;branch=z9hG4bKnashds8\r\n",
        "Max-Forwards:70\r\n",
        "f: Alice <sip:alice@atlanta.example.com>;tag=9fxced76sl\r\n",
        "t:Bob\r\n",
        " <sip:bob@biloxi.example.com>\r\n",
        "i: 3848276298220188511@atlanta.example.com\r\n",
        "CSeq:   2 INVITE   \r\n",
        "Subject: lunch\r\n",
        "\t plans\r\n",
        "X-Odd-Header:value;with=params  \r\n",
        "m: <sip:alice@client.atlanta.example.com;transport=tcp>\r\n",
        "c: application/sdp\r\n",
        "l: \(messyBody.utf8.count)\r\n",
        "\r\n",
    ]
    static let messy = Array(messyLines.joined().utf8) + Array(messyBody.utf8)

    /// A response with bare LF line endings throughout.
    static let bareLF = Array(("SIP/2.0 180 Ringing\n"
        + "Via: SIP/2.0/UDP server10.biloxi.example.com;branch=z9hG4bK4b43c2ff8.1;received=192.0.2.3\n"
        + "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\n"
        + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\n"
        + "Call-ID: a84b4c76e66710\n"
        + "CSeq: 314159 INVITE\n"
        + "Content-Length: 0\n"
        + "\n").utf8)

    /// A plain, well-formed request (one physical line per field).
    static let plainLines = [
        "INVITE sip:bob@ims.example.com SIP/2.0\r\n",
        "Via: SIP/2.0/TCP pc33.ims.example.com;branch=z9hG4bK776asdhds\r\n",
        "Max-Forwards: 70\r\n",
        "To: <sip:bob@ims.example.com>\r\n",
        "From: <sip:alice@ims.example.com>;tag=1928301774\r\n",
        "Call-ID: a84b4c76e66710@pc33.ims.example.com\r\n",
        "CSeq: 314159 INVITE\r\n",
        "Content-Type: text/plain\r\n",
        "Content-Length: 5\r\n",
        "\r\n",
    ]
    static let plain = Array((plainLines.joined() + "hello").utf8)

    /// Leading CRLFs (ignored, RFC 3261 §7.5) and bytes after the Content-Length body.
    static let padded = Array(("\r\n\r\n" + plainLines.joined() + "helloEXTRA BYTES").utf8)

    /// A datagram without Content-Length: the body is the rest of the bytes.
    static let noLength = Array(("MESSAGE sip:bob@ims.example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP pc33.ims.example.com;branch=z9hG4bKnolen\r\n"
        + "Max-Forwards: 70\r\n"
        + "To: <sip:bob@ims.example.com>\r\n"
        + "From: <sip:alice@ims.example.com>;tag=1\r\n"
        + "Call-ID: nolen@pc33.ims.example.com\r\n"
        + "CSeq: 1 MESSAGE\r\n"
        + "Content-Type: text/plain\r\n"
        + "\r\n"
        + "body without length\n").utf8)

    static let allFixtures: [(String, [UInt8])] = [
        ("messy", messy), ("bareLF", bareLF), ("plain", plain), ("padded", padded), ("noLength", noLength),
    ]

    // MARK: Helpers

    /// Physical lines up to and including the blank line, each with its terminator, and the body.
    static func split(_ b: [UInt8]) -> (head: [String], body: [UInt8]) {
        var head: [String] = []
        var start = 0
        while start < b.count {
            guard let lf = b[start...].firstIndex(of: 0x0A) else { break }
            let line = Array(b[start...lf])
            head.append(String(decoding: line, as: UTF8.self))
            start = lf + 1
            if line == [0x0D, 0x0A] || line == [0x0A] { break }
        }
        return (head, Array(b[start...]))
    }

    static func text(_ b: [UInt8]) -> String { String(decoding: b, as: UTF8.self) }

    /// The original lines with the lines at `indices` replaced by `with` (at the first index).
    static func replacing(_ lines: [String], _ indices: [Int], with new: [String]) -> [String] {
        var out = lines
        for i in indices.sorted().reversed() { out.remove(at: i) }
        out.insert(contentsOf: new, at: indices.min() ?? out.count)
        return out
    }

    static func headIndex(_ lines: [String], _ prefix: String) -> Int {
        lines.firstIndex { $0.hasPrefix(prefix) } ?? -1
    }

    /// Checks an edited message: it reparses, serialises the same way again, keeps the same
    /// fields, and (optionally) validates.
    @discardableResult
    static func reparse(_ m: SIPMessage, validate: Bool = true,
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> SIPMessage {
        let again = try SIPMessage(parsing: m.bytes)
        #expect(again.bytes == m.bytes, sourceLocation: sourceLocation)
        #expect(again.headerFields == m.headerFields, sourceLocation: sourceLocation)
        #expect(again.body == m.body, sourceLocation: sourceLocation)
        #expect(again.summary == m.summary, sourceLocation: sourceLocation)
        if validate {
            #expect(throws: Never.self, sourceLocation: sourceLocation) { try again.validate() }
            #expect(throws: Never.self, sourceLocation: sourceLocation) { try m.validate() }
        }
        return again
    }

    // MARK: Unmodified round trip

    @Test func fixturesParseAndValidate() throws {
        for (name, bytes) in Self.allFixtures {
            let m = try SIPMessage(parsing: bytes)
            #expect(throws: Never.self, "\(name)") { try m.validate() }
            _ = m.findings()
        }
    }

    @Test func unmodifiedMessageSerialisesToItsInputBytes() throws {
        for (name, bytes) in Self.allFixtures {
            let m = try SIPMessage(parsing: bytes)
            var lead = 0
            while lead < bytes.count, bytes[lead] == 0x0D || bytes[lead] == 0x0A { lead += 1 }
            let expected = Array(bytes[lead..<(bytes.count - m.trailingByteCount)])
            #expect(m.bytes == expected, "\(name)")
            #expect(!m.isModified, "\(name)")
            #expect(m.text == Self.text(expected), "\(name)")
        }
        let messy = try SIPMessage(parsing: Self.messy)
        #expect(messy.bytes == Self.messy)
        #expect(messy.bodyText == Self.messyBody)
        #expect(messy.value("Subject") == "lunch plans")
        #expect(messy.value(.to) == "Bob <sip:bob@biloxi.example.com>")
        #expect(messy.values(.via).count == 2)
        #expect(messy.value(.cseq) == "2 INVITE")
        #expect(messy.headerValue(CSeq.self) == CSeq(2, "INVITE"))

        let padded = try SIPMessage(parsing: Self.padded)
        #expect(padded.trailingByteCount == "EXTRA BYTES".utf8.count)
        #expect(padded.bytes == Self.plain)

        let noLength = try SIPMessage(parsing: Self.noLength)
        #expect(noLength.bodyText == "body without length\n")
        #expect(noLength.bytes == Self.noLength)
    }

    /// `bodyContains` agrees with a search over `body`, for every substring and near misses,
    /// and never looks past the body (the headers hold the same words).
    @Test func bodyContainsSearchesTheBodyOnly() throws {
        let text = "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nX-Note: fingerprint\r\n"
            + "Content-Length: 22\r\n\r\na=fingerprint:sha-256 "
        let m = try SIPMessage(parsing: text)
        let body = m.body
        #expect(String(decoding: body, as: UTF8.self) == "a=fingerprint:sha-256 ")
        for lo in body.indices { for hi in (lo + 1)...body.count { #expect(m.bodyContains(Array(body[lo..<hi]))) } }
        for miss in ["fingerprinT", "X-Note", "sha-256  ", "Content-Length", ""] { #expect(!m.bodyContains(Array(miss.utf8)), "\(miss)") }
        #expect(!(try SIPMessage(parsing: "BYE sip:b@x SIP/2.0\r\nContent-Length: 0\r\n\r\n")).bodyContains([0x61]))
    }

    @Test func serializedCountMatchesBytes() throws {
        // Plus a datagram that ends after its last field, with no empty line.
        let extra = [("noSeparator", Array("OPTIONS sip:bob@ims.example.com SIP/2.0\r\nCall-ID: a@b\r\n".utf8))]
        for (name, bytes) in Self.allFixtures + extra {
            var m = try SIPMessage(parsing: bytes)
            #expect(m.serializedCount == m.bytes.count, "\(name), unmodified")
            m.setHeader("Subject", "counted")
            #expect(m.serializedCount == m.bytes.count, "\(name), edited")
        }
    }

    // MARK: setHeader / removeHeader / prependHeader

    @Test func setHeaderLeavesEveryOtherLineByteIdentical() throws {
        let original = Self.split(Self.messy)
        let lines = original.head
        let cases: [(name: String, value: String, replaced: [Int], with: [String])] = [
            ("Max-Forwards", "69", [Self.headIndex(lines, "Max-Forwards:")], ["Max-Forwards: 69\r\n"]),
            // Folded over two physical lines: both go, one comes.
            ("Subject", "dinner", [Self.headIndex(lines, "Subject:"), Self.headIndex(lines, "\t plans")],
             ["Subject: dinner\r\n"]),
            // Compact form matched by its full name; the new line carries the name as given.
            ("Call-ID", "new-id@example.com", [Self.headIndex(lines, "i: ")], ["Call-ID: new-id@example.com\r\n"]),
            ("t", "<sip:carol@example.com>", [Self.headIndex(lines, "t:Bob"), Self.headIndex(lines, " <sip:bob")],
             ["t: <sip:carol@example.com>\r\n"]),
            // Unknown header, matched case-insensitively.
            ("x-odd-header", "v2", [Self.headIndex(lines, "X-Odd-Header")], ["x-odd-header: v2\r\n"]),
            // Both Via fields (compact and full) replaced by one at the first's position.
            ("Via", "SIP/2.0/TCP new.example.com;branch=z9hG4bKnew",
             [Self.headIndex(lines, "v: "), Self.headIndex(lines, "Via :")],
             ["Via: SIP/2.0/TCP new.example.com;branch=z9hG4bKnew\r\n"]),
            // Absent: appended after the last field.
            ("Priority", "urgent", [], ["Priority: urgent\r\n"]),
        ]
        for c in cases {
            #expect(!c.replaced.contains(-1), "fixture line for \(c.name) not found")
            var m = try SIPMessage(parsing: Self.messy)
            m.setHeader(c.name, c.value)
            let out = Self.split(m.bytes)
            let expectedHead = c.replaced.isEmpty
                ? Array(lines.dropLast()) + c.with + [lines.last!]
                : Self.replacing(lines, c.replaced, with: c.with)
            #expect(out.head == expectedHead, "setHeader(\(c.name))")
            #expect(out.body == original.body, "setHeader(\(c.name))")
            let again = try Self.reparse(m)
            #expect(again.value(c.name) == c.value)
            #expect(again.values(c.name).count == 1)
        }
    }

    @Test func setHeaderWithSeveralValuesAndRemovingByNil() throws {
        let lines = Self.split(Self.messy).head
        var m = try SIPMessage(parsing: Self.messy)
        m.setHeader("Via", values: ["SIP/2.0/TCP a.example.com;branch=z9hG4bKa", "SIP/2.0/UDP b.example.com;branch=z9hG4bKb"])
        let expected = Self.replacing(lines, [Self.headIndex(lines, "v: "), Self.headIndex(lines, "Via :")], with: [
            "Via: SIP/2.0/TCP a.example.com;branch=z9hG4bKa\r\n", "Via: SIP/2.0/UDP b.example.com;branch=z9hG4bKb\r\n",
        ])
        #expect(Self.split(m.bytes).head == expected)
        #expect(try m.headerValues(Via.self).map(\.host) == ["a.example.com", "b.example.com"])
        try Self.reparse(m)

        var n = try SIPMessage(parsing: Self.messy)
        n.setHeader("Subject", nil)
        #expect(!n.contains("Subject"))
        #expect(Self.split(n.bytes).head == Self.replacing(lines, [Self.headIndex(lines, "Subject:"), Self.headIndex(lines, "\t plans")], with: []))
        try Self.reparse(n)

        // Setting nothing on an absent header is not an edit.
        var o = try SIPMessage(parsing: Self.messy)
        o.setHeader("X-Absent", nil)
        #expect(!o.isModified)
        #expect(o.bytes == Self.messy)
    }

    @Test func removeHeader() throws {
        let original = Self.split(Self.messy)
        let lines = original.head

        var m = try SIPMessage(parsing: Self.messy)
        #expect(m.removeHeader("Subject") == 1)
        #expect(Self.split(m.bytes).head == Self.replacing(lines, [Self.headIndex(lines, "Subject:"), Self.headIndex(lines, "\t plans")], with: []))
        #expect(Self.split(m.bytes).body == original.body)
        try Self.reparse(m)

        var v = try SIPMessage(parsing: Self.messy)
        #expect(v.removeHeader("via") == 2)
        #expect(Self.split(v.bytes).head == Self.replacing(lines, [Self.headIndex(lines, "v: "), Self.headIndex(lines, "Via :")], with: []))
        #expect(try SIPMessage(parsing: v.bytes).contains(.via) == false)

        var a = try SIPMessage(parsing: Self.messy)
        #expect(a.removeHeader("X-Not-There") == 0)
        #expect(!a.isModified)
        #expect(a.bytes == Self.messy)

        var i = try SIPMessage(parsing: Self.messy)
        i.removeHeader(at: 0)
        #expect(Self.split(i.bytes).head == Self.replacing(lines, [Self.headIndex(lines, "v: ")], with: []))
        #expect(i.values(.via) == ["SIP/2.0/UDP   proxy.example.com;branch=z9hG4bKnashds8"])
        i.removeHeader(at: 10_000)
        i.removeHeader(at: -1)
        #expect(i.headerCount == 11)
        try Self.reparse(i)
    }

    @Test func prependHeaderPutsANewViaOnTop() throws {
        let lines = Self.split(Self.messy).head
        var m = try SIPMessage(parsing: Self.messy)
        m.prependHeader("Via", "SIP/2.0/TCP proxy.ims.example.com;branch=z9hG4bKtop")
        let at = Self.headIndex(lines, "v: ")
        var expected = lines
        expected.insert("Via: SIP/2.0/TCP proxy.ims.example.com;branch=z9hG4bKtop\r\n", at: at)
        #expect(Self.split(m.bytes).head == expected)
        let vias = try m.headerValues(Via.self)
        #expect(vias.count == 3)
        #expect(vias.first?.host == "proxy.ims.example.com")
        #expect(vias.first?.branch == "z9hG4bKtop")
        #expect(vias.dropFirst().map(\.host) == ["client.atlanta.example.com", "proxy.example.com"])
        let again = try Self.reparse(m)
        #expect(try again.headerValues(Via.self).first?.branch == "z9hG4bKtop")

        // A header that is not there goes to the top of the header section.
        var r = try SIPMessage(parsing: Self.messy)
        r.prependHeader("Record-Route", "<sip:p1.example.com;lr>")
        var expectedRR = lines
        expectedRR.insert("Record-Route: <sip:p1.example.com;lr>\r\n", at: 1)
        #expect(Self.split(r.bytes).head == expectedRR)
        try Self.reparse(r)

        // Typed: a Via value written by setHeaderValues is read back by headerValues.
        var t = try SIPMessage(parsing: Self.messy)
        let new = [Via(transport: "TLS", host: "edge.example.com", port: 5061, branch: "z9hG4bKtyped"),
                   Via(transport: "UDP", host: "192.0.2.7", branch: "z9hG4bKsecond")]
        t.setHeaderValues(new)
        #expect(try t.headerValues(Via.self) == new)
        t.setHeaderValue(CSeq(3, "INVITE"))
        #expect(t.headerValue(CSeq.self) == CSeq(3, "INVITE"))
        let tr = try Self.reparse(t)
        #expect(try tr.headerValues(Via.self) == new)
    }

    @Test func addHeaderAtIndex() throws {
        let lines = Self.split(Self.messy).head
        var m = try SIPMessage(parsing: Self.messy)
        m.addHeader("Supported", "timer", at: 3)
        var expected = lines
        // Field 3 is From (after v, Via, Max-Forwards): line 4 of the head.
        expected.insert("Supported: timer\r\n", at: Self.headIndex(lines, "f: "))
        #expect(Self.split(m.bytes).head == expected)
        m.addHeader("Require", "100rel", at: 10_000)
        m.addHeader("Allow", "INVITE", at: -5)
        #expect(m.headerFields.first?.name == "Allow")
        #expect(m.headerFields.last?.name == "Require")
        try Self.reparse(m)
    }

    // MARK: Body

    @Test func setBodyKeepsContentLengthRight() throws {
        let lines = Self.split(Self.messy).head
        var m = try SIPMessage(parsing: Self.messy)
        m.setBody(Array("hello".utf8), contentType: "text/plain")
        let expected = Self.replacing(Self.replacing(lines, [Self.headIndex(lines, "l: ")], with: ["Content-Length: 5\r\n"]),
                                      [Self.headIndex(lines, "c: ")], with: ["Content-Type: text/plain\r\n"])
        let out = Self.split(m.bytes)
        #expect(out.head == expected)
        #expect(out.body == Array("hello".utf8))
        #expect(m.bodyText == "hello")
        let again = try Self.reparse(m)
        #expect(again.bodyText == "hello")
        #expect(again.values(.contentLength) == ["5"])
        #expect(again.value(.contentType) == "text/plain")
        #expect(again.trailingByteCount == 0)

        // Through the `body` property, to empty.
        var e = try SIPMessage(parsing: Self.messy)
        e.body = []
        #expect(e.bodyCount == 0)
        #expect(try Self.reparse(e).values(.contentLength) == ["0"])

        // A message without Content-Length gains one; its old body (the rest) is replaced.
        var n = try SIPMessage(parsing: Self.noLength)
        n.setBody(Array("new\r\n\r\nbody".utf8))
        let nr = try Self.reparse(n)
        #expect(nr.bodyText == "new\r\n\r\nbody")
        #expect(nr.values(.contentLength) == ["\("new\r\n\r\nbody".utf8.count)"])

        // Trailing bytes after the old body are not carried into the edited message.
        var p = try SIPMessage(parsing: Self.padded)
        p.setBody(Array("bye".utf8))
        let pr = try Self.reparse(p)
        #expect(pr.bodyText == "bye")
        #expect(pr.trailingByteCount == 0)
        #expect(!p.text.contains("EXTRA"))

        // Several Content-Length fields collapse to one that is right.
        var d = try SIPMessage(parsing: Self.plain)
        d.addHeader("l", "99")
        d.setBody(Array("x".utf8))
        #expect(try Self.reparse(d).values(.contentLength) == ["1"])

        // A bare-LF message takes a new body too.
        var b = try SIPMessage(parsing: Self.bareLF)
        b.setBody(Array("v=0\n".utf8), contentType: "application/sdp")
        #expect(try Self.reparse(b).bodyText == "v=0\n")
    }

    // MARK: Start line

    @Test func setRequestLine() throws {
        let lines = Self.split(Self.messy).head
        var m = try SIPMessage(parsing: Self.messy)
        m.setRequestLine(method: "OPTIONS", uri: "sip:carol@chicago.example.com")
        #expect(Self.split(m.bytes).head == ["OPTIONS sip:carol@chicago.example.com SIP/2.0\r\n"] + lines.dropFirst())
        #expect(m.method == "OPTIONS")
        #expect(m.requestURIText == "sip:carol@chicago.example.com")
        m.setHeader("CSeq", "2 OPTIONS")
        let again = try Self.reparse(m)
        #expect(again.method == "OPTIONS")
        #expect(again.requestURIText == "sip:carol@chicago.example.com")

        var u = try SIPMessage(parsing: Self.messy)
        u.setRequestLine(uri: "sips:bob@biloxi.example.com;transport=tls")
        #expect(u.method == "INVITE")
        #expect(u.requestURIText == "sips:bob@biloxi.example.com;transport=tls")
        try Self.reparse(u)

        // A Request-URI that would not parse is refused; the message is unchanged.
        var bad = try SIPMessage(parsing: Self.messy)
        bad.setRequestLine(uri: "sip:has space@example.com")
        #expect(bad.bytes == Self.messy)

        // A response has no Request-Line.
        var r = try SIPMessage(parsing: Self.bareLF)
        r.setRequestLine(method: "BYE")
        #expect(!r.isModified)
        #expect(r.bytes == Self.bareLF)
    }

    @Test func setStatus() throws {
        let lines = Self.split(Self.bareLF).head
        var r = try SIPMessage(parsing: Self.bareLF)
        r.setStatus(486, reason: "Busy Here")
        #expect(Self.split(r.bytes).head == ["SIP/2.0 486 Busy Here\r\n"] + lines.dropFirst())
        #expect(r.statusCode == 486)
        #expect(r.reasonPhrase == "Busy Here")
        let again = try Self.reparse(r)
        #expect(again.statusCode == 486)
        #expect(again.reasonPhrase == "Busy Here")

        var empty = try SIPMessage(parsing: Self.bareLF)
        empty.setStatus(200, reason: "")
        #expect(empty.statusCode == 200)
        try Self.reparse(empty)

        var out = try SIPMessage(parsing: Self.bareLF)
        out.setStatus(99, reason: "Too Low")
        out.setStatus(700, reason: "Too High")
        #expect(!out.isModified)
        #expect(out.statusCode == 180)

        var q = try SIPMessage(parsing: Self.messy)
        q.setStatus(200, reason: "OK")
        #expect(!q.isModified)
        #expect(q.bytes == Self.messy)
    }

    // MARK: No header injection through edits

    static let injections = [
        "x\r\nInjected: yes",
        "x\nInjected: yes",
        "x\rInjected: yes",
        "x\n\rInjected: yes",
        "x\r\n\r\nINVITE sip:evil@attacker.example SIP/2.0",
        "x\r\n Injected: folded",
        "\r\nInjected: yes",
        "x\r\n",
    ]

    /// The serialised header section must have one physical line per field (the plain
    /// fixture has no folding), and reparsing must show no injected field or body.
    static func checkNoInjection(_ m: SIPMessage, _ what: String, mustParse: Bool = true,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        var problems: [String] = []
        let (head, body) = split(m.bytes)
        if head.count != m.headerCount + 2 { problems.append("\(head.count) lines on the wire for \(m.headerCount) fields") }
        if body != m.body { problems.append("body on the wire is \(text(body).debugDescription)") }
        do {
            let again = try SIPMessage(parsing: m.bytes)
            if again.contains("Injected") { problems.append("an Injected header appeared") }
            if again.headerCount != m.headerCount { problems.append("reparsed with \(again.headerCount) fields, not \(m.headerCount)") }
            if again.method != m.method { problems.append("reparsed method \(again.method ?? "nil")") }
            if again.body != m.body { problems.append("reparsed body \(again.bodyText.debugDescription)") }
            if again.headerFields.contains(where: { $0.value.contains("\r") || $0.value.contains("\n") }) {
                problems.append("a reparsed value holds a line break")
            }
        } catch {
            if mustParse { problems.append("edited message does not reparse: \(error)") }
        }
        #expect(problems.isEmpty, "\(what): \(problems.joined(separator: "; ")); wire: \(m.text.debugDescription)",
                sourceLocation: sourceLocation)
    }

    @Test func lineBreaksInValuesCannotInjectHeaders() throws {
        for v in Self.injections {
            let shown = v.debugDescription
            var a = try SIPMessage(parsing: Self.plain)
            a.setHeader("Subject", v)
            Self.checkNoInjection(a, "setHeader(Subject, \(shown))")
            #expect(a.value("Subject")?.contains("\r") == false && a.value("Subject")?.contains("\n") == false,
                    "setHeader(Subject, \(shown)) kept a line break: \(a.value("Subject")?.debugDescription ?? "nil")")

            var b = try SIPMessage(parsing: Self.plain)
            b.addHeader("X-Note", v)
            Self.checkNoInjection(b, "addHeader(X-Note, \(shown))")

            var c = try SIPMessage(parsing: Self.plain)
            c.prependHeader("Via", "SIP/2.0/TCP h.example.com;branch=z9hG4bK" + v)
            Self.checkNoInjection(c, "prependHeader(Via, ...\(shown))")

            var d = try SIPMessage(parsing: Self.plain)
            d.setHeader("Call-ID", values: ["abc" + v, "second" + v])
            Self.checkNoInjection(d, "setHeader(Call-ID, values:)")

            var e = try SIPMessage(parsing: Self.plain)
            e.setHeaderValues([Via(transport: "UDP", host: "h.example.com", branch: "z9hG4bK1" + v)])
            Self.checkNoInjection(e, "setHeaderValues([Via]) with \(shown)")

            var f = try SIPMessage(parsing: Self.plain)
            f.setBody(Array("hello".utf8), contentType: "text/plain" + v)
            Self.checkNoInjection(f, "setBody(contentType: \(shown))")
        }
    }

    @Test func lineBreaksInNamesCannotInjectHeaders() throws {
        for v in Self.injections {
            let shown = v.debugDescription
            var a = try SIPMessage(parsing: Self.plain)
            a.addHeader("X-Name" + v, "value")
            // A header name with a line break is not a valid name: the edit may leave an
            // unparseable field, but never a second header line.
            Self.checkNoInjection(a, "addHeader(name: X-Name\(shown))", mustParse: false)
            var b = try SIPMessage(parsing: Self.plain)
            b.setHeader("X-Name" + v, "value")
            Self.checkNoInjection(b, "setHeader(name: X-Name\(shown))", mustParse: false)
        }
    }

    @Test func lineBreaksInStartLineEditsCannotInjectHeaders() throws {
        for v in Self.injections {
            let shown = v.debugDescription
            var a = try SIPMessage(parsing: Self.plain)
            a.setRequestLine(uri: "sip:bob@ims.example.com" + v)
            Self.checkNoInjection(a, "setRequestLine(uri: ...\(shown))")
            var b = try SIPMessage(parsing: Self.plain)
            b.setRequestLine(method: "OPTIONS" + v)
            Self.checkNoInjection(b, "setRequestLine(method: ...\(shown))")
        }
        // A reason phrase is free text: line breaks become spaces and the edit applies.
        for v in Self.injections {
            let shown = v.debugDescription
            var r = try SIPMessage(parsing: Self.bareLF)
            r.setStatus(486, reason: "Busy" + v)
            #expect(r.statusCode == 486, "setStatus(486, Busy\(shown)) was not applied")
            #expect(r.reasonPhrase?.contains("\r") == false && r.reasonPhrase?.contains("\n") == false)
            let again = try SIPMessage(parsing: r.bytes)
            #expect(!again.contains("Injected"))
            #expect(again.headerCount == r.headerCount)
        }
    }

    // MARK: Repeated edits stay bounded

    static func storageBound(_ m: SIPMessage) -> Int { 2 * m.bytes.count + 4096 + 2048 }

    @Test func tenThousandSetHeadersKeepStorageBounded() throws {
        var m = try SIPMessage(parsing: Self.messy)
        var worst = 0
        for i in 0..<10_000 {
            m.setHeader("Subject", "edit number \(i) of the subject line")
            if i % 50 == 0 || i == 9_999 {
                let bound = Self.storageBound(m)
                worst = max(worst, m.storage.count)
                #expect(m.storage.count <= bound, "after \(i + 1) edits: storage \(m.storage.count) > \(bound)")
                #expect(m.bytes.count < Self.messy.count + 64)
                if m.storage.count > bound { break }
            }
        }
        #expect(m.value("Subject") == "edit number 9999 of the subject line")
        #expect(m.bytes.count < Self.messy.count + 64)
        #expect(worst <= 2 * (Self.messy.count + 64) + 4096 + 2048)
        let again = try Self.reparse(m)
        #expect(again.value("Subject") == "edit number 9999 of the subject line")
        // Untouched lines still carry their original bytes after all those edits.
        let lines = Self.split(Self.messy).head
        #expect(Self.split(m.bytes).head == Self.replacing(lines, [Self.headIndex(lines, "Subject:"), Self.headIndex(lines, "\t plans")],
                                                           with: ["Subject: edit number 9999 of the subject line\r\n"]))
    }

    @Test func otherRepeatedEditsKeepStorageBounded() throws {
        // Add and remove.
        var m = try SIPMessage(parsing: Self.messy)
        for i in 0..<10_000 {
            m.addHeader("X-Temp", "temporary value \(i)")
            m.removeHeader("X-Temp")
            if i % 100 == 0 { #expect(m.storage.count <= Self.storageBound(m), "add/remove \(i)") }
        }
        #expect(m.bytes == Self.messy)
        #expect(m.storage.count <= Self.storageBound(m))
        try Self.reparse(m)

        // Bodies of 1 KiB.
        var b = try SIPMessage(parsing: Self.plain)
        for i in 0..<2_000 {
            b.setBody(Array(repeating: UInt8(ascii: "a") + UInt8(i % 26), count: 1024), contentType: "text/plain")
            if i % 50 == 0 { #expect(b.storage.count <= Self.storageBound(b) + 1024, "setBody \(i)") }
        }
        #expect(b.storage.count <= Self.storageBound(b) + 1024)
        #expect(try Self.reparse(b).bodyCount == 1024)

        // Start lines.
        var r = try SIPMessage(parsing: Self.plain)
        var s = try SIPMessage(parsing: Self.bareLF)
        for i in 0..<5_000 {
            r.setRequestLine(uri: "sip:user\(i)@ims.example.com")
            s.setStatus(100 + i % 600, reason: "Reason \(i)")
            if i % 100 == 0 {
                #expect(r.storage.count <= Self.storageBound(r), "setRequestLine \(i)")
                #expect(s.storage.count <= Self.storageBound(s), "setStatus \(i)")
            }
        }
        #expect(r.requestURIText == "sip:user4999@ims.example.com")
        #expect(s.statusCode == 100 + 4_999 % 600)
        #expect(s.reasonPhrase == "Reason 4999")
        try Self.reparse(r)
        try Self.reparse(s)
    }

    // MARK: The serialised layout edits keep

    /// What `bytes` of an edited message is, part by part: the start line, each field line
    /// (with a line end when it has none), the empty line (written when missing), the body.
    static func serialisation(_ m: SIPMessage) -> [UInt8] {
        var out = Array(m.storage[m.startLineFull])
        for f in m.fields {
            out += m.storage[f.line]
            switch m.storage[f.line.upperBound - 1] {
            case 0x0A: break
            case 0x0D: out += [0x0A]
            default: out += [0x0D, 0x0A]
            }
        }
        out += m.separator.isEmpty ? [0x0D, 0x0A] : Array(m.storage[m.separator])
        return out + m.storage[m.bodyRange]
    }

    @Test func serialisedLayoutKeepsTheMessage() throws {
        for (name, bytes) in Self.allFixtures + [("leading and trailing", Array("\r\n".utf8) + Self.plain + Array("junk".utf8))] {
            let u = try SIPMessage(parsing: bytes)
            var v = u
            v.moveToSerialisedLayout()
            #expect(v.isSerialisedLayout, "\(name)")
            #expect(v.storage == Self.serialisation(u), "\(name)")
            #expect(v.headerFields == u.headerFields, "\(name)")
            #expect(v.body == u.body, "\(name)")
            #expect(v.summary == u.summary, "\(name)")
            #expect(v.version == u.version, "\(name)")

            // Every edit leaves the buffer in that layout, and the buffer is what is sent.
            var m = u
            if m.isRequest { m.setRequestLine(uri: "sip:layout@example.com") } else { m.setStatus(183, reason: "Session Progress") }
            #expect(m.isSerialisedLayout && m.bytes == Self.serialisation(m), "\(name)")
            m.setHeader("Subject", "laid out")
            #expect(m.isSerialisedLayout && m.bytes == Self.serialisation(m), "\(name)")
            m.setBody(Array("body".utf8))
            #expect(m.isSerialisedLayout && m.bytes == Self.serialisation(m), "\(name)")
            m.addHeader("X-Gone", "soon", at: 1)
            #expect(m.isSerialisedLayout && m.bytes == Self.serialisation(m), "\(name)")
            m.removeHeader(at: 1)
            #expect(m.isSerialisedLayout && m.bytes == Self.serialisation(m), "\(name)")
            #expect(m.bodyText == "body", "\(name)")
            #expect(m.version == "SIP/2.0", "\(name)")
            #expect(throws: Never.self, "\(name)") { try m.validate() }
            let again = try Self.reparse(m)
            #expect(again.value("Subject") == "laid out", "\(name)")
        }
    }

    // MARK: Edits on messages that end without an empty line

    @Test func editingAMessageWhoseLastFieldHasNoLineEnd() throws {
        // A datagram that stops right after the last field value (accepted, with a note).
        let raw = Array(("OPTIONS sip:bob@ims.example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP pc33.ims.example.com;branch=z9hG4bKend\r\n"
            + "Call-ID: abc@pc33.ims.example.com").utf8)
        let m0 = try SIPMessage(parsing: raw)
        #expect(m0.bytes == raw)
        #expect(m0.value(.callID) == "abc@pc33.ims.example.com")

        var m = m0
        m.addHeader("Subject", "hi")
        let again = try SIPMessage(parsing: m.bytes)
        #expect(again.value(.callID) == "abc@pc33.ims.example.com", "serialised as \(m.text.debugDescription)")
        #expect(again.value("Subject") == "hi", "serialised as \(m.text.debugDescription)")
        #expect(again.headerCount == 3)

        var b = m0
        b.setBody(Array("x".utf8))
        let bb = try SIPMessage(parsing: b.bytes)
        #expect(bb.value(.callID) == "abc@pc33.ims.example.com", "serialised as \(b.text.debugDescription)")
        #expect(bb.bodyText == "x")

        // Bare-LF ending without the empty line: the edit keeps the fields apart too.
        var l = try SIPMessage(parsing: Array("OPTIONS sip:bob@ims.example.com SIP/2.0\nCall-ID: lf@x\n".utf8))
        l.addHeader("Subject", "hi")
        let ll = try SIPMessage(parsing: l.bytes)
        #expect(ll.value(.callID) == "lf@x")
        #expect(ll.value("Subject") == "hi")
    }

    // MARK: A chain of edits

    @Test func editedMessagesReparseAndValidate() throws {
        var m = try SIPMessage(parsing: Self.messy)
        m.prependHeader("Via", "SIP/2.0/TCP pcscf.ims.example.com;branch=z9hG4bKpcscf")
        m.setHeader("Max-Forwards", "69")
        m.removeHeader("Subject")
        m.addHeader("Record-Route", "<sip:pcscf.ims.example.com;lr>")
        m.setHeader("P-Asserted-Identity", "<sip:alice@atlanta.example.com>")
        m.setBody(Array("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n".utf8),
                  contentType: "application/sdp")
        m.setRequestLine(uri: "sip:bob@192.0.2.4")
        let again = try Self.reparse(m)
        #expect(again.requestURIText == "sip:bob@192.0.2.4")
        #expect(again.headerValue(MaxForwards.self) == MaxForwards(69))
        #expect(try again.headerValues(Via.self).count == 3)
        #expect(!again.contains("Subject"))
        #expect(again.findings().allSatisfy { !$0.message.contains("Content-Length") })

        // Untouched lines are still the original bytes.
        let originalLines = Set(Self.split(Self.messy).head)
        let kept = Self.split(m.bytes).head.filter { originalLines.contains($0) }
        for line in ["v:  SIP/2.0/TCP client.atlanta.example.com:5060;branch=z9hG4bK74bf9\r\n",
                     "Via : SIP/2.0/UDP   proxy.example.com;branch=z9hG4bKnashds8\r\n",
                     "t:Bob\r\n", " <sip:bob@biloxi.example.com>\r\n", "CSeq:   2 INVITE   \r\n",
                     "X-Odd-Header:value;with=params  \r\n"] {
            #expect(kept.contains(line), "\(line.debugDescription) was re-written")
        }

        // Editing the reparsed message again.
        var n = again
        n.setHeader("CSeq", "3 INVITE")
        let third = try Self.reparse(n)
        #expect(third.headerValue(CSeq.self) == CSeq(3, "INVITE"))
    }

    /// A message is a value: editing a copy, or sending it, leaves the message it was copied
    /// from as it was (they share one buffer and index until the first edit).
    @Test func editingACopyLeavesTheOriginal() throws {
        let edits: [(String, (inout SIPMessage) -> Void)] = [
            ("addHeader", { $0.addHeader("Record-Route", "<sip:p.example.com;lr>") }),
            ("prependHeader", { $0.prependHeader("Via", "SIP/2.0/UDP p.example.com;branch=z9hG4bKp") }),
            ("setHeader", { $0.setHeader("Max-Forwards", "69") }),
            ("removeHeader", { $0.removeHeader("Subject") }),
            ("removeHeader(at:)", { $0.removeHeader(at: 0) }),
            ("setBody", { $0.setBody(Array("x".utf8), contentType: "text/plain") }),
            ("setRequestLine", { $0.setRequestLine(uri: "sip:bob@192.0.2.4") }),
            ("moveToSerialisedLayout", { $0.moveToSerialisedLayout() }),
            ("intoWire", { _ = $0.intoWire() }),
        ]
        for (name, edit) in edits {
            for edited in [false, true] {
                var original = try SIPMessage(parsing: Self.messy)
                if edited { original.setHeader("Subject", "edited") }
                let before = original.bytes, index = try SIPMessage(parsing: before)
                var copy = original
                edit(&copy)
                #expect(original.bytes == before, "\(name), edited: \(edited)")
                #expect(original.isModified == edited, "\(name), edited: \(edited)")
                #expect(original.headerFields == index.headerFields, "\(name), edited: \(edited)")
                #expect(original.body == index.body, "\(name), edited: \(edited)")
                if !edited { #expect(original.hasSameIndex(as: index), "\(name)") }
                if name != "intoWire" && name != "moveToSerialisedLayout" {
                    #expect(copy.bytes != before, "\(name), edited: \(edited)")
                }
            }
        }
    }
}
