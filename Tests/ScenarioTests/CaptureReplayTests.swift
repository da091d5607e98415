import Foundation
import Network
import Reports
import SIPCore
import Testing
@testable import Scenario

extension AllScenarioTests {

/// `replay: {capture: ...}`: decoding and static checks, injection from the shipped capture
/// (as a named actor and as an attacker), rewrites, and broken captures as scenario errors.
struct CaptureReplayTests {
    static let capture = Repo.root.appendingPathComponent("Captures/signed-call.pcap").path
    static let home = Repo.scenarios + "/common/home.yaml"

    /// A fresh folder holding `files`; returns its path.
    func folder(_ files: [String: [UInt8]] = [:]) throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for (name, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: dir + "/" + name)) }
        return dir
    }

    func load(_ text: String, in dir: String) -> LoadedFile {
        ScenarioLoader(catalog: .network).load(text: text, path: dir + "/t.yaml")
    }

    func scenario(_ replay: String, extraNetwork: String = "", before: String = "", after: String = "", assert: String = "") -> String {
        """
        name: replay test
        include: \(Self.home)
        \(extraNetwork)
        steps:
          - register: caller
          - register: callee
        \(before)  - replay: \(replay)
        \(after)
        \(assert)
        """
    }

    @Test func captureFormDecodesAndAttackFormStays() throws {
        let dir = try folder(["c.pcap": Array(try Data(contentsOf: URL(fileURLWithPath: Self.capture)))])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = load(scenario("""
        {capture: c.pcap, filter: {method: INVITE, dst: "10.0.0.8:5060", header: Identity}, index: 2, from: scscf, to: sti-vs,
             rewrite: {request_uri: "${callee.impu}", via: true, headers: {X-Test: one}}}
          - replay: {link: [scscf, sti-vs], from: scscf, method: INVITE, nth: 1, after: 61s}
          - replay: {capture: c.pcap, index: all, from: scscf, to: sti-vs}
        """), in: dir)
        #expect(f.diagnostics.isEmpty, "\(f.diagnostics)")
        let steps = try #require(f.cases.first).steps
        guard case .replayCapture(let r) = steps[2].kind else { Issue.record("\(steps[2].kind)"); return }
        #expect(r.capture == "c.pcap" && r.path == dir + "/c.pcap")
        #expect(r.filter.method == "INVITE" && r.filter.dst == "10.0.0.8:5060" && r.filter.header == "Identity")
        #expect(r.index == 2 && r.from == "scscf" && r.to == "sti-vs")
        #expect(r.rewrite.via && r.rewrite.requestURI?.text == "${callee.impu}" && r.rewrite.headers.map(\.name) == ["X-Test"])
        guard case .attack(let a) = steps[3].kind else { Issue.record("\(steps[3].kind)"); return }
        #expect(a.action == "replay" && a.parameters["after"]?.value == "61000")
        guard case .replayCapture(let all) = steps[4].kind else { Issue.record("\(steps[4].kind)"); return }
        #expect(all.index == nil && all.filter.description == "any message")
    }

    @Test func missingCaptureIsAStaticErrorWithPlace() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = load(scenario("{capture: ../nope.pcap, from: scscf, to: sti-vs}"), in: dir)
        let d = f.diagnostics.map(\.description)
        let missing = (dir as NSString).deletingLastPathComponent + "/nope.pcap"
        #expect(d == ["\(dir)/t.yaml:7:23: error: capture file '../nope.pcap' not found (looked for \(missing)); "
                      + "expected a pcap or pcapng file, its path relative to the scenario file's folder"], "\(d)")
        #expect(f.cases.isEmpty)
    }

    @Test func badKeysAreStaticErrors() throws {
        let dir = try folder(["c.pcap": [0]])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let d = load(scenario("""
        {capture: c.pcap, filter: {methd: INVITE, dst: "10.0.0.300", status: 99}, index: 0, from: scscf, to: scscf, rewrite: {via: maybe}}
        """), in: dir).diagnostics.map { "\($0.location.line):\($0.location.column): \($0.message)" }
        #expect(d.contains { $0.hasPrefix("7:40: unknown key 'methd' in replay filter") }, "\(d)")
        #expect(d.contains("7:60: dst '10.0.0.300' is not an address"), "\(d)")
        #expect(d.contains("7:82: status is '99'"), "\(d)")
        #expect(d.contains("7:94: index is '0'"), "\(d)")
        #expect(d.contains("7:114: replay from 'scscf' to itself"), "\(d)")
        #expect(d.contains("7:136: via is 'maybe'"), "\(d)")
        let noTo = load(scenario("{capture: c.pcap, from: scscf}"), in: dir).diagnostics.map(\.message)
        #expect(noTo == ["replay has no 'to'"], "\(noTo)")
    }

    /// The shipped scenario's mechanism without the suite: the captured INVITE verifies when
    /// replayed at once and gets 403 Stale Date five minutes later.
    @Test func replayedAsNamedActorThenStale() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let step = "{capture: \(Self.capture), filter: {method: INVITE, dst: \"10.0.0.8:5060\"}, from: scscf, to: sti-vs}"
        let f = load(scenario(step, after: "  - advance: 5m\n  - replay: \(step)",
                              assert: "assert:\n  - verdict: {at: sti-vs, result: invalid, policy: Freshness, status: 403}"), in: dir)
        let c = try #require(f.cases.first, "\(f.diagnostics)")
        let out = ScenarioEngine().run(c)
        #expect(out.report.verdict == .passed, "\(out.report.error ?? "") \(out.report.failures.map(\.message))")
        let replays = out.trace.filter { $0.kind == .delivered && $0.from == "scscf" && $0.to == "sti-vs" && $0.message?.method == "INVITE" }
        #expect(replays.count >= 2)
        #expect(out.trace.contains { $0.note.contains("replayed from \(Self.capture) packet 26") })
    }

    /// An attacker with its own link injects the INVITE; `via: true` brings the 403 back to it,
    /// and the Request-URI and header rewrites are what the verifier received.
    @Test func replayedAsAttackerWithRewrite() throws {
        let dir = try folder()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let f = load(scenario("""
        {capture: \(Self.capture), filter: {method: INVITE, dst: "10.0.0.8"}, from: mallory, to: sti-vs,
             rewrite: {via: true, request_uri: "sip:callee@ims.example;replayed", headers: {X-Replayed: "${caller.tn}"}}}
        """, extraNetwork: """
        network:
          actors:
            mallory: {role: attacker}
          links:
            - {between: [mallory, sti-vs], transport: udp}
        """, before: "  - advance: 5m\n", assert: "assert:\n  - eventually: {at: mallory, status: 403}"), in: dir)
        let c = try #require(f.cases.first, "\(f.diagnostics)")
        let out = ScenarioEngine().run(c)
        #expect(out.report.verdict == .passed, "\(out.report.error ?? "") \(out.report.failures.map(\.message))")
        let got = try #require(out.trace.first { $0.kind == .delivered && $0.from == "mallory" }?.message)
        #expect(got.requestURIText == "sip:callee@ims.example;replayed")
        #expect(got.value("X-Replayed") == "+12025550101")
        #expect(got.values("Via").count == 1)
        #expect(got.value("Via")?.hasPrefix("SIP/2.0/UDP \(out.addresses["mallory"].map { "\($0.uriHost):\($0.port)" } ?? "?");branch=z9hG4bK") == true)
    }

    /// Captures that cannot be read, or selections that find nothing, end the case with an
    /// error verdict naming the step's place and the cause; nothing traps.
    @Test(arguments: [
        ("garbage", "not a pcap or pcapng capture"),
        ("truncated", "truncated record at offset"),
        ("no-match", "no SIP message matches {method: BYE} (51 SIP message(s) in the file: 100 x7, 180 x8, 200 x12, 401 x4, ACK x4, INVITE x8, REGISTER x8)"),
        ("index", "index 9, but only 1 message(s) match {method: INVITE, dst: 10.0.0.8}"),
    ])
    func brokenCaptureIsAScenarioError(_ kind: String, _ expected: String) throws {
        let good = Array(try Data(contentsOf: URL(fileURLWithPath: Self.capture)))
        let bytes: [UInt8] = switch kind {
        case "garbage": Array("this is not a capture\n".utf8)
        case "truncated": Array(good.prefix(good.count - 100))
        default: good
        }
        let dir = try folder(["c.pcap": bytes])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let step = switch kind {
        case "no-match": "{capture: c.pcap, filter: {method: BYE}, from: scscf, to: sti-vs}"
        case "index": "{capture: c.pcap, filter: {method: INVITE, dst: 10.0.0.8}, index: 9, from: scscf, to: sti-vs}"
        default: "{capture: c.pcap, from: scscf, to: sti-vs}"
        }
        let f = load(scenario(step), in: dir)
        let c = try #require(f.cases.first, "\(f.diagnostics)")
        let out = ScenarioEngine().run(c)
        #expect(out.report.verdict == .error)
        let error = out.report.error ?? ""
        #expect(error.hasPrefix("\(dir)/t.yaml:7:5: replay: capture c.pcap: "), "\(error)")
        #expect(error.contains(expected), "\(error)")
    }

    /// The shipped capture is what today's network sends: the S-CSCF's INVITE to the STI-VS in
    /// `signed-call-verified.yaml` has the very bytes of the captured one. If the network, PKI or
    /// epoch change, regenerate: `ims-harness run Scenarios/identity/signed-call-verified.yaml
    /// --pcap DIR` and copy the file over Captures/signed-call.pcap.
    @Test func shippedCaptureMatchesTheNetwork() throws {
        let f = ScenarioLoader(catalog: .network).load(path: Repo.scenarios + "/identity/signed-call-verified.yaml")
        let c = try #require(f.cases.first)
        let out = ScenarioEngine().run(c)
        let live = try #require(out.trace.first { $0.kind == .delivered && $0.from == "scscf" && $0.to == "sti-vs" && $0.message?.method == "INVITE" })
        var step = CaptureReplayStep(capture: "signed-call.pcap", path: Self.capture, filter: CaptureFilter(), index: 1,
                                     from: "scscf", to: "sti-vs", rewrite: CaptureRewrite())
        step.filter.method = "INVITE"
        step.filter.dst = "10.0.0.8:5060"
        let captured = try #require(try EvalContext.pick(step).first)
        // ES256 signatures are randomised, so the signature is the one part that differs; the
        // replay scenario's immediate replay shows the captured one still verifies.
        func unsigned(_ bytes: [UInt8]) throws -> ([UInt8], String) {
            var m = try SIPMessage(parsing: bytes)
            let identity = m.value("Identity") ?? ""
            let signed = identity.split(separator: ";", maxSplits: 1)
            let jws = signed.first.map { $0.split(separator: ".").prefix(2).joined(separator: ".") } ?? ""
            m.setHeader("Identity", nil)
            return (m.bytes, jws + ";" + (signed.dropFirst().first ?? ""))
        }
        let (a, aIdentity) = try unsigned(captured.message.bytes), (b, bIdentity) = try unsigned(live.bytes)
        #expect(a == b && aIdentity == bIdentity && !aIdentity.isEmpty,
                "Captures/signed-call.pcap is stale: regenerate it (see this test's comment)")
        #expect(captured.time == (NetworkSpec.defaultEpochBase * 1000 + live.timeMs) * 1_000_000)
    }
}
}
