import Testing
@testable import SIPCore

/// The README's "SIPCore from Swift" example, run as written, so the documentation cannot
/// drift from the API.
struct ReadmeExampleTests {
    static let sdp = "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
        + "m=application 52718 UDP/DTLS/SCTP webrtc-datachannel\r\na=dcmap:0 subprotocol=\"http\"\r\n"

    static let invite = Array(([
        "INVITE sip:bob@ims.example SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK-ue-1",
        "Max-Forwards: 70",
        "To: <sip:bob@ims.example>",
        "From: <sip:alice@ims.example>;tag=a1",
        "Call-ID: readme-1@192.0.2.10",
        "CSeq: 1 INVITE",
        "P-Preferred-Identity: <sip:alice@ims.example>",
        "P-Asserted-Identity: <sip:mallory@ims.example>",
        "Identity: eyJhbGciOiJFUzI1NiJ9.eyJhdHRlc3QiOiJBIn0.c2ln;info=<https://cert.example/sp.pem>;alg=ES256;ppt=shaken",
        "Content-Type: application/sdp",
        "Content-Length: \(sdp.utf8.count)",
    ].joined(separator: "\r\n") + "\r\n\r\n" + sdp).utf8)

    @Test func libraryExample() throws {
        let bytes = Self.invite
        var msg = try SIPMessage(parsing: bytes)
        #expect(msg.method == "INVITE")
        #expect(msg.requestURI?.sipURI?.host == "ims.example")
        #expect(try msg.headerValues(Via.self).first?.branch == "z9hG4bK-ue-1")
        #expect(msg.headerValue(AddressValue.self, .pAssertedIdentity)?.uri.sipURI?.user == "mallory")
        #expect(msg.identities.first?.ppt == "shaken")
        #expect(msg.findings().isEmpty, "\(msg.findings())")

        msg.removeHeader("P-Preferred-Identity")
        msg.prependHeader("Via", "SIP/2.0/UDP pcscf.ims.example;branch=z9hG4bK-1")
        msg.setHeaderValue(AddressValue(NameAddress(uri: try URI(parsing: "tel:+12025550101"))), .pAssertedIdentity)
        let wire = msg.bytes
        let again = try SIPMessage(parsing: wire)
        #expect(try again.headerValues(Via.self).map(\.host) == ["pcscf.ims.example", "192.0.2.10"])
        #expect(again.values(.pAssertedIdentity) == ["<tel:+12025550101>"])
        #expect(!again.contains(.pPreferredIdentity))

        let (m, typed) = try SIPMessage.parseStrict(bytes)
        #expect(typed.count == m.headerCount)

        var framer = SIPStreamFramer()
        framer.append(bytes + bytes)
        var seen = 0
        while let event = framer.next() {
            if case .message = event { seen += 1 }
        }
        #expect(seen == 2)

        let sdp = try SDP(parsing: msg.body)
        #expect(sdp.media.first?.isDataChannel == true)
        #expect(sdp.media.first?.dataChannels.first?.subprotocol == "http")
    }
}
