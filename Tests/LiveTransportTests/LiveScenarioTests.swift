import Foundation
import Identity
import LiveTransport
import Network
import Reports
import Scenario
import XCTest

/// Live scenarios end to end without Kamailio: a second harness network plays the system under
/// test (its P-CSCF on a real socket), so every message crosses loopback sockets both ways and
/// the scenario judges only what reaches its own actors.
final class LiveScenarioTests: XCTestCase {
    struct Ports { var caller: Int, pcscf: Int, scscf: Int }

    func ports() throws -> Ports { Ports(caller: try freePort(), pcscf: try freePort(), scscf: try freePort()) }

    /// The SUT: the harness's own P-CSCF listening at `p.pcscf`; caller and S-CSCF are real to it.
    func startSUT(_ p: Ports, trustsUEPAI: Bool = false, transport: TransportKind = .udp,
                  tls: LiveTLSOptions = .default) throws -> LiveNetworkRuntime {
        let rt = LiveNetworkRuntime(tls: tls)
        func at(_ port: Int) -> ActorEndpoint { ActorEndpoint(transport, host: "127.0.0.1", port: port) }
        let spec = NetworkSpec(actors: [
            ActorSpec(name: "caller", role: .ue, live: .external(address: at(p.caller), perPeer: [:])),
            ActorSpec(name: "pcscf", role: .pcscf, domain: "ims.test", policy: ["trusts_ue_asserted_identity": .bool(trustsUEPAI)],
                      live: .listen(at(p.pcscf))),
            ActorSpec(name: "scscf", role: .scscf, live: .external(address: at(p.scscf), perPeer: [:])),
        ], trustDomains: ["home": ["pcscf", "scscf"]],
           links: [LinkSpec("caller", "pcscf", latencyMs: 0), LinkSpec("pcscf", "scscf", latencyMs: 0)])
        let net = try SimulatedNetwork(spec: try rt.bind(spec), seed: 7 ^ rt.seedSalt)
        try rt.start(net)
        return rt
    }

    func scenario(_ p: Ports, transport t: String = "udp") -> String {
        """
        name: spoofed PAI through a real P-CSCF
        mode: live
        network:
          actors:
            caller: {role: ue, domain: ims.test, listen: "\(t):127.0.0.1:\(p.caller)"}
            callee: {role: ue, domain: ims.test}
            pcscf: {role: pcscf, domain: ims.test, external: "\(t):127.0.0.1:\(p.pcscf)"}
            scscf: {role: scscf, domain: ims.test, listen: "\(t):127.0.0.1:\(p.scscf)"}
            pcscf-term: {role: pcscf, domain: ims.test}
          trust_domains:
            home: [pcscf, scscf, pcscf-term]
          links:
            - {between: [caller, pcscf], latency: 0ms}
            - {between: [pcscf, scscf], latency: 0ms}
            - {between: [callee, pcscf-term]}
            - {between: [pcscf-term, scscf]}
          subscribers:
            caller: {impus: ["sip:caller@ims.test", "tel:+15551230001"], password: a}
            callee: {impus: ["sip:callee@ims.test"], password: b}
        steps:
          - register: caller
          - register: callee
          - call: {from: caller, to: callee, headers: {P-Asserted-Identity: "sip:ceo@ims.test"}}
          - hangup: {call: call}
        assert:
          - never: {at: scscf, method: INVITE, header: P-Asserted-Identity, contains: "ceo@ims.test"}
          - eventually: {at: scscf, from: pcscf, method: INVITE, header: P-Asserted-Identity, contains: "sip:caller@ims.test"}
          - call: {established: true}
        """
    }

    func run(_ p: Ports, transport: String = "udp", tls: LiveTLSOptions = .default) throws -> ScenarioEngine.Outcome {
        let f = ScenarioLoader(catalog: .network).load(text: scenario(p, transport: transport), path: "live.yaml")
        XCTAssertEqual(f.diagnostics, [])
        let c = try XCTUnwrap(f.cases.first)
        return ScenarioEngine().run(c, live: LiveNetworkRuntime(tls: tls))
    }

    func testScenarioRunsAgainstARealPCSCFOverSockets() throws {
        let p = try ports()
        let sut = try startSUT(p)
        defer { sut.close() }
        let o = try run(p)
        let text = o.trace.map { "\($0.from) -> \($0.to) \($0.kind) \($0.summary) \($0.note)" }.joined(separator: "\n")
        XCTAssertEqual(o.report.verdict, .passed, "\(o.report.error ?? "") \(o.report.failures)\n\(text)")
        // The caller's messages left through its real socket and the SUT's answers came back
        // from it: the P-CSCF is external here, so every pcscf hop crossed loopback.
        XCTAssertTrue(o.trace.contains { $0.kind == .delivered && $0.from == "pcscf" && $0.to == "scscf" && $0.summary.hasPrefix("INVITE") }, text)
        XCTAssertEqual(o.addresses["caller"]?.port, p.caller)
        // Both sides saw the REGISTER exchange: the SUT's network traced it too.
        XCTAssertGreaterThan(sut.transport.traceEventCount, 0)
    }

    /// SIP over TLS both ways: the runtimes build their contexts from the scenario's PKI (seed
    /// 1), so each side verifies the other's loopback certificate against the same root.
    func testScenarioRunsOverTLS() throws {
        let p = try ports()
        let sut = try startSUT(p, transport: .tls)
        defer { sut.close() }
        let o = try run(p, transport: "tls")
        let text = o.trace.map { "\($0.from) -> \($0.to) \($0.kind) \($0.summary) \($0.note)" }.joined(separator: "\n")
        XCTAssertEqual(o.report.verdict, .passed, "\(o.report.error ?? "") \(o.report.failures)\n\(text)")
        let invite = try XCTUnwrap(o.trace.first { $0.kind == .delivered && $0.from == "pcscf" && $0.to == "scscf" && $0.summary.hasPrefix("INVITE") },
                                   text)
        XCTAssertEqual(invite.transport, .tls)
        // The SUT's Via and Record-Route name its TLS socket, so replies and in-dialog requests use it.
        let via = try XCTUnwrap(invite.message?.value(.via))
        XCTAssertTrue(via.hasPrefix("SIP/2.0/TLS 127.0.0.1:\(p.pcscf)"), via)
        XCTAssertTrue(invite.message?.value(.recordRoute)?.contains(";transport=tls") == true, "\(invite.message?.value(.recordRoute) ?? "-")")
        let connections = sut.transport.trace.filter { $0.kind == .connection }
        XCTAssertFalse(connections.isEmpty)
        XCTAssertFalse(sut.transport.trace.contains { $0.kind == .error }, "\(sut.transport.trace.filter { $0.kind == .error }.map(\.note))")
    }

    /// A SUT presenting a certificate from another CA (here a second test PKI, as a real
    /// operator's would be): refused by default, accepted with that CA as `--tls-trust`, and with
    /// `--tls-no-verify`.
    func testTLSAgainstASUTWithItsOwnCertificate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("live-tls-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try TestPKI.generate(at: Date(), seed: 2).write(to: dir)
        let own = LiveTLSOptions(certificatePEM: dir.appendingPathComponent("tls-loopback.pem").path,
                                 keyPEM: dir.appendingPathComponent("tls-loopback.key.pem").path)
        for (label, options, passes) in [
            ("default trust", LiveTLSOptions.default, false),
            ("--tls-trust", LiveTLSOptions(trustPEM: dir.appendingPathComponent("root.pem").path), true),
            ("--tls-no-verify", LiveTLSOptions(verifyPeer: false), true),
        ] {
            let p = try ports()
            let sut = try startSUT(p, transport: .tls, tls: own)
            defer { sut.close() }
            let o = try run(p, transport: "tls", tls: options)
            let text = o.trace.map { "\($0.from) -> \($0.to) \($0.kind) \($0.summary) \($0.note)" }.joined(separator: "\n")
            XCTAssertEqual(o.report.verdict == .passed, passes, "\(label): \(o.report.failures)\n\(text)")
            if !passes {
                // The refusal is evidence in the trace, not a silent timeout.
                XCTAssertTrue(o.trace.contains { $0.note.lowercased().contains("certificate") }, "\(label)\n\(text)")
            }
        }
    }

    func testTheSameAssertionsCatchAWeakenedSUT() throws {
        let p = try ports()
        let sut = try startSUT(p, trustsUEPAI: true)
        defer { sut.close() }
        let o = try run(p)
        XCTAssertEqual(o.report.verdict, .failed)
        let failure = try XCTUnwrap(o.report.failures.first)
        XCTAssertTrue(failure.assertion.contains("never"), "\(failure)")
        XCTAssertTrue(failure.evidence?.excerpt.contains("ceo@ims.test") == true, "\(failure)")
    }

    /// Answers every datagram with bytes that are not SIP.
    final class GarbagePeer: MessageReceiver {
        let transport: LiveTransport
        init(_ t: LiveTransport) { transport = t }
        func receive(_ bytes: [UInt8], from peer: String) {
            transport.send(Array("HELLO THIS IS NOT SIP\r\n\u{1}\u{2}\r\n\r\n".utf8), from: "sut", to: peer, note: "garbage")
        }
    }

    func testASUTAnsweringGarbageFailsTheScenarioWithEvidence() throws {
        let p = try ports()
        let rig = LiveRig()
        defer { rig.close() }
        try rig.transport.listen("sut", on: LiveEndpoint(.udp, host: "127.0.0.1", port: p.pcscf))
        rig.on { rig.transport.attach(GarbagePeer(rig.transport), as: "sut") }
        let text = scenario(p).replacingOccurrences(of: """
              - register: callee
              - call: {from: caller, to: callee, headers: {P-Asserted-Identity: "sip:ceo@ims.test"}}
              - hangup: {call: call}
            """, with: "").replacingOccurrences(of: "  - call: {established: true}", with: "  - eventually: {at: caller, method: REGISTER, status: 200}")
        let f = ScenarioLoader(catalog: .network).load(text: text, path: "live.yaml")
        let c = try XCTUnwrap(f.cases.first, "\(f.diagnostics)")
        let o = ScenarioEngine().run(c, live: LiveNetworkRuntime())
        XCTAssertEqual(o.report.verdict, .failed)
        // The garbage reached the caller over the socket and is in the trace as evidence.
        let dropped = o.trace.filter { $0.kind == .dropped && $0.to == "caller" }
        XCTAssertTrue(dropped.contains { $0.note.contains("could not parse") && String(decoding: $0.bytes, as: UTF8.self).hasPrefix("HELLO") },
                      o.trace.map { "\($0.kind) \($0.from)->\($0.to) \($0.note)" }.joined(separator: "\n"))
    }

    /// Nothing listens where the SUT should be: the report says so, not only that the call failed.
    func testAnUnreachableSUTIsNamedInTheReport() throws {
        let p = try ports()
        let o = try run(p, transport: "tls")
        XCTAssertEqual(o.report.verdict, .failed)
        let errors = try XCTUnwrap(o.report.transportErrors, "\(o.report.failures)")
        XCTAssertTrue(errors.contains { $0.contains("connect to tls:127.0.0.1:\(p.pcscf) failed") }, "\(errors)")
        XCTAssertTrue(ConsoleReporter(isTTY: false, colour: false).lines(for: o.report).contains("socket: "), "console")
    }

    func testASilentSUTFailsTheScenarioWithinTheStepLimits() throws {
        let p = try ports()   // nothing listens at p.pcscf
        let t0 = Date()
        let o = try run(p)
        XCTAssertNotEqual(o.report.verdict, .passed)
        XCTAssertTrue(o.report.failures.contains { $0.assertion.contains("call") }, "\(o.report.failures)")
        XCTAssertLessThan(Date().timeIntervalSince(t0), 45, "bounded by the per-step limit")
    }
}
