@testable import Capture
import Foundation
import SIPCore
import Testing

/// The scan reads on a second thread for large captures. Whatever the split, the audit must
/// report exactly what the one-thread path reports, end with the same error on a broken
/// capture, and hold a bounded number of batches however slow the consumer is.
@Suite struct PipelineTests {
    static func options(_ pipeline: SIPCaptureReader.Options.Pipeline, batchBytes: Int = 256 << 10, batches: Int = 4) -> AuditOptions {
        var o = AuditOptions()
        o.reader.pipeline = pipeline
        o.reader.batchBytes = batchBytes
        o.reader.batches = batches
        return o
    }

    /// Report text, JSON and statistics of one audit (or the open error).
    static func audit(_ path: String, _ options: AuditOptions) async -> String {
        do {
            let r = try await CaptureAuditor.audit(path: path, options: options)
            return r.text + "\n" + r.json.canonicalString + "\n\(r.statistics)"
        } catch {
            return "open error: \(error.description)"
        }
    }

    /// Inline against threaded with several batch sizes (tiny ones hand over every few packets).
    static func expectSame(_ path: String, _ label: String, roles: CaptureRoles? = nil) async {
        var inline = options(.inline)
        inline.roles = roles
        let expected = await audit(path, inline)
        for (bytes, batches) in [(1, 2), (700, 2), (4096, 3), (256 << 10, 4)] {
            var o = options(.threaded, batchBytes: bytes, batches: batches)
            o.roles = roles
            let got = await audit(path, o)
            #expect(got == expected, "\(label): threaded, \(bytes)-byte batches x \(batches)")
        }
    }

    /// A capture of everything the two stages pass between them: digested and parsed UDP
    /// messages, non-SIP datagrams, malformed and folded messages, Identity, TCP messages,
    /// IPv4 fragments, a non-IP frame.
    static func mixedCapture(_ path: String, calls: Int = 300) throws {
        let w = try PcapWriter(path: path)
        let a = Endpoint(parsing: "192.0.2.1:5060")!, b = Endpoint(parsing: "192.0.2.2:5060")!
        var t: Int64 = 1_700_000_000_000_000_000
        func send(_ payload: [UInt8], _ tr: TransportProtocol = .udp, _ s: Endpoint = a, _ d: Endpoint = b) throws {
            t += 7_000_000  // expiry runs once per capture-second
            try w.write(time: t, src: s, dst: d, transport: tr, payload: payload)
        }
        for i in 0..<calls {
            let id = "call-\(i)@test"
            try send(Fixtures.sip("INVITE", callID: id, extra: i % 7 == 0 ? ["Identity: not-a-jwt;info=<https://x/c.pem>"] : []))
            try send(Fixtures.response(100, "Trying", callID: id, toTag: nil), .udp, b, a)
            try send(Fixtures.response(200, "OK", callID: id), .udp, b, a)
            try send(Fixtures.sip("ACK", callID: id))
            switch i % 10 {
            case 1: try send([0x80, 0x00, 0x01, 0x02] + [UInt8](repeating: 0x55, count: 160))  // RTP-like
            case 2: try send(Array("INVITE sip:x SIP/2.0\r\nBad Header\r\n\r\n".utf8))  // malformed
            case 3: try send(Fixtures.sip("OPTIONS", callID: id, extra: ["Subject: folded", " continued"]))
            case 4: try send(Fixtures.sip("MESSAGE", callID: id, cseq: 2), .tcp, Endpoint(parsing: "192.0.2.3:5060")!, b)
            case 5:
                guard case .v4(let s) = a.address, case .v4(let d) = b.address else { break }
                let udp = PacketBuilder.udp(src: a, dst: b, payload: Fixtures.sip("INFO", callID: id, body: String(repeating: "x", count: 2000)))
                t += 1_000
                try w.writeFrame(time: t, PacketBuilder.ethernet(src: a.address, dst: b.address,
                                                                 PacketBuilder.ipv4(src: s, dst: d, proto: 17, id: UInt16(i), fragment: 0x2000, Array(udp[0..<1480]))))
                try w.writeFrame(time: t, PacketBuilder.ethernet(src: a.address, dst: b.address,
                                                                 PacketBuilder.ipv4(src: s, dst: d, proto: 17, id: UInt16(i), fragment: 1480 / 8, Array(udp[1480...]))))
            case 6: try w.writeFrame(time: t, [UInt8](repeating: 0xFF, count: 12) + [0x08, 0x06] + [UInt8](repeating: 0, count: 28))  // ARP
            default: break
            }
            try send(Fixtures.sip("BYE", callID: id, cseq: 2))
            try send(Fixtures.response(200, "OK", method: "BYE", callID: id), .udp, b, a)
        }
        try w.close()
    }

    @Test func samplesMatchTheInlinePath() async throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Fixtures.captures.path)
            .filter { $0.hasSuffix(".pcap") || $0.hasSuffix(".pcapng") }.sorted()
        #expect(names.count >= 4)
        for name in names { await Self.expectSame(Fixtures.capture(name), name) }
        let roles = try CaptureRoles.load(path: Fixtures.capture("ims-pai-leak.roles.yaml"))
        await Self.expectSame(Fixtures.capture("ims-pai-leak.pcap"), "ims-pai-leak with roles", roles: roles)
    }

    @Test func generatedCapturesMatchTheInlinePath() async throws {
        let path = Fixtures.tempPath("mixed.pcap")
        try Self.mixedCapture(path)
        await Self.expectSame(path, "mixed")
        let gen = Fixtures.root.deletingLastPathComponent().appendingPathComponent("shared/tools/gen_pcap.py").path
        if FileManager.default.fileExists(atPath: gen), let g = runTool(["python3", gen, "-n", "5000", "--seed", "3", "-o", path + ".gen"]), g.status == 0 {
            await Self.expectSame(path + ".gen", "gen_pcap 5000")
        }
    }

    /// Cut mid-record and mid-header: the threaded read ends with the same error (file,
    /// offset, cause) and the same partial report.
    @Test func truncatedCapturesMatchTheInlinePath() async throws {
        let path = Fixtures.tempPath("mixed.pcap")
        try Self.mixedCapture(path, calls: 60)
        let full = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let cut = Fixtures.tempPath("cut.pcap")
        for size in stride(from: 7, to: full.count, by: full.count / 37) {
            try Data(full.prefix(size)).write(to: URL(fileURLWithPath: cut))
            await Self.expectSame(cut, "cut at \(size)")
        }
        for name in ["sipp-udp.pcapng", "sipp-tcp.pcapng"] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Fixtures.capture(name))))
            for size in [bytes.count - 1, bytes.count * 2 / 3, bytes.count / 2] {
                try Data(bytes.prefix(size)).write(to: URL(fileURLWithPath: cut))
                await Self.expectSame(cut, "\(name) cut at \(size)")
            }
        }
    }

    /// A consumer far slower than the reader: the reader waits for a free batch instead of
    /// running ahead, so no more than `batches` batches are ever queued.
    @Test func slowConsumerKeepsTheReaderBounded() throws {
        let path = Fixtures.tempPath("mixed.pcap")
        try Self.mixedCapture(path, calls: 200)
        var o = SIPCaptureReader.Options()
        o.pipeline = .threaded
        o.batchBytes = 2048
        o.batches = 3
        let reader = try SIPCaptureReader(path: path, options: o)
        var messages = 0
        try reader.run { e, _ in
            if case .message = e { messages += 1 }
            if messages % 50 == 0 { usleep(200) }
        }
        let peak = reader.peakQueuedBatches
        #expect(peak >= 2, "the reader never got ahead: the test proves nothing")
        #expect(peak <= 3)
        #expect(messages == reader.statistics.sipMessages)
    }
}
