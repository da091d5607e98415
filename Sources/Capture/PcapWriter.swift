import CPcap
import Foundation

/// Writes SIP (or any) payloads as a pcap capture through libpcap's `pcap_dump_open` /
/// `pcap_dump`, wrapped in synthetic Ethernet + IPv4/IPv6 + UDP/TCP headers with correct
/// lengths and checksums. Shared export path: `run --pcap` and `Captures/` use it.
///
/// - Format: classic pcap with nanosecond timestamps (magic a1b23c4d), link type Ethernet.
///   libpcap 1.10 writes only pcap through `pcap_dump_open`; it has no pcapng writer, so
///   pcapng output is not offered.
/// - TCP: each direction of a 4-tuple keeps its own sequence number (a fixed ISN derived from
///   the endpoints, so output is deterministic), acknowledging the reverse direction; payloads
///   larger than `maxSegmentSize` are split into several segments. No handshake is written.
/// - UDP: one datagram per payload (up to 65,507 bytes; no IP fragmentation).
///
/// ```swift
/// let w = try PcapWriter(path: "call.pcap")
/// try w.write(time: 1_700_000_000_000_000_000, src: Endpoint(parsing: "10.0.0.1:5060")!,
///             dst: Endpoint(parsing: "10.0.0.2:5060")!, transport: .udp, payload: Array(invite.utf8))
/// try w.close()
/// ```
public final class PcapWriter {
    public let path: String
    public var maxSegmentSize = 1460
    public private(set) var packetCount = 0
    private var dead: OpaquePointer?
    private var dumper: OpaquePointer?
    private var ipID: UInt16 = 0
    private struct Flow: Hashable { var src: Endpoint; var dst: Endpoint }
    private var nextSeq: [Flow: UInt32] = [:]

    public init(path: String, snapLength: Int = 262_144) throws(CaptureError) {
        self.path = path
        guard let d = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, Int32(snapLength), UInt32(PCAP_TSTAMP_PRECISION_NANO)) else {
            throw CaptureError(file: path, offset: 0, cause: .writeFailed, detail: "pcap_open_dead failed")
        }
        guard let dp = pcap_dump_open(d, path) else {
            let msg = String(cString: pcap_geterr(d))
            pcap_close(d)
            throw CaptureError(file: path, offset: 0, cause: .writeFailed, detail: msg)
        }
        dead = d
        dumper = dp
    }

    deinit { try? close() }

    /// Writes one message. `time` is nanoseconds since 1970. A TCP payload bigger than
    /// `maxSegmentSize` becomes several packets with consecutive sequence numbers.
    public func write(time: Int64, src: Endpoint, dst: Endpoint, transport: TransportProtocol, payload: [UInt8]) throws(CaptureError) {
        guard src.address.isIPv6 == dst.address.isIPv6 else {
            throw CaptureError(file: path, offset: offset, cause: .writeFailed, detail: "\(src) and \(dst) are not the same IP version")
        }
        switch transport {
        case .udp:
            guard payload.count <= 65_507 else {
                throw CaptureError(file: path, offset: offset, cause: .writeFailed, detail: "UDP payload of \(payload.count) bytes exceeds 65,507")
            }
            try frame(time: time, src: src, dst: dst, proto: 17, PacketBuilder.udp(src: src, dst: dst, payload: payload))
        case .tcp:
            let flow = Flow(src: src, dst: dst), back = Flow(src: dst, dst: src)
            var seq = nextSeq[flow] ?? Self.isn(flow.src, flow.dst)
            let ack = nextSeq[back] ?? Self.isn(back.src, back.dst)
            var start = 0
            repeat {
                let end = min(payload.count, start + max(1, maxSegmentSize))
                let chunk = Array(payload[start..<end])
                try frame(time: time, src: src, dst: dst, proto: 6,
                          PacketBuilder.tcp(src: src, dst: dst, seq: seq, ack: ack, payload: chunk))
                seq &+= UInt32(chunk.count)
                start = end
            } while start < payload.count
            nextSeq[flow] = seq
        }
    }

    /// Writes an already-built frame (it must match the Ethernet link type).
    public func writeFrame(time: Int64, _ frame: [UInt8]) throws(CaptureError) {
        guard let dumper else { throw CaptureError(file: path, offset: 0, cause: .writeFailed, detail: "writer is closed") }
        var hdr = pcap_pkthdr()
        let secs = time >= 0 ? time / 1_000_000_000 : (time + 1) / 1_000_000_000 - 1
        hdr.ts.tv_sec = Int(secs)
        hdr.ts.tv_usec = Int(time - secs * 1_000_000_000)  // nanoseconds: the handle is nanosecond-precision
        hdr.caplen = UInt32(frame.count)
        hdr.len = UInt32(frame.count)
        frame.withUnsafeBufferPointer { b in
            pcap_dump(UnsafeMutableRawPointer(dumper).assumingMemoryBound(to: UInt8.self), &hdr, b.baseAddress)
        }
        packetCount += 1
    }

    /// Flushes and closes the file; later writes fail. Safe to call twice.
    public func close() throws(CaptureError) {
        defer {
            if let d = dumper { pcap_dump_close(d) }
            if let d = dead { pcap_close(d) }
            dumper = nil
            dead = nil
        }
        if let d = dumper, pcap_dump_flush(d) != 0 {
            throw CaptureError(file: path, offset: offset, cause: .writeFailed, detail: "flush failed")
        }
    }

    private var offset: Int { dumper.map { Int(pcap_dump_ftell($0)) } ?? 0 }

    private func frame(time: Int64, src: Endpoint, dst: Endpoint, proto: UInt8, _ l4: [UInt8]) throws(CaptureError) {
        ipID &+= 1
        let ip = PacketBuilder.ip(src: src.address, dst: dst.address, proto: proto, id: ipID, l4)
        try writeFrame(time: time, PacketBuilder.ethernet(src: src.address, dst: dst.address, ip))
    }

    /// Deterministic initial sequence number per direction (FNV-1a of the endpoints).
    static func isn(_ a: Endpoint, _ b: Endpoint) -> UInt32 {
        var h: UInt32 = 2166136261
        for x in a.address.bytes + [UInt8(a.port >> 8), UInt8(a.port & 0xFF)] + b.address.bytes + [UInt8(b.port >> 8), UInt8(b.port & 0xFF)] {
            h = (h ^ UInt32(x)) &* 16777619
        }
        return h
    }
}
