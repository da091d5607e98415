import Testing
import TestSupport
@testable import SIPCore

/// `MessageBuilder` indexes lines as it writes them; its message must be exactly a parse of
/// its bytes (same index, notes and body), or nil where the parse fails. Seeded messages with
/// hostile names and values (line breaks, blanks, non-tokens, compact names, over-long lines,
/// a Content-Length of their own), so a failure replays.
@Suite struct MessageBuilderTests {
    static let startLines = ["INVITE sip:b@x SIP/2.0", "SIP/2.0 200 OK", "SIP/2.0 100 Trying", "BYE sip:b@x SIP/2.0",
                             "", "\r\nINVITE sip:b@x SIP/2.0", "INVITE sip:b@x\nSIP/2.0", "SIP/2.0 99 Nope", "garbage"]
    static let names = ["Via", "v", "To", "From", "Call-ID", "i", "CSeq", "Contact", "X-Custom", "content-length", "l",
                        "Content-Type", "", "Bad Name", "Bad:Name", "na\u{e9}me", "Route ", "P-Asserted-Identity"]
    static let values = ["SIP/2.0/UDP a:5060;branch=z9hG4bK1", "<sip:a@x>;tag=1", "", " padded ", "\ttab", "x\r\n y",
                         "inj\r\nX: 1", "bare\rcr", "bare\nlf", "caf\u{e9}", "12", "1 INVITE", String(repeating: "a", count: 8200)]

    static func sameAsParse(_ built: SIPMessage?, _ bytes: [UInt8]) -> Bool {
        let parsed = try? SIPMessage(parsing: bytes)
        guard let built else { return parsed == nil }
        return built.hasSameIndex(as: parsed)
    }

    @Test func builtMessageIsItsParse() throws {
        var g = SplitMix64(seed: 23)
        for n in 0..<3000 {
            var b = MessageBuilder(startLine: Array(g.pick(Self.startLines).utf8))
            let known = KnownHeader.allCases.filter { $0 != .other }
            for _ in 0..<g.below(14) {
                switch g.below(4) {
                case 0: b.add(g.pick(Self.names), g.pick(Self.values))
                case 1: b.add(g.pick(Self.names), bytes: Array(g.pick(Self.values).utf8))
                case 2: b.add(g.pick(known), g.pick(Self.values))
                default: b.add(g.pick(known), bytes: Array(g.pick(Self.values).utf8))
                }
            }
            let body = g.chance(2) ? "" : g.pick(["v=0\r\n", "x", "caf\u{e9}"])
            let built = b.message(body: body, contentType: g.chance(2) ? "application/sdp" : nil)
            if let built {
                #expect(Self.sameAsParse(built, built.storage), "case \(n)")
                #expect(!built.isModified, "case \(n)")
            }
        }
    }

    /// Copied fields (folded, non-ASCII, several of one header) read back as the parse does.
    @Test func copiedFieldsAreTheirParse() throws {
        let text = "INVITE sip:b@x SIP/2.0\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2,\r\n"
            + " SIP/2.0/UDP c;branch=z9hG4bK3\r\nRecord-Route: <sip:\u{e9}@x;lr>\r\nCall-ID: c\r\nTo: <sip:b@x>\r\n"
            + "Content-Length: 0\r\n\r\n"
        let m = try SIPMessage(parsing: text)
        for header in [KnownHeader.via, .recordRoute, .callID, .to, .contact] {
            for firstOnly in [false, true] {
                var b = MessageBuilder(startLine: Array("SIP/2.0 200 OK".utf8))
                let copied = b.copy(header, from: m, firstOnly: firstOnly)
                #expect(copied == (firstOnly ? min(1, m.values(header).count) : m.values(header).count))
                let built = try #require(b.message())
                #expect(Self.sameAsParse(built, built.storage), "\(header)")
                #expect(built.values(header) == Array((firstOnly ? m.values(header).prefix(1) : m.values(header)[...])))
            }
        }
    }

    /// The builder trusts a known header's canonical name: a token that looks up as itself.
    @Test func canonicalNamesAreTokensThatLookUpAsThemselves() {
        for h in KnownHeader.allCases where h != .other {
            #expect(!h.name.isEmpty && h.name.utf8.allSatisfy(ByteClass.isToken), "\(h)")
            #expect(KnownHeader(name: h.name) == h, "\(h)")
        }
    }

    @Test func decimalsAsStringWritesThem() {
        var g = SplitMix64(seed: 3)
        var ints = [0, 7, 10, -1, -10, Int.max, Int.min]
        for _ in 0..<300 { ints.append(Int(truncatingIfNeeded: g.next()) >> Int(g.next() % 64)) }
        for n in ints {
            var out: [UInt8] = []
            MessageBuilder.appendDecimal(n, to: &out)
            #expect(out == Array(String(n).utf8))
        }
    }
}
