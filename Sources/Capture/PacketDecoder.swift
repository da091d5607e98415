/// A UDP datagram or TCP segment found in a packet. The payload is handed over separately
/// (it points into libpcap's buffer or a reassembled datagram).
public struct TransportSegment: Sendable {
    public var src: Endpoint
    public var dst: Endpoint
    public var transport: TransportProtocol
    /// TCP only.
    public var seq: UInt32 = 0
    public var flags: UInt8 = 0

    static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04
}

/// Decodes link layer, IPv4/IPv6 (extension headers, fragments via `IPReassembler`) and
/// UDP/TCP headers, without copying unfragmented packets.
public struct PacketDecoder {
    public let linkType: LinkType
    public var reassembler: IPReassembler
    /// Packets that were not IPv4/IPv6 (ARP, LLDP, ...) or not UDP/TCP (ICMP, SCTP, ...).
    public private(set) var skipped = 0

    public enum Result {
        case segment(TransportSegment, UnsafeRawBufferPointer)
        /// Nothing to hand over (not IP, not UDP/TCP, or a fragment kept for later).
        case none
        case problem(CaptureFinding.Kind, String)
    }

    public init(linkType: LinkType, reassembler: IPReassembler = IPReassembler()) {
        self.linkType = linkType
        self.reassembler = reassembler
    }

    /// Decodes one record. `body` is called with the segment (synchronously; the payload is
    /// valid only during the call); the return value reports why nothing was delivered.
    public mutating func decode(_ p: UnsafeRawBufferPointer, time: Int64, packet: Int,
                                _ body: (TransportSegment, UnsafeRawBufferPointer) -> Void) -> (CaptureFinding.Kind, String)? {
        var i = 0
        var ethertype: UInt16
        switch linkType {
        case .ethernet:
            guard p.count >= 14 else { return (.truncatedPacket, "Ethernet header cut short (\(p.count) bytes)") }
            ethertype = be16(p, 12)
            i = 14
            // 802.1Q / 802.1ad / old QinQ tags, any depth the packet holds.
            while ethertype == 0x8100 || ethertype == 0x88A8 || ethertype == 0x9100 {
                guard p.count >= i + 4 else { return (.truncatedPacket, "VLAN tag cut short") }
                ethertype = be16(p, i + 2)
                i += 4
            }
        case .linuxSLL:
            guard p.count >= 16 else { return (.truncatedPacket, "Linux SLL header cut short (\(p.count) bytes)") }
            ethertype = be16(p, 14)
            i = 16
        case .linuxSLL2:
            guard p.count >= 20 else { return (.truncatedPacket, "Linux SLL2 header cut short (\(p.count) bytes)") }
            ethertype = be16(p, 0)
            i = 20
        case .null, .loop:
            guard p.count >= 5 else { return (.truncatedPacket, "loopback header cut short (\(p.count) bytes)") }
            // Address family in the writer's byte order (null) or network order (loop): 2 is
            // AF_INET everywhere; IPv6 is 10, 24, 28 or 30 depending on the OS. The IP
            // version nibble decides when the family is unknown.
            let le = UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
            let be = be32(p, 0)
            let fam = le < 256 ? le : be
            ethertype = fam == 2 ? 0x0800 : [10, 24, 28, 30].contains(fam) ? 0x86DD : (p[4] >> 4 == 6 ? 0x86DD : 0x0800)
            i = 4
        case .raw, .rawDLT12, .rawDLT14, .ipv4, .ipv6:
            guard p.count >= 1 else { return (.truncatedPacket, "empty packet") }
            ethertype = p[0] >> 4 == 6 ? 0x86DD : 0x0800
        }
        switch ethertype {
        case 0x0800: return ipv4(p, i, time: time, packet: packet, body)
        case 0x86DD: return ipv6(p, i, time: time, packet: packet, body)
        default:
            skipped += 1
            return nil
        }
    }

    private mutating func ipv4(_ p: UnsafeRawBufferPointer, _ start: Int, time: Int64, packet: Int,
                               _ body: (TransportSegment, UnsafeRawBufferPointer) -> Void) -> (CaptureFinding.Kind, String)? {
        guard p.count >= start + 20 else { return (.truncatedPacket, "IPv4 header cut short") }
        guard p[start] >> 4 == 4 else { return (.malformedPacket, "IPv4 packet with version \(p[start] >> 4)") }
        let ihl = Int(p[start] & 0x0F) * 4
        let total = Int(be16(p, start + 2))
        guard ihl >= 20, total >= ihl else { return (.malformedPacket, "IPv4 header length \(ihl), total length \(total)") }
        guard p.count >= start + ihl else { return (.truncatedPacket, "IPv4 options cut short") }
        let src = IPAddress.v4(be32(p, start + 12)), dst = IPAddress.v4(be32(p, start + 16))
        let proto = p[start + 9]
        // Ethernet pads short frames: the IP total length, not the frame, bounds the payload.
        let end = start + total
        if end > p.count { return (.truncatedPacket, "IPv4 packet of \(total) bytes captured as \(p.count - start)") }
        let fragField = be16(p, start + 6)
        let more = fragField & 0x2000 != 0
        let offset = Int(fragField & 0x1FFF) * 8
        let payload = UnsafeRawBufferPointer(rebasing: p[(start + ihl)..<end])
        if more || offset != 0 {
            let key = IPReassembler.Key(src: src, dst: dst, id: UInt32(be16(p, start + 4)), proto: proto)
            switch reassembler.add(key, offset: offset, more: more, data: payload, time: time, packet: packet) {
            case .pending: return nil
            case .dropped(let why): return (.fragmentsDropped, why)
            case .complete(_, let bytes):
                return bytes.withUnsafeBytes { transport(proto, src, dst, $0, body) }
            }
        }
        return transport(proto, src, dst, payload, body)
    }

    private mutating func ipv6(_ p: UnsafeRawBufferPointer, _ start: Int, time: Int64, packet: Int,
                               _ body: (TransportSegment, UnsafeRawBufferPointer) -> Void) -> (CaptureFinding.Kind, String)? {
        guard p.count >= start + 40 else { return (.truncatedPacket, "IPv6 header cut short") }
        guard p[start] >> 4 == 6 else { return (.malformedPacket, "IPv6 packet with version \(p[start] >> 4)") }
        let plen = Int(be16(p, start + 4))
        let src = IPAddress.v6(be64(p, start + 8), be64(p, start + 16))
        let dst = IPAddress.v6(be64(p, start + 24), be64(p, start + 32))
        var end = start + 40 + plen
        if plen == 0 { end = p.count }  // jumbogram: the hop-by-hop option holds the length
        if end > p.count { return (.truncatedPacket, "IPv6 payload of \(plen) bytes captured as \(p.count - start - 40)") }
        var next = p[start + 6]
        var i = start + 40
        while true {
            switch next {
            case 0, 43, 60, 135, 139, 140:  // hop-by-hop, routing, destination options, mobility, HIP, shim6
                guard end >= i + 8 else { return (.malformedPacket, "IPv6 extension header \(next) cut short") }
                let len = (Int(p[i + 1]) + 1) * 8
                guard end >= i + len else { return (.malformedPacket, "IPv6 extension header \(next) longer than the packet") }
                next = p[i]
                i += len
            case 51:  // AH: length in 4-byte units, minus 2
                guard end >= i + 8 else { return (.malformedPacket, "IPv6 AH header cut short") }
                let len = (Int(p[i + 1]) + 2) * 4
                guard end >= i + len else { return (.malformedPacket, "IPv6 AH header longer than the packet") }
                next = p[i]
                i += len
            case 44:
                guard end >= i + 8 else { return (.malformedPacket, "IPv6 fragment header cut short") }
                let field = be16(p, i + 2)
                let offset = Int(field >> 3) * 8
                let more = field & 1 != 0
                let id = be32(p, i + 4)
                let inner = p[i]
                i += 8
                if offset == 0 && !more {  // atomic fragment (RFC 6946)
                    next = inner
                    continue
                }
                let key = IPReassembler.Key(src: src, dst: dst, id: id, proto: inner)
                let data = UnsafeRawBufferPointer(rebasing: p[i..<end])
                switch reassembler.add(key, offset: offset, more: more, data: data, time: time, packet: packet) {
                case .pending: return nil
                case .dropped(let why): return (.fragmentsDropped, why)
                case .complete(_, let bytes):
                    // The fragmentable part may itself start with extension headers.
                    return bytes.withUnsafeBytes { b in
                        var n = inner, k = 0
                        while [0, 43, 60].contains(n) {
                            guard b.count >= k + 8 else { return (.malformedPacket, "IPv6 extension header cut short after reassembly") }
                            let len = (Int(b[k + 1]) + 1) * 8
                            guard b.count >= k + len else { return (.malformedPacket, "IPv6 extension header longer than the datagram") }
                            n = b[k]
                            k += len
                        }
                        return transport(n, src, dst, UnsafeRawBufferPointer(rebasing: b[k...]), body)
                    }
                }
            default:
                return transport(next, src, dst, UnsafeRawBufferPointer(rebasing: p[i..<end]), body)
            }
        }
    }

    private mutating func transport(_ proto: UInt8, _ src: IPAddress, _ dst: IPAddress, _ p: UnsafeRawBufferPointer,
                                    _ body: (TransportSegment, UnsafeRawBufferPointer) -> Void) -> (CaptureFinding.Kind, String)? {
        switch proto {
        case 17:
            guard p.count >= 8 else { return (.truncatedPacket, "UDP header cut short") }
            let len = Int(be16(p, 4))
            guard len >= 8 else { return (.malformedPacket, "UDP length \(len) below 8") }
            if len > p.count { return (.truncatedPacket, "UDP datagram of \(len) bytes captured as \(p.count)") }
            let seg = TransportSegment(src: Endpoint(src, be16(p, 0)), dst: Endpoint(dst, be16(p, 2)), transport: .udp)
            body(seg, UnsafeRawBufferPointer(rebasing: p[8..<len]))
            return nil
        case 6:
            guard p.count >= 20 else { return (.truncatedPacket, "TCP header cut short") }
            let off = Int(p[12] >> 4) * 4
            guard off >= 20 else { return (.malformedPacket, "TCP data offset \(off) below 20") }
            guard off <= p.count else { return (.truncatedPacket, "TCP options cut short") }
            var seg = TransportSegment(src: Endpoint(src, be16(p, 0)), dst: Endpoint(dst, be16(p, 2)), transport: .tcp)
            seg.seq = be32(p, 4)
            seg.flags = p[13]
            body(seg, UnsafeRawBufferPointer(rebasing: p[off...]))
            return nil
        default:
            skipped += 1
            return nil
        }
    }
}
