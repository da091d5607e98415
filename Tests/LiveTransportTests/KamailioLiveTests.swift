import Crypto
import Foundation
import Identity
import LiveTransport
import Network
import SIPCore
import XCTest

/// The live suite against the Kamailio SUTs (Tests/SUT): a harness UE and a harness S-CSCF
/// (127.0.0.1:5070) around the real P-CSCF, and the secsipid STI-VS. Runs only from
/// Tests/SUT/run-live-suite (IMS_LIVE_SUT=1), which starts the SUTs.
final class KamailioLiveTests: XCTestCase {
    struct PCSCF { var ue: Int; var core: Int }
    static let strict = PCSCF(ue: 5060, core: 5062)
    static let weak = PCSCF(ue: 5160, core: 5162)
    static let vsPort = 5092

    override func setUpWithError() throws {
        guard ProcessInfo.processInfo.environment["IMS_LIVE_SUT"] == "1" else {
            throw XCTSkip("Kamailio SUTs not started: run Tests/SUT/run-live-suite (sets IMS_LIVE_SUT=1)")
        }
    }

    /// UE (ephemeral UDP port) + S-CSCF (udp 5070) around a P-CSCF.
    func rig(_ p: PCSCF) throws -> (LiveRig, LiveUserAgent, LiveUserAgent) {
        let rig = LiveRig()
        let (ue, _) = try rig.agent("ue", user: "alice", on: LiveEndpoint(.udp, host: "127.0.0.1", port: 0), seed: 11)
        let (scscf, _) = try rig.agent("scscf", user: "scscf", on: LiveEndpoint(.udp, host: "127.0.0.1", port: 5070), seed: 12)
        rig.transport.addPeer("pcscf", at: LiveEndpoint(.udp, host: "127.0.0.1", port: p.ue))
        rig.transport.addPeer("pcscf-core", at: LiveEndpoint(.udp, host: "127.0.0.1", port: p.core))
        rig.on {
            scscf.registrarIMPUs = ["sip:alice@ims.test", "tel:+15551230001"]
            ue.transactionTimeoutMs = 4_000
            scscf.transactionTimeoutMs = 4_000
        }
        return (rig, ue, scscf)
    }

    func register(_ rig: LiveRig, _ ue: LiveUserAgent, _ p: PCSCF) {
        rig.on { ue.register(label: "r", via: "pcscf", requestURI: "sip:127.0.0.1:\(p.ue)") }
        XCTAssertTrue(rig.driver.wait(timeoutMs: 6_000) { ue.registrations["r"] != nil }, rig.traceText())
        XCTAssertEqual(rig.on { ue.registrations["r"] }, .completed, rig.traceText())
    }

    /// Calls through the P-CSCF; returns the INVITE as the S-CSCF received it (nil: none arrived) and the outcome.
    func call(_ rig: LiveRig, _ ue: LiveUserAgent, _ scscf: LiveUserAgent, _ p: PCSCF, headers: [(String, String)])
        -> (SIPMessage?, LiveOutcome?) {
        let c = rig.on { ue.call(label: "c", via: "pcscf", requestURI: "sip:bob@ims.test", extraHeaders: headers) }
        XCTAssertTrue(rig.driver.wait(timeoutMs: 8_000) { c.outcome != nil }, rig.traceText())
        let invite = rig.on { scscf.incomingCalls.first?.invite }
        return (invite, rig.on { c.outcome })
    }

    /// The same check for both configs: a UE-supplied PAI must not reach the core.
    func spoofedPAIStripped(_ p: PCSCF) throws -> (ok: Bool, evidence: String) {
        let (rig, ue, scscf) = try rig(p)
        defer { rig.close() }
        register(rig, ue, p)
        let (inv, outcome) = call(rig, ue, scscf, p, headers: [("P-Asserted-Identity", "<sip:ceo@ims.test>")])
        XCTAssertEqual(outcome, .completed, rig.traceText())
        let pai = inv?.values(.pAssertedIdentity) ?? []
        return (pai == ["<sip:alice@ims.test>"], "PAI at the S-CSCF: \(pai)")
    }

    func testSpoofedPAIIsStripped() throws {
        let r = try spoofedPAIStripped(Self.strict)
        XCTAssertTrue(r.ok, r.evidence)
    }

    func testWeakenedConfigIsCaughtBySameCheck() throws {
        let r = try spoofedPAIStripped(Self.weak)
        XCTAssertFalse(r.ok, "the weakened P-CSCF must fail the spoofed-PAI check: \(r.evidence)")
        XCTAssertTrue(r.evidence.contains("ceo@ims.test"), r.evidence)
    }

    func testPPIFromRegisteredSetBecomesPAIAndPPIIsRemoved() throws {
        let (rig, ue, scscf) = try rig(Self.strict)
        defer { rig.close() }
        register(rig, ue, Self.strict)
        let (inv, outcome) = call(rig, ue, scscf, Self.strict, headers: [("P-Preferred-Identity", "<tel:+15551230001>")])
        XCTAssertEqual(outcome, .completed)
        XCTAssertEqual(inv?.values(.pAssertedIdentity), ["<tel:+15551230001>"], rig.traceText())
        XCTAssertEqual(inv?.values(.pPreferredIdentity), [])
    }

    func testForeignPPIIsIgnored() throws {
        let (rig, ue, scscf) = try rig(Self.strict)
        defer { rig.close() }
        register(rig, ue, Self.strict)
        let (inv, _) = call(rig, ue, scscf, Self.strict, headers: [("P-Preferred-Identity", "<sip:ceo@ims.test>")])
        XCTAssertEqual(inv?.values(.pAssertedIdentity), ["<sip:alice@ims.test>"], rig.traceText())
        XCTAssertEqual(inv?.values(.pPreferredIdentity), [])
    }

    func testUnregisteredUEIsRefused() throws {
        let (rig, ue, scscf) = try rig(Self.strict)
        defer { rig.close() }
        let (inv, outcome) = call(rig, ue, scscf, Self.strict, headers: [("P-Asserted-Identity", "<sip:alice@ims.test>")])
        XCTAssertEqual(outcome, .rejected(status: 403, reason: "Forbidden - Not Registered"), rig.traceText())
        XCTAssertNil(inv, "nothing may reach the S-CSCF")
    }

    // MARK: STI-VS (secsipid)

    func signer() throws -> PASSporTSigner {
        guard let dir = ProcessInfo.processInfo.environment["IMS_LIVE_PKI"] else {
            throw XCTSkip("IMS_LIVE_PKI (the `pki init` directory the STI-VS pins) not set")
        }
        let pem = try String(contentsOfFile: dir + "/sp.key.pem", encoding: .utf8)
        return PASSporTSigner(key: try P256.Signing.PrivateKey(pemRepresentation: pem), x5u: "https://certs.test.invalid/sp.pem")
    }

    enum Tamper { case none, payload, stale }

    func signedCall(_ tamper: Tamper) throws -> (SIPMessage?, LiveOutcome?, LiveRig) {
        let signer = try signer()
        let rig = LiveRig()
        let (ue, _) = try rig.agent("ue", user: "alice", on: LiveEndpoint(.udp, host: "127.0.0.1", port: 0), seed: 21)
        let (next, _) = try rig.agent("scscf", user: "scscf", on: LiveEndpoint(.udp, host: "127.0.0.1", port: 5070), seed: 22)
        rig.transport.addPeer("sti-vs", at: LiveEndpoint(.udp, host: "127.0.0.1", port: Self.vsPort))
        let now = Int64(Date().timeIntervalSince1970)
        let claims = PASSporTClaims(orig: .tn("15551230001"), dest: PASSporTDestination(tn: ["15551230002"]),
                                    iat: tamper == .stale ? now - 120 : now, attest: "A",
                                    origid: "123e4567-e89b-42d3-a456-426614174000")
        var identity = try signer.identity(claims: claims, ppt: SHAKEN.ppt).description
        if tamper == .payload {
            // Flip one payload character: the signature no longer matches.
            var parts = identity.split(separator: ".", maxSplits: 2).map(String.init)
            var payload = Array(parts[1])
            payload[5] = payload[5] == "A" ? "B" : "A"
            parts[1] = String(payload)
            identity = parts.joined(separator: ".")
        }
        let c = rig.on { () -> LiveCall in
            ue.transactionTimeoutMs = 4_000
            return ue.call(label: "s", via: "sti-vs", requestURI: "sip:+15551230002@ims.test;user=phone",
                           from: "sip:+15551230001@ims.test;user=phone",
                           extraHeaders: [("P-Asserted-Identity", "<sip:+15551230001@ims.test;user=phone>"), ("Identity", identity)])
        }
        XCTAssertTrue(rig.driver.wait(timeoutMs: 8_000) { c.outcome != nil }, rig.traceText())
        return (rig.on { next.incomingCalls.first?.invite }, rig.on { c.outcome }, rig)
    }

    func testSignedInviteVerifiesAtSTIVS() throws {
        let (inv, outcome, rig) = try signedCall(.none)
        defer { rig.close() }
        XCTAssertEqual(outcome, .completed, rig.traceText())
        XCTAssertTrue(inv?.value(.pAssertedIdentity)?.contains("verstat=TN-Validation-Passed") == true,
                      "PAI at the next hop: \(String(describing: inv?.value(.pAssertedIdentity)))")
    }

    func testTamperedIdentityIsRejectedWith438() throws {
        let (inv, outcome, rig) = try signedCall(.payload)
        defer { rig.close() }
        XCTAssertEqual(outcome.map { if case .rejected(let s, _) = $0 { s } else { 0 } }, 438, rig.traceText())
        XCTAssertNil(inv)
    }

    func testStaleIdentityIsRejectedWith403() throws {
        let (inv, outcome, rig) = try signedCall(.stale)
        defer { rig.close() }
        XCTAssertEqual(outcome.map { if case .rejected(let s, _) = $0 { s } else { 0 } }, 403, rig.traceText())
        XCTAssertNil(inv)
    }
}
