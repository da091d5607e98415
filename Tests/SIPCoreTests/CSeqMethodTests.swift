import Testing
import TestSupport
@testable import SIPCore

/// `cseqMethodName` (one byte pass for the usual CSeq) against `cseqValue?.method` (the full parse)
/// on seeded values, well-formed and not. Seeded, so a failure replays.
@Suite struct CSeqMethodTests {
    static let numbers = ["1", "314159", "0", "2147483647", "2147483648", "99999999999999999999", "007", "", "-1", "1.5", "12a"]
    static let gaps = [" ", " ", "  ", "\t", "", "\r\n ", " \t "]
    static let methods = ["INVITE", "ACK", "BYE", "REGISTER", "invite", "X-Custom.m!", "", "IN VITE", "INV@ITE", "ÉTÉ", "INVITE,"]
    static let edges = ["", "", " ", "\t", "  "]

    static func randomValue(_ g: inout SplitMix64) -> String {
        var v = g.pick(edges)
        v += g.chance(3) ? g.pick(numbers) : "\(g.int(1...9999))"
        v += g.chance(3) ? g.pick(gaps) : " "
        v += g.chance(3) ? g.pick(methods) : g.pick(["INVITE", "REGISTER", "BYE"])
        return v + g.pick(edges)
    }

    @Test func methodMatchesTheFullParse() {
        var g = SplitMix64(seed: 0x4353_4551)
        var parsed = 0, withMethod = 0
        for n in 0..<2000 {
            let value = Self.randomValue(&g)
            let text = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: c\r\nCSeq: \(value)\r\n"
                + (g.chance(4) ? "CSeq: 2 BYE\r\n" : "") + "Content-Length: 0\r\n\r\n"
            guard let m = try? SIPMessage(parsing: text) else { continue }
            parsed += 1
            let expected = m.cseqValue?.method
            if expected != nil { withMethod += 1 }
            #expect(m.cseqMethodName == expected, "case \(n): \(value.debugDescription)")
        }
        #expect(parsed > 1500)
        #expect(withMethod > 500)
    }
}
