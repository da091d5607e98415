import Foundation
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
///
/// Two stages, joined by `ScanBatch`es: reading (libpcap, link/IP/UDP/TCP decoding and
/// reassembly) and digesting (SIP sniffing, digest or parse, the consumer). `scan` runs
/// them on two threads for a large capture, else one after the other on the caller's.
public final class SIPCaptureReader {
    public struct Options: Sendable {
        public enum Pipeline: Sendable {
            /// Two threads when there are two cores and the capture is at least 1 MiB.
            case automatic
            case inline
            case threaded
        }
        public var fragments = IPReassembler.Limits()
        public var tcp = TCPReassembler.Limits()
        public var parseLimits = ParseLimits.default
        public var pipeline = Pipeline.automatic
        /// Bytes of datagrams per batch, and batches in flight between the threads.
        public var batchBytes = 256 << 10
        public var batches = 4
        public init() {}
    }

    /// Reading-stage state, a struct driven by static functions taking it `inout`: the hot
    /// loop then touches no class property (each would cost a dynamic exclusivity check).
    struct State {
        var tcp: TCPReassembler
        /// packets, udpDatagrams, tcpSegments
        var stats = CaptureStatistics()
        var lastTime: Int64 = 0
        var lastExpiry: Int64 = .min
        let parseLimits: ParseLimits
        /// The digesting side is behind: digest datagrams while copying them.
        var digestAhead = false
    }

    /// Digesting-stage state.
    struct Sink {
        /// sipMessages, nonSIPDatagrams, findings
        var stats = CaptureStatistics()
        let parseLimits: ParseLimits
        /// Reused for each datagram's bytes in the streaming scan (SIPMessage parses an
        /// Array): no allocation per packet while the consumer lets go of the message.
        var scratch: [UInt8] = []
    }

    public let path: String
    public var linkType: LinkType { pcap.linkType }
    private let pcap: PcapReader
    private let options: Options
    private var decoder: PacketDecoder
    private var state: State
    private var sink: Sink
    private var queue: [CaptureEvent] = []
    private var queueHead = 0
    private var finished = false
    private var pendingError: CaptureError?
    /// Most batches the threaded scan had queued at once (for tests: the bound holds).
    private(set) var peakQueuedBatches = 0

    public init(path: String, options: Options = Options()) throws(CaptureError) {
        self.path = path
        self.options = options
        pcap = try PcapReader(path: path)
        decoder = PacketDecoder(linkType: pcap.linkType, reassembler: IPReassembler(limits: options.fragments))
        state = State(tcp: TCPReassembler(limits: options.tcp, parseLimits: options.parseLimits), parseLimits: options.parseLimits)
        sink = Sink(parseLimits: options.parseLimits)
    }

    public var statistics: CaptureStatistics {
        var s = state.stats
        s.sipMessages = sink.stats.sipMessages
        s.nonSIPDatagrams = sink.stats.nonSIPDatagrams
        s.findings = sink.stats.findings
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
            if finished { break }
            // A small batch: every queued message has its own buffer until it is taken.
            var batch = ScanBatch(bytes: 16 << 10)
            let result = Self.fill(&batch, pcap, &decoder, &state)
            var out: [CaptureEvent] = []
            Self.drain(batch, &sink, streaming: false, digested: { _, _, _, _ in false }) { if let e = $0.event { out.append(e) } }
            queue = out
            if case .more = result { continue }
            finished = true
            if case .failed(let error) = result {
                // Deliver what the flush produced first; the error comes on the next call.
                if queue.isEmpty { throw error }
                pendingError = error
            }
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

    /// Whether `scan` reads on a second thread.
    var threaded: Bool {
        switch options.pipeline {
        case .inline: return false
        case .threaded: return true
        case .automatic:
            var st = stat()
            // The size first: the processor count reads cgroup files.
            return stat(path, &st) == 0 && st.st_size >= 1 << 20 && ProcessInfo.processInfo.activeProcessorCount > 1
        }
    }

    /// Like `run`, but a UDP message whose digest is certain is first offered to `digested`,
    /// and when that consumes it, never parsed into a SIPMessage (the audit's counting path).
    /// Events a `next()` call queued go first. `body` and `digested` run on the caller's thread.
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
        let error = threaded ? scanThreaded(digested: digested, body) : scanInline(digested: digested, body)
        if let error { throw error }
    }

    private func scanInline(digested: DigestConsumer, _ body: (ScanItem) -> Void) -> CaptureError? {
        var batch = ScanBatch(bytes: options.batchBytes)
        while true {
            let result = Self.fill(&batch, pcap, &decoder, &state)
            Self.drain(batch, &sink, streaming: true, digested: digested, body)
            batch.reset()
            switch result {
            case .more: continue
            case .end: return nil
            case .failed(let error): return error
            }
        }
    }

    /// The reading stage on a new thread, digesting on this one. The reader owns `pcap`,
    /// `decoder` and `state` until it closes the channel, after which it touches nothing.
    private func scanThreaded(digested: DigestConsumer, _ body: (ScanItem) -> Void) -> CaptureError? {
        let channel = ScanChannel(batches: options.batches, bytes: options.batchBytes)
        return withUnsafeMutablePointer(to: &decoder) { decoder in
            withUnsafeMutablePointer(to: &state) { state in
                let reading = Reading(pcap: pcap, decoder: decoder, state: state, channel: channel)
                Thread { reading.run() }.start()
                var batch: ScanBatch? = nil
                while let b = channel.next(returning: batch.take()) {
                    Self.drain(b, &sink, streaming: true, digested: digested, body)
                    batch = b
                }
                let result = channel.result
                peakQueuedBatches = result.peakQueued
                return result.error
            }
        }
    }

    /// What the reading thread works on (pointers into the reader, which waits for it).
    private struct Reading: @unchecked Sendable {
        let pcap: PcapReader
        let decoder: UnsafeMutablePointer<PacketDecoder>
        let state: UnsafeMutablePointer<State>
        let channel: ScanChannel

        func run() {
            var batch = channel.start()
            while true {
                let result = SIPCaptureReader.fill(&batch, pcap, &decoder.pointee, &state.pointee)
                switch result {
                case .more:
                    let next = channel.exchange(consume batch)
                    batch = next.batch
                    state.pointee.digestAhead = next.backlog
                case .end: channel.close(consume batch, error: nil); return
                case .failed(let error): channel.close(consume batch, error: error); return
                }
            }
        }
    }

    enum FillResult { case more, end, failed(CaptureError) }

    /// Reads records into `batch` until it is full (`.more`), the capture ends, or a read
    /// error; at the end the reassemblers are flushed into the batch.
    static func fill(_ batch: inout ScanBatch, _ pcap: PcapReader, _ decoder: inout PacketDecoder, _ state: inout State) -> FillResult {
        while !batch.isFull {
            let record: PcapRecord?
            do throws(CaptureError) { record = try pcap.next() } catch {
                finish(&decoder, &state, &batch)
                return .failed(error)
            }
            guard let record else {
                finish(&decoder, &state, &batch)
                return .end
            }
            process(record, &decoder, &state, &batch)
        }
        return .more
    }

    private static func finish(_ decoder: inout PacketDecoder, _ state: inout State, _ batch: inout ScanBatch) {
        let packet = state.stats.packets
        var tcpEvents: [TCPReassembler.Event] = []
        state.tcp.flush { tcpEvents.append($0) }
        for e in tcpEvents { enqueue(e, packet: packet, &state, &batch) }
        for f in decoder.reassembler.flush() { batch.append(.finding(f)) }
    }

    private static func enqueue(_ e: TCPReassembler.Event, packet: Int, _ state: inout State, _ batch: inout ScanBatch) {
        switch e {
        case .message(let m, let src, let dst):
            batch.append(.message(CapturedMessage(packet: packet, time: state.lastTime, src: src, dst: dst, transport: .tcp, message: m)))
        case .finding(let kind, let text):
            batch.append(.finding(CaptureFinding(packet: packet, time: state.lastTime, kind: kind, message: text)))
        }
    }

    private static func process(_ record: PcapRecord, _ decoder: inout PacketDecoder, _ state: inout State, _ batch: inout ScanBatch) {
        state.stats.packets += 1
        let time = record.time
        state.lastTime = time
        let n = record.number
        // Idle state is checked once per capture-second, not per packet.
        if time &- state.lastExpiry > 1_000_000_000 {
            state.lastExpiry = time
            var tcpEvents: [TCPReassembler.Event] = []
            state.tcp.expire(now: time) { tcpEvents.append($0) }
            for e in tcpEvents { enqueue(e, packet: n, &state, &batch) }
            for f in decoder.reassembler.expire(now: time) { batch.append(.finding(f)) }
        }
        let problem = decoder.decode(record.data, time: time, packet: n) { seg, payload in
            switch seg.transport {
            case .udp:
                state.stats.udpDatagrams += 1
                batch.append(payload, src: seg.src, dst: seg.dst, packet: n, time: time,
                             digest: state.digestAhead ? MessageDigest(payload, limits: state.parseLimits) : nil)
            case .tcp:
                state.stats.tcpSegments += 1
                var tcpEvents: [TCPReassembler.Event] = []
                state.tcp.add(seg, payload, time: time) { tcpEvents.append($0) }
                for e in tcpEvents { enqueue(e, packet: n, &state, &batch) }
            }
        }
        if let (kind, text) = problem {
            batch.append(.finding(CaptureFinding(packet: n, time: time, kind: kind, message: text)))
        }
    }

    /// The digesting stage over one batch, in capture order. `streaming` false: the queued
    /// `next()` path (every message parsed into its own buffer, no digest).
    static func drain(_ batch: ScanBatch, _ sink: inout Sink, streaming: Bool, digested: DigestConsumer, _ emit: (ScanItem) -> Void) {
        batch.bytes.withUnsafeBytes { bytes in
            for entry in batch.entries {
                if entry.count < 0 {
                    push(batch.events[Int(entry.offset)], &sink, emit)
                } else {
                    let payload = UnsafeRawBufferPointer(rebasing: bytes[Int(entry.offset)..<Int(entry.offset) + Int(entry.count)])
                    udp(entry, payload, &sink, streaming: streaming, digested: digested, emit)
                }
            }
        }
    }

    @inline(__always)
    private static func push(_ e: CaptureEvent, _ sink: inout Sink, _ emit: (ScanItem) -> Void) {
        switch e {
        case .finding: sink.stats.findings += 1
        case .message: sink.stats.sipMessages += 1
        }
        emit(.event(e, raw: nil, digest: nil))
    }

    private static func udp(_ entry: ScanBatch.Entry, _ payload: UnsafeRawBufferPointer, _ sink: inout Sink,
                            streaming: Bool, digested: DigestConsumer, _ emit: (ScanItem) -> Void) {
        var digest: MessageDigest?
        let packet = entry.packet, time = entry.time
        if streaming {
            // The digest first: when it is certain and saw what the sniffer looks for, the
            // separate sniff (a second pass over the start line) is skipped.
            let d = entry.digest ?? MessageDigest(payload, limits: sink.parseLimits)
            guard d.certain && d.sniffed || SIPSniffer.looksLikeSIP(payload) else {
                sink.stats.nonSIPDatagrams += 1
                return
            }
            if d.certain, digested(d, payload, packet, time) {
                sink.stats.sipMessages += 1
                return
            }
            digest = d
        } else if !SIPSniffer.looksLikeSIP(payload) {
            sink.stats.nonSIPDatagrams += 1
            return
        }
        do {
            let m: SIPMessage
            if streaming {
                sink.scratch.removeAll(keepingCapacity: true)
                sink.scratch.append(contentsOf: payload)
                m = try SIPMessage(parsing: sink.scratch, limits: sink.parseLimits)
            } else {
                // Queued events outlive the call: each gets its own exact-size buffer.
                m = try SIPMessage(parsing: Array(payload), limits: sink.parseLimits)
            }
            sink.stats.sipMessages += 1
            emit(.event(.message(CapturedMessage(packet: packet, time: time, src: entry.src, dst: entry.dst, transport: .udp, message: m)),
                        raw: payload, digest: digest))
        } catch {
            sink.stats.findings += 1
            emit(.event(.finding(CaptureFinding(packet: packet, time: time, kind: .malformedSIP,
                                                message: "UDP \(entry.src) -> \(entry.dst): \(error.rule) (line \(error.line), byte \(error.offset))")),
                        raw: nil, digest: nil))
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
