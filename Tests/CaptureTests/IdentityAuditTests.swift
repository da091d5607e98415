import Capture
import Foundation
import Identity
import SIPCore
import Testing

/// Audit of captured Identity headers: INVITEs signed with the TEST PKI (RFC 8224 / SHAKEN,
/// delegate certificate), written with `PcapWriter`, verified at each packet's time.
@Suite struct IdentityAuditTests {
    static let t: Int64 = 1_700_000_000
    static let alice = Endpoint(parsing: "192.0.2.10:5060")!
    static let bob = Endpoint(parsing: "192.0.2.20:5060")!

    static func invite(call: String) throws -> SIPMessage {
        try SIPMessage(parsing: [
            "INVITE sip:+12025550155@example.com;user=phone SIP/2.0", "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK\(call)",
            "Max-Forwards: 70", "From: <sip:+12025550123@example.com;user=phone>;tag=a-\(call)",
            "To: <sip:+12025550155@example.com;user=phone>", "Call-ID: \(call)@192.0.2.10", "CSeq: 1 INVITE",
            "Content-Length: 0",
        ].joined(separator: "\r\n") + "\r\n\r\n")
    }

    /// A signature character changed: the JWS no longer verifies (438 Invalid Identity Header).
    static func tamperSignature(_ m: SIPMessage) -> SIPMessage {
        var m = m
        var value = Array((m.value(.identity) ?? "").utf8)
        // header.payload.signature;info=<...>;alg=ES256;ppt=shaken: the signature ends at the first ';'.
        let jwsEnd = value.firstIndex(of: UInt8(ascii: ";")) ?? value.count
        let sigStart = value[..<jwsEnd].lastIndex(of: UInt8(ascii: "."))! + 1
        let i = sigStart + 10
        value[i] = value[i] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        m.setHeader("Identity", String(decoding: value, as: UTF8.self))
        return m
    }

    /// Writes the PKI (`certs.yaml` map) and a capture with a valid and a tampered INVITE.
    static func fixture() throws -> (capture: String, trust: IdentityTrust, dir: URL) {
        let pki = try TestPKI.generate(at: Date(timeIntervalSince1970: TimeInterval(t)), seed: 11)
        let dir = URL(fileURLWithPath: Fixtures.tempPath("pki"))
        try pki.write(to: dir)
        let service = AuthenticationService(signer: PASSporTSigner(key: try pki.delegate.privateKey(), x5u: pki.delegate.url),
                                            clock: FixedClock(t))
        var good = try invite(call: "good")
        try service.sign(&good)
        var bad = try invite(call: "bad")
        try service.sign(&bad)
        bad = tamperSignature(bad)
        let capture = Fixtures.tempPath("signed.pcap")
        let w = try PcapWriter(path: capture)
        try w.write(time: t * 1_000_000_000 + 1_000_000, src: alice, dst: bob, transport: .udp, payload: good.bytes)
        try w.write(time: t * 1_000_000_000 + 2_000_000, src: alice, dst: bob, transport: .tcp, payload: bad.bytes)
        try w.close()
        let trust = try IdentityTrust.load(anchorFiles: [dir.appendingPathComponent(pki.root.fileName).path],
                                           mapFile: dir.appendingPathComponent("certs.yaml").path, pairs: [:])
        return (capture, trust, dir)
    }

    @Test func validVerifiesAndTamperedIsRejectedWith438AtCaptureTime() async throws {
        let f = try Self.fixture()
        var o = AuditOptions()
        o.trust = f.trust
        o.clock = .capture
        let report = try await CaptureAuditor.audit(path: f.capture, options: o)
        #expect(report.sipMessages == 2)
        #expect(report.requests == ["INVITE": 2])
        try #require(report.identity.count == 2, "\(report.identity)")
        let good = try #require(report.identity.first { $0.callID == "good@192.0.2.10" })
        let bad = try #require(report.identity.first { $0.callID == "bad@192.0.2.10" })
        #expect(good.verdict == "valid", "\(good.detail)")
        #expect(good.sipStatus == nil)
        #expect(good.verstat == "TN-Validation-Passed")
        #expect(bad.verdict == "invalid", "\(bad.detail)")
        #expect(bad.sipStatus == 438, "\(bad.detail)")
        let check = try #require(report.checks.first { $0.name == "identity-verifies" })
        #expect(check.status == .failed && check.message.contains("1 of 2"), "\(check.message)")
    }

    @Test func laterVerificationTimeFailsTheSameSignature() async throws {
        // 400 days on, the delegate certificate (90 days) has expired and iat is stale:
        // only "--at capture" verifies the capture as it was.
        let f = try Self.fixture()
        var o = AuditOptions()
        o.trust = f.trust
        o.clock = .fixed(Self.t + 400 * 86_400)
        let report = try await CaptureAuditor.audit(path: f.capture, options: o)
        let good = try #require(report.identity.first { $0.callID == "good@192.0.2.10" })
        #expect(good.verdict == "invalid")
    }

    @Test func withoutAnchorsHeadersAreDecodedNotVerified() async throws {
        let f = try Self.fixture()
        let report = try await CaptureAuditor.audit(path: f.capture, options: AuditOptions())
        #expect(report.identity.map(\.verdict) == ["not-verified", "not-verified"])
        #expect(report.checks.first { $0.name == "identity-verifies" }?.status == .skipped)
    }
}
