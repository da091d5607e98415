import Foundation
import LiveTransport
import Network
import XCTest

/// SIPp (Debian `sip-tester`) against the harness's live user agent, over UDP on loopback.
final class SIPpInteropTests: XCTestCase {
    func sipp() throws -> String {
        guard let p = which("sipp") else { throw XCTSkip("sipp not installed (Debian package sip-tester): SIPp interop skipped") }
        return p
    }

    func testSIPpUACCallsHarnessUE() throws {
        let sipp = try sipp()
        let rig = LiveRig()
        defer { rig.close() }
        let (ue, bound) = try rig.agent("ue", user: "bob", on: LiveEndpoint(.udp, host: "127.0.0.1", port: 0))
        let sippPort = try freePort()
        let child = try Child(sipp, ["-sn", "uac", "-m", "1", "-i", "127.0.0.1", "-p", "\(sippPort)", "-timeout", "15s",
                                     "-timeout_error", "-nostdin", "-trace_err", "127.0.0.1:\(bound.address.port)"])
        let status = child.wait(seconds: 20)
        XCTAssertEqual(status, 0, "sipp uac exit status; output: \(child.output)\ntrace:\n\(rig.traceText())")
        let done = rig.driver.wait(timeoutMs: 3000) { ue.incomingCalls.first?.outcome == .completed }
        XCTAssertTrue(done, rig.traceText())
        let calls = rig.on { ue.incomingCalls.map { ($0.statuses, $0.outcome) } }
        XCTAssertEqual(calls.count, 1)
        XCTAssertEqual(calls.first?.0.filter { $0 >= 180 }.first, 180)
        // The trace records the whole exchange with SIPp's address as the peer.
        let t = rig.transport.trace
        let sippName = "udp:127.0.0.1:\(sippPort)"
        func has(_ kind: LiveTraceEvent.Kind, _ prefix: String, from: String, to: String) -> Bool {
            t.contains { $0.kind == kind && $0.summary.hasPrefix(prefix) && $0.from == from && $0.to == to }
        }
        XCTAssertTrue(has(.delivered, "INVITE sip:", from: sippName, to: "ue"), rig.traceText())
        XCTAssertTrue(has(.sent, "SIP/2.0 180", from: "ue", to: sippName))
        XCTAssertTrue(has(.sent, "SIP/2.0 200", from: "ue", to: sippName))
        XCTAssertTrue(has(.delivered, "ACK sip:", from: sippName, to: "ue"))
        XCTAssertTrue(has(.delivered, "BYE sip:", from: sippName, to: "ue"))
        XCTAssertEqual(t.filter { $0.kind == .sent && $0.summary.hasPrefix("SIP/2.0 200") }.count >= 2, true, "200 to INVITE and to BYE")
        XCTAssertFalse(t.contains { $0.kind == .error }, rig.traceText())
    }

    func testHarnessUECallsSIPpUAS() throws {
        let sipp = try sipp()
        let rig = LiveRig()
        defer { rig.close() }
        let (ue, _) = try rig.agent("ue", user: "alice", on: LiveEndpoint(.udp, host: "127.0.0.1", port: 0))
        let sippPort = try freePort()
        let child = try Child(sipp, ["-sn", "uas", "-m", "1", "-i", "127.0.0.1", "-p", "\(sippPort)", "-timeout", "15s",
                                     "-timeout_error", "-nostdin"])
        defer { child.kill() }
        usleep(300_000)  // SIPp binds its socket
        rig.transport.addPeer("sipp", at: LiveEndpoint(.udp, host: "127.0.0.1", port: sippPort))
        let call = rig.on { ue.call(label: "c1", via: "sipp", requestURI: "sip:service@127.0.0.1:\(sippPort)") }
        let done = rig.driver.wait(timeoutMs: 10_000) { call.outcome != nil }
        XCTAssertTrue(done, rig.traceText())
        XCTAssertEqual(rig.on { call.outcome }, .completed, rig.traceText())
        XCTAssertEqual(rig.on { call.statuses }.filter { $0 >= 180 }, [180, 200])
        XCTAssertEqual(child.wait(seconds: 10), 0, "sipp uas exit status: \(child.output)")
        let lines = rig.transport.trace.filter { $0.kind == .sent || $0.kind == .delivered }
            .map { e -> String in
                let words = e.summary.split(separator: " ")
                let what = words.first == "SIP/2.0" ? words.prefix(2).joined(separator: " ") : String(words.first ?? "")
                return "\(e.kind.rawValue) \(e.from)->\(e.to) \(what)"
            }
        let expected = [
            "sent ue->sipp INVITE",
            "delivered sipp->ue SIP/2.0 180",
            "delivered sipp->ue SIP/2.0 200",
            "sent ue->sipp ACK",
            "sent ue->sipp BYE",
            "delivered sipp->ue SIP/2.0 200",
        ]
        // Retransmissions aside, the exchange is exactly SIPp's uas flow.
        XCTAssertEqual(lines.filter { !$0.hasSuffix(" 100") }.prefix(6).map { $0 }, expected, lines.joined(separator: "\n"))
    }
}
