import SIPCore

/// Per-direction TCP stream reassembly feeding SIPCore's `SIPStreamFramer`, or a
/// `WebSocketStream` for SIP over WebSocket (RFC 7118) when the direction opens with an HTTP
/// Upgrade handshake.
///
/// Segments are put in sequence order; bytes already delivered (retransmissions, partial
/// overlaps) are dropped; segments ahead of the next expected byte wait, up to
/// `maxPendingBytes` per flow. When that bound is hit or the flow closes with a hole, the
/// hole is recorded as a gap and the framer restarts after it (a message cut by a gap is
/// lost, never spliced). Flows idle for `idleTimeout` of capture time, or beyond `maxFlows`,
/// are evicted oldest first.
public struct TCPReassembler {
    public struct Limits: Sendable {
        public var maxFlows = 4096
        public var maxPendingBytes = 256 * 1024
        public var idleTimeoutNanos: Int64 = 300_000_000_000
        public init() {}
    }

    public enum Event {
        case message(SIPMessage, src: Endpoint, dst: Endpoint)
        case finding(CaptureFinding.Kind, String)
    }

    struct Key: Hashable { var src: Endpoint; var dst: Endpoint }

    final class Flow {
        var next: UInt32?
        var pending: [UInt32: [UInt8]] = [:]
        var pendingBytes = 0
        var framer: SIPStreamFramer
        var lastSeen: Int64
        /// Garbage before the first message is the middle of a message we joined late, or
        /// not SIP at all: only reported once the flow has shown itself to be SIP.
        var sawSIP = false
        /// Decided on the direction's first delivered bytes: SIP over WebSocket, else nil.
        var webSocket: WebSocketStream?
        var sniffed = false
        init(limits: ParseLimits, time: Int64) {
            framer = SIPStreamFramer(limits: limits)
            lastSeen = time
        }
    }

    public var limits: Limits
    public let parseLimits: ParseLimits
    var flows: [Key: Flow] = [:]
    public private(set) var retransmittedSegments = 0
    public private(set) var gaps = 0
    public private(set) var gapBytes = 0
    public private(set) var evictedFlows = 0

    public init(limits: Limits = Limits(), parseLimits: ParseLimits = .default) {
        self.limits = limits
        self.parseLimits = parseLimits
    }

    public var flowCount: Int { flows.count }

    mutating func add(_ seg: TransportSegment, _ payload: UnsafeRawBufferPointer, time: Int64, emit: (Event) -> Void) {
        let key = Key(src: seg.src, dst: seg.dst)
        let closing = seg.flags & (TransportSegment.fin | TransportSegment.rst) != 0
        var flow = flows[key]
        if flow == nil {
            if payload.isEmpty && seg.flags & TransportSegment.syn == 0 { return }
            if flows.count >= limits.maxFlows { evictOldest(emit: emit) }
            let f = Flow(limits: parseLimits, time: time)
            flows[key] = f
            flow = f
        }
        guard let flow else { return }
        flow.lastSeen = time
        if seg.flags & TransportSegment.syn != 0 {
            // A new connection on a reused 4-tuple starts a fresh stream.
            if flow.next != nil, flow.next != seg.seq &+ 1 { reset(flow, key, emit: emit, why: "new SYN") }
            flow.next = seg.seq &+ 1
        }
        if !payload.isEmpty {
            if flow.next == nil { flow.next = seg.seq }  // joined mid-stream
            insert(flow, key, seq: seg.seq, payload, emit: emit)
        }
        if closing {
            if !flow.pending.isEmpty { skipGap(flow, key, emit: emit, why: "connection closed") ; drainPending(flow, key, emit: emit) }
            flows[key] = nil
        }
    }

    private mutating func insert(_ flow: Flow, _ key: Key, seq: UInt32, _ payload: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        guard let next = flow.next else { return }
        let rel = Int(Int32(bitPattern: seq &- next))
        let len = payload.count
        if rel + len <= 0 {
            retransmittedSegments += 1
            return
        }
        if rel <= 0 {
            if rel < 0 { retransmittedSegments += 1 }
            deliver(flow, key, UnsafeRawBufferPointer(rebasing: payload[(-rel)...]), emit: emit)
            drainPending(flow, key, emit: emit)
            return
        }
        // Ahead of the stream: wait for the hole to fill.
        if let existing = flow.pending[seq] {
            if existing.count >= len { retransmittedSegments += 1; return }
            flow.pendingBytes -= existing.count
        }
        flow.pending[seq] = Array(payload)
        flow.pendingBytes += len
        if flow.pendingBytes > limits.maxPendingBytes {
            skipGap(flow, key, emit: emit, why: "more than \(limits.maxPendingBytes) bytes waiting")
            drainPending(flow, key, emit: emit)
        }
    }

    /// Delivers waiting segments that have become contiguous.
    private mutating func drainPending(_ flow: Flow, _ key: Key, emit: (Event) -> Void) {
        while !flow.pending.isEmpty, let next = flow.next {
            var progressed = false
            for (seq, bytes) in flow.pending {
                let rel = Int(Int32(bitPattern: seq &- next))
                if rel > 0 { continue }
                flow.pending[seq] = nil
                flow.pendingBytes -= bytes.count
                if rel + bytes.count > 0 {
                    bytes.withUnsafeBytes { deliver(flow, key, UnsafeRawBufferPointer(rebasing: $0[(-rel)...]), emit: emit) }
                } else {
                    retransmittedSegments += 1
                }
                progressed = true
                break
            }
            if !progressed { return }
        }
    }

    /// Jumps over the hole before the earliest waiting segment and restarts the framer.
    private mutating func skipGap(_ flow: Flow, _ key: Key, emit: (Event) -> Void, why: String) {
        guard let next = flow.next else { return }
        let earliest = flow.pending.keys.min { Int32(bitPattern: $0 &- next) < Int32(bitPattern: $1 &- next) }
        guard let earliest else { return }
        let missing = Int(Int32(bitPattern: earliest &- next))
        gaps += 1
        gapBytes += missing
        emit(.finding(.tcpGap, "TCP \(key.src) -> \(key.dst): \(missing) bytes missing before seq \(earliest) (\(why)); \(flow.framer.bufferedByteCount) buffered bytes dropped"))
        flow.framer = SIPStreamFramer(limits: parseLimits)
        flow.webSocket?.abandon()
        flow.next = earliest
    }

    private mutating func reset(_ flow: Flow, _ key: Key, emit: (Event) -> Void, why: String) {
        if flow.framer.bufferedByteCount > 0 {
            emit(.finding(.tcpGap, "TCP \(key.src) -> \(key.dst): \(why) with \(flow.framer.bufferedByteCount) bytes of an unfinished message"))
        }
        flow.framer = SIPStreamFramer(limits: parseLimits)
        flow.webSocket = nil
        flow.sniffed = false
        flow.pending = [:]
        flow.pendingBytes = 0
    }

    private func deliver(_ flow: Flow, _ key: Key, _ bytes: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        flow.next = flow.next.map { $0 &+ UInt32(truncatingIfNeeded: bytes.count) }
        if !flow.sniffed {
            flow.sniffed = true
            if WebSocketStream.startsHandshake(bytes) { flow.webSocket = WebSocketStream(maxMessageBytes: parseLimits.maxMessageSize) }
        }
        if flow.webSocket != nil {
            deliverWebSocket(flow, key, bytes, emit: emit)
            return
        }
        flow.framer.append(bytes)
        while let e = flow.framer.next() {
            switch e {
            case .message(let m):
                flow.sawSIP = true
                emit(.message(m, src: key.src, dst: key.dst))
            case .error(let err, let skipped):
                if err.rule.contains("garbage before a start line") {
                    if flow.sawSIP { emit(.finding(.malformedSIP, "TCP \(key.src) -> \(key.dst): \(err.rule)")) }
                } else {
                    flow.sawSIP = true
                    emit(.finding(.malformedSIP, "TCP \(key.src) -> \(key.dst): \(skipped)-byte message: \(err.rule) (stream offset \(err.offset))"))
                }
            }
        }
    }

    /// Each WebSocket message is one SIP message (RFC 7118 §5), parsed as a datagram is.
    private func deliverWebSocket(_ flow: Flow, _ key: Key, _ bytes: UnsafeRawBufferPointer, emit: (Event) -> Void) {
        flow.webSocket?.append(bytes) { out in
            switch out {
            case .message(let payload):
                flow.sawSIP = true
                do {
                    emit(.message(try SIPMessage(parsing: payload, limits: parseLimits), src: key.src, dst: key.dst))
                } catch {
                    emit(.finding(.malformedSIP, "WebSocket \(key.src) -> \(key.dst): \(payload.count)-byte message: \(error)"))
                }
            case .error(let why):
                emit(.finding(.malformedPacket, "WebSocket \(key.src) -> \(key.dst): \(why); the rest of this direction is not read"))
            }
        }
    }

    /// Evicts flows idle longer than the timeout.
    mutating func expire(now: Int64, emit: (Event) -> Void) {
        for (key, flow) in flows where now &- flow.lastSeen > limits.idleTimeoutNanos {
            close(key, flow, emit: emit, why: "idle")
        }
    }

    private mutating func evictOldest(emit: (Event) -> Void) {
        // Drop the oldest eighth at once so eviction cost is amortised.
        let sorted = flows.sorted { $0.value.lastSeen < $1.value.lastSeen }
        for (key, flow) in sorted.prefix(max(1, flows.count / 8)) { close(key, flow, emit: emit, why: "flow table full") }
    }

    private mutating func close(_ key: Key, _ flow: Flow, emit: (Event) -> Void, why: String) {
        if !flow.pending.isEmpty { skipGap(flow, key, emit: emit, why: why); drainPending(flow, key, emit: emit) }
        let unfinished = flow.framer.bufferedByteCount + (flow.webSocket?.bufferedByteCount ?? 0)
        if flow.sawSIP, unfinished > 0 {
            emit(.finding(.tcpGap, "TCP \(key.src) -> \(key.dst): flow evicted (\(why)) with \(unfinished) bytes of an unfinished message"))
        }
        flows[key] = nil
        evictedFlows += 1
    }

    /// End of capture: reports what is left.
    mutating func flush(emit: (Event) -> Void) {
        let evicted = evictedFlows  // closing at the end is not an eviction
        for (key, flow) in flows.sorted(by: { $0.value.lastSeen < $1.value.lastSeen }) { close(key, flow, emit: emit, why: "end of capture") }
        evictedFlows = evicted
    }
}
