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

    /// `copy` (a line copied whole when it is what would be written) against adding each of
    /// `values(header)` as bytes (the general path): same bytes and index. Seeded source lines
    /// with compact and odd-case names, odd spacing, folding, non-ASCII, long values, edited fields.
    @Test func copiedLinesAreWhatAddingTheValuesWrites() throws {
        var g = SplitMix64(seed: 0x434F_5059)
        let headers: [(KnownHeader, [String])] = [(.via, ["Via", "v", "VIA"]), (.to, ["To", "t"]), (.callID, ["Call-ID", "i", "call-id"]),
                                                 (.cseq, ["CSeq"]), (.recordRoute, ["Record-Route"]), (.contentLength, ["Content-Length"])]
        let colons = [": ", ": ", ":", " : ", ":  ", ":\t"]
        let values = ["SIP/2.0/UDP a;branch=z9hG4bK1", "<sip:b@x>;tag=2", "c1", "1 INVITE", "", "x,\r\n y", "caf\u{e9}",
                      "<sip:r;lr>, <sip:s;lr>", String(repeating: "v", count: 1100), "0"]
        for n in 0..<1500 {
            var text = "INVITE sip:b@x SIP/2.0\r\n"
            for _ in 0..<g.int(1...8) {
                let (_, names) = g.pick(headers)
                text += g.pick(names) + g.pick(colons) + g.pick(values) + g.pick(["", "", " "]) + "\r\n"
            }
            guard var m = try? SIPMessage(parsing: text + "\r\n") else { continue }
            if g.chance(3) { m.prependHeader("Via", g.pick([" padded ", "SIP/2.0/UDP e;branch=z9hG4bKe", ""])) }
            if g.chance(4) { m.setHeader("Call-ID", "edited") }
            var copied = MessageBuilder(startLine: Array("SIP/2.0 200 OK".utf8))
            var added = MessageBuilder(startLine: Array("SIP/2.0 200 OK".utf8))
            for (header, _) in headers {
                let firstOnly = g.chance(3)
                copied.copy(header, from: m, firstOnly: firstOnly)
                for v in m.values(header).prefix(firstOnly ? 1 : .max) { added.add(header, bytes: Array(v.utf8)) }
            }
            let a = copied.message(), b = added.message()
            #expect(a?.bytes == b?.bytes, "case \(n)")
            if let a { #expect(a.hasSameIndex(as: b), "case \(n)") } else { #expect(b == nil, "case \(n)") }
        }
    }

    /// The builder trusts a known header's canonical name: a token that looks up as itself.
    @Test func canonicalNamesAreTokensThatLookUpAsThemselves() {
        for h in KnownHeader.allCases where h != .other {
            #expect(!h.name.isEmpty && h.name.utf8.allSatisfy(ByteClass.isToken), "\(h)")
            #expect(KnownHeader(name: h.name) == h, "\(h)")
            // `isCanonicalName` holds for the name as written and for no other spelling.
            let bytes = Array(h.name.utf8), lower = Array(h.name.lowercased().utf8)
            #expect(bytes.withUnsafeBufferPointer { h.isCanonicalName($0, 0..<$0.count) }, "\(h)")
            #expect(lower == bytes || !lower.withUnsafeBufferPointer { h.isCanonicalName($0, 0..<$0.count) }, "\(h)")
            #expect(!bytes.dropLast().withUnsafeBufferPointer { h.isCanonicalName($0, 0..<$0.count) }, "\(h)")
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
