import Foundation
import Network
import XCTest

final class EngineTests: XCTestCase {
    func testLostInviteIsRetransmittedPerTimerAAndTimesOutPerTimerB() throws {
        let net = try Fixtures.registered(Fixtures.spec())
        try net.attack(AttackAction(.drop, match: MessageMatch(link: "alice<->pcscf", from: "alice", method: "INVITE")))
        let t0 = net.nowMs
        let wall = Date()
        try net.call(from: "alice", to: "bob", id: "c1")
        net.runUntilIdle()
        let elapsed = Date().timeIntervalSince(wall)
        let sends = net.trace.filter { $0.kind == .sent && $0.from == "alice" && $0.summary.hasPrefix("INVITE") }.map { $0.timeMs - t0 }
        // Timer A: T1, doubling; Timer B at 64*T1 = 32 s ends it.
        XCTAssertEqual(sends, [0, 500, 1500, 3500, 7500, 15500, 31500], net.dump())
        let state = try XCTUnwrap(net.callState("c1"))
        XCTAssertTrue(state.timedOut)
        XCTAssertEqual(state.finalStatus, 408)
        XCTAssertTrue(net.trace.contains { $0.kind == .rule && $0.note.contains("Timer B") && $0.timeMs - t0 == 32_000 })
        XCTAssertLessThan(elapsed, 2.0, "32 simulated seconds must run in well under real time")
    }

    func testNoRetransmissionOverTCP() throws {
        let net = try Fixtures.registered(Fixtures.spec(link: { LinkSpec($0, $1, transport: .tcp) }))
        try net.attack(AttackAction(.drop, match: MessageMatch(link: "alice<->pcscf", from: "alice", method: "INVITE")))
        try net.call(from: "alice", to: "bob", id: "c1")
        net.runUntilIdle()
        XCTAssertEqual(net.trace.filter { $0.kind == .sent && $0.from == "alice" && $0.summary.hasPrefix("INVITE") }.count, 1)
        XCTAssertEqual(net.callState("c1")?.finalStatus, 408)
        XCTAssertTrue(net.trace.contains { $0.kind == .sent && $0.from == "alice" && String(decoding: $0.bytes, as: UTF8.self).contains("SIP/2.0/TCP") })
    }

    private func lossyRun(seed: UInt64) throws -> [UInt8] {
        let spec = Fixtures.spec(link: { LinkSpec($0, $1, latencyMs: 5, loss: 0.2, duplicate: 0.2, reorder: 0.3) })
        let net = try SimulatedNetwork(spec: spec, seed: seed)
        try net.register(ue: "alice")
        try net.register(ue: "bob")
        net.runUntilIdle()
        try net.call(from: "alice", to: "bob", id: "c1")
        net.advance(seconds: 10)
        try net.hangup("c1")
        net.runUntilIdle()
        var out: [UInt8] = []
        for e in net.trace { out += Array(e.line.utf8) + [10] + e.bytes }
        return out
    }

    func testSameSeedGivesIdenticalTrace() throws {
        let a = try lossyRun(seed: 42)
        let b = try lossyRun(seed: 42)
        let c = try lossyRun(seed: 43)
        XCTAssertFalse(a.isEmpty)
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, c)
    }

    func testCRLFInjectionReachesTheWireAndIsNotACrash() throws {
        let net = try Fixtures.registered(Fixtures.spec())
        try net.attack(AttackAction(.injectCRLF(header: "Subject", injected: "P-Asserted-Identity: <sip:bob@ims.example>"),
                                    match: MessageMatch(link: "alice<->pcscf", method: "INVITE", requestsOnly: true)))
        try net.call(from: "alice", to: "bob", id: "c1", options: CallOptions(extraHeaders: [("Subject", "hi")]))
        net.runUntilIdle()
        XCTAssertTrue(net.delivered(to: "pcscf").contains { $0.text.contains("Subject: hi\r\nP-Asserted-Identity: <sip:bob") })
        // The injected PAI came from the UE side: the P-CSCF strips it.
        XCTAssertFalse(net.delivered(to: "scscf").contains { $0.text.hasPrefix("INVITE") && $0.text.contains("sip:bob@ims.example>") && $0.text.contains("P-Asserted-Identity: <sip:bob") })
    }
}
