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

/// `SIPMessage.methodName` (common methods as literals) against the text of the bytes, for the
/// common methods, near misses and seeded tokens.
@Suite struct MethodNameTests {
    static let names = ["INVITE", "ACK", "BYE", "REGISTER", "CANCEL", "OPTIONS", "PRACK", "UPDATE", "INFO", "MESSAGE",
                        "SUBSCRIBE", "NOTIFY", "REFER", "PUBLISH", "invite", "INVITEX", "INVIT", "ACKK", "X", ""]

    @Test func methodNameIsTheText() {
        var g = SplitMix64(seed: 0x4D45_5448)
        let letters = Array("ABCEIKNORSTVY-".utf8)
        var tokens = Self.names
        for _ in 0..<3000 { tokens.append(String(decoding: (0..<g.int(1...9)).map { _ in g.pick(letters) }, as: UTF8.self)) }
        for token in tokens {
            let bytes = Array(("  " + token + " ").utf8)
            let r = 2..<bytes.count - 1
            let name = bytes.withUnsafeBufferPointer { SIPMessage.methodName($0, r) }
            #expect(name == token && Array(name.utf8) == Array(bytes[r]), "\(token.debugDescription)")
        }
        let request = try? SIPMessage(parsing: "REGISTER sip:x SIP/2.0\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n")
        #expect(request?.method == "REGISTER" && request?.cseqMethodName == "REGISTER")
    }
}
