import Testing
import TestSupport
@testable import SIPCore

/// The fast paths of editing, serialising and typed reads against the general paths they
/// stand for. Seeded, so a failure replays.
@Suite struct EditFastPathTests {
    /// Line breaks become spaces, scalar by scalar (the rule of `SIPMessage.clean`).
    static func clean(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        for u in s.unicodeScalars { out.append(u == "\r" || u == "\n" ? " " : u) }
        return String(out)
    }

    static let nameParts = ["Via", "Route", "X-Test", "max-forwards", "v", "Call-ID", "call\rid", "A B", "\n", "é", ":", ""]
    static let valueParts = ["<sip:a@x;lr>", " ", "\r\n", "\r", "\n", "é", "SIP/2.0/UDP h;branch=z9hG4bK1", ",", "\t", "😀", "a"]

    static func random(_ parts: [String], _ g: inout SplitMix64) -> String {
        (0..<g.int(0...4)).map { _ in g.pick(parts) }.joined()
    }

    /// A field added with any name and value is written as `clean(name): clean(value)` CRLF,
    /// named as a lookup of the cleaned name, and `wire` carries a parse only when it is one.
    @Test func addedFieldsAreTheCleanedText() throws {
        var g = SplitMix64(seed: 0x4D41_4B45)
        let head = "OPTIONS sip:x SIP/2.0\r\nCall-ID: c\r\nContent-Length: 0\r\n"
        for n in 0..<3000 {
            let name = Self.random(Self.nameParts, &g), value = Self.random(Self.valueParts, &g)
            var m = try SIPMessage(parsing: head + "\r\n")
            m.addHeader(name, value)
            let expected = head + Self.clean(name) + ": " + Self.clean(value) + "\r\n\r\n"
            #expect(m.bytes == Array(expected.utf8), "case \(n): \(name.debugDescription) \(value.debugDescription)")
            #expect(m.headerFields.last?.known == KnownHeader(name: Self.clean(name)), "case \(n)")
            WireTests.check(m)
            // Prepended and set (which look the name up before writing it): the same line and header.
            var pre = try SIPMessage(parsing: head + "\r\n")
            pre.prependHeader(name, value)
            var set = try SIPMessage(parsing: head + "\r\n")
            set.setHeader(name, value)
            for edited in [pre, set] {
                let line = Self.clean(name) + ": " + Self.clean(value) + "\r\n"
                let field = edited.headerFields.first { $0.name == Self.clean(name) && $0.known == KnownHeader(name: Self.clean(name)) }
                #expect(String(decoding: edited.bytes, as: UTF8.self).contains(line), "case \(n)")
                #expect(field != nil, "case \(n): \(name.debugDescription)")
                WireTests.check(edited)
            }
        }
    }

    /// Whether each field marked `plainLine` is a plain line by the byte checks (the mark is
    /// taken on trust by copies and cuts); returns how many were marked.
    static func checkPlainMarks(_ m: SIPMessage, _ n: Int) -> Int {
        var marked = 0
        m.storage.withUnsafeBufferPointer { p in
            for f in m.fields where f.plainLine {
                marked += 1
                let unmarked = SIPMessage.Field(header: f.header, line: f.line, name: f.name, value: f.value, readsBack: f.readsBack)
                #expect(unmarked.isPlainLine(p), "case \(n): \(String(decoding: p[f.line], as: UTF8.self).debugDescription)")
            }
        }
        return marked
    }

    /// Built lines, edited lines and cut lists are marked plain only when the bytes say so.
    @Test func plainMarksHoldOfTheBytes() throws {
        var g = SplitMix64(seed: 0x504C_4149)
        let known = KnownHeader.allCases.filter { $0 != .other }
        var marked = 0
        for n in 0..<3000 {
            var b = MessageBuilder(startLine: Array("INVITE sip:b@x SIP/2.0".utf8))
            for _ in 0..<g.below(6) {
                let value = Self.random(Self.valueParts, &g)
                switch g.below(3) {
                case 0: b.add(Self.random(Self.nameParts, &g), value)
                case 1: b.add(g.pick(known), value)
                default: b.add(g.pick(known), bytes: Array(value.utf8))
                }
            }
            b.add(.route, g.pick(["<sip:p;lr>, <sip:s;lr>", "<sip:p;lr>,<sip:s;lr>", "<sip:p;lr>"]))
            guard var m = b.message() else { continue }
            marked += Self.checkPlainMarks(m, n)
            for _ in 0..<g.below(4) {
                let name = Self.random(Self.nameParts, &g), value = Self.random(Self.valueParts, &g)
                switch g.below(4) {
                case 0: m.addHeader(name, value)
                case 1: m.prependHeader(name, value)
                case 2: m.setHeader(name, value)
                default: m.dropFirstListValue(g.chance(2) ? .route : .via)
                }
                marked += Self.checkPlainMarks(m, n)
            }
        }
        // The generator reaches marked lines often (the fast path runs).
        #expect(marked > 5000)
    }

    /// Through a generic context only the public `HeaderValue` entry points apply: the
    /// dynamic-cast path that the scanning overloads inside the module skip.
    static func generic<H: HeaderValue>(_ m: SIPMessage, _ type: H.Type, _ h: KnownHeader) -> (H?, [H]?) {
        (m.headerValue(type, h), try? m.headerValues(type, h))
    }

    @Test func scanningOverloadsMatchTheGenericPath() throws {
        let texts = [
            WireTests.invite,
            Array(("SIP/2.0 401 Unauthorized\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1, bad via\r\n"
                + "WWW-Authenticate: Digest realm=\"ims\", nonce=\"n\", algorithm=MD5\r\n"
                + "From: \"A, B\" <sip:a@x>;tag=1\r\nTo: <sip:b@x\r\nCSeq: x INVITE\r\nRoute: <sip:r;lr>,\r\n <sip:s;lr>\r\n"
                + "Content-Length: 0\r\n\r\n").utf8),
        ]
        for bytes in texts {
            let m = try SIPMessage(parsing: bytes)
            for h in [KnownHeader.from, .to, .route, .contact, .via] {
                let (one, all) = Self.generic(m, AddressValue.self, h)
                #expect(m.headerValue(AddressValue.self, h) == one, "\(h)")
                #expect((try? m.headerValues(AddressValue.self, h)) == all, "\(h)")
                #expect(m.addressValue(h) == one, "\(h)")
                #expect((try? m.addressValues(h)) == all, "\(h)")
            }
            #expect(m.topVia == Self.generic(m, Via.self, .via).0)
            #expect((try? m.headerValues(Via.self)) == Self.generic(m, Via.self, .via).1)
            #expect(m.cseqValue == Self.generic(m, CSeq.self, .cseq).0)
            #expect(m.challenges == Self.generic(m, Challenge.self, .wwwAuthenticate).1 ?? [])
        }
    }

    /// Random edit sequences: the bytes `wire` sends (copied in runs) are `bytes`, and the parse
    /// it carries is a parse of them.
    @Test func wireOfEditSequences() throws {
        var g = SplitMix64(seed: 0x5749_5245)
        let edits: [(inout SIPMessage, inout SplitMix64) -> Void] = [
            { m, g in m.prependHeader("Via", "SIP/2.0/UDP h\(g.below(9));branch=z9hG4bK\(g.below(99))") },
            { m, _ in m.prependHeader("Record-Route", "<sip:p;lr>") },
            { m, g in m.setHeader("Max-Forwards", String(g.below(70))) },
            { m, _ in m.dropFirstListValue(.via) },
            { m, _ in m.dropFirstListValue(.route) },
            { m, g in m.addHeader("P-Asserted-Identity", "<sip:u\(g.below(9))@x>") },
            { m, _ in m.removeHeader("Content-Type") },
            { m, g in m.setBody(Array("v=\(g.below(9))\r\n".utf8)) },
            { m, g in m.addHeader("Subject", g.chance(3) ? " padded " : "s") },
        ]
        for n in 0..<500 {
            var m = try SIPMessage(parsing: WireTests.invite)
            for _ in 0..<g.int(0...6) { g.pick(edits)(&m, &g) }
            let w = m.wire
            #expect(w.bytes == m.bytes, "case \(n)")
            if let carried = w.parsed { #expect(carried.hasSameIndex(as: try? SIPMessage(parsing: w.bytes)), "case \(n)") }
            // What a receiver gets is sent on as it is.
            if let carried = w.parsed {
                let again = carried.wire
                #expect(again.bytes == w.bytes && again.parsed != nil, "case \(n)")
            }
        }
    }
}
