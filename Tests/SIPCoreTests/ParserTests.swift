import Testing
@testable import SIPCore

/// Builds a message from lines joined with CRLF; `body` is appended after the empty line
/// with a correct Content-Length unless `contentLength` overrides it.
func sip(_ lines: [String], body: String = "", contentLength: String? = nil) -> [UInt8] {
    var all = lines
    all.append("Content-Length: \(contentLength ?? String(body.utf8.count))")
    return Array((all.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
}

let inviteLines = [
    "INVITE sip:bob@ims.example SIP/2.0",
    "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds;rport",
    "Max-Forwards: 70",
    "To: Bob <sip:bob@ims.example>",
    "From: \"Alice A.\" <sip:alice@ims.example>;tag=1928301774",
    "Call-ID: a84b4c76e66710@pc33.ims.example",
    "CSeq: 314159 INVITE",
    "Contact: <sip:alice@192.0.2.1:5060;ob>;+sip.instance=\"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>\";expires=600",
]

struct StartLineTests {
    @Test func requestLineParts() throws {
        let m = try SIPMessage(parsing: sip(inviteLines))
        #expect(m.kind == .request)
        #expect(m.method == "INVITE")
        #expect(m.requestURIText == "sip:bob@ims.example")
        #expect(m.requestURI?.sipURI?.host == "ims.example")
        #expect(m.version == "SIP/2.0")
        #expect(m.statusCode == nil)
    }

    @Test func anyTokenIsAMethod() throws {
        let method = "!interesting-Method0123456789_*+`.%indeed'~"
        let m = try SIPMessage(parsing: sip(["\(method) sip:a@b.example SIP/2.0", "CSeq: 1 \(method)"]))
        #expect(m.method == method)
        _ = try m.validate()
    }

    @Test func statusLineWithUTF8AndEmptyReason() throws {
        let r = try SIPMessage(parsing: sip(["SIP/2.0 180 Звонит", "CSeq: 1 INVITE"]))
        #expect(r.statusCode == 180)
        #expect(r.reasonPhrase == "Звонит")
        let empty = try SIPMessage(parsing: sip(["SIP/2.0 100 ", "CSeq: 1 INVITE"]))
        #expect(empty.reasonPhrase == "")
    }

    @Test(arguments: [
        ("INVITE  sip:a@b SIP/2.0", "more than one SP between Request-Line elements"),
        ("INVITE sip:a@b  SIP/2.0", "more than one SP between Request-Line elements"),
        ("INVITE sip:a@b SIP/2.0 ", "trailing whitespace after the SIP version"),
        ("INVITE <sip:a@b> SIP/2.0", "Request-URI enclosed in <>"),
        ("INVITE sip:a@b; lr SIP/2.0", "LWS inside Request-URI"),
        ("INVITE sip:a@b SIP/3.0", "unsupported SIP version SIP/3.0"),
        ("INVITE sip:a@b HTTP/1.1", "malformed SIP version"),
        ("INV{TE sip:a@b SIP/2.0", "method is not a token"),
        ("SIP/2.0 99 Too Low", "status code 99 out of range"),
        ("SIP/2.0 1000 Too Many Digits", "out of range (must be three digits"),
        ("SIP/2.0 OK", "status code is not a number"),
        ("INVITE", "Request-Line has no Request-URI and SIP version"),
        ("INVITE sip:a@b", "Request-Line has no SIP version"),
        ("INV\"ITE sip:a@b SIP/2.0", "method is not a token"),
    ])
    func startLineRejections(_ line: String, _ rule: String) {
        #expect(throws: SIPParseError.self) { try SIPMessage(parsing: sip([line])) }
        do {
            _ = try SIPMessage(parsing: sip([line]))
        } catch {
            #expect(error.rule.contains(rule), "\(line): \(error.rule)")
            #expect(error.line == 1)
        }
    }

    @Test func requestURIHeadersAreRejectedOnlyOnValidation() throws {
        let m = try SIPMessage(parsing: sip(["INVITE sip:a@b.example?Subject=x SIP/2.0", "CSeq: 1 INVITE"]))
        #expect(throws: SIPParseError.self) { try m.validate() }
    }
}

struct HeaderIndexTests {
    @Test func namesAreCaseInsensitiveAndCompactFormsMap() throws {
        let m = try SIPMessage(parsing: sip([
            "OPTIONS sip:a@b.example SIP/2.0", "v: SIP/2.0/TCP h.example;branch=z9hG4bK1", "i: abc@h", "f: <sip:x@y>;tag=1",
            "t: <sip:a@b.example>", "CSEQ: 2 OPTIONS", "m: <sip:x@h>", "k: path", "s: hello", "c: text/plain",
            "e: gzip", "o: reg", "u: presence", "x: 1800", "r: <sip:c@d>", "b: <sip:e@f>", "y: a.b.c;info=<https://x/y>",
        ]))
        for h: KnownHeader in [.via, .callID, .from, .to, .cseq, .contact, .supported, .subject, .contentType,
                               .contentEncoding, .event, .allowEvents, .sessionExpires, .referTo, .referredBy, .identity] {
            #expect(m.contains(h), "\(h.name)")
        }
        #expect(m.value("call-id") == "abc@h")
        #expect(m.value("CALL-ID") == "abc@h")
        #expect(m.headerFields.first { $0.name == "v" }?.canonicalName == "Via")
    }

    @Test func foldedValuesUnfold() throws {
        let m = try SIPMessage(parsing: sip(["OPTIONS sip:a@b SIP/2.0", "Subject: first", "  second\t", "\tthird", "CSeq: 1 OPTIONS"]))
        #expect(m.value(.subject) == "first second third")
        #expect(m.headerValue(TextValue.self, .subject)?.value == "first second third")
    }

    @Test func headerNameMayBeFollowedByWhitespaceBeforeColon() throws {
        let m = try SIPMessage(parsing: sip(["OPTIONS sip:a@b SIP/2.0", "Max-Forwards   :   70"]))
        #expect(m.headerValue(MaxForwards.self)?.hops == 70)
    }

    @Test func commaSplittingRespectsQuotesAndAngles() {
        let parts = splitHeaderList(#""Doe, John" <sip:j@x;a=b,c>, <sip:k@y>;q=0.5 , tel:+1"#)
        #expect(parts == [#""Doe, John" <sip:j@x;a=b,c>"#, "<sip:k@y>;q=0.5", "tel:+1"])
        #expect(splitHeaderList(#""a\"," <sip:a@b>, x"#) == [#""a\"," <sip:a@b>"#, "x"])
        #expect(splitHeaderList("") == [])
    }

    @Test(arguments: [
        ("OPTIONS sip:a@b SIP/2.0\r\n NoName\r\n\r\n", "line folding without a preceding header field"),
        ("OPTIONS sip:a@b SIP/2.0\r\nBad Header: x\r\n\r\n", "not followed by ':'"),
        ("OPTIONS sip:a@b SIP/2.0\r\n: value\r\n\r\n", "empty header name"),
        ("OPTIONS sip:a@b SIP/2.0\r\nX: y\r\r\n\r\n", "bare CR inside a header line"),
    ])
    func malformedHeaderLines(_ text: String, _ rule: String) {
        do {
            _ = try SIPMessage(parsing: text)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.rule.contains(rule), "\(error.rule)")
            #expect(error.line == 2)
        }
    }

    @Test func bareLFIsToleratedAndNoted() throws {
        let m = try SIPMessage(parsing: "OPTIONS sip:a@b SIP/2.0\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n")
        #expect(m.value(.cseq) == "1 OPTIONS")
        #expect(m.findings().contains { $0.message == "bare LF line ending" })
        #expect(m.bytes == Array("OPTIONS sip:a@b SIP/2.0\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n".utf8))
    }
}

struct BodyFramingTests {
    @Test func contentLengthBoundsTheBody() throws {
        let m = try SIPMessage(parsing: sip(inviteLines, body: "v=0\r\n"))
        #expect(m.bodyText == "v=0\r\n")
        #expect(m.trailingByteCount == 0)
        let extra = try SIPMessage(parsing: sip(inviteLines, body: "v=0\r\nEXTRA", contentLength: "5"))
        #expect(extra.bodyText == "v=0\r\n")
        #expect(extra.trailingByteCount == 5)
    }

    @Test(arguments: [("99", "Content-Length larger than the message (99 declared, 3 present)"),
                      ("-1", "negative Content-Length"), ("abc", "malformed Content-Length"),
                      ("99999999999999999999", "Content-Length out of range")])
    func badContentLength(_ value: String, _ rule: String) {
        do {
            _ = try SIPMessage(parsing: sip(["OPTIONS sip:a@b SIP/2.0"], body: "abc", contentLength: value))
            Issue.record("accepted Content-Length \(value)")
        } catch {
            #expect(error.rule.contains(rule), "\(error.rule)")
            #expect(error.header == "Content-Length")
        }
    }

    @Test func withoutContentLengthADatagramBodyIsTheRest() throws {
        let m = try SIPMessage(parsing: "MESSAGE sip:a@b SIP/2.0\r\nCSeq: 1 MESSAGE\r\n\r\nhello")
        #expect(m.bodyText == "hello")
        #expect(m.findings().contains { $0.message.hasPrefix("no Content-Length") })
    }

    @Test func setBodyKeepsContentLengthRight() throws {
        var m = try SIPMessage(parsing: sip(inviteLines))
        let sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n"
        m.setBody(Array(sdp.utf8), contentType: "application/sdp")
        let again = try SIPMessage(parsing: m.bytes)
        #expect(again.bodyText == sdp)
        #expect(again.value(.contentLength) == "31")
        #expect(again.value(.contentType) == "application/sdp")
    }
}

struct LimitTests {
    @Test func messageSizeLimit() {
        let big = sip(inviteLines, body: String(repeating: "x", count: 70_000))
        #expect(throws: SIPParseError.self) { try SIPMessage(parsing: big) }
        #expect((try? SIPMessage(parsing: big, limits: ParseLimits(maxMessageSize: 100_000))) != nil)
    }

    @Test func headerCountLimit() {
        let many = ["OPTIONS sip:a@b SIP/2.0"] + (0..<300).map { "X-H\($0): v" }
        do {
            _ = try SIPMessage(parsing: sip(many))
            Issue.record("300 headers accepted")
        } catch {
            #expect(error.rule == "more than 256 header fields")
        }
    }

    @Test func lineLengthLimit() {
        let long = ["OPTIONS sip:a@b SIP/2.0", "Subject: " + String(repeating: "a", count: 9000)]
        do {
            _ = try SIPMessage(parsing: sip(long))
            Issue.record("long line accepted")
        } catch {
            #expect(error.rule.contains("header line longer than 8192 bytes"))
        }
        #expect((try? SIPMessage(parsing: sip(long), limits: ParseLimits(maxLineLength: 10_000))) != nil)
    }
}

struct URITests {
    @Test func sipURIParts() throws {
        let u = try #require(try URI(parsing: "sips:alice:secret@[2001:db8::1]:5061;transport=tls;lr?Subject=hi&Priority=urgent").sipURI)
        #expect(u.secure)
        #expect(u.user == "alice")
        #expect(u.password == "secret")
        #expect(u.host == "[2001:db8::1]")
        #expect(u.port == 5061)
        #expect(u.transport == "tls")
        #expect(u.parameters.contains("lr"))
        #expect(u.headers.map(\.name) == ["Subject", "Priority"])
        #expect(u.description == "sips:alice:secret@[2001:db8::1]:5061;transport=tls;lr?Subject=hi&Priority=urgent")
    }

    @Test func escapesAreKeptAndDecodedOnRequest() throws {
        let u = try #require(try URI(parsing: "sip:%61lice%20smith@ims.example").sipURI)
        #expect(u.user == "%61lice%20smith")
        #expect(u.decodedUser == "alice smith")
        #expect(percentDecode("bad%zzescape%4") == "bad%zzescape%4")
    }

    @Test func telURIWithVerstatAndPhoneContext() throws {
        let t = try #require(try URI(parsing: "tel:+12155550121;verstat=TN-Validation-Passed").telURI)
        #expect(t.isGlobal)
        #expect(t.number == "+12155550121")
        #expect(t.verstat == "TN-Validation-Passed")
        let local = try #require(try URI(parsing: "tel:7042;phone-context=example.com").telURI)
        #expect(!local.isGlobal)
        #expect(local.parameters["phone-context"] == "example.com")
    }

    @Test func verstatInTheUserPartOfASIPURI() throws {
        let u = try #require(try URI(parsing: "sip:+12155550121;verstat=TN-Validation-Passed@ims.example;user=phone").sipURI)
        #expect(u.isPhone)
        let (number, params) = try #require(u.userNumber)
        #expect(number == "+12155550121")
        #expect(params["verstat"] == "TN-Validation-Passed")
    }

    @Test func unknownSchemesAreOpaque() throws {
        #expect(try URI(parsing: "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6") == .other(scheme: "urn", opaque: "uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"))
        #expect(try URI(parsing: "soap.beep://192.0.2.103:3002").scheme == "soap.beep")
    }

    @Test(arguments: ["sip:", "sip:@host", "sip:a@", "sip:a@[::1", "sip:a@h:99999", "sip:a@h;;x", "nocolon", "sip:a b@h"])
    func malformedURIs(_ text: String) {
        #expect(throws: HeaderSyntaxError.self) { try URI(parsing: text) }
    }
}

struct NameAddressTests {
    @Test(arguments: [
        (#""Alice \"A\"" <sip:alice@ims.example>"#, #"Alice "A""#),
        ("Alice Smith <sip:alice@ims.example>", "Alice Smith"),
        ("alice<sip:alice@ims.example>", "alice"),
        ("<sip:alice@ims.example>", nil),
        ("sip:alice@ims.example", nil),
    ])
    func displayNames(_ text: String, _ name: String?) throws {
        let a = try NameAddress(parsing: text)
        #expect(a.displayName == name)
        #expect(a.uri.sipURI?.user == "alice")
    }

    @Test func addrSpecParametersBelongToTheHeader() throws {
        let v = try AddressValue(parsing: "sip:alice@ims.example;tag=abc")
        #expect(v.tag == "abc")
        #expect(v.uri.sipURI?.parameters.isEmpty == true)
        let b = try AddressValue(parsing: "<sip:alice@ims.example;tag=abc>;tag=def")
        #expect(b.tag == "def")
        #expect(b.uri.sipURI?.parameters["tag"] == "abc")
    }

    @Test(arguments: [
        (#""unterminated <sip:a@b>"#, "unterminated quoted display name"),
        ("< sip:a@b >", "whitespace inside <> around the URI"),
        ("Bell, Alexander <sip:a@b>", "unquoted display name contains ','"),
        ("sip:a@b?Route=x", "must be enclosed in <>"),
        ("<sip:a@b", "unterminated '<'"),
        (#""Joe" sip:a@b"#, "expected '<' after the quoted display name"),
    ])
    func rejections(_ text: String, _ rule: String) {
        do {
            _ = try NameAddress(parsing: text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.rule.contains(rule), "\(error.rule)")
        }
    }

    @Test func serialisationQuotesWhenNeeded() throws {
        let a = NameAddress(displayName: "Doe, John", uri: .sip(SIPURI(user: "j", host: "x.example")))
        #expect(a.description == #""Doe, John" <sip:j@x.example>"#)
        #expect(try NameAddress(parsing: a.description) == a)
    }
}

struct CoreTypedHeaderTests {
    @Test func viaWithLWSInSentProtocol() throws {
        let v = try Via(parsing: "SIP / 2.0 / UDP  192.0.2.2:5062 ; branch = z9hG4bK30239 ; received=198.51.100.7;rport=5070")
        #expect(v.transport == "UDP")
        #expect(v.host == "192.0.2.2")
        #expect(v.port == 5062)
        #expect(v.branch == "z9hG4bK30239")
        #expect(v.hasMagicCookie)
        #expect(v.received == "198.51.100.7")
        #expect(v.rport == 5070)
        #expect(v.description == "SIP/2.0/UDP 192.0.2.2:5062;branch=z9hG4bK30239;received=198.51.100.7;rport=5070")
        #expect(try Via(parsing: "SIP/2.0/TLS [2001:db8::9]:5061;branch=z9hG4bKx").host == "[2001:db8::9]")
    }

    @Test func viaListInOneField() throws {
        let m = try SIPMessage(parsing: sip(["OPTIONS sip:a@b SIP/2.0",
                                             "Via: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/TCP b.example;branch=z9hG4bK2",
                                             "Via: SIP/2.0/UDP c.example;branch=z9hG4bK3"]))
        #expect(try m.headerValues(Via.self).map(\.host) == ["a.example", "b.example", "c.example"])
    }

    @Test func cseqAndMaxForwardsRanges() throws {
        #expect(try CSeq(parsing: "2147483647 INVITE").sequence == 2_147_483_647)
        #expect(throws: HeaderSyntaxError.self) { try CSeq(parsing: "2147483648 INVITE") }
        #expect(throws: HeaderSyntaxError.self) { try CSeq(parsing: "1INVITE") }
        #expect(try MaxForwards(parsing: "0068").hops == 68)
        #expect(throws: HeaderSyntaxError.self) { try MaxForwards(parsing: "256") }
        #expect(throws: HeaderSyntaxError.self) { try Numeric(parsing: "4294967296") }
    }

    @Test func dateIsRFC1123InGMT() throws {
        let d = try SIPDate(parsing: "Sat, 13 Nov 2010 23:29:00 GMT")
        #expect(d.secondsSince1970 == 1_289_690_940)
        #expect(d.description == "Sat, 13 Nov 2010 23:29:00 GMT")
        #expect(SIPDate(secondsSince1970: 0).description == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(SIPDate(secondsSince1970: 951_782_400).description == "Tue, 29 Feb 2000 00:00:00 GMT")
        #expect(throws: HeaderSyntaxError.self) { try SIPDate(parsing: "Sat, 13 Nov 2010 23:29:00 EST") }
        #expect(throws: HeaderSyntaxError.self) { try SIPDate(parsing: "Sat, 30 Feb 2010 23:29:00 GMT") }
        #expect(throws: HeaderSyntaxError.self) { try SIPDate(parsing: "13 Nov 2010 23:29:00 GMT") }
    }

    @Test func contactFeatureTagsAndWildcard() throws {
        let m = try SIPMessage(parsing: sip(inviteLines))
        let c = try #require(try m.headerValues(ContactValue.self).first)
        #expect(c.expires == 600)
        #expect(c.instanceID == "<urn:uuid:00000000-0000-1000-8000-000A95A0E128>")
        #expect(c.featureTags.map(\.name) == ["+sip.instance"])
        #expect(try ContactValue(parsing: "*").isWildcard)
        #expect(throws: HeaderSyntaxError.self) { try ContactValue(parsing: "<sip:a@b>;q=1.5") }
    }

    @Test func mediaTypesAndOptionTags() throws {
        let t = try MediaType(parsing: #"multipart/mixed;boundary="b 1""#)
        #expect(t.mimeType == "multipart/mixed")
        #expect(t.boundary == "b 1")
        let m = try SIPMessage(parsing: sip(["OPTIONS sip:a@b SIP/2.0", "Supported: path, gruu,100rel", "Supported: sec-agree"]))
        #expect(try m.headerValues(OptionTag.self, .supported).map(\.value) == ["path", "gruu", "100rel", "sec-agree"])
    }

    @Test func parametersAreCaseInsensitiveAndKeepOrder() throws {
        var p = try Via(parsing: "SIP/2.0/UDP h;BRANCH=z9hG4bKa;x;y=\"q;v\"").parameters
        #expect(p["branch"] == "z9hG4bKa")
        #expect(p.contains("X"))
        #expect(p["y"] == "q;v")
        #expect(p.map(\.name) == ["BRANCH", "x", "y"])
        p.set("x", "1")
        p.set("new", "two words")
        #expect(p.serialized == #";BRANCH=z9hG4bKa;x=1;y="q;v";new="two words""#)
        p.remove("branch")
        #expect(p.serialized == #";x=1;y="q;v";new="two words""#)
    }

    @Test func typedErrorsNameTheHeaderAndLine() throws {
        let m = try SIPMessage(parsing: sip(["OPTIONS sip:a@b SIP/2.0", "Via: SIP/2.0/UDP h;branch=z9hG4bK1", "CSeq: x OPTIONS"]))
        do {
            _ = try m.validate()
            Issue.record("bad CSeq accepted")
        } catch {
            #expect(error.header == "CSeq")
            #expect(error.line == 3)
            #expect(error.rule.hasPrefix("CSeq: expected sequence number"))
        }
    }
}

struct FindingTests {
    @Test func missingHeadersAndCookie() throws {
        let m = try SIPMessage(parsing: sip(["OPTIONS sip:a@b SIP/2.0", "Via: SIP/2.0/UDP h;branch=1234"]))
        let f = m.findings().map(\.message)
        #expect(f.contains("missing mandatory header fields: Call-ID, From, To, CSeq, Max-Forwards (400 Bad Request)"))
        #expect(f.contains { $0.contains("lacks the z9hG4bK magic cookie") })
    }

    @Test func wellFormedRequestHasNoFindings() throws {
        let m = try SIPMessage(parsing: sip(inviteLines))
        #expect(m.findings().isEmpty, "\(m.findings())")
    }

    @Test func assertedIdentityShape() throws {
        let m = try SIPMessage(parsing: sip(inviteLines + ["P-Asserted-Identity: <sip:a@x>, <sip:b@x>"]))
        #expect(m.findings().contains { $0.message.contains("two sip/sips URIs") })
    }
}

struct MessageCheckTests {
    @Test func humanAndJSONLines() throws {
        let ok = MessageCheck.check(sip(inviteLines), file: "a.sip")
        #expect(ok.humanText == "a.sip: valid (INVITE sip:bob@ims.example)")
        #expect(ok.jsonLine == #"{"file":"a.sip","findings":[],"kind":"request","method":"INVITE","uri":"sip:bob@ims.example","valid":true}"#)
        let bad = MessageCheck.check(sip(inviteLines.map { $0.replacingOccurrences(of: "CSeq: 314159 INVITE", with: "CSeq: 314159 BYE") }), file: "b.sip")
        #expect(bad.humanText == "b.sip: invalid: CSeq method BYE does not match Request-Line method INVITE at line 7")
        #expect(bad.kind == "request")
        // Rejected during framing: the start line still says what the message was.
        let framing = MessageCheck.check(sip(inviteLines, body: "abc", contentLength: "99"), file: "d.sip")
        #expect(!framing.valid)
        #expect(framing.kind == "request")
        #expect(framing.method == "INVITE")
        #expect(framing.line == 9)
        let resp = MessageCheck.check(sip(["SIP/2.0 486 Busy Here"]), file: "c.sip")
        #expect(resp.humanText.hasPrefix("c.sip: valid (486 Busy Here)"))
        #expect(resp.jsonLine.contains(#""status":486"#))
    }
}

struct HeaderNameLookupTests {
    @Test func everyKnownNameInAnyCaseAndCompactForm() {
        for h in KnownHeader.allCases where h != .other {
            #expect(KnownHeader(name: h.name) == h, "\(h.name)")
            #expect(KnownHeader(name: h.name.uppercased()) == h, "\(h.name)")
            #expect(KnownHeader(name: h.name.lowercased()) == h, "\(h.name)")
            if let c = h.compactForm {
                #expect(KnownHeader(name: String(c)) == h)
                #expect(KnownHeader(name: String(c).uppercased()) == h)
            }
        }
    }

    @Test(arguments: ["Content_Length", "Content-Lengtx", "Xontent-Length", "P-Asserted-Identitx", "P_Asserted-Identity",
                      "Via1", "Vi", "CSeq2", "Call-ID!", "C%6Fntact", "Contact~", "q", "1"])
    func nearMissesAreUnknown(_ name: String) {
        #expect(KnownHeader(name: name) == .other)
    }
}
