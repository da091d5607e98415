/// Something in a capture worth reporting that did not stop the run.
public struct CaptureFinding: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable, Codable {
        /// Bytes that start like SIP but do not parse.
        case malformedSIP = "malformed-sip"
        /// Link, IP, UDP or TCP header that does not hold together.
        case malformedPacket = "malformed-packet"
        /// Packet cut short by the capture's snap length.
        case truncatedPacket = "truncated-packet"
        /// IP fragments given up (timeout, memory bound, overlap).
        case fragmentsDropped = "fragments-dropped"
        /// TCP bytes never seen (lost from the capture, or buffer bound reached).
        case tcpGap = "tcp-gap"
        /// The capture file itself ended badly (e.g. a truncated last record).
        case captureError = "capture-error"
    }

    /// 1-based record number where it was seen (0 when not tied to one packet).
    public var packet: Int
    /// Nanoseconds since 1970.
    public var time: Int64
    public var kind: Kind
    public var message: String

    public init(packet: Int, time: Int64, kind: Kind, message: String) {
        self.packet = packet
        self.time = time
        self.kind = kind
        self.message = message
    }

    public var description: String { "packet \(packet): \(kind.rawValue): \(message)" }
}

/// Read helpers over raw bytes; every caller checks bounds first.
@inline(__always) func be16(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt16 { UInt16(p[i]) << 8 | UInt16(p[i + 1]) }
@inline(__always) func be32(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
    UInt32(p[i]) << 24 | UInt32(p[i + 1]) << 16 | UInt32(p[i + 2]) << 8 | UInt32(p[i + 3])
}
@inline(__always) func be64(_ p: UnsafeRawBufferPointer, _ i: Int) -> UInt64 {
    UInt64(be32(p, i)) << 32 | UInt64(be32(p, i + 4))
}
