import Foundation
import Testing
import TestSupport
@testable import SIPCore

/// The byte-level list accessors (a proxy's own Route entry / Via read and removed in place,
/// fields copied into a response) against the String rules they replace: `splitHeaderList`
/// on the value, the rest rejoined with ", ". Seeded, so a failure replays.
@Suite struct ListValueTests {
    /// The first element as `splitHeaderList` gives it (the value as is when it has no comma).
    static func referenceFirst(_ v: String) -> String {
        v.utf8.contains(UInt8(ascii: ",")) ? (splitHeaderList(v).first ?? "") : v
    }

    /// What stays of the field after its first element: nil when the field goes.
    static func referenceRest(_ v: String) -> String? {
        guard v.utf8.contains(UInt8(ascii: ",")) else { return nil }
        var parts = splitHeaderList(v)
        if !parts.isEmpty { parts.removeFirst() }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    static let pieces = ["<sip:pcscf;lr>", "<sip:scscf;lr;orig>", "\"Acme, Inc\" <sip:a@x;lr>", "<sip:a,b@x>",
                         "sip:plain@host;lr", "\"q\\\"uote, \" <sip:q@x>", "<sip:as;lr>", ""]
    static let separators = [", ", ",", " , ", ",  ", "\t,\t", ",\r\n ", " ,"]

    static func randomValue(_ g: inout SplitMix64) -> String {
        var v = g.chance(5) ? " " : ""
        for k in 0..<g.int(1...4) {
            if k > 0 { v += g.pick(separators) }
            v += g.pick(pieces)
        }
        return v + (g.chance(6) ? " " : "")
    }

    static func message(route: String) throws -> SIPMessage {
        let text = "INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nRoute: \(route)\r\n"
            + "Route: <sip:last;lr>\r\nCall-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        return try SIPMessage(parsing: text)
    }

    /// Stray and nested angle brackets and quotes around the first comma (where the first
    /// element ends is told the short way without a quote before the comma): the first element
    /// and the list as `splitHeaderList` gives them.
    @Test func firstElementAroundStrayBracketsMatchesSplitHeaderList() throws {
        let pieces = ["a>b", "<c", "d>", "<sip:e,f@x>", "g<h>i", "\"j,<\" k", ">", "<", "l", "<m>n,o"]
        var g = SplitMix64(seed: 0x4252_4B54)
        var read = 0
        for n in 0..<3000 {
            var raw = ""
            for k in 0..<g.int(1...4) { raw += (k > 0 ? g.pick([", ", ","]) : "") + g.pick(pieces) }
            guard let m = try? Self.message(route: raw), let v = m.value(.route) else { continue }
            read += 1
            #expect(m.firstListValue(.route) == Self.referenceFirst(v), "case \(n): \(raw.debugDescription)")
            #expect(m.listValues("Route") == m.values(.route).flatMap(splitHeaderList), "case \(n): \(raw.debugDescription)")
        }
        #expect(read > 2500)
    }

    @Test func firstAndRemovedElementMatchSplitHeaderList() throws {
        var g = SplitMix64(seed: 0x4C49_5354)
        for n in 0..<4000 {
            let raw = Self.randomValue(&g)
            let m0 = try Self.message(route: raw)
            let v = try #require(m0.value(.route), "seed case \(n): \(raw.debugDescription)")
            #expect(m0.firstListValue(.route) == Self.referenceFirst(v), "case \(n): \(raw.debugDescription)")
            #expect(m0.listValues("Route") == m0.values(.route).flatMap(splitHeaderList), "case \(n): \(raw.debugDescription)")

            var m = m0
            let removed = m.removeFirstListValue(.route)
            #expect(removed == Self.referenceFirst(v), "case \(n): \(raw.debugDescription)")
            let expected = (Self.referenceRest(v).map { [$0] } ?? []) + ["<sip:last;lr>"]
            #expect(m.values(.route) == expected, "case \(n): \(raw.debugDescription)")
            #expect(m.serializedCount == m.bytes.count, "case \(n)")
            // Parsing trims the value, so a rest ending in an empty element ("a, ") comes back as "a,".
            let trimmed = expected.map { String($0.reversed().drop { $0 == " " }.reversed()) }
            #expect((try? SIPMessage(parsing: m.bytes).values(.route)) == trimmed, "case \(n): reparsed")

            var d = m0
            d.dropFirstListValue(.route)
            #expect(d.bytes == m.bytes, "case \(n): drop and remove differ")
            // Byte for byte the field rewritten as `Route: rest` (the element cut in place or not).
            let text = String(decoding: m0.bytes, as: UTF8.self)
            let rest = Self.referenceRest(v).map { "Route: \($0)\r\n" } ?? ""
            #expect(String(decoding: m.bytes, as: UTF8.self) == text.replacingOccurrences(of: "Route: \(raw)\r\n", with: rest),
                    "case \(n): \(raw.debugDescription)")
            WireTests.check(m)
        }
    }

    @Test func copiedFieldsCarryValuesAsValuesReadsThem() throws {
        let text = "SIP/2.0 200 OK\r\nv: SIP/2.0/UDP a;branch=z9hG4bK1\r\nVia: SIP/2.0/UDP b;branch=z9hG4bK2,\r\n"
            + " SIP/2.0/UDP c;branch=z9hG4bK3\r\nRecord-Route: <sip:\u{e9}@x;lr>\r\nCall-ID: c\r\nContent-Length: 0\r\n\r\n"
        let m = try SIPMessage(parsing: text)
        for (header, name) in [(KnownHeader.via, "Via"), (.recordRoute, "Record-Route"), (.contact, "Contact")] {
            var b = MessageBuilder(startLine: Array("SIP/2.0 200 OK".utf8))
            b.copy(header, from: m)
            let built = try #require(b.message())
            let expected = "SIP/2.0 200 OK\r\n" + m.values(header).map { "\(name): \($0)\r\n" }.joined() + "Content-Length: 0\r\n\r\n"
            #expect(built.bytes == Array(expected.utf8), "\(name)")
        }
    }

    @Test func editedMessageBytesAndCountAgree() throws {
        // The last field lacks its line end (a datagram cut short): an added field must not run into it.
        var m = try SIPMessage(parsing: "OPTIONS sip:x SIP/2.0\r\nCall-ID: c\r\nCSeq: 1 OPTIONS")
        m.addHeader("Max-Forwards", "70")
        #expect(m.serializedCount == m.bytes.count)
        #expect(String(decoding: m.bytes, as: UTF8.self) == "OPTIONS sip:x SIP/2.0\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n\r\n")
        m.addHeader("Subject", "a\r\nInjected: yes")
        #expect(m.value("Subject") == "a  Injected: yes")
        #expect(!m.contains("Injected"))
    }
}
