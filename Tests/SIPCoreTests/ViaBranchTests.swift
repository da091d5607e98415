import Testing
import TestSupport
@testable import SIPCore

/// `topViaBranch` (one byte pass for the usual Via) against `topVia?.branch` (the full parse)
/// on seeded Via fields, well-formed and not. Seeded, so a failure replays.
@Suite struct ViaBranchTests {
    static let protocols = ["SIP/2.0/UDP", "SIP/2.0/TCP", "SIP/2.0/TLS", "sip/2.0/udp", "SIP / 2.0 / UDP", "SIP/2.0/",
                            "SIP/3.0/UDP", "SIPS/2.0/UDP", "SIP/2.0/UD@P", "SIP/2.0"]
    static let gaps = [" ", " ", " ", "  ", "\t", "", "\r\n "]
    static let hosts = ["10.0.0.3", "pcscf", "host_name.example", "[fd00::2]", "[::1", "[a b]", "[a;branch=q]", "",
                        "h@x", "a,b", "[fd00::2],x"]
    static let ports = ["", "", ":5060", ":0", ":65535", ":65536", ":", ": 5060", ":00005060", ":5060x", ":99999999999999999999"]
    static let params = [";branch=z9hG4bK1a2b", ";branch=z9hG4bK776asdhds", ";BRANCH=Up", ";Branch=mixed", ";branch", ";branch=",
                         ";branch=\"quoted\"", ";branch=\"q\\\"x\"", ";rport", ";rport=5061", ";received=10.0.0.9", ";x=[::1]",
                         "; branch=spaced", ";branch = spaced", ";a=b@c", ";", ";;", ";alias", ";maddr=h;ttl=1", ";x=\"a,b\""]
    static let trailers = ["", "", "", " ", "\t", ", SIP/2.0/UDP second;branch=z9hG4bK2", ",", " ,SIP/2.0/UDP h;branch=b2", ", ",
                           ",SIP/2.0/UDP [bad", " x", "\r\n"]

    static let plainParams = [";branch=z9hG4bK1a2b", ";branch=z9hG4bK776asdhds", ";rport", ";received=10.0.0.9"]

    /// Mostly the plain form, with one odd part in about half of the cases.
    static func randomVia(_ g: inout SplitMix64) -> String {
        var v = g.chance(8) ? g.pick([" ", "\t"]) : ""
        v += g.chance(6) ? g.pick(protocols) : "SIP/2.0/UDP"
        v += g.chance(6) ? g.pick(gaps) : " "
        v += g.chance(4) ? g.pick(hosts) : g.pick(["10.0.0.3", "pcscf", "[fd00::2]"])
        v += g.chance(4) ? g.pick(ports) : g.pick(["", ":5060"])
        for _ in 0..<g.int(0...3) { v += g.chance(3) ? g.pick(params) : g.pick(plainParams) }
        return v + (g.chance(4) ? g.pick(trailers) : "")
    }

    static func message(via: String, compact: Bool, second: Bool) -> SIPMessage? {
        let text = "INVITE sip:b@x SIP/2.0\r\n\(compact ? "v" : "Via"): \(via)\r\n"
            + (second ? "Via: SIP/2.0/UDP next;branch=z9hG4bKnext\r\n" : "")
            + "Call-ID: c\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
        return try? SIPMessage(parsing: text)
    }

    @Test func branchMatchesTheFullParse() {
        var g = SplitMix64(seed: 0x5649_4142)
        var parsed = 0, withBranch = 0
        for n in 0..<2000 {
            let via = Self.randomVia(&g)
            guard let m = Self.message(via: via, compact: g.chance(5), second: g.chance(3)) else { continue }
            parsed += 1
            let expected = m.topVia?.branch
            if expected != nil { withBranch += 1 }
            #expect(m.topViaBranch == expected, "case \(n): \(via.debugDescription)")
            var bytes: [UInt8]?? = nil
            m.withTopViaBranch { b in bytes = .some(b.map(Array.init)) }
            #expect(bytes == .some(expected.map { Array($0.utf8) }), "case \(n): \(via.debugDescription)")
        }
        // The generator reaches both the plain form and the rejected ones.
        #expect(parsed > 1500)
        #expect(withBranch > 500)
    }

    @Test func plainFormIsReadWithoutTheFullParse() throws {
        let text = "SIP/2.0/UDP 10.0.0.3:5060;rport;branch=z9hG4bKabc;received=10.0.0.9"
        let p = Array(text.utf8)
        let r = p.withUnsafeBufferPointer { SIPMessage.plainViaBranch($0, 0..<p.count) }
        #expect(r == .some("z9hG4bKabc"))
        let none = Array("SIP/2.0/TCP [fd00::2];rport".utf8)
        #expect(none.withUnsafeBufferPointer { SIPMessage.plainViaBranch($0, 0..<none.count) } == .some(nil))
        let quoted = Array("SIP/2.0/UDP h;branch=\"x\"".utf8)
        #expect(quoted.withUnsafeBufferPointer { SIPMessage.plainViaBranch($0, 0..<quoted.count) } == nil)
        // No Via at all.
        let m = try SIPMessage(parsing: "OPTIONS sip:b@x SIP/2.0\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
        #expect(m.topViaBranch == nil)
    }
}
