import Capture
import Foundation
import Testing

/// Link layers, IP and TCP edge cases built byte by byte around `PacketBuilder` headers.
@Suite struct EdgeCaseTests {
    let a = Endpoint(parsing: "192.0.2.1:5060")!
    let b = Endpoint(parsing: "192.0.2.2:5060")!
    let a6 = Endpoint(parsing: "[2001:db8::1]:5060")!
    let b6 = Endpoint(parsing: "[2001:db8::2]:5062")!

    func udpIP(_ s: Endpoint, _ d: Endpoint, _ payload: [UInt8], id: UInt16 = 1) -> [UInt8] {
        PacketBuilder.ip(src: s.address, dst: d.address, proto: 17, id: id, PacketBuilder.udp(src: s, dst: d, payload: payload))
    }

    func one(_ linkType: UInt32, _ frames: [[UInt8]]) throws -> (messages: [CapturedMessage], findings: [CaptureFinding], error: CaptureError?, stats: CaptureStatistics?) {
        var p = RawPcap(linkType: linkType)
        for (i, f) in frames.enumerated() { p.add(f, usec: UInt32(i)) }
        let path = Fixtures.tempPath("edge.pcap")
        try p.write(path)
        return Fixtures.read(path)
    }

    @Test func vlanAndQinQ() throws {
        let ip = udpIP(a, b, Fixtures.sip("INVITE"))
        let r = try one(1, [PacketBuilder.ethernet(src: a.address, dst: b.address, vlans: [10], ip),
                            PacketBuilder.ethernet(src: a.address, dst: b.address, vlans: [100, 20], ip)])
        #expect(r.messages.count == 2)
        #expect(r.messages.allSatisfy { $0.src == a && $0.dst == b && $0.message.method == "INVITE" })
    }

    @Test func linuxSLLAndSLL2() throws {
        let ip = udpIP(a, b, Fixtures.sip("OPTIONS"))
        var sll: [UInt8] = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0, 0, 1, 0x08, 0x00]
        sll += ip
        var sll2: [UInt8] = [0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 0, 6, 2, 0, 0, 0, 0, 0, 0, 1]
        sll2 += ip
        let r1 = try one(113, [sll]), r2 = try one(276, [sll2])
        #expect(r1.messages.first?.message.method == "OPTIONS")
        #expect(r2.messages.first?.message.method == "OPTIONS")
        #expect(r1.findings.isEmpty && r2.findings.isEmpty)
    }

    @Test func rawAndLoopback() throws {
        let v4 = udpIP(a, b, Fixtures.sip("MESSAGE"))
        let v6 = udpIP(a6, b6, Fixtures.sip("MESSAGE"))
        let raw = try one(101, [v4, v6])
        #expect(raw.messages.count == 2)
        #expect(raw.messages.last?.src == a6)
        let null = try one(0, [[2, 0, 0, 0] + v4, [30, 0, 0, 0] + v6, [10, 0, 0, 0] + v6])
        #expect(null.messages.count == 3)
    }

    @Test func ipv6ExtensionHeaders() throws {
        let udp = PacketBuilder.udp(src: a6, dst: b6, payload: Fixtures.sip("INVITE"))
        // hop-by-hop (8 bytes, PadN) -> destination options (16 bytes) -> UDP
        let hbh: [UInt8] = [60, 0, 1, 4, 0, 0, 0, 0]
        let dst: [UInt8] = [17, 1, 1, 12] + [UInt8](repeating: 0, count: 12)
        let ip = PacketBuilder.ipv6(src: a6.address, dst: b6.address, next: 0, hbh + dst + udp)
        let r = try one(1, [PacketBuilder.ethernet(src: a6.address, dst: b6.address, ip)])
        #expect(r.messages.count == 1)
        #expect(r.messages.first?.dst == b6)
    }

    @Test func ipv4FragmentsOutOfOrder() throws {
        let body = String(repeating: "a=x-filler:0123456789abcdef\r\n", count: 120)
        let udp = PacketBuilder.udp(src: a, dst: b, payload: Fixtures.sip("INVITE", body: body))
        guard case .v4(let s) = a.address, case .v4(let d) = b.address else { return }
        var frames: [[UInt8]] = []
        let chunk = 1480
        var off = 0
        while off < udp.count {
            let end = min(udp.count, off + chunk)
            let more: UInt16 = end < udp.count ? 0x2000 : 0
            frames.append(PacketBuilder.ethernet(src: a.address, dst: b.address,
                                                 PacketBuilder.ipv4(src: s, dst: d, proto: 17, id: 77, fragment: more | UInt16(off / 8), Array(udp[off..<end]))))
            off = end
        }
        #expect(frames.count == 3)
        let r = try one(1, [frames[2], frames[0], frames[0], frames[1]])  // reversed, with a duplicate
        #expect(r.messages.count == 1)
        #expect(r.messages.first?.packet == 4)
        #expect(r.messages.first?.message.bodyCount == body.utf8.count)
        #expect(r.stats?.reassembledDatagrams == 1)
    }

    @Test func ipv6Fragments() throws {
        let udp = PacketBuilder.udp(src: a6, dst: b6, payload: Fixtures.sip("INVITE", body: String(repeating: "v=0\r\n", count: 400)))
        let cut = 1232
        func frag(_ off: Int, _ end: Int, more: Bool) -> [UInt8] {
            let field = UInt16(off / 8) << 3 | (more ? 1 : 0)
            let fh: [UInt8] = [17, 0, UInt8(field >> 8), UInt8(field & 0xFF), 0, 0, 0x12, 0x34]
            return PacketBuilder.ipv6(src: a6.address, dst: b6.address, next: 44, fh + Array(udp[off..<end]))
        }
        let r = try one(101, [frag(cut, udp.count, more: false), frag(0, cut, more: true)])
        #expect(r.messages.count == 1)
        #expect(r.findings.isEmpty)
    }

    @Test func incompleteFragmentsAreReported() throws {
        let udp = PacketBuilder.udp(src: a, dst: b, payload: Fixtures.sip("INVITE", body: String(repeating: "x", count: 3000)))
        guard case .v4(let s) = a.address, case .v4(let d) = b.address else { return }
        let first = PacketBuilder.ipv4(src: s, dst: d, proto: 17, id: 5, fragment: 0x2000, Array(udp[0..<1480]))
        let r = try one(101, [first])
        #expect(r.messages.isEmpty)
        #expect(r.findings.contains { $0.kind == .fragmentsDropped && $0.packet == 1 })
    }

    func tcpFrame(_ seq: UInt32, _ payload: [UInt8], flags: UInt8 = 0x18) -> [UInt8] {
        PacketBuilder.ethernet(src: a.address, dst: b.address,
                               PacketBuilder.ip(src: a.address, dst: b.address, proto: 6, id: 1,
                                                PacketBuilder.tcp(src: a, dst: b, seq: seq, ack: 1, flags: flags, payload: payload)))
    }

    @Test func tcpOutOfOrderRetransmittedAndSpanning() throws {
        let stream = Fixtures.sip("INVITE", callID: "t1") + Fixtures.sip("INFO", callID: "t1", cseq: 2, body: "hello")
            + Fixtures.sip("BYE", callID: "t1", cseq: 3)
        let isn: UInt32 = 0xFFFF_FF00  // wraps around 2^32 inside the stream
        let cuts = [0, 100, 250, stream.count - 40, stream.count]
        var segs: [[UInt8]] = []
        for i in 0..<(cuts.count - 1) {
            segs.append(tcpFrame(isn &+ 1 &+ UInt32(cuts[i]), Array(stream[cuts[i]..<cuts[i + 1]])))
        }
        let syn = tcpFrame(isn, [], flags: 0x02)
        // SYN, seg1, seg3 (early), seg2, seg2 again (retransmission), seg4, overlapping resend of seg3+seg4
        let overlap = tcpFrame(isn &+ 1 &+ UInt32(cuts[2]), Array(stream[cuts[2]...]))
        let r = try one(1, [syn, segs[0], segs[2], segs[1], segs[1], segs[3], overlap])
        #expect(r.messages.map { $0.message.method ?? "" } == ["INVITE", "INFO", "BYE"])
        #expect(r.messages[1].message.bodyText == "hello")
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect((r.stats?.retransmittedSegments ?? 0) >= 2)
    }

    @Test func tcpSeveralMessagesInOneSegment() throws {
        let stream = Fixtures.sip("INVITE", callID: "m") + Fixtures.sip("ACK", callID: "m") + Fixtures.sip("BYE", callID: "m", cseq: 2)
        let r = try one(1, [tcpFrame(1000, stream)])
        #expect(r.messages.count == 3)
        #expect(r.messages.allSatisfy { $0.packet == 1 && $0.transport == .tcp })
    }

    @Test func tcpGapIsRecordedAndFramingResumes() throws {
        let m1 = Fixtures.sip("INVITE", callID: "g"), m2 = Fixtures.sip("INFO", callID: "g", cseq: 2), m3 = Fixtures.sip("BYE", callID: "g", cseq: 3)
        // m2 is never captured; m3 arrives and the flow then closes.
        let fin = tcpFrame(5000 &+ UInt32(m1.count + m2.count + m3.count), [], flags: 0x11)
        let r = try one(1, [tcpFrame(5000, m1), tcpFrame(5000 &+ UInt32(m1.count + m2.count), m3), fin])
        #expect(r.messages.map { $0.message.method ?? "" } == ["INVITE", "BYE"])
        let gap = try #require(r.findings.first { $0.kind == .tcpGap })
        #expect(gap.message.contains("\(m2.count) bytes missing"))
        #expect(r.stats?.tcpGaps == 1)
    }

    @Test func malformedSIPIsAFindingAndTheRunGoesOn() throws {
        let bad = Array("INVITE sip:bob@example.com SIP/2.0\r\nthis line is not a header\r\n\r\n".utf8)
        let r = try one(101, [udpIP(a, b, bad), udpIP(a, b, Fixtures.sip("BYE"))])
        #expect(r.messages.count == 1)
        let f = try #require(r.findings.first)
        #expect(f.kind == .malformedSIP && f.packet == 1)
    }

    @Test func snapLengthCutsAreFindings() throws {
        var p = RawPcap(linkType: 101, snap: 100)
        p.add(udpIP(a, b, Fixtures.sip("INVITE")), caplen: 100)
        let path = Fixtures.tempPath("snap.pcap")
        try p.write(path)
        let r = Fixtures.read(path)
        #expect(r.messages.isEmpty)
        #expect(r.findings.first?.kind == .truncatedPacket)
    }

    @Test func fileErrorsNameFileOffsetAndCause() throws {
        let missing = Fixtures.tempPath("nope.pcap")
        #expect(Fixtures.read(missing).error?.cause == .missingFile)
        let text = Fixtures.tempPath("text.pcap")
        try Data("hello, not a capture at all\n".utf8).write(to: URL(fileURLWithPath: text))
        let e = try #require(Fixtures.read(text).error)
        #expect(e.cause == .notACapture)
        #expect(e.description.contains(text) && e.description.contains("offset 0"))
        var p = RawPcap(linkType: 147)  // DLT_USER0
        p.add([1, 2, 3])
        let user = Fixtures.tempPath("user.pcap")
        try p.write(user)
        #expect(Fixtures.read(user).error?.cause == .unsupportedLinkType(147))
        // Truncated last record: the first message still comes out, then the error with the record's offset.
        var q = RawPcap(linkType: 101)
        q.add(udpIP(a, b, Fixtures.sip("INVITE")))
        let second = q.bytes.count
        q.add(udpIP(a, b, Fixtures.sip("BYE")))
        let cut = Fixtures.tempPath("cut.pcap")
        try Data(q.bytes.prefix(q.bytes.count - 10)).write(to: URL(fileURLWithPath: cut))
        let r = Fixtures.read(cut)
        #expect(r.messages.count == 1)
        #expect(r.error?.cause == .truncatedRecord)
        #expect(r.error?.offset == second)
    }
}
