import Network
import XCTest

final class StirTests: XCTestCase {
    func testSignedCallVerifiesAndUEShowsVerstatAndRCDName() throws {
        let net = try Fixtures.registered(Fixtures.spec(signer: true, verifier: true))
        try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(displayName: "Acme Bank", callReason: "Your card"))
        net.runUntilIdle()
        XCTAssertEqual(net.callState("c1")?.phase, .established, net.dump())
        let d = try XCTUnwrap(net.display(of: "bob"))
        XCTAssertEqual(d.verstat, "TN-Validation-Passed")
        XCTAssertEqual(d.name, "Acme Bank")
        XCTAssertEqual(d.callReason, "Your card")
        XCTAssertTrue(d.identity?.hasPrefix("tel:+12025550101") ?? false, "\(d)")
        // The path went through both ASs in order.
        let hops = net.trace.filter { $0.kind == .delivered && $0.summary.hasPrefix("INVITE") }.map(\.to)
        XCTAssertEqual(hops, ["pcscf", "scscf", "sti-as", "scscf", "sti-vs", "scscf", "pcscf", "bob"])
        // In-dialog requests follow the recorded route back to the callee.
        try net.hangup("c1")
        net.runUntilIdle()
        XCTAssertEqual(net.calleeState("c1")?.phase, .terminated, net.dump())
        XCTAssertEqual(net.callState("c1")?.byeStatus, 200)
        XCTAssertFalse(net.trace.contains { $0.note.contains("no next hop") })
    }

    func testUnlistedRCDNameIsNotSigned() throws {
        let net = try Fixtures.registered(Fixtures.spec(signer: true, verifier: true))
        try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(displayName: "Evil Corp"))
        net.runUntilIdle()
        let d = try XCTUnwrap(net.display(of: "bob"))
        XCTAssertEqual(d.verstat, "TN-Validation-Passed")
        XCTAssertNil(d.name)
        XCTAssertEqual(d.fromDisplayName, "Evil Corp")
    }

    func testReplayAfter61SecondsIsStale() throws {
        let net = try Fixtures.registered(Fixtures.spec(signer: true, verifier: true))
        try net.attack(AttackAction(.replay(afterMs: 61_000), match: MessageMatch(link: "scscf<->sti-vs", from: "scscf", method: "INVITE", nth: 1)))
        try net.call(from: "alice", to: "bob", id: "c1")
        net.runUntilIdle()
        XCTAssertEqual(net.callState("c1")?.phase, .established)
        // The replayed INVITE is answered 403 (then repeated by Timer G: nothing ACKs it).
        let answers = net.trace.filter { $0.kind == .sent && $0.from == "sti-vs" && $0.summary.hasPrefix("4") && !$0.note.contains("Timer G") }
        XCTAssertEqual(answers.map(\.summary), ["403 Stale Date"], net.dump())
        XCTAssertGreaterThanOrEqual(answers.first?.timeMs ?? 0, 61_000)
    }

    func testTamperedIdentityGives438() throws {
        for part in [IdentityPart.signature, .payload] {
            let net = try Fixtures.registered(Fixtures.spec(signer: true, verifier: true))
            try net.attack(AttackAction(.tamperIdentity(part), match: MessageMatch(link: "scscf<->sti-vs", method: "INVITE", requestsOnly: true)))
            try net.call(from: "alice", to: "bob", id: "c1")
            net.runUntilIdle()
            XCTAssertEqual(net.callState("c1")?.finalStatus, 438, "\(part): " + net.dump())
            XCTAssertNil(net.calleeState("c1"))
        }
    }

    func testEnterpriseRCDOutsideDelegateScopeIsRejected() throws {
        let carol = SubscriberSpec(name: "carol", impus: ["sip:carol@ims.example", "tel:+13035550123"], tn: "13035550123", password: "c")
        func run(_ caller: String) throws -> SimulatedNetwork {
            var spec = Fixtures.spec(verifier: true, enterprise: "delegate",
                                     extraActors: [ActorSpec(name: "carol", role: .ue)], extraLinks: [LinkSpec("carol", "pcscf")])
            spec.subscribers.append(carol)
            let net = try Fixtures.registered(spec)
            try net.register(ue: "carol")
            net.runUntilIdle()
            try net.call(from: caller, to: "bob", id: "c", options: CallOptions(displayName: "Acme Corp"))
            net.runUntilIdle()
            return net
        }
        let inScope = try run("alice")
        XCTAssertEqual(inScope.callState("c")?.phase, .established, inScope.dump())
        XCTAssertEqual(inScope.display(of: "bob")?.name, "Acme Corp")
        let outOfScope = try run("carol")
        XCTAssertEqual(outOfScope.callState("c")?.finalStatus, 438, outOfScope.dump())
        XCTAssertNil(outOfScope.display(of: "bob"))
    }

    func testAttackerSigningWithUntrustedOrExpiredCertificate() throws {
        for (cred, status) in [(SigningCredential.own, 437), (.expired, 437)] {
            let net = try Fixtures.registered(Fixtures.spec(signer: true, verifier: true))
            try net.attack(AttackAction(.signWith(cred), match: MessageMatch(link: "scscf<->sti-vs", method: "INVITE", requestsOnly: true)))
            try net.call(from: "alice", to: "bob", id: "c1")
            net.runUntilIdle()
            XCTAssertEqual(net.callState("c1")?.finalStatus, status, "\(cred): " + net.dump())
        }
    }
}
