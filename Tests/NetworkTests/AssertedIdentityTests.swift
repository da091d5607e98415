import Network
import XCTest

final class AssertedIdentityTests: XCTestCase {
    /// PAI values in the INVITEs the S-CSCF received.
    private func paiAtSCSCF(_ net: SimulatedNetwork) -> [String] {
        net.delivered(to: "scscf").compactMap { $0.event.message }.filter { $0.method == "INVITE" }
            .flatMap { $0.values("P-Asserted-Identity") }
    }

    func testSpoofedPAINeverReachesSCSCF() throws {
        let net = try Fixtures.registered(Fixtures.spec())
        try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(assertedIdentity: "sip:bob@ims.example"))
        net.runUntilIdle()
        let pai = paiAtSCSCF(net)
        XCTAssertFalse(pai.isEmpty, net.dump())
        XCTAssertFalse(pai.contains { $0.contains("bob") }, "spoofed PAI passed: \(pai)")
        XCTAssertTrue(pai.contains("<sip:alice@ims.example>"), "\(pai)")
        XCTAssertTrue(net.trace.contains { $0.kind == .rule && $0.note.contains("StripUntrustedAssertedIdentity") })
    }

    func testMisconfiguredPCSCFPassesTheSpoof() throws {
        let net = try Fixtures.registered(Fixtures.spec(pcscf: ["trusts_ue_asserted_identity": true]))
        try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(assertedIdentity: "sip:bob@ims.example"))
        net.runUntilIdle()
        XCTAssertTrue(paiAtSCSCF(net).contains { $0.contains("bob") })
    }

    func testMatchingPPIBecomesPAIAndOtherwiseDefaultIMPU() throws {
        let net = try Fixtures.registered(Fixtures.spec())
        try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(preferredIdentity: "tel:+12025550101"))
        net.runUntilIdle()
        XCTAssertEqual(paiAtSCSCF(net), ["<tel:+12025550101>"], net.dump())

        let net2 = try Fixtures.registered(Fixtures.spec())
        try net2.call(from: "alice", to: "bob", id: "c2", options: CallOptions(preferredIdentity: "sip:bob@ims.example"))
        net2.runUntilIdle()
        XCTAssertEqual(paiAtSCSCF(net2), ["<sip:alice@ims.example>"], net2.dump())
        // PPI never leaves the P-CSCF.
        XCTAssertFalse(net2.delivered(to: "scscf").contains { $0.text.contains("P-Preferred-Identity") })
    }

    /// alice's operator hands calls for other.example to its IBCF, whose peer is untrusted.
    private func boundarySpec(ibcf: [String: PolicyValue] = [:]) -> NetworkSpec {
        var spec = Fixtures.spec(extraActors: [ActorSpec(name: "ibcf", role: .ibcf, policy: ibcf),
                                               ActorSpec(name: "peer", role: .ibcf, domain: "other.example")],
                                 extraLinks: [LinkSpec("scscf", "ibcf"), LinkSpec("ibcf", "peer")],
                                 trust: ["pcscf", "scscf", "ibcf"])
        spec.trustDomains["other"] = ["peer"]
        return spec
    }

    func testPrivacyIdRemovesPAIAtTheTrustBoundary() throws {
        let net = try Fixtures.registered(boundarySpec())
        XCTAssertEqual(net.crossesTrustBoundary("ibcf", "peer"), true)
        XCTAssertEqual(net.crossesTrustBoundary("scscf", "ibcf"), false)
        try net.call(from: "alice", to: "sip:carol@other.example", id: "c1", options: CallOptions(privacy: "id"))
        try net.call(from: "alice", to: "sip:dave@other.example", id: "c2")
        net.runUntilIdle()
        let invites = net.delivered(to: "peer").compactMap { $0.event.message }.filter { $0.method == "INVITE" }
        XCTAssertEqual(invites.count, 2, net.dump())
        let private_ = invites.first { $0.requestURIText == "sip:carol@other.example" }
        let public_ = invites.first { $0.requestURIText == "sip:dave@other.example" }
        XCTAssertEqual(private_?.contains("P-Asserted-Identity"), false)
        XCTAssertEqual(public_?.contains("P-Asserted-Identity"), true)
        // Inside the trust domain the PAI is still there.
        XCTAssertTrue(net.delivered(to: "ibcf").contains { $0.text.contains("carol") && $0.text.contains("P-Asserted-Identity") })

        let leaky = try Fixtures.registered(boundarySpec(ibcf: ["apply_privacy": false]))
        try leaky.call(from: "alice", to: "sip:carol@other.example", id: "c1", options: CallOptions(privacy: "id"))
        leaky.runUntilIdle()
        XCTAssertTrue(leaky.delivered(to: "peer").contains { $0.text.hasPrefix("INVITE") && $0.text.contains("P-Asserted-Identity") })
    }
}
