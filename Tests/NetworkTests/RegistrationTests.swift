import Network
import XCTest

final class RegistrationTests: XCTestCase {
    func testRightPasswordRegistersWrongPasswordIsRefused() throws {
        let net = try SimulatedNetwork(spec: Fixtures.spec(), seed: 1)
        try net.register(ue: "alice")
        try net.register(ue: "bob", password: "not-bobs-password")
        net.runUntilIdle()
        XCTAssertEqual(net.registrationState(of: "alice"), .registered, net.dump())
        XCTAssertEqual(net.registrationState(of: "bob"), .failed(status: 403), net.dump())
        // The digest exchange really happened: a 401 with both algorithms, then an Authorization.
        let toAlice = net.delivered(to: "alice").map(\.text)
        XCTAssertTrue(toAlice.contains { $0.hasPrefix("SIP/2.0 401") && $0.contains("algorithm=SHA-256") && $0.contains("algorithm=MD5") })
        let atSCSCF = net.delivered(to: "scscf").map(\.text)
        XCTAssertTrue(atSCSCF.contains { $0.contains("Authorization: Digest username=\"alice\"") && $0.contains("algorithm=SHA-256") })
    }

    func testMD5OnlyRegistrarAndUnregisteredUEIsRefused() throws {
        let net = try SimulatedNetwork(spec: Fixtures.spec(scscf: ["digest_algorithm": "MD5"]), seed: 2)
        try net.register(ue: "alice")
        net.runUntilIdle()
        XCTAssertEqual(net.registrationState(of: "alice"), .registered, net.dump())
        XCTAssertTrue(net.delivered(to: "scscf").contains { $0.text.contains("algorithm=MD5") && $0.text.contains("Authorization") })
        // bob never registered: the P-CSCF refuses his INVITE.
        try net.call(from: "bob", to: "alice", id: "c1")
        net.runUntilIdle()
        XCTAssertEqual(net.callState("c1")?.finalStatus, 403, net.dump())
    }

    func testUnknownPolicySwitchIsAClearError() {
        XCTAssertThrowsError(try SimulatedNetwork(spec: Fixtures.spec(pcscf: ["strip_pai": false]), seed: 1)) { error in
            XCTAssertTrue(String(describing: error).contains("'pcscf'"), "\(error)")
            XCTAssertTrue(String(describing: error).contains("strip_untrusted_pai"), "\(error)")
        }
        var bad = Fixtures.spec()
        bad.links.append(LinkSpec("alice", "nowhere"))
        XCTAssertThrowsError(try SimulatedNetwork(spec: bad, seed: 1)) { error in
            XCTAssertEqual(String(describing: error), "link alice<->nowhere names actor 'nowhere', which is not declared")
        }
    }
}
