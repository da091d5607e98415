/// An IPv4 or IPv6 address, stored inline so flow keys hash without allocating.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible {
    case v4(UInt32)
    case v6(UInt64, UInt64)

    public var isIPv6: Bool { if case .v6 = self { return true } else { return false } }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::`, optionally in brackets).
    public init?(_ text: String) {
        var t = Substring(text)
        if t.hasPrefix("["), t.hasSuffix("]") { t = t.dropFirst().dropLast() }
        if !t.contains(":") {
            let parts = t.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var v: UInt32 = 0
            for p in parts {
                guard !p.isEmpty, p.count <= 3, let b = UInt8(p) else { return nil }
                v = v << 8 | UInt32(b)
            }
            self = .v4(v)
            return
        }
        let halves = t.components(separatedBy: "::")
        guard halves.count <= 2 else { return nil }
        func groups(_ s: String) -> [UInt16]? {
            if s.isEmpty { return [] }
            var out: [UInt16] = []
            for g in s.split(separator: ":", omittingEmptySubsequences: false) {
                guard !g.isEmpty, g.count <= 4, let v = UInt16(g, radix: 16) else { return nil }
                out.append(v)
            }
            return out
        }
        guard let head = groups(halves[0]) else { return nil }
        var all = head
        if halves.count == 2 {
            guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
            all += [UInt16](repeating: 0, count: 8 - head.count - tail.count) + tail
        }
        guard all.count == 8 else { return nil }
        var hi: UInt64 = 0, lo: UInt64 = 0
        for i in 0..<4 { hi = hi << 16 | UInt64(all[i]) }
        for i in 4..<8 { lo = lo << 16 | UInt64(all[i]) }
        self = .v6(hi, lo)
    }

    /// Network-order bytes (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): return (0..<4).map { UInt8(truncatingIfNeeded: a >> (24 - 8 * $0)) }
        case .v6(let hi, let lo):
            return (0..<8).map { UInt8(truncatingIfNeeded: hi >> (56 - 8 * $0)) }
                + (0..<8).map { UInt8(truncatingIfNeeded: lo >> (56 - 8 * $0)) }
        }
    }

    public var description: String {
        switch self {
        case .v4(let a):
            return "\(a >> 24).\(a >> 16 & 0xFF).\(a >> 8 & 0xFF).\(a & 0xFF)"
        case .v6(let hi, let lo):
            let g: [UInt16] = (0..<4).map { UInt16(truncatingIfNeeded: hi >> (48 - 16 * $0)) }
                + (0..<4).map { UInt16(truncatingIfNeeded: lo >> (48 - 16 * $0)) }
            // Longest run of zero groups (length >= 2) becomes "::" (RFC 5952).
            var best = (start: -1, len: 0), i = 0
            while i < 8 {
                if g[i] == 0 {
                    var j = i
                    while j < 8, g[j] == 0 { j += 1 }
                    if j - i > best.len, j - i >= 2 { best = (i, j - i) }
                    i = j
                } else { i += 1 }
            }
            func hex(_ r: Range<Int>) -> String { r.map { String(g[$0], radix: 16) }.joined(separator: ":") }
            if best.start < 0 { return hex(0..<8) }
            return hex(0..<best.start) + "::" + hex((best.start + best.len)..<8)
        }
    }
}

/// Address and port.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var port: UInt16

    public init(_ address: IPAddress, _ port: UInt16) {
        self.address = address
        self.port = port
    }

    /// `1.2.3.4:5060` or `[2001:db8::1]:5060`.
    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        if host.contains(":"), !host.hasPrefix("[") { return nil }
        guard let a = IPAddress(host) else { return nil }
        self.init(a, port)
    }

    public var description: String { address.isIPv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }
}

public enum TransportProtocol: String, Hashable, Sendable, Codable {
    case udp, tcp
}
