@testable import Network
import SIPCore
import Testing

/// A sender's parse travels with its bytes on a simulated link, and only while they are the
/// bytes it was made from.
@Suite struct CarriedParseTests {
    @Test func changingTheBytesDropsTheCarriedParse() throws {
        let m = try SIPMessage(parsing: "OPTIONS sip:bob@ims.example SIP/2.0\r\nCall-ID: x\r\nContent-Length: 0\r\n\r\n")
        var p = Packet(m.wire, from: "alice", to: "pcscf")
        #expect(p.parsed != nil)
        p.note = "delayed"
        p.extraDelayMs = 5
        #expect(p.parsed != nil)
        var edited = p
        edited.bytes[0] = UInt8(ascii: "X")
        #expect(edited.parsed == nil)
        p.bytes = m.bytes
        #expect(p.parsed == nil)
    }

    /// The P-CSCF acts on the INVITE as the attacker changed it, not as Alice sent it.
    @Test func theReceiverGetsWhatTheAttackerMade() throws {
        let net = try Fixtures.registered(Fixtures.spec())
        try net.attack(AttackAction(.setHeader(name: "Subject", value: "tampered"),
                                    match: MessageMatch(link: "alice<->pcscf", from: "alice", method: "INVITE")))
        try net.call(from: "alice", to: "bob", id: "c1")
        net.runUntilIdle()
        let forwarded = net.trace.filter { $0.kind == .sent && $0.from == "pcscf" && $0.to == "scscf" }
            .compactMap { try? SIPMessage(parsing: $0.bytes) }
            .first { $0.method == "INVITE" }
        #expect(forwarded?.value("Subject") == "tampered")
    }
}
