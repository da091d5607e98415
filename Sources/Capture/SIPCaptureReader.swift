import SIPCore

/// One SIP message found in a capture.
public struct CapturedMessage: Sendable {
    /// 1-based record number of the packet that completed the message.
    public var packet: Int
    /// Nanoseconds since 1970.
    public var time: Int64
    public var src: Endpoint
    public var dst: Endpoint
    public var transport: TransportProtocol
    public var message: SIPMessage

    /// Whole seconds since 1970 (what Identity verification takes as "now").
    public var seconds: Int64 { time >= 0 ? time / 1_000_000_000 : (time + 1) / 1_000_000_000 - 1 }
}

public enum CaptureEvent: Sendable {
    case message(CapturedMessage)
    case finding(CaptureFinding)
}

/// Counters over a whole read.
public struct CaptureStatistics: Sendable, Hashable {
    public var packets = 0
    public var udpDatagrams = 0
    public var tcpSegments = 0
    public var sipMessages = 0
    /// UDP payloads or TCP flows that did not look like SIP (RTP, DNS, ...).
    public var nonSIPDatagrams = 0
    /// Packets that were not IPv4/IPv6, or not UDP/TCP.
    public var otherPackets = 0
    public var reassembledDatagrams = 0
    public var retransmittedSegments = 0
    public var tcpGaps = 0
    public var tcpGapBytes = 0
    public var evictedFlows = 0
    public var findings = 0
}

/// Streams SIP messages out of a pcap/pcapng file: link layer, IP (with fragment
/// reassembly), UDP and reassembled TCP. Memory is bounded by the reassembly limits, not the
/// file size. A malformed message or packet becomes a finding and the read goes on; only
/// the file itself failing (e.g. a truncated last record) throws, after every event before it.
public final class SIPCaptureReader {
    public struct Options: Sendable {
        public var fragments = IPReassembler.Limits()
        public var tcp = TCPReassembler.Limits()
        public var parseLimits = ParseLimits.default
        public init() {}
    }

    public let path: String
    public var linkType: LinkType { pcap.linkType }
    private let pcap: PcapReader
    private var decoder: PacketDecoder
    private var tcp: TCPReassembler
    private var queue: [CaptureEvent] = []
    private var queueHead = 0
    private var finished = false
    private var lastTime: Int64 = 0
    private var lastExpiry: Int64 = .min
    private var stats = CaptureStatistics()
    private let parseLimits: ParseLimits

    public init(path: String, options: Options = Options()) throws(CaptureError) {
        self.path = path
        pcap = try PcapReader(path: path)
        decoder = PacketDecoder(linkType: pcap.linkType, reassembler: IPReassembler(limits: options.fragments))
        tcp = TCPReassembler(limits: options.tcp, parseLimits: options.parseLimits)
        parseLimits = options.parseLimits
    }

    public var statistics: CaptureStatistics {
        var s = stats
        s.otherPackets = decoder.skipped
        s.reassembledDatagrams = decoder.reassembler.reassembled
        s.retransmittedSegments = tcp.retransmittedSegments
        s.tcpGaps = tcp.gaps
        s.tcpGapBytes = tcp.gapBytes
        s.evictedFlows = tcp.evictedFlows
        return s
    }

    /// The next message or finding; nil at the end of the capture.
    public func next() throws(CaptureError) -> CaptureEvent? {
        while queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
            if finished { return nil }
            let record: PcapRecord?
            do {
                record = try pcap.next()
            } catch {
                finish()
                // Deliver what the flush produced first; the error comes on the next call.
                if queue.isEmpty { throw error }
                pendingError = error
                break
            }
            guard let record else { finish(); continue }
            process(record)
        }
        if queueHead < queue.count {
            let e = queue[queueHead]
            queueHead += 1
            return e
        }
        if let e = pendingError { pendingError = nil; throw e }
        return nil
    }
    private var pendingError: CaptureError?

    /// Calls `body` for every event. A read error is thrown after all events before it.
    public func forEach(_ body: (CaptureEvent) throws -> Void) throws {
        while let e = try next() { try body(e) }
    }

    private func finish() {
        finished = true
        tcp.flush { event in enqueue(event, packet: stats.packets) }
        for f in decoder.reassembler.flush() { push(.finding(f)) }
    }

    private func push(_ e: CaptureEvent) {
        if case .finding = e { stats.findings += 1 }
        queue.append(e)
    }

    private func enqueue(_ e: TCPReassembler.Event, packet: Int) {
        switch e {
        case .message(let m, let src, let dst):
            stats.sipMessages += 1
            push(.message(CapturedMessage(packet: packet, time: lastTime, src: src, dst: dst, transport: .tcp, message: m)))
        case .finding(let kind, let text):
            push(.finding(CaptureFinding(packet: packet, time: lastTime, kind: kind, message: text)))
        }
    }

    private func process(_ record: PcapRecord) {
        stats.packets += 1
        let time = record.time
        lastTime = time
        let n = record.number
        // Idle state is checked once per capture-second, not per packet.
        if time &- lastExpiry > 1_000_000_000 {
            lastExpiry = time
            tcp.expire(now: time) { enqueue($0, packet: n) }
            for f in decoder.reassembler.expire(now: time) { push(.finding(f)) }
        }
        let problem = decoder.decode(record.data, time: time, packet: n) { seg, payload in
            switch seg.transport {
            case .udp:
                stats.udpDatagrams += 1
                udp(seg, payload, time: time, packet: n)
            case .tcp:
                stats.tcpSegments += 1
                tcp.add(seg, payload, time: time) { enqueue($0, packet: n) }
            }
        }
        if let (kind, text) = problem {
            push(.finding(CaptureFinding(packet: n, time: time, kind: kind, message: text)))
        }
    }

    private func udp(_ seg: TransportSegment, _ payload: UnsafeRawBufferPointer, time: Int64, packet: Int) {
        guard SIPSniffer.looksLikeSIP(payload) else {
            stats.nonSIPDatagrams += 1
            return
        }
        do {
            let m = try SIPMessage(parsing: Array(payload), limits: parseLimits)
            stats.sipMessages += 1
            push(.message(CapturedMessage(packet: packet, time: time, src: seg.src, dst: seg.dst, transport: .udp, message: m)))
        } catch {
            push(.finding(CaptureFinding(packet: packet, time: time, kind: .malformedSIP,
                                         message: "UDP \(seg.src) -> \(seg.dst): \(error.rule) (line \(error.line), byte \(error.offset))")))
        }
    }
}

/// Cheap test of whether a datagram is SIP: its first line is a request line ending in
/// `SIP/2.0` or a status line starting with it (what tshark's heuristic looks at too).
public enum SIPSniffer {
    public static func looksLikeSIP(_ p: UnsafeRawBufferPointer) -> Bool {
        let limit = min(p.count, 1024)
        guard limit >= 8 else { return false }
        // "SIP/2.0 " status line
        if p[0] == 0x53, p[1] == 0x49, p[2] == 0x50, p[3] == 0x2F, p[4] == 0x32, p[5] == 0x2E, p[6] == 0x30, p[7] == 0x20 { return true }
        var i = 0
        while i < limit, p[i] != 0x0A { i += 1 }
        guard i < limit else { return false }
        var e = i
        if e > 0, p[e - 1] == 0x0D { e -= 1 }
        guard e >= 8 else { return false }
        return p[e - 8] == 0x20 && p[e - 7] == 0x53 && p[e - 6] == 0x49 && p[e - 5] == 0x50 && p[e - 4] == 0x2F
            && p[e - 3] == 0x32 && p[e - 2] == 0x2E && p[e - 1] == 0x30
    }
}
