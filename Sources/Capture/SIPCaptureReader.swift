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

/// What the streaming scan hands its consumer (the auditor), one per event: a finding, a TCP
/// message, or a parsed UDP message with its datagram bytes and digest. UDP messages the
/// consumer took from their digest alone go to its `digested` closure instead.
enum ScanItem {
    case event(CaptureEvent, raw: UnsafeRawBufferPointer?, digest: MessageDigest?)
}

/// Offered each certain digest of a UDP message (with the datagram, packet number and time);
/// returns true when it consumed the message from the digest, false to have it parsed.
typealias DigestConsumer = (MessageDigest, UnsafeRawBufferPointer, Int, Int64) -> Bool

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

    /// Per-packet state, a struct driven by static functions taking it `inout`: the hot
    /// loop then touches no class property (each would cost a dynamic exclusivity check).
    struct State {
        var tcp: TCPReassembler
        var stats = CaptureStatistics()
        var lastTime: Int64 = 0
        var lastExpiry: Int64 = .min
        let parseLimits: ParseLimits
        /// Reused for each datagram's bytes in the streaming scan (SIPMessage parses an
        /// Array): no allocation per packet while the consumer lets go of the message.
        var scratch: [UInt8] = []
    }

    public let path: String
    public var linkType: LinkType { pcap.linkType }
    private let pcap: PcapReader
    private var decoder: PacketDecoder
    private var state: State
    private var queue: [CaptureEvent] = []
    private var queueHead = 0
    private var finished = false
    private var pendingError: CaptureError?

    public init(path: String, options: Options = Options()) throws(CaptureError) {
        self.path = path
        pcap = try PcapReader(path: path)
        decoder = PacketDecoder(linkType: pcap.linkType, reassembler: IPReassembler(limits: options.fragments))
        state = State(tcp: TCPReassembler(limits: options.tcp, parseLimits: options.parseLimits), parseLimits: options.parseLimits)
    }

    public var statistics: CaptureStatistics {
        var s = state.stats
        s.otherPackets = decoder.skipped
        s.reassembledDatagrams = decoder.reassembler.reassembled
        s.retransmittedSegments = state.tcp.retransmittedSegments
        s.tcpGaps = state.tcp.gaps
        s.tcpGapBytes = state.tcp.gapBytes
        s.evictedFlows = state.tcp.evictedFlows
        return s
    }

    /// The next message or finding; nil at the end of the capture.
    public func next() throws(CaptureError) -> CaptureEvent? {
        while queueHead == queue.count {
            queue.removeAll(keepingCapacity: true)
            queueHead = 0
            if finished { return nil }
            var out: [CaptureEvent] = []
            let record: PcapRecord?
            do {
                record = try pcap.next()
            } catch {
                finished = true
                Self.finish(&decoder, &state) { if let e = $0.event { out.append(e) } }
                queue = out
                // Deliver what the flush produced first; the error comes on the next call.
                if queue.isEmpty { throw error }
                pendingError = error
                break
            }
            if let record {
                Self.process(record, &decoder, &state, streaming: false, digested: { _, _, _, _ in false }) { if let e = $0.event { out.append(e) } }
            } else {
                finished = true
                Self.finish(&decoder, &state) { if let e = $0.event { out.append(e) } }
            }
            queue = out
        }
        if queueHead < queue.count {
            let e = queue[queueHead]
            queueHead += 1
            return e
        }
        if let e = pendingError { pendingError = nil; throw e }
        return nil
    }

    /// Calls `body` for every event. A read error is thrown after all events before it.
    public func forEach(_ body: (CaptureEvent) throws -> Void) throws {
        while let e = try next() { try body(e) }
    }

    /// The streaming fast path: calls `body` for every event as it is decoded, with a UDP
    /// message's datagram bytes (valid only during the call; nil for TCP messages and
    /// findings). The message shares a reused buffer: a consumer that keeps it long-term
    /// should keep a compact copy (`SIPMessage(parsing: m.bytes)`), or memory grows with the
    /// largest datagram seen. A read error is thrown after every event before it.
    public func run(_ body: (CaptureEvent, UnsafeRawBufferPointer?) -> Void) throws(CaptureError) {
        try scan(digested: { _, _, _, _ in false }) { item in
            switch item {
            case .event(let e, let raw, _): body(e, raw)
            }
        }
    }

    /// Like `run`, but a UDP message whose digest is certain is first offered to `digested`,
    /// and when that consumes it, never parsed into a SIPMessage (the audit's counting path).
    /// Events a `next()` call queued go first.
    func scan(digested: DigestConsumer, _ body: (ScanItem) -> Void) throws(CaptureError) {
        while queueHead < queue.count {
            body(.event(queue[queueHead], raw: nil, digest: nil))
            queueHead += 1
        }
        queue.removeAll(keepingCapacity: true)
        queueHead = 0
        if let e = pendingError { pendingError = nil; throw e }
        if finished { return }
        finished = true
        if let error = Self.loop(pcap, &decoder, &state, digested: digested, body) { throw error }
    }

    /// Every record to the end (or to a read error, returned after the flush).
    private static func loop(_ pcap: PcapReader, _ decoder: inout PacketDecoder, _ state: inout State,
                             digested: DigestConsumer, _ body: (ScanItem) -> Void) -> CaptureError? {
        while true {
            let record: PcapRecord?
            do throws(CaptureError) { record = try pcap.next() } catch {
                finish(&decoder, &state, body)
                return error
            }
            guard let record else {
                finish(&decoder, &state, body)
                return nil
            }
            process(record, &decoder, &state, streaming: true, digested: digested, body)
        }
    }

    private static func finish(_ decoder: inout PacketDecoder, _ state: inout State, _ emit: (ScanItem) -> Void) {
        let packet = state.stats.packets
        var tcpEvents: [TCPReassembler.Event] = []
        state.tcp.flush { tcpEvents.append($0) }
        for e in tcpEvents { enqueue(e, packet: packet, &state, emit) }
        for f in decoder.reassembler.flush() { push(.finding(f), &state, emit) }
    }

    @inline(__always)
    private static func push(_ e: CaptureEvent, _ state: inout State, _ emit: (ScanItem) -> Void) {
        if case .finding = e { state.stats.findings += 1 }
        emit(.event(e, raw: nil, digest: nil))
    }

    private static func enqueue(_ e: TCPReassembler.Event, packet: Int, _ state: inout State, _ emit: (ScanItem) -> Void) {
        switch e {
        case .message(let m, let src, let dst):
            state.stats.sipMessages += 1
            push(.message(CapturedMessage(packet: packet, time: state.lastTime, src: src, dst: dst, transport: .tcp, message: m)), &state, emit)
        case .finding(let kind, let text):
            push(.finding(CaptureFinding(packet: packet, time: state.lastTime, kind: kind, message: text)), &state, emit)
        }
    }

    /// `streaming` false: the queued `next()` path (every message parsed into its own buffer).
    private static func process(_ record: PcapRecord, _ decoder: inout PacketDecoder, _ state: inout State,
                                streaming: Bool, digested: DigestConsumer, _ emit: (ScanItem) -> Void) {
        state.stats.packets += 1
        let time = record.time
        state.lastTime = time
        let n = record.number
        // Idle state is checked once per capture-second, not per packet.
        if time &- state.lastExpiry > 1_000_000_000 {
            state.lastExpiry = time
            var tcpEvents: [TCPReassembler.Event] = []
            state.tcp.expire(now: time) { tcpEvents.append($0) }
            for e in tcpEvents { enqueue(e, packet: n, &state, emit) }
            for f in decoder.reassembler.expire(now: time) { push(.finding(f), &state, emit) }
        }
        let problem = decoder.decode(record.data, time: time, packet: n) { seg, payload in
            switch seg.transport {
            case .udp:
                state.stats.udpDatagrams += 1
                udp(seg, payload, time: time, packet: n, &state, streaming: streaming, digested: digested, emit)
            case .tcp:
                state.stats.tcpSegments += 1
                var tcpEvents: [TCPReassembler.Event] = []
                state.tcp.add(seg, payload, time: time) { tcpEvents.append($0) }
                for e in tcpEvents { enqueue(e, packet: n, &state, emit) }
            }
        }
        if let (kind, text) = problem {
            push(.finding(CaptureFinding(packet: n, time: time, kind: kind, message: text)), &state, emit)
        }
    }

    private static func udp(_ seg: TransportSegment, _ payload: UnsafeRawBufferPointer, time: Int64, packet: Int,
                            _ state: inout State, streaming: Bool, digested: DigestConsumer, _ emit: (ScanItem) -> Void) {
        var digest: MessageDigest?
        if streaming {
            // The digest first: when it is certain and saw what the sniffer looks for, the
            // separate sniff (a second pass over the start line) is skipped.
            let d = MessageDigest(payload, limits: state.parseLimits)
            guard d.certain && d.sniffed || SIPSniffer.looksLikeSIP(payload) else {
                state.stats.nonSIPDatagrams += 1
                return
            }
            if d.certain, digested(d, payload, packet, time) {
                state.stats.sipMessages += 1
                return
            }
            digest = d
        } else if !SIPSniffer.looksLikeSIP(payload) {
            state.stats.nonSIPDatagrams += 1
            return
        }
        do {
            let m: SIPMessage
            if streaming {
                state.scratch.removeAll(keepingCapacity: true)
                state.scratch.append(contentsOf: payload)
                m = try SIPMessage(parsing: state.scratch, limits: state.parseLimits)
            } else {
                // Queued events outlive the call: each gets its own exact-size buffer.
                m = try SIPMessage(parsing: Array(payload), limits: state.parseLimits)
            }
            state.stats.sipMessages += 1
            emit(.event(.message(CapturedMessage(packet: packet, time: time, src: seg.src, dst: seg.dst, transport: .udp, message: m)),
                        raw: payload, digest: digest))
        } catch {
            push(.finding(CaptureFinding(packet: packet, time: time, kind: .malformedSIP,
                                         message: "UDP \(seg.src) -> \(seg.dst): \(error.rule) (line \(error.line), byte \(error.offset))")), &state, emit)
        }
    }
}

extension ScanItem {
    /// The event, for the queued path.
    var event: CaptureEvent? {
        if case .event(let e, _, _) = self { return e }
        return nil
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
