/// Seeded hashing and comparing of UTF-8 bytes, a word at a time: what the transaction table
/// and the text caches find their entries by, in place of SipHash over Strings.
enum ByteHash {
    /// A seed from the process's random hashing seed: it only places entries, so nothing
    /// observable depends on it, and crafted keys cannot be made to collide.
    static func randomSeed() -> UInt64 {
        var h = Hasher()
        h.combine(0x5458 as UInt16)
        return UInt64(UInt(bitPattern: h.finalize()))
    }

    /// The seeded hash of the bytes, and whether all of them are ASCII.
    static func hash(_ b: UnsafeBufferPointer<UInt8>, seed: UInt64) -> (value: UInt64, isASCII: Bool) {
        let raw = UnsafeRawBufferPointer(b)
        var h = seed ^ UInt64(raw.count)
        var bits: UInt64 = 0
        var i = 0
        while i + 8 <= raw.count {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            bits |= w
            h = mix(h ^ w)
            i += 8
        }
        // The last bytes: one more word ending at the end (overlapping), or byte by byte.
        var tail: UInt64 = 0
        if i < raw.count, raw.count >= 8 {
            tail = raw.loadUnaligned(fromByteOffset: raw.count - 8, as: UInt64.self)
        } else {
            var shift: UInt64 = 0
            while i < raw.count {
                tail |= UInt64(raw[i]) << shift
                shift += 8
                i += 1
            }
        }
        return (mix(h ^ tail), (bits | tail) & 0x8080_8080_8080_8080 == 0)
    }

    private static func mix(_ x: UInt64) -> UInt64 {
        var z = (x ^ (x >> 31)) &* 0x9E37_79B9_7F4A_7C15
        z ^= z >> 29
        return z
    }

    /// Whether the two Strings' UTF-8 are the same bytes.
    static func equal(_ s: String, _ t: String) -> Bool { withUTF8Bytes(t) { equal(s, $0) } }

    /// Whether the String's UTF-8 is exactly `b`.
    static func equal(_ s: String, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        withUTF8Bytes(s) { a in
            guard a.count == b.count else { return false }
            let x = UnsafeRawBufferPointer(a), y = UnsafeRawBufferPointer(b)
            var i = 0
            while i + 8 <= x.count {
                guard x.loadUnaligned(fromByteOffset: i, as: UInt64.self) == y.loadUnaligned(fromByteOffset: i, as: UInt64.self) else {
                    return false
                }
                i += 8
            }
            while i < x.count {
                guard x[i] == y[i] else { return false }
                i += 1
            }
            return true
        }
    }
}

/// `body` on the String's UTF-8. Read through the UTF-8 view where it is contiguous (always,
/// for a native String): `withUTF8` needs a mutable copy of the String, a retain and release.
@inline(__always)
func withUTF8Bytes<R>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    if let r = s.utf8.withContiguousStorageIfAvailable(body) { return r }
    var s = s
    return s.withUTF8(body)
}
