import Capture
import Foundation
import Testing

@Suite struct PcapWriterTests {
    let ua = Endpoint(parsing: "10.1.0.1:5060")!
    let ub = Endpoint(parsing: "10.1.0.2:5080")!
    let va = Endpoint(parsing: "[fd00::1]:5060")!
    let vb = Endpoint(parsing: "[fd00::2]:5060")!

    func writeSample(_ path: String, mss: Int = 1460) throws {
        let w = try PcapWriter(path: path)
        w.maxSegmentSize = mss
        try w.write(time: 1_000_000_123, src: ua, dst: ub, transport: .udp, payload: Fixtures.sip("INVITE"))
        try w.write(time: 2_000_000_000, src: va, dst: vb, transport: .udp, payload: Fixtures.sip("OPTIONS"))
        try w.write(time: 3_000_000_000, src: ua, dst: ub, transport: .tcp, payload: Fixtures.sip("INFO", body: String(repeating: "z", count: 3000)))
        try w.write(time: 3_500_000_000, src: ub, dst: ua, transport: .tcp, payload: Fixtures.response(200, "OK", method: "INFO"))
        try w.write(time: 4_000_000_000, src: ua, dst: ub, transport: .tcp, payload: Fixtures.sip("BYE", cseq: 2))
        try w.write(time: 5_000_000_000, src: va, dst: vb, transport: .tcp, payload: Fixtures.sip("MESSAGE"))
        try w.close()
    }

    @Test func roundTrip() throws {
        let path = Fixtures.tempPath("w.pcap")
        try writeSample(path, mss: 1000)
        let r = Fixtures.read(path)
        #expect(r.error == nil && r.findings.isEmpty, "\(r.findings)")
        #expect(r.messages.map { $0.message.method ?? "\($0.message.statusCode ?? 0)" } == ["INVITE", "OPTIONS", "INFO", "200", "BYE", "MESSAGE"])
        #expect(r.messages[0].time == 1_000_000_123)  // nanoseconds survive
        #expect(r.messages[1].src == va)
        #expect(r.messages[2].packet == 6)  // 4 segments of at most 1000 bytes
        #expect(r.stats?.tcpSegments == 7)
    }

    @Test func writeErrorsAreClear() throws {
        #expect(throws: CaptureError.self) { try PcapWriter(path: "/nonexistent-dir/x.pcap") }
        let w = try PcapWriter(path: Fixtures.tempPath("mixed.pcap"))
        #expect(throws: CaptureError.self) { try w.write(time: 0, src: ua, dst: vb, transport: .udp, payload: []) }
        try w.close()
        #expect(throws: CaptureError.self) { try w.write(time: 0, src: ua, dst: ub, transport: .udp, payload: []) }
    }

    /// Checksums and lengths, judged by an independent dissector.
    @Test func tsharkFindsNoBadChecksumsOrSequenceProblems() throws {
        guard runTool(["tshark", "--version"]) != nil else {
            print("SKIPPED tsharkFindsNoBadChecksums: tshark is not installed")
            return
        }
        let path = Fixtures.tempPath("w.pcap")
        try writeSample(path)
        let t = try #require(runTool(["tshark", "-n", "-r", path, "-o", "ip.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                                      "-o", "tcp.check_checksum:TRUE", "-T", "fields", "-e", "frame.number", "-e", "_ws.expert.message"]))
        #expect(t.status == 0, "\(t.err)")
        let lines = t.out.split(separator: "\n")
        #expect(lines.count == 8)
        for l in lines {
            let lower = l.lowercased()
            #expect(!lower.contains("bad checksum") && !lower.contains("incorrect") && !lower.contains("malformed")
                    && !lower.contains("previous segment not captured") && !lower.contains("retransmission"), "\(l)")
        }
        let sip = try #require(runTool(["tshark", "-n", "-r", path, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"]))
        #expect(sip.out.split(separator: "\n").count == 6, "\(sip.out)")
    }
}
