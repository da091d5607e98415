import Capture
import Foundation
import Testing

/// SIP over WebSocket (RFC 7118) inside TCP: the Upgrade handshake, masked and unmasked
/// frames, fragmentation with a ping in between, frames split across segments, and the
/// cases that must end in a finding, not a message.
@Suite struct WebSocketTests {
    let client = Endpoint(parsing: "192.0.2.10:50000")!
    let server = Endpoint(parsing: "192.0.2.20:80")!

    static let upgrade = Array(("GET / HTTP/1.1\r\nHost: 192.0.2.20\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: sip\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
    static let accept = Array(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: sip\r\n\r\n").utf8)

    static func response(_ status: Int, _ reason: String, method: String, callID: String) -> [UInt8] {
        Array(("SIP/2.0 \(status) \(reason)\r\nVia: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK56sdasks\r\n"
            + "From: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b2\r\nCall-ID: \(callID)\r\n"
            + "CSeq: 1 \(method)\r\nContent-Length: 0\r\n\r\n").utf8)
    }

    /// One frame (RFC 6455 §5.2): client frames are masked, server frames are not.
    static func frame(_ payload: [UInt8], opcode: UInt8 = 1, fin: Bool = true, mask: [UInt8]? = nil) -> [UInt8] {
        var f: [UInt8] = [(fin ? 0x80 : 0) | opcode]
        let m: UInt8 = mask == nil ? 0 : 0x80
        switch payload.count {
        case ..<126: f.append(m | UInt8(payload.count))
        case ..<65536: f += [m | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: f.append(m | 127); for i in (0..<8).reversed() { f.append(UInt8((payload.count >> (8 * i)) & 0xFF)) }
        }
        guard let mask else { return f + payload }
        return f + mask + payload.enumerated().map { $0.element ^ mask[$0.offset & 3] }
    }

    /// Writes the segments (in order, each direction numbered on its own) to a pcap and reads it.
    func read(_ segments: [(fromClient: Bool, bytes: [UInt8])]) throws -> (path: String, messages: [CapturedMessage], findings: [CaptureFinding]) {
        var seq: [Bool: UInt32] = [true: 1000, false: 9000]
        var p = RawPcap(linkType: 1)
        for (i, s) in segments.enumerated() {
            let (src, dst) = s.fromClient ? (client, server) : (server, client)
            let n = seq[s.fromClient]!
            seq[s.fromClient] = n &+ UInt32(s.bytes.count)
            p.add(PacketBuilder.ethernet(src: src.address, dst: dst.address,
                                         PacketBuilder.ip(src: src.address, dst: dst.address, proto: 6, id: UInt16(i + 1),
                                                          PacketBuilder.tcp(src: src, dst: dst, seq: n, ack: 1, payload: s.bytes))),
                  usec: UInt32(i))
        }
        let path = Fixtures.tempPath("ws.pcap")
        try p.write(path)
        let r = Fixtures.read(path)
        #expect(r.error == nil)
        return (path, r.messages, r.findings)
    }

    let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

    var session: [(fromClient: Bool, bytes: [UInt8])] {
        let register = Self.frame(Fixtures.sip("REGISTER", callID: "ws1"), mask: mask)
        let invite = Fixtures.sip("INVITE", callID: "ws2", body: String(repeating: "v=0\r\n", count: 40))
        let half = invite.count / 2
        let fragmented = Self.frame(Array(invite[..<half]), fin: false, mask: mask)
            + Self.frame(Array("keepalive".utf8), opcode: 9, mask: mask)   // ping between fragments (§5.4)
            + Self.frame(Array(invite[half...]), opcode: 0, mask: mask)
        return [
            (true, Self.upgrade), (false, Self.accept),
            (true, Array(register[..<20])), (true, Array(register[20...])),   // one frame over two segments
            (false, Self.frame(Self.response(200, "OK", method: "REGISTER", callID: "ws1"))),   // 126-length form
            (true, fragmented),
            (false, Self.frame(Self.response(100, "Trying", method: "INVITE", callID: "ws2"))
                + Self.frame(Self.response(180, "Ringing", method: "INVITE", callID: "ws2"))),     // two frames in one segment
        ]
    }

    @Test func handshakeThenMaskedFragmentedAndSplitFrames() throws {
        let r = try read(session)
        #expect(r.findings.isEmpty, "\(r.findings)")
        #expect(r.messages.map { $0.message.method ?? "\($0.message.statusCode ?? 0)" } == ["REGISTER", "200", "INVITE", "100", "180"])
        #expect(r.messages[2].message.bodyText.hasPrefix("v=0"))
        #expect(r.messages.allSatisfy { $0.transport == .tcp })
    }

    /// tshark dissects the same capture as SIP over WebSocket (port 80: HTTP, then the `sip`
    /// subprotocol): the audit's counts must equal its own.
    @Test func countsMatchTshark() async throws {
        guard runTool(["tshark", "--version"]) != nil else {
            print("SKIPPED WebSocketTests.countsMatchTshark: tshark is not installed")
            return
        }
        let r = try read(session)
        let t = try #require(runTool(["tshark", "-n", "-r", r.path, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code"]))
        var methods: [String: Int] = [:], statuses: [Int: Int] = [:]
        for line in t.out.split(separator: "\n") {
            let cols = line.split(separator: "\t", omittingEmptySubsequences: false)
            for m in (cols.first ?? "").split(separator: ",") { methods[String(m), default: 0] += 1 }
            if cols.count > 1 { for s in cols[1].split(separator: ",") { statuses[Int(s) ?? -1, default: 0] += 1 } }
        }
        let report = try await CaptureAuditor.audit(path: r.path)
        #expect(report.requests == methods && report.responses == statuses, "tshark: \(methods) \(statuses)\n\(t.out)")
        #expect(report.requests == ["REGISTER": 1, "INVITE": 1])
    }

    /// The recording against Kamailio's websocket module (Captures/README.md).
    @Test func shippedKamailioRecordingDecodes() throws {
        let r = Fixtures.read(Fixtures.capture("sip-websocket.pcapng"))
        #expect(r.error == nil && r.findings.isEmpty, "\(String(describing: r.error)) \(r.findings)")
        #expect(r.messages.map { $0.message.method ?? "\($0.message.statusCode ?? 0)" }
                == ["REGISTER", "200", "OPTIONS", "200", "INVITE", "100", "486", "ACK"])
        let invite = try #require(r.messages.first { $0.message.method == "INVITE" })
        #expect(invite.message.bodyText.contains("m=audio 49170"), "the INVITE was sent as two fragments")
        #expect(invite.dst.port == 80)
    }

    @Test func plainHTTPIsNeitherSIPNorAFinding() throws {
        let r = try read([(true, Array("GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
                          (false, Array("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello".utf8))])
        #expect(r.messages.isEmpty)
        #expect(r.findings.isEmpty, "\(r.findings)")
    }

    @Test func brokenFramesEndInFindingsNotMessages() throws {
        // A frame claiming 2^40 bytes, and a message that is not SIP.
        var huge: [UInt8] = [0x81, 0x80 | 127, 0, 0, 1, 0, 0, 0, 0, 0] + mask
        huge += Array(repeating: 0x41, count: 64)
        let notSIP = Self.frame(Array("{\"hello\": 1}".utf8))
        let r = try read([(true, Self.upgrade), (false, Self.accept), (false, notSIP), (true, huge),
                          (true, Self.frame(Fixtures.sip("BYE", callID: "late"), mask: mask))])
        #expect(r.messages.isEmpty)
        #expect(r.findings.contains { $0.kind == .malformedSIP && $0.message.contains("WebSocket") }, "\(r.findings)")
        #expect(r.findings.contains { $0.kind == .malformedPacket && $0.message.contains("longer than") }, "\(r.findings)")
    }

    /// Truncation at every offset of the session's client bytes: a clear partial result, never a crash.
    @Test func everyCutOfTheStreamIsSafe() throws {
        let s = session
        let all = s.filter(\.fromClient).flatMap(\.bytes)
        for cut in stride(from: 0, to: all.count, by: 7) {
            let r = try read([(true, Array(all[..<cut])), (false, Self.accept)])
            #expect(r.messages.count <= 2)
        }
    }
}
