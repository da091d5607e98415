/// Builds Ethernet / IPv4 / IPv6 / UDP / TCP headers with correct lengths and checksums.
/// Used by `PcapWriter`, and public so tests can assemble edge cases (VLAN tags, other link
/// layers, fragments) around real headers.
public enum PacketBuilder {
    /// Internet checksum (RFC 1071) over `bytes`, starting from a partial `sum`.
    public static func checksum(_ bytes: [UInt8], initial sum: UInt32 = 0) -> UInt16 {
        var s = sum
        var i = 0
        while i + 1 < bytes.count {
            s &+= UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { s &+= UInt32(bytes[i]) << 8 }
        while s > 0xFFFF { s = (s & 0xFFFF) &+ (s >> 16) }
        return ~UInt16(s)
    }

    static func pseudoHeaderSum(src: IPAddress, dst: IPAddress, proto: UInt8, length: Int) -> UInt32 {
        var s: UInt32 = 0
        let a = src.bytes + dst.bytes
        var i = 0
        while i < a.count { s &+= UInt32(a[i]) << 8 | UInt32(a[i + 1]); i += 2 }
        s &+= UInt32(proto)
        s &+= UInt32(length >> 16) &+ UInt32(length & 0xFFFF)
        return s
    }

    static func put16(_ b: inout [UInt8], _ v: UInt16) { b.append(UInt8(v >> 8)); b.append(UInt8(v & 0xFF)) }
    static func put32(_ b: inout [UInt8], _ v: UInt32) { put16(&b, UInt16(v >> 16)); put16(&b, UInt16(v & 0xFFFF)) }

    /// UDP header + payload, checksummed over the pseudo-header.
    public static func udp(src: Endpoint, dst: Endpoint, payload: [UInt8]) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(8 + payload.count)
        put16(&b, src.port); put16(&b, dst.port); put16(&b, UInt16(truncatingIfNeeded: 8 + payload.count)); put16(&b, 0)
        b += payload
        var c = checksum(b, initial: pseudoHeaderSum(src: src.address, dst: dst.address, proto: 17, length: b.count))
        if c == 0 { c = 0xFFFF }  // 0 means "no checksum" in UDP
        b[6] = UInt8(c >> 8); b[7] = UInt8(c & 0xFF)
        return b
    }

    /// TCP header (20 bytes, no options) + payload, checksummed. Flags default to PSH|ACK.
    public static func tcp(src: Endpoint, dst: Endpoint, seq: UInt32, ack: UInt32, flags: UInt8 = 0x18,
                           window: UInt16 = 65535, payload: [UInt8]) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(20 + payload.count)
        put16(&b, src.port); put16(&b, dst.port); put32(&b, seq); put32(&b, ack)
        b.append(5 << 4); b.append(flags); put16(&b, window); put16(&b, 0); put16(&b, 0)
        b += payload
        let c = checksum(b, initial: pseudoHeaderSum(src: src.address, dst: dst.address, proto: 6, length: b.count))
        b[16] = UInt8(c >> 8); b[17] = UInt8(c & 0xFF)
        return b
    }

    /// IPv4 header (checksummed) + `l4`. `fragment` is the flags/offset field (DF by default).
    public static func ipv4(src: UInt32, dst: UInt32, proto: UInt8, id: UInt16, fragment: UInt16 = 0x4000,
                            ttl: UInt8 = 64, _ l4: [UInt8]) -> [UInt8] {
        var h: [UInt8] = [0x45, 0]
        put16(&h, UInt16(truncatingIfNeeded: 20 + l4.count)); put16(&h, id); put16(&h, fragment)
        h.append(ttl); h.append(proto); put16(&h, 0); put32(&h, src); put32(&h, dst)
        let c = checksum(h)
        h[10] = UInt8(c >> 8); h[11] = UInt8(c & 0xFF)
        return h + l4
    }

    /// IPv6 header + `payload` (which may begin with extension headers; `next` names the first).
    public static func ipv6(src: IPAddress, dst: IPAddress, next: UInt8, hopLimit: UInt8 = 64, _ payload: [UInt8]) -> [UInt8] {
        var h: [UInt8] = [0x60, 0, 0, 0]
        put16(&h, UInt16(truncatingIfNeeded: payload.count)); h.append(next); h.append(hopLimit)
        h += src.bytes + dst.bytes
        return h + payload
    }

    /// An IP packet (v4 or v6 by the addresses) carrying `l4` of protocol `proto`.
    public static func ip(src: IPAddress, dst: IPAddress, proto: UInt8, id: UInt16, _ l4: [UInt8]) -> [UInt8] {
        switch (src, dst) {
        case (.v4(let s), .v4(let d)): return ipv4(src: s, dst: d, proto: proto, id: id, l4)
        default: return ipv6(src: src, dst: dst, next: proto, l4)
        }
    }

    /// A locally administered MAC derived from the address, so each host keeps one MAC.
    public static func mac(for address: IPAddress) -> [UInt8] {
        let b = address.bytes
        var h: UInt32 = 2166136261
        for x in b { h = (h ^ UInt32(x)) &* 16777619 }
        return [0x02, 0x00, UInt8(h >> 24), UInt8(h >> 16 & 0xFF), UInt8(h >> 8 & 0xFF), UInt8(h & 0xFF)]
    }

    /// Ethernet II header + `ip`; `vlans` adds 802.1Q tags (outermost first).
    public static func ethernet(src: IPAddress, dst: IPAddress, vlans: [UInt16] = [], _ ip: [UInt8]) -> [UInt8] {
        var f = mac(for: dst) + mac(for: src)
        for (i, v) in vlans.enumerated() { put16(&f, i == 0 && vlans.count > 1 ? 0x88A8 : 0x8100); put16(&f, v & 0x0FFF) }
        put16(&f, src.isIPv6 ? 0x86DD : 0x0800)
        return f + ip
    }
}
