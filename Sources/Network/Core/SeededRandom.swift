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
    /// branch, a charging vector with its icid: no String concatenation after the draw).
    public mutating func hex(_ count: Int, after prefix: String = "", before suffix: String = "") -> String {
        guard count > 0 else { return prefix + suffix }
        var word = next()
        var prefix = prefix, suffix = suffix
        // Bytes, not Characters: tags and branches are made for every message.
        return prefix.withUTF8 { p in
            suffix.withUTF8 { s in
                String(unsafeUninitializedCapacity: p.count + count + s.count) { out in
                    // Prefix and suffix copied whole (checked copies: they fit by the capacity).
                    let raw = UnsafeMutableRawBufferPointer(out)
                    raw.copyMemory(from: UnsafeRawBufferPointer(p))
                    var o = p.count
                    for i in 0..<count {
                        if i > 0, i % 16 == 0 { word = next() }
                        out[o] = hexDigit(UInt8(truncatingIfNeeded: word & 0xF))
                        word >>= 4
                        o += 1
                    }
                    UnsafeMutableRawBufferPointer(rebasing: raw[o...]).copyMemory(from: UnsafeRawBufferPointer(s))
                    return o + s.count
                }
            }
        }
    }
}

/// '0'-'9', 'a'-'f' for a nibble.
@inline(__always)
func hexDigit(_ n: UInt8) -> UInt8 { n < 10 ? 0x30 + n : 0x57 + n }
