@testable import Network
import XCTest

/// IMS AKA registration through UE, P-CSCF and S-CSCF (catalogue #30-#32, #34).
final class AKARegistrationTests: XCTestCase {
    private static let keys = AKASubscription(k: AKA.bytes(hex: "465b5ce8b199b49faa5f0a2ee238a6bc") ?? [],
                                              opc: AKA.bytes(hex: "cd63cb71954a9f4e48a5994e37a02baf"), sqn: 0x20)

    private func network(pcscf: [String: PolicyValue] = [:], alice: [String: PolicyValue] = [:], seed: UInt64 = 34) throws -> SimulatedNetwork {
        var spec = Fixtures.spec(pcscf: pcscf)
        spec.subscribers[0].aka = Self.keys
        if let i = spec.actors.firstIndex(where: { $0.name == "alice" }) { spec.actors[i].policy = alice }
        return try SimulatedNetwork(spec: spec, seed: seed)
    }

    func testAKARegistersAndCKIKStayAtThePCSCF() throws {
        let net = try network()
        try net.register(ue: "alice")
        net.runUntilIdle()
        XCTAssertEqual(net.registrationState(of: "alice"), .registered, net.dump())
        let atPCSCF = net.delivered(to: "pcscf").map(\.text).filter { $0.hasPrefix("SIP/2.0 401") }
        XCTAssertEqual(atPCSCF.count, 1)
        XCTAssertTrue(atPCSCF[0].contains("algorithm=AKAv1-MD5") && atPCSCF[0].contains(", ck=\"") && atPCSCF[0].contains(", ik=\""))
        let atUE = net.delivered(to: "alice").map(\.text).filter { $0.hasPrefix("SIP/2.0 401") }
        XCTAssertEqual(atUE.count, 1)
        XCTAssertTrue(atUE[0].contains("algorithm=AKAv1-MD5"))
        XCTAssertFalse(atUE[0].contains("ck=") || atUE[0].contains(", ik="), atUE[0])
        // The HSS counted SQN up once; the USIM took it.
        let ue = try XCTUnwrap(net.elements["alice"] as? UserEquipment)
        XCTAssertEqual(ue.akaSQN, 0x21)
        // Re-registration: a new challenge with SQN 0x22 is accepted too.
        try net.register(ue: "alice")
        net.runUntilIdle()
        XCTAssertEqual(net.registrationState(of: "alice"), .registered, net.dump())
        XCTAssertEqual(ue.akaSQN, 0x22)

        let leaky = try network(pcscf: ["strip_aka_keys": false])
        try leaky.register(ue: "alice")
        leaky.runUntilIdle()
        XCTAssertTrue(leaky.delivered(to: "alice").contains { $0.text.hasPrefix("SIP/2.0 401") && $0.text.contains(", ck=\"") })
    }

    func testWrongRESIsRefused() throws {
        let net = try network()
        try net.register(ue: "alice", password: "not-the-res")
        net.runUntilIdle()
        XCTAssertEqual(net.registrationState(of: "alice"), .failed(status: 403), net.dump())
        XCTAssertTrue(net.trace.contains { $0.note.contains("does not match XRES") })
    }

    /// The HSS lost its SQN (behind the USIM): the UE answers auts for the S-CSCF's own nonce,
    /// the S-CSCF verifies MAC-S, counts on from SQN_MS and the next challenge is accepted.
    func testResyncFromAUTS() throws {
        let net = try network()
        try net.register(ue: "alice")
        net.runUntilIdle()
        let scscf = try XCTUnwrap(net.elements["scscf"] as? SCSCF)
        XCTAssertEqual(scscf.akaSQN["alice"], 0x21)
        scscf.akaSQN["alice"] = 0x10
        try net.register(ue: "alice")
        net.runUntilIdle()
        XCTAssertEqual(net.registrationState(of: "alice"), .registered, net.dump())
        XCTAssertTrue(net.trace.contains { $0.note.contains("auts verified: SQN re-synchronised to 21") }, net.dump())
        XCTAssertEqual(scscf.akaSQN["alice"], 0x22)
        let authorizations = net.delivered(to: "scscf").map(\.text).filter { $0.contains("Authorization:") }
        XCTAssertTrue(authorizations.contains { $0.contains("auts=\"") })
    }

    /// A challenge made without the subscriber's key (fake network): empty response, 403.
    func testFakeNetworkGetsAnEmptyResponse() throws {
        for check in [true, false] {
            let net = try network(alice: ["check_aka_mac": .bool(check)])
            let fake = "Digest realm=\"ims.example\", nonce=\"" + AKA.vector(try Milenage(k: [UInt8](repeating: 7, count: 16), opc: [UInt8](repeating: 9, count: 16)),
                                                                            rand: [UInt8](repeating: 1, count: 16), sqn: 0x99, amf: [0x80, 0]).nonce
                + "\", algorithm=AKAv1-MD5, qop=\"auth\""
            try net.attack(AttackAction(.setHeader(name: "WWW-Authenticate", value: fake),
                                        match: MessageMatch(link: "pcscf<->alice", from: "pcscf", status: 401, nth: 1)))
            try net.register(ue: "alice")
            net.runUntilIdle()
            let answers = net.delivered(to: "scscf").map(\.text).filter { $0.contains("Authorization:") }
            if check {
                XCTAssertEqual(net.registrationState(of: "alice"), .failed(status: 403), net.dump())
                XCTAssertEqual(answers.count, 1)
                XCTAssertTrue(answers[0].contains("response=\"\"") && !answers[0].contains("auts="), answers[0])
            } else {
                // The client answered the fake network; the real S-CSCF then challenged it again.
                XCTAssertEqual(net.registrationState(of: "alice"), .registered, net.dump())
                XCTAssertFalse(answers.contains { $0.contains("response=\"\"") })
            }
        }
    }
}
