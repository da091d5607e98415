import Foundation
import Identity
import LiveTransport
import Network
import SIPCore
import XCTest

/// Two harness UAs calling each other over each live transport.
final class LiveTransportTests: XCTestCase {
    func callBetweenAgents(_ kind: TransportKind, host: String, tls: LiveTLS? = nil) throws -> (LiveCall, LiveUserAgent, LiveRig) {
        let rig = LiveRig(tls: tls)
        let (alice, _) = try rig.agent("alice", user: "alice", on: LiveEndpoint(kind, host: host, port: 0), seed: 1)
        let (bob, bobAt) = try rig.agent("bob", user: "bob", on: LiveEndpoint(kind, host: host, port: 0), seed: 2)
        let call = rig.on { () -> LiveCall in
            let scheme = alice.scheme("bob")
            return alice.call(label: "c", via: "bob", requestURI: "\(scheme):bob@\(bobAt.address.uriHost):\(bobAt.address.port)")
        }
        XCTAssertTrue(rig.driver.wait(timeoutMs: 8_000) { call.outcome != nil && bob.incomingCalls.first?.outcome != nil },
                      rig.traceText())
        XCTAssertEqual(rig.on { call.outcome }, .completed, rig.traceText())
        return (call, bob, rig)
    }

    func testUDPCallIPv4() throws {
        let (call, bob, rig) = try callBetweenAgents(.udp, host: "127.0.0.1")
        defer { rig.close() }
        XCTAssertEqual(rig.on { bob.incomingCalls.count }, 1)
        XCTAssertTrue(rig.on { call.invite?.value(.via) ?? "" }.hasPrefix("SIP/2.0/UDP 127.0.0.1:"))
    }

    func testTCPCallIPv6() throws {
        let rig0 = LiveRig()
        let v6 = (try? rig0.transport.listen("probe", on: LiveEndpoint(.tcp, host: "::1", port: 0))) != nil
        rig0.close()
        guard v6 else { throw XCTSkip("no IPv6 loopback (::1) here") }
        let (call, bob, rig) = try callBetweenAgents(.tcp, host: "::1")
        defer { rig.close() }
        let invite = rig.on { bob.incomingCalls.first?.invite }
        XCTAssertTrue(invite?.value(.via)?.hasPrefix("SIP/2.0/TCP [::1]:") == true, "\(String(describing: invite?.value(.via)))")
        XCTAssertEqual(rig.on { call.statuses }.filter { $0 >= 180 }, [180, 200])
        // One connection each way at most, reused for ACK and BYE.
        XCTAssertLessThanOrEqual(rig.transport.trace.filter { $0.kind == .connection && $0.note.hasPrefix("connecting") }.count, 2)
    }

    func testTLSCallWithTestPKICertificate() throws {
        let pki = try TestPKI.generate(at: Date())
        let tls = try LiveTLS.loopback(pki: pki)
        let (call, bob, rig) = try callBetweenAgents(.tls, host: "127.0.0.1", tls: tls)
        defer { rig.close() }
        let invite = rig.on { bob.incomingCalls.first?.invite }
        XCTAssertEqual(invite?.requestURI?.description.hasPrefix("sips:bob@127.0.0.1:"), true)
        XCTAssertTrue(invite?.value(.via)?.hasPrefix("SIP/2.0/TLS 127.0.0.1:") == true)
        XCTAssertTrue(invite?.value(.contact)?.contains("sips:alice@") == true)
        XCTAssertEqual(rig.on { call.outcome }, .completed)
    }

    func testTLSRejectsAnUntrustedServer() throws {
        // Client trusts one PKI's root, the server presents another's certificate.
        let a = try LiveTLS.loopback(pki: try TestPKI.generate(at: Date(), seed: 1))
        let b = try LiveTLS.loopback(pki: try TestPKI.generate(at: Date(), seed: 2))
        let rig = LiveRig(tls: LiveTLS(server: b.server, client: a.client))
        defer { rig.close() }
        let (alice, _) = try rig.agent("alice", user: "alice", on: LiveEndpoint(.tls, host: "127.0.0.1", port: 0))
        let (_, bobAt) = try rig.agent("bob", user: "bob", on: LiveEndpoint(.tls, host: "127.0.0.1", port: 0))
        let call = rig.on { () -> LiveCall in
            alice.transactionTimeoutMs = 1_000
            return alice.call(label: "c", via: "bob", requestURI: "sips:bob@127.0.0.1:\(bobAt.address.port)")
        }
        XCTAssertTrue(rig.driver.wait(timeoutMs: 4_000) { call.outcome != nil })
        XCTAssertNotEqual(rig.on { call.outcome }, .completed)
        XCTAssertTrue(rig.transport.trace.contains { $0.kind == .error }, rig.traceText())
    }

    func testEndpointParsing() {
        XCTAssertEqual(LiveEndpoint(parsing: "udp:127.0.0.1:5060"), LiveEndpoint(.udp, host: "127.0.0.1", port: 5060))
        XCTAssertEqual(LiveEndpoint(parsing: "tls:[::1]:5061"), LiveEndpoint(.tls, host: "::1", port: 5061))
        XCTAssertEqual(LiveEndpoint(parsing: "tls:[::1]:5061")?.description, "tls:[::1]:5061")
        for bad in ["", "udp", "sctp:1.2.3.4:5", "udp:1.2.3.4", "udp:1.2.3.4:99999", "udp:::1:5060", "tcp:[::1]5060"] {
            XCTAssertNil(LiveEndpoint(parsing: bad), bad)
        }
    }

    /// A live run's virtual clock follows the real one (the runtime's tick), so the actors'
    /// timers fire on real time: an unanswered REGISTER over UDP is retransmitted after T1
    /// (500 ms, RFC 3261 Timer E) with nothing else driving the run.
    func testLiveRuntimeTimersFireOnTheRealClock() throws {
        let rt = LiveNetworkRuntime()
        defer { rt.close() }
        let silent = try freePort()   // nothing listens there
        let spec = NetworkSpec(actors: [
            ActorSpec(name: "ue", role: .ue, subscriber: "u"),
            ActorSpec(name: "pcscf", role: .pcscf, live: .external(address: ActorEndpoint(.udp, host: "127.0.0.1", port: silent), perPeer: [:])),
        ], links: [LinkSpec("ue", "pcscf", latencyMs: 0)],
           subscribers: [SubscriberSpec(name: "u", impus: ["sip:u@ims.example"], password: "pw")])
        let net = try SimulatedNetwork(spec: try rt.bind(spec), seed: 1)
        try rt.start(net)
        try rt.perform { try net.register(ue: "ue") }
        rt.sleep(ms: 1_200)
        let sends = rt.transport.trace.filter { $0.kind == .sent && String(decoding: $0.bytes.prefix(8), as: UTF8.self) == "REGISTER" }
        XCTAssertEqual(sends.count, 2, "\(sends.map(\.timeMs))")
        if sends.count >= 2 { XCTAssertGreaterThanOrEqual(sends[1].timeMs - sends[0].timeMs, 450) }
    }

    func testLiveSchedulerTimersAndCancel() throws {
        let driver = LiveDriver()
        defer { driver.shutdown() }
        let fired = UncheckedSendableBox<[Int]>([])
        try driver.sync {
            driver.scheduler.schedule(afterMs: 30) { fired.value.append(2) }
            driver.scheduler.schedule(afterMs: 10) { fired.value.append(1) }
            driver.scheduler.schedule(afterMs: 20) { fired.value.append(9) }.cancel()
        }
        XCTAssertTrue(driver.wait(timeoutMs: 2_000) { fired.value.count == 2 })
        usleep(50_000)
        XCTAssertEqual(try driver.sync { fired.value }, [1, 2])
    }
}

final class UncheckedSendableBox<T>: @unchecked Sendable {
    var value: T
    init(_ v: T) { value = v }
}
