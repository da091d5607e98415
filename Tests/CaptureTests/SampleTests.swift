import Capture
import Foundation
import Testing

/// `Captures/ims-pai-leak.pcap`: a small IMS call written by `PcapWriter`. The P-CSCF passes
/// on the P-Asserted-Identity the UE put in its INVITE, and the IBCF sends PAI with
/// `Privacy: id` into an untrusted peer network, without Identity.
enum SyntheticSample {
    static let ue = Endpoint(parsing: "10.0.0.10:5060")!
    static let pcscf = Endpoint(parsing: "10.0.0.2:5060")!
    static let pcscfCore = Endpoint(parsing: "10.0.0.2:5070")!
    static let scscf = Endpoint(parsing: "10.0.0.3:5060")!
    static let ibcf = Endpoint(parsing: "10.0.0.4:5060")!
    static let peer = Endpoint(parsing: "198.51.100.7:5060")!

    static func invite(via: [String], pai: Bool = true) -> String {
        var h = ["INVITE sip:+12025550155@peer.example;user=phone SIP/2.0"]
        h += via.map { "Via: SIP/2.0/\($0)" }
        h += ["Max-Forwards: 68", "From: \"Alice\" <sip:+12025550123@ims.home>;tag=ue-1", "To: <sip:+12025550155@peer.example;user=phone>",
              "Call-ID: leak-1@10.0.0.10", "CSeq: 1 INVITE", "Contact: <sip:alice@10.0.0.10:5060>"]
        if pai { h.append("P-Asserted-Identity: <sip:+12025550100@ims.home>") }
        h += ["Privacy: id", "Content-Length: 0"]
        return h.joined(separator: "\r\n") + "\r\n\r\n"
    }

    static func response(_ status: String, cseq: String = "1 INVITE", toTag: Bool = true) -> String {
        ["SIP/2.0 \(status)", "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKue1", "From: \"Alice\" <sip:+12025550123@ims.home>;tag=ue-1",
         "To: <sip:+12025550155@peer.example;user=phone>" + (toTag ? ";tag=peer-9" : ""), "Call-ID: leak-1@10.0.0.10",
         "CSeq: \(cseq)", "Content-Length: 0"].joined(separator: "\r\n") + "\r\n\r\n"
    }

    static func request(_ method: String, cseq: Int) -> String {
        ["\(method) sip:+12025550155@198.51.100.7:5060 SIP/2.0", "Via: SIP/2.0/UDP 10.0.0.10:5060;branch=z9hG4bKue\(method)",
         "Max-Forwards: 70", "From: \"Alice\" <sip:+12025550123@ims.home>;tag=ue-1", "To: <sip:+12025550155@peer.example;user=phone>;tag=peer-9",
         "Call-ID: leak-1@10.0.0.10", "CSeq: \(cseq) \(method)", "Content-Length: 0"].joined(separator: "\r\n") + "\r\n\r\n"
    }

    static func write(to path: String) throws {
        let w = try PcapWriter(path: path)
        var t: Int64 = 1_700_000_000_000_000_000
        func send(_ s: Endpoint, _ d: Endpoint, _ tr: TransportProtocol, _ text: String) throws {
            t += 2_000_000  // 2 ms apart
            try w.write(time: t, src: s, dst: d, transport: tr, payload: Array(text.utf8))
        }
        try send(ue, pcscf, .udp, invite(via: ["UDP 10.0.0.10:5060;branch=z9hG4bKue1"]))
        try send(pcscf, ue, .udp, response("100 Trying", toTag: false))
        try send(pcscfCore, scscf, .tcp, invite(via: ["TCP 10.0.0.2:5070;branch=z9hG4bKp1", "UDP 10.0.0.10:5060;branch=z9hG4bKue1"]))
        try send(scscf, ibcf, .tcp, invite(via: ["TCP 10.0.0.3:5060;branch=z9hG4bKs1", "TCP 10.0.0.2:5070;branch=z9hG4bKp1",
                                                 "UDP 10.0.0.10:5060;branch=z9hG4bKue1"]))
        try send(ibcf, peer, .udp, invite(via: ["UDP 10.0.0.4:5060;branch=z9hG4bKi1", "TCP 10.0.0.3:5060;branch=z9hG4bKs1",
                                                "TCP 10.0.0.2:5070;branch=z9hG4bKp1", "UDP 10.0.0.10:5060;branch=z9hG4bKue1"]))
        try send(peer, ibcf, .udp, response("180 Ringing"))
        try send(pcscf, ue, .udp, response("180 Ringing"))
        try send(peer, ibcf, .udp, response("200 OK"))
        try send(pcscf, ue, .udp, response("200 OK"))
        try send(ue, pcscf, .udp, request("ACK", cseq: 1))
        try send(ue, pcscf, .udp, request("BYE", cseq: 2))
        try send(pcscf, ue, .udp, response("200 OK", cseq: "2 BYE"))
        try w.close()
    }
}

@Suite struct SampleTests {
    @Test func syntheticSampleIsReproducible() throws {
        let fresh = Fixtures.tempPath("ims-pai-leak.pcap")
        try SyntheticSample.write(to: fresh)
        let shipped = Fixtures.capture("ims-pai-leak.pcap")
        if ProcessInfo.processInfo.environment["CAPTURE_REGENERATE"] == "1" {
            try? FileManager.default.removeItem(atPath: shipped)
            try FileManager.default.copyItem(atPath: fresh, toPath: shipped)
        }
        #expect(FileManager.default.contents(atPath: fresh) == FileManager.default.contents(atPath: shipped),
                "Captures/ims-pai-leak.pcap differs from what SyntheticSample writes (CAPTURE_REGENERATE=1 rewrites it)")
    }

    @Test func syntheticSampleReadsBack() throws {
        let r = Fixtures.read(Fixtures.capture("ims-pai-leak.pcap"))
        #expect(r.error == nil)
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.messages.count == 12)
        #expect(r.messages.filter { $0.transport == .tcp }.count == 2)
        #expect(r.messages.first?.src == SyntheticSample.ue)
        #expect(r.messages.first?.time == 1_700_000_000_002_000_000)
    }

    @Test func auditFlagsTheLeakWithTheShippedRoles() async throws {
        var o = AuditOptions()
        o.roles = try CaptureRoles.load(path: Fixtures.capture("ims-pai-leak.roles.yaml"))
        let report = try await CaptureAuditor.audit(path: Fixtures.capture("ims-pai-leak.pcap"), options: o)
        let failed = Set(report.checks.filter { $0.status == .failed }.map(\.name))
        #expect(failed == ["no-ue-pai-forwarded-by-pcscf", "no-pai-to-untrusted-with-privacy-id", "terminating-invite-identity"])
        let leak = try #require(report.violations.first { $0.check == "no-ue-pai-forwarded-by-pcscf" })
        #expect(leak.packet == 3)
        #expect(leak.message.contains("sip:+12025550100@ims.home"))
        #expect(report.violationCounts["no-ue-pai-forwarded-by-pcscf"] == 1)
        #expect(report.dialogs == 1)
        #expect(report.requests == ["INVITE": 4, "ACK": 1, "BYE": 1])
        #expect(report.responses == [100: 1, 180: 2, 200: 3])
        // The streamed JSON is canonical and reads back whole: violations, checks, counts.
        let json = report.json
        #expect(json.canonicalBytes == report.jsonBytes)
        #expect(json["violations"]?.arrayValue?.count == report.violations.count)
        #expect(json["requests"]?["INVITE"] == .integer(4))
        #expect(json["passed"] == .bool(false))
    }

    @Test func auditWithoutRolesPasses() async throws {
        let report = try await CaptureAuditor.audit(path: Fixtures.capture("ims-pai-leak.pcap"))
        #expect(report.passed)
        #expect(report.checks.filter { $0.status == .skipped }.count == 3)
    }

    @Test(arguments: ["sipp-udp.pcapng", "sipp-tcp.pcapng"])
    func sippSamples(_ name: String) async throws {
        let report = try await CaptureAuditor.audit(path: Fixtures.capture(name))
        #expect(report.captureError == nil)
        #expect(report.requests == ["INVITE": 1, "ACK": 1, "BYE": 1])
        #expect(report.responses == [180: 1, 200: 2])
        #expect(report.dialogs == 1)
        #expect(report.malformedCount == 0)
        #expect(report.passed)
    }

    /// Per-method and per-status counts equal tshark's on every shipped capture.
    @Test func countsMatchTshark() async throws {
        guard runTool(["tshark", "--version"]) != nil else {
            print("SKIPPED countsMatchTshark: tshark is not installed (scripts/install-deps.sh test installs it)")
            return
        }
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        #expect(files.count >= 3)
        for f in files {
            let path = Fixtures.capture(f)
            let t = try #require(runTool(["tshark", "-n", "-r", path, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"]))
            #expect(t.status == 0, "\(t.err)")
            var methods: [String: Int] = [:], statuses: [Int: Int] = [:]
            for line in t.out.split(separator: "\n", omittingEmptySubsequences: true) {
                let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
                // Several messages in one frame appear comma-separated.
                for m in (cols.first ?? "").split(separator: ",") { methods[String(m), default: 0] += 1 }
                if cols.count > 1 { for s in cols[1].split(separator: ",") { statuses[Int(s) ?? -1, default: 0] += 1 } }
            }
            let report = try await CaptureAuditor.audit(path: path)
            // tshark also puts the CSeq method of a response in sip.Method? No: only request lines.
            #expect(report.requests == methods, "\(f): requests")
            #expect(report.responses == statuses, "\(f): responses")
        }
    }

    /// The same comparison on a generated capture of a few thousand messages, so the audit's
    /// digest fast path (not just the parser fallback) is held to tshark's counts.
    @Test func generatedCaptureCountsMatchTshark() async throws {
        let gen = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/tools/gen_pcap.py").path
        guard FileManager.default.fileExists(atPath: gen), runTool(["tshark", "--version"]) != nil else {
            print("SKIPPED generatedCaptureCountsMatchTshark: needs ../shared/tools/gen_pcap.py and tshark")
            return
        }
        let path = Fixtures.tempPath("gen.pcap")
        let g = try #require(runTool(["python3", gen, "-n", "3000", "--seed", "5", "-o", path]))
        #expect(g.status == 0, "\(g.err)")
        let t = try #require(runTool(["tshark", "-n", "-r", path, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"]))
        var methods: [String: Int] = [:], statuses: [Int: Int] = [:]
        for line in t.out.split(separator: "\n") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            if let m = cols.first, !m.isEmpty { methods[String(m), default: 0] += 1 }
            if cols.count > 1, let code = Int(cols[1]) { statuses[code, default: 0] += 1 }
        }
        let report = try await CaptureAuditor.audit(path: path)
        #expect(report.sipMessages == 3000)
        #expect(report.requests == methods)
        #expect(report.responses == statuses)
    }
}
