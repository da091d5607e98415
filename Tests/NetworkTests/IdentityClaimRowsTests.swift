import Network
import XCTest

/// Catalogue #10, #19, #23: PASSporTs re-signed by an attacker with claims or a credential
/// URL the verifier must refuse.
final class IdentityClaimRowsTests: XCTestCase {
    private let toVS = MessageMatch(link: "scscf<->sti-vs", method: "INVITE", requestsOnly: true)

    private func call(_ overrides: PASSporTOverrides, key: SigningCredential = .stolen, stiVS: [String: PolicyValue] = [:],
                      name: String? = nil) throws -> SimulatedNetwork {
        let net = try Fixtures.registered(Fixtures.spec(stiVS: stiVS, signer: true, verifier: true))
        try net.attack(AttackAction(.signWith(key, overrides), match: toVS))
        try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(displayName: name))
        net.runUntilIdle()
        return net
    }

    private func verifierNote(_ net: SimulatedNetwork) -> String {
        net.trace.last { $0.kind == .rule && $0.note.contains("VerifyIdentity") }?.note ?? ""
    }

    func testUnfetchableCertificateGives436() throws {
        let url = "https://cert.unreachable.example/sti.pem"
        let net = try call(PASSporTOverrides(x5u: url), key: .own)
        XCTAssertTrue(net.delivered(to: "sti-vs").contains { $0.text.contains("info=<\(url)>") }, net.dump())
        XCTAssertEqual(net.callState("c1")?.finalStatus, 436, net.dump())
        XCTAssertEqual(net.callState("c1")?.finalReason, "Bad Identity Info")
        XCTAssertTrue(verifierNote(net).contains("CredentialAvailable failed"), verifierNote(net))
        XCTAssertNil(net.calleeState("c1"))
    }

    func testAttestDAndMissingOrigidGive438InvalidPASSporT() throws {
        for o in [PASSporTOverrides(attest: "D"), PASSporTOverrides(origid: ""), PASSporTOverrides(origid: "not-a-uuid")] {
            let net = try call(o)
            XCTAssertEqual(net.callState("c1")?.finalStatus, 438, "\(o): " + net.dump())
            XCTAssertEqual(net.callState("c1")?.finalReason, "Invalid PASSporT", "\(o)")
            XCTAssertTrue(verifierNote(net).contains("PASSporTSyntax failed"), verifierNote(net))
            XCTAssertNil(net.calleeState("c1"))
        }
        // The same key and claims otherwise conforming: verified (the override is what fails).
        let ok = try call(PASSporTOverrides(attest: "B"))
        XCTAssertEqual(ok.callState("c1")?.phase, .established, ok.dump())
        XCTAssertEqual(ok.display(of: "bob")?.verstat, "TN-Validation-Passed")
    }

    func testRCDNameDifferentFromFromDisplayNameIsNotShown() throws {
        let net = try call(PASSporTOverrides(rcdName: "Acme Bank"), name: "Evil Corp")
        XCTAssertEqual(net.callState("c1")?.phase, .established, net.dump())
        let d = try XCTUnwrap(net.display(of: "bob"))
        XCTAssertEqual(d.verstat, "TN-Validation-Passed")
        XCTAssertNil(d.name, "\(d)")
        XCTAssertTrue(verifierNote(net).contains("RCD not shown"), verifierNote(net))

        let reject = try call(PASSporTOverrides(rcdName: "Acme Bank"), stiVS: ["rcd_mismatch_action": "reject"], name: "Evil Corp")
        XCTAssertEqual(reject.callState("c1")?.finalStatus, 438, reject.dump())
        XCTAssertTrue(verifierNote(reject).contains("RCDAuthorised failed"), verifierNote(reject))

        let unchecked = try call(PASSporTOverrides(rcdName: "Acme Bank"), stiVS: ["check_rcd_name": false], name: "Evil Corp")
        XCTAssertEqual(unchecked.display(of: "bob")?.name, "Acme Bank")

        // Matching names: shown as before.
        let same = try call(PASSporTOverrides(rcdName: "Acme Bank"), name: "Acme Bank")
        XCTAssertEqual(same.display(of: "bob")?.name, "Acme Bank", same.dump())
    }

    func testIconURLWithoutRCDIUsesNoRCDClaim() throws {
        let icon = PASSporTOverrides(rcdName: "Acme Bank", icon: "https://rcd.example/acme.png")
        let net = try call(icon, name: "Acme Bank")
        XCTAssertEqual(net.callState("c1")?.phase, .established, net.dump())
        XCTAssertTrue(net.delivered(to: "sti-vs").contains { $0.text.contains("Identity:") }, net.dump())
        let d = try XCTUnwrap(net.display(of: "bob"))
        XCTAssertEqual(d.verstat, "TN-Validation-Passed")
        XCTAssertNil(d.name, "\(d)")
        XCTAssertTrue(verifierNote(net).contains("/icn has no rcdi digest"), verifierNote(net))

        let lax = try call(icon, stiVS: ["require_rcdi": false], name: "Acme Bank")
        XCTAssertEqual(lax.display(of: "bob")?.name, "Acme Bank")
        // No URL: the name alone needs no rcdi.
        let plain = try call(PASSporTOverrides(rcdName: "Acme Bank"), name: "Acme Bank")
        XCTAssertEqual(plain.display(of: "bob")?.name, "Acme Bank")
    }

    /// Catalogue #24: the rcdi digest covers the icon as signed; the verifier's web serves
    /// another one: /icn not verified, icon dropped, name and call kept.
    func testSwappedIconIsNotVerifiedButTheCallProceeds() throws {
        let url = "https://rcd.example/acme.png"
        func run(served: String, check: Bool = true) throws -> SimulatedNetwork {
            var spec = Fixtures.spec(stiVS: ["check_rcdi": .bool(check)], signer: true, verifier: true)
            if let i = spec.actors.firstIndex(where: { $0.name == "sti-vs" }) { spec.actors[i].web = [url: Array(served.utf8)] }
            let net = try Fixtures.registered(spec)
            try net.attack(AttackAction(.signWith(.stolen, PASSporTOverrides(rcdName: "Acme Bank", icon: url, iconContent: "logo-v1")),
                                        match: toVS))
            try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(displayName: "Acme Bank"))
            net.runUntilIdle()
            return net
        }
        func iconAtBob(_ net: SimulatedNetwork) -> Bool {
            net.delivered(to: "bob").contains { $0.text.hasPrefix("INVITE") && $0.text.contains("<\(url)>;purpose=icon") }
        }
        let swapped = try run(served: "logo-v2")
        XCTAssertEqual(swapped.callState("c1")?.phase, .established, swapped.dump())
        XCTAssertEqual(swapped.display(of: "bob")?.name, "Acme Bank")
        XCTAssertEqual(swapped.display(of: "bob")?.verstat, "TN-Validation-Passed")
        XCTAssertFalse(iconAtBob(swapped), swapped.dump())
        XCTAssertTrue(swapped.delivered(to: "sti-vs").contains { $0.text.contains("Identity:") })

        XCTAssertTrue(iconAtBob(try run(served: "logo-v1")))
        XCTAssertTrue(iconAtBob(try run(served: "logo-v2", check: false)))
    }

    /// Catalogue #27: a linked jCard holding a further URI: not fetched, no rcd claim used.
    func testJCardWithNestedURIUsesNoRCDClaim() throws {
        let url = "https://rcd.example/acme.json"
        func run(card: String, check: Bool = true) throws -> SimulatedNetwork {
            var spec = Fixtures.spec(stiVS: ["check_jcard_uris": .bool(check)], signer: true, verifier: true)
            if let i = spec.actors.firstIndex(where: { $0.name == "sti-vs" }) { spec.actors[i].web = [url: Array(card.utf8)] }
            let net = try Fixtures.registered(spec)
            var o = PASSporTOverrides(rcdName: "Acme Bank")
            o.jcard = url
            o.jcardContent = card
            try net.attack(AttackAction(.signWith(.stolen, o), match: toVS))
            try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(displayName: "Acme Bank"))
            net.runUntilIdle()
            return net
        }
        let withURI = #"["vcard",[["fn",{},"text","Acme Bank"],["logo",{},"uri","https://tracker.example/p.png"]]]"#
        let net = try run(card: withURI)
        XCTAssertEqual(net.callState("c1")?.phase, .established, net.dump())
        XCTAssertEqual(net.display(of: "bob")?.verstat, "TN-Validation-Passed")
        XCTAssertNil(net.display(of: "bob")?.name)
        XCTAssertTrue(verifierNote(net).contains("links https://tracker.example/p.png (not fetched)"), verifierNote(net))
        XCTAssertEqual(try run(card: withURI, check: false).display(of: "bob")?.name, "Acme Bank")
        XCTAssertEqual(try run(card: #"["vcard",[["fn",{},"text","Acme Bank"]]]"#).display(of: "bob")?.name, "Acme Bank")
    }

    func testPolicyValuesAreChecked() {
        XCTAssertThrowsError(try SimulatedNetwork(spec: Fixtures.spec(stiVS: ["rcd_mismatch_action": "drop"], verifier: true), seed: 1)) { error in
            XCTAssertTrue(String(describing: error).contains("ignore_rcd"), "\(error)")
        }
    }
}
