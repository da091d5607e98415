import Testing
@testable import SIPCore

/// `SIPMessage.wire`: the parse it carries is exactly what parsing its bytes gives, for
/// parsed, built and edited messages alike, and it is left out where a parse would differ.
@Suite struct WireTests {
    static let invite = Array(("INVITE sip:bob@ims.example SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bK1, SIP/2.0/UDP 10.0.0.9;branch=z9hG4bK0\r\n"
        + "Max-Forwards: 70\r\n"
        + "Route: <sip:pcscf.ims.example;lr>\r\n"
        + "From: <sip:alice@ims.example>;tag=1\r\n"
        + "To: <sip:bob@ims.example>\r\n"
        + "Call-ID: c1\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Content-Type: application/sdp\r\n"
        + "Content-Length: 4\r\n"
        + "\r\n"
        + "v=0\n").utf8)

    /// What a receiver parsing the bytes gets, compared with what `wire` carries.
    /// Returns whether a parse was carried.
    @discardableResult
    static func check(_ m: SIPMessage, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let w = m.wire
        #expect(w.bytes == m.bytes, sourceLocation: sourceLocation)
        guard let carried = w.parsed else { return false }
        #expect(carried.hasSameIndex(as: try? SIPMessage(parsing: w.bytes)), sourceLocation: sourceLocation)
        return true
    }

    static func edited(_ bytes: [UInt8] = invite, edit: (inout SIPMessage) -> Void) throws -> SIPMessage {
        var m = try SIPMessage(parsing: bytes)
        edit(&m)
        return m
    }

    @Test func parsedMessagesCarryTheirParse() throws {
        #expect(Self.check(try SIPMessage(parsing: Self.invite)))
        // Compact names, folding, odd spacing and a bare-LF body.
        #expect(Self.check(try SIPMessage(parsing: EditingTests.messy)))
        // Leading CRLFs and octets after the body are not sent.
        #expect(Self.check(try SIPMessage(parsing: Array("\r\n\r\n".utf8) + Self.invite + Array("junk".utf8))))
    }

    @Test func ordinaryEditsCarryTheirParse() throws {
        let edits: [(inout SIPMessage) -> Void] = [
            { $0.prependHeader("Via", "SIP/2.0/UDP 10.0.0.3:5060;branch=z9hG4bK2") },
            { $0.prependHeader("Record-Route", "<sip:pcscf.ims.example;lr>") },
            { $0.setHeader("Max-Forwards", "69") },
            { $0.dropFirstListValue(.via) },
            { $0.dropFirstListValue(.route) },
            { $0.addHeader("P-Asserted-Identity", "<sip:alice@ims.example>") },
            { $0.addHeader("X-Empty", "") },
            { $0.setBody(Array("v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\n".utf8)) },
            { $0.setRequestLine(uri: "sip:bob@10.0.0.7") },
            { $0.removeHeader("Content-Type") },
        ]
        for edit in edits { #expect(Self.check(try Self.edited(edit: edit))) }
        // Edited over and over, in place.
        let many = try Self.edited { m in
            for i in 0..<400 { m.setHeader("Max-Forwards", String(i)) }
        }
        #expect(Self.check(many))
        // A response built as text, sent as it is.
        #expect(Self.check(try SIPMessage(parsing: "SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")))
        #expect(Self.check(try Self.edited(Array("SIP/2.0 180 Ringing\r\nContent-Length: 0\r\n\r\n".utf8)) {
            $0.setStatus(183, reason: "Session Progress")
        }))
    }

    /// Edits that a parse reads otherwise, and framing a parse reports: no parse is carried.
    @Test func editsAParseReadsOtherwiseCarryNone() throws {
        let edits: [(inout SIPMessage) -> Void] = [
            { $0.addHeader("Subject", "  padded  ") },         // a parse trims the value
            { $0.addHeader("Subject", "\r\nX-Injected: 1") },  // line break made a space, then trimmed
            { $0.addHeader("Bad Name", "v") },                // not a token
            { $0.addHeader("Via:", "v") },                    // the parse finds the first colon
            { $0.addHeader("", "v") },
            { $0.setHeader("Content-Length", "9") },          // the body is shorter
            { $0.setHeader("Content-Length", "x") },          // a parse fails
            { $0.addHeader("X-Long", String(repeating: "a", count: 9000)) },  // over the line limit
        ]
        for edit in edits { #expect(!Self.check(try Self.edited(edit: edit))) }
        // Bare LF lines and a header section without its empty line are repaired on the wire.
        #expect(!Self.check(try SIPMessage(parsing: EditingTests.bareLF)))
        #expect(!Self.check(try SIPMessage(parsing: "OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n")))
    }
}
