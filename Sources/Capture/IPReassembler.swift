/// Reassembles fragmented IPv4 and IPv6 datagrams with bounded memory: at most
/// `maxDatagrams` in progress and `maxBytes` buffered; a datagram not completed within
/// `timeout` of capture time (RFC 791 / RFC 8200 suggest 15-60 s) is dropped and reported.
/// Overlapping fragments drop the datagram (RFC 5722 for IPv6; IPv4 treated the same way).
public struct IPReassembler {
    public struct Limits: Sendable {
        public var maxDatagrams = 1024
        public var maxBytes = 4 << 20
        public var timeoutNanos: Int64 = 30_000_000_000
        public init() {}
    }

    struct Key: Hashable {
        var src: IPAddress
        var dst: IPAddress
        var id: UInt32
        var proto: UInt8
    }

    struct Pending {
        var pieces: [(offset: Int, bytes: [UInt8])] = []
        var total: Int?
        var bytes = 0
        var firstTime: Int64
        var firstPacket: Int
        var overlap = false
    }

    public enum Outcome {
        case complete(proto: UInt8, payload: [UInt8])
        case pending
        case dropped(String)
    }

    public var limits: Limits
    var pending: [Key: Pending] = [:]
    var bufferedBytes = 0
    public private(set) var reassembled = 0

    public init(limits: Limits = Limits()) { self.limits = limits }

    public var inProgress: Int { pending.count }

    mutating func add(_ key: Key, offset: Int, more: Bool, data: UnsafeRawBufferPointer, time: Int64, packet: Int) -> Outcome {
        let end = offset + data.count
        guard end <= 65535 + 8 else { return .dropped("fragment ends at \(end), beyond the 65535-byte datagram limit") }
        var p = pending[key] ?? Pending(firstTime: time, firstPacket: packet)
        if !more {
            if let t = p.total, t != end { p.overlap = true }
            p.total = end
        }
        var duplicate = false
        for piece in p.pieces {
            let pe = piece.offset + piece.bytes.count
            if piece.offset == offset, pe == end { duplicate = true; break }
            if offset < pe, piece.offset < end { p.overlap = true }
        }
        if p.overlap {
            remove(key)
            return .dropped("overlapping IP fragments (id \(key.id)); datagram dropped")
        }
        if !duplicate {
            p.pieces.append((offset, Array(data)))
            p.bytes += data.count
            bufferedBytes += data.count
        }
        // Complete when the pieces cover 0..<total without holes.
        if let total = p.total {
            p.pieces.sort { $0.offset < $1.offset }
            var covered = 0
            for piece in p.pieces where piece.offset <= covered { covered = max(covered, piece.offset + piece.bytes.count) }
            if covered >= total {
                var out = [UInt8]()
                out.reserveCapacity(total)
                for piece in p.pieces { out += piece.bytes }
                remove(key)
                reassembled += 1
                return .complete(proto: key.proto, payload: out)
            }
        }
        if pending[key] == nil, pending.count >= limits.maxDatagrams {
            return .dropped("more than \(limits.maxDatagrams) fragmented datagrams in progress; fragment dropped")
        }
        if bufferedBytes > limits.maxBytes {
            bufferedBytes -= data.count
            if pending[key] != nil { remove(key) }
            return .dropped("fragment buffer over \(limits.maxBytes) bytes; datagram dropped")
        }
        pending[key] = p
        return .pending
    }

    private mutating func remove(_ key: Key) {
        if let p = pending.removeValue(forKey: key) { bufferedBytes -= p.bytes }
    }

    /// Drops datagrams older than the timeout; one finding each.
    mutating func expire(now: Int64) -> [CaptureFinding] {
        var out: [CaptureFinding] = []
        for (key, p) in pending where now == .max || now &- p.firstTime > limits.timeoutNanos {
            remove(key)
            out.append(CaptureFinding(packet: p.firstPacket, time: p.firstTime, kind: .fragmentsDropped,
                                      message: "IP datagram \(key.src) -> \(key.dst) id \(key.id) incomplete after \(limits.timeoutNanos / 1_000_000_000) s; \(p.pieces.count) fragment(s) dropped"))
        }
        return out
    }

    /// Everything still incomplete at the end of the capture.
    mutating func flush() -> [CaptureFinding] {
        expire(now: .max)
    }
}
