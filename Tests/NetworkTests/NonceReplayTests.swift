@testable import Network
import XCTest

/// Catalogue #28: the registrar's nonce table and a replayed digest REGISTER.
final class NonceReplayTests: XCTestCase {
    func testNCMustIncreasePerNonce() {
        var t = NonceTable(lifetimeMs: 60_000, capacity: 8)
        t.issue("n1", algorithm: .sha256, nowMs: 0)
        XCTAssertEqual(t.check("n1", nc: "00000001", nowMs: 10, checkReplay: true), .fresh(.sha256))
        t.accept("n1", nc: "00000001")
        XCTAssertEqual(t.check("n1", nc: "00000001", nowMs: 20, checkReplay: true), .replayed(lastNC: 1))
        XCTAssertEqual(t.check("n1", nc: "00000002", nowMs: 30, checkReplay: true), .fresh(.sha256))
        t.accept("n1", nc: "0000000a")
        XCTAssertEqual(t.check("n1", nc: "00000009", nowMs: 40, checkReplay: true), .replayed(lastNC: 10))
        // Not an 8-hex-digit count: never taken as a new one.
        for bad in [nil, "1", "zzzzzzzz", "000000001"] {
            XCTAssertEqual(t.check("n1", nc: bad, nowMs: 50, checkReplay: true), .replayed(lastNC: 10), "\(bad ?? "nil")")
        }
        // The misconfiguration: any nc while the nonce lives.
        XCTAssertEqual(t.check("n1", nc: "00000001", nowMs: 60, checkReplay: false), .fresh(.sha256))
        XCTAssertEqual(t.check("other", nc: "00000001", nowMs: 60, checkReplay: false), .unknown)
    }

    func testNoncesExpire() {
        var t = NonceTable(lifetimeMs: 1_000, capacity: 8)
        t.issue("a", algorithm: .md5, nowMs: 0)
        t.issue("b", algorithm: .md5, nowMs: 500)
        XCTAssertEqual(t.check("a", nc: "00000001", nowMs: 999, checkReplay: true), .fresh(.md5))
        XCTAssertEqual(t.check("a", nc: "00000001", nowMs: 1_000, checkReplay: true), .unknown)
        XCTAssertEqual(t.count, 1)
        // Expiry holds with the check off too: a replay after the lifetime is challenged.
        XCTAssertEqual(t.check("b", nc: "00000001", nowMs: 1_500, checkReplay: false), .unknown)
        XCTAssertEqual(t.count, 0)
        XCTAssertEqual(t.queued, 0)
    }

    func testTableIsCappedOldestEvictedFirst() {
        var t = NonceTable(lifetimeMs: 3_600_000, capacity: 3)
        for i in 0..<5 { t.issue("n\(i)", algorithm: .sha256, nowMs: Int64(i)) }
        XCTAssertEqual(t.count, 3)
        XCTAssertEqual(t.check("n0", nc: "00000001", nowMs: 10, checkReplay: true), .unknown)
        XCTAssertEqual(t.check("n1", nc: "00000001", nowMs: 10, checkReplay: true), .unknown)
        XCTAssertEqual(t.check("n4", nc: "00000001", nowMs: 10, checkReplay: true), .fresh(.sha256))
        // Dropped nonces still hold a queue slot until they reach the head: memory stays capped
        // however many challenges are issued and answered within one lifetime.
        for i in 0..<10_000 {
            t.issue("m\(i)", algorithm: .md5, nowMs: 100)
            if i % 2 == 0 { t.drop("m\(i)") }
            XCTAssertLessThanOrEqual(t.queued, 3)
        }
        XCTAssertLessThanOrEqual(t.count, 3)
    }

    /// The access-link attacker of Scenarios/registration/digest-replay.yaml, in code.
    private func replayedRegister(check: Bool) throws -> SimulatedNetwork {
        let net = try SimulatedNetwork(spec: Fixtures.spec(scscf: ["check_nonce_replay": .bool(check)]), seed: 28)
        // The second REGISTER carries the Authorization; 40 s is past the P-CSCF's Timer J.
        try net.attack(AttackAction(.replay(afterMs: 40_000), match: MessageMatch(link: "alice<->pcscf", from: "alice", method: "REGISTER", nth: 2)))
        try net.register(ue: "alice")
        net.runUntilIdle()
        net.advance(ms: 41_000)
        net.runUntilIdle()
        XCTAssertEqual(net.registrationState(of: "alice"), .registered, net.dump())
        return net
    }

    private func nonces(_ texts: [String]) -> [String] {
        texts.compactMap { t -> String? in
            guard let r = t.range(of: "nonce=\"") else { return nil }
            return String(t[r.upperBound...].prefix { $0 != "\"" })
        }
    }

    func testReplayedRegisterGetsAFreshChallenge() throws {
        let net = try replayedRegister(check: true)
        let answers = net.delivered(to: "pcscf").filter { $0.event.from == "scscf" }.map(\.text)
        XCTAssertEqual(answers.filter { $0.hasPrefix("SIP/2.0 200") }.count, 1, net.dump())
        let challenges = answers.filter { $0.hasPrefix("SIP/2.0 401") }
        XCTAssertEqual(challenges.count, 2, net.dump())
        // The replay's 401 names nonces never issued before (RFC 7616 §5.4).
        let first = Set(nonces([challenges[0]])), second = Set(nonces([challenges[1]]))
        XCTAssertFalse(second.isEmpty)
        XCTAssertTrue(first.isDisjoint(with: second))
        let requests = net.delivered(to: "scscf").map(\.text).filter { $0.hasPrefix("REGISTER") && $0.contains("Authorization") }
        XCTAssertEqual(requests.count, 2)
        XCTAssertTrue(net.trace.contains { $0.note.contains("replay refused") }, net.dump())
    }

    func testUncheckedRegistrarTakesTheReplay() throws {
        let net = try replayedRegister(check: false)
        let answers = net.delivered(to: "pcscf").filter { $0.event.from == "scscf" }.map(\.text)
        XCTAssertEqual(answers.filter { $0.hasPrefix("SIP/2.0 200") }.count, 2, net.dump())
        XCTAssertEqual(answers.filter { $0.hasPrefix("SIP/2.0 401") }.count, 1)
    }

    func testWrongAnswerBurnsTheNonce() throws {
        let net = try SimulatedNetwork(spec: Fixtures.spec(), seed: 29)
        try net.attack(AttackAction(.replay(afterMs: 40_000), match: MessageMatch(link: "alice<->pcscf", from: "alice", method: "REGISTER", nth: 2)))
        try net.register(ue: "alice", password: "guess")
        net.runUntilIdle()
        net.advance(ms: 41_000)
        net.runUntilIdle()
        let answers = net.delivered(to: "pcscf").filter { $0.event.from == "scscf" }.map { String($0.text.prefix(11)) }
        // 401, 403 for the wrong answer, then 401 for its replay: the nonce is gone, no second 403 guess.
        XCTAssertEqual(answers, ["SIP/2.0 401", "SIP/2.0 403", "SIP/2.0 401"], net.dump())
    }
}
