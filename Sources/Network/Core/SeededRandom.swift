/// SplitMix64: every tag, branch, Call-ID, nonce and link decision comes from one of these,
/// so a run is a function of its seed. (Network's own copy: TestSupport is test-only.)
public struct SeededRandom: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// True with probability `p` (no draw when p <= 0, so adding a lossless link to a spec
    /// does not shift every later random value).
    public mutating func chance(_ p: Double) -> Bool { p > 0 && unit() < p }

    /// `count` lowercase hex digits between `prefix` and `suffix`, in one buffer (a Via with its
    /// branch, a charging vector with its icid: no String concatenation after the draw). One
    /// draw per 16 digits, each word written low nibble first.
    public mutating func hex(_ count: Int, after prefix: String = "", before suffix: String = "") -> String {
        guard count > 0 else { return prefix + suffix }
        // Bytes, not Characters: tags and branches are made for every message. Prefix and
        // suffix are read in place (small ones too); bridged text is made native first.
        let made = prefix.utf8.withContiguousStorageIfAvailable { p in
            suffix.utf8.withContiguousStorageIfAvailable { s in hex(count, between: p, and: s) }
        }
        if let made, let made { return made }
        var prefix = prefix, suffix = suffix
        return prefix.withUTF8 { p in suffix.withUTF8 { s in hex(count, between: p, and: s) } }
    }

    /// `count` digits between the bytes `p` and `s`, in one String.
    private mutating func hex(_ count: Int, between p: UnsafeBufferPointer<UInt8>, and s: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: p.count + count + s.count) { out in
            // Prefix and suffix copied whole (checked copies: they fit by the capacity).
            let raw = UnsafeMutableRawBufferPointer(out)
            raw.copyMemory(from: UnsafeRawBufferPointer(p))
            var o = p.count
            var left = count
            while left > 0 {
                let n = min(left, 16)
                Self.writeHex(next(), digits: n, into: raw, at: o)
                o += n
                left -= n
            }
            UnsafeMutableRawBufferPointer(rebasing: raw[o...]).copyMemory(from: UnsafeRawBufferPointer(s))
            return o + s.count
        }
    }

    /// The first `digits` (1...16) nibbles of `word`, low nibble first, as hex at `raw[at...]`.
    @inline(__always)
    private static func writeHex(_ word: UInt64, digits: Int, into raw: UnsafeMutableRawBufferPointer, at o: Int) {
        let lo = hexDigits(UInt32(truncatingIfNeeded: word)), hi = hexDigits(UInt32(truncatingIfNeeded: word >> 32))
        if digits == 16 {
            raw.storeBytes(of: lo.littleEndian, toByteOffset: o, as: UInt64.self)
            raw.storeBytes(of: hi.littleEndian, toByteOffset: o + 8, as: UInt64.self)
        } else {
            for k in 0..<digits {
                raw[o + k] = UInt8(truncatingIfNeeded: (k < 8 ? lo : hi) >> (8 * (k & 7)))
            }
        }
    }

    /// The eight nibbles of `x` as eight hex digits, nibble k in byte k (bits 8k..8k+7): the
    /// nibbles spread one per byte, then '0' added, and 'a' - '0' - 10 more where a nibble is >= 10
    /// (bit 4 of nibble + 6). No byte carries into the next.
    @inline(__always)
    static func hexDigits(_ x: UInt32) -> UInt64 {
        var v = UInt64(x)
        v = (v | v << 16) & 0x0000_FFFF_0000_FFFF
        v = (v | v << 8) & 0x00FF_00FF_00FF_00FF
        v = (v | v << 4) & 0x0F0F_0F0F_0F0F_0F0F
        let letters = ((v &+ 0x0606_0606_0606_0606) >> 4) & 0x0101_0101_0101_0101
        return v &+ 0x3030_3030_3030_3030 &+ letters &* 0x27
    }
}

/// '0'-'9', 'a'-'f' for a nibble.
@inline(__always)
func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? 0x30 + n : 0x57 + n }
