@testable import Network
import XCTest

/// Catalogue #33: security agreement (RFC 3329) between UE and P-CSCF.
final class SecAgreeTests: XCTestCase {
    private func network(pcscf: [String: PolicyValue] = [:]) throws -> SimulatedNetwork {
        var spec = Fixtures.spec(pcscf: pcscf)
        if let i = spec.actors.firstIndex(where: { $0.name == "alice" }) { spec.actors[i].policy = ["sec_agree": true] }
        return try SimulatedNetwork(spec: spec, seed: 33)
    }

    func testAgreementRegistersAndCallsWithoutLeakingPastThePCSCF() throws {
        let net = try network()
        try net.register(ue: "alice")
        try net.register(ue: "bob")
        net.runUntilIdle()
        XCTAssertEqual(net.registrationState(of: "alice"), .registered, net.dump())
        let fromAlice = net.delivered(to: "pcscf").filter { $0.event.from == "alice" }.map(\.text)
        XCTAssertTrue(fromAlice[0].contains("Security-Client: ipsec-3gpp") && !fromAlice[0].contains("Security-Verify"))
        // The second REGISTER repeats the server list, in order.
        let verify = try XCTUnwrap(fromAlice.dropFirst().first).components(separatedBy: "\r\n").filter { $0.hasPrefix("Security-Verify:") }
        XCTAssertEqual(verify.map { String($0.dropFirst("Security-Verify: ".count)) }, SecAgree.server)
        try net.call(from: "alice", to: "bob", id: "c1")
        net.runUntilIdle()
        XCTAssertEqual(net.callState("c1")?.phase, .established, net.dump())
        for m in net.delivered(to: "scscf").map(\.text) {
            XCTAssertFalse(m.contains("Security-Verify") || m.contains("sec-agree"), m)
        }
    }

    private func downgrade(_ net: SimulatedNetwork) throws {
        try net.attack(AttackAction(.setHeader(name: "Security-Server", value: SecAgree.server[1]),
                                    match: MessageMatch(link: "pcscf<->alice", from: "pcscf", status: 401)))
        try net.register(ue: "alice")
        net.runUntilIdle()
    }

    func testDowngradedListIsRefused() throws {
        let net = try network()
        try downgrade(net)
        XCTAssertEqual(net.registrationState(of: "alice"), .failed(status: 494), net.dump())
        XCTAssertTrue(net.trace.contains { $0.note.contains("differs from the Security-Server list sent") })
        let lax = try network(pcscf: ["check_security_verify": false])
        try downgrade(lax)
        XCTAssertEqual(lax.registrationState(of: "alice"), .registered, lax.dump())
    }

    func testUnprotectedRequestGets494WithTheServerList() throws {
        let net = try network()
        try net.register(ue: "alice")
        try net.register(ue: "bob")
        net.runUntilIdle()
        try net.attack(AttackAction(.removeHeader(name: "Security-Verify"), match: MessageMatch(link: "alice<->pcscf", method: "INVITE", requestsOnly: true)))
        try net.call(from: "alice", to: "bob", id: "c1")
        net.runUntilIdle()
        XCTAssertEqual(net.callState("c1")?.finalStatus, 494, net.dump())
        let answer = try XCTUnwrap(net.delivered(to: "alice").map(\.text).first { $0.hasPrefix("SIP/2.0 494") })
        XCTAssertEqual(answer.components(separatedBy: "\r\n").filter { $0.hasPrefix("Security-Server:") }.count, 2)
        XCTAssertFalse(net.delivered(to: "scscf").contains { $0.text.hasPrefix("INVITE") })
    }

    func testListComparison() {
        XCTAssertTrue(SecAgree.sameList(SecAgree.server, SecAgree.server.map { $0.replacingOccurrences(of: ";", with: "; ").uppercased() }))
        XCTAssertFalse(SecAgree.sameList(SecAgree.server, SecAgree.server.reversed()))
        XCTAssertFalse(SecAgree.sameList(SecAgree.server, [SecAgree.server[1]]))
    }
}
