/// Why a base64 / base64url string was rejected, with the offending character offset.
public struct Base64Error: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// A byte outside the alphabet ('+', '/', whitespace in base64url; '-', '_' in base64).
        case invalidCharacter(UInt8)
        /// '=' where padding is not allowed (base64url, RFC 7515 §2) or misplaced.
        case padding
        /// Length mod 4 == 1 can never encode whole bytes.
        case invalidLength(Int)
        /// Unused low bits of the last character are not zero: a second spelling of the same bytes.
        case nonCanonicalTrailingBits
    }
    public var reason: Reason
    /// Character offset into the input.
    public var offset: Int

    public var description: String {
        switch reason {
        case .invalidCharacter(let b):
            let shown = (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
            return "invalid base64 character \(shown) at offset \(offset)"
        case .padding: return "unexpected '=' padding at offset \(offset)"
        case .invalidLength(let n): return "invalid base64 length \(n) (length mod 4 is 1)"
        case .nonCanonicalTrailingBits: return "non-canonical base64: unused trailing bits are not zero at offset \(offset)"
        }
    }
}

/// RFC 4648 §5 base64url without padding, as JWS requires (RFC 7515 §2).
public enum Base64URL {
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        Base64Codec.encode(Array(bytes), alphabet: Base64Codec.urlAlphabet, pad: false)
    }
    public static func encode(_ string: String) -> String { encode(Array(string.utf8)) }
    /// Appends the encoding to `out` (a JWS is built in one buffer).
    public static func encode(_ bytes: [UInt8], into out: inout [UInt8]) {
        Base64Codec.encode(bytes, alphabet: Base64Codec.urlAlphabet, pad: false, into: &out)
    }

    /// Strict: no padding, no whitespace, only `A-Z a-z 0-9 - _`, canonical trailing bits.
    public static func decode(_ text: some StringProtocol) throws(Base64Error) -> [UInt8] {
        try Base64Codec.decode(text.utf8Bytes, url: true, allowPadding: false)
    }
}

/// RFC 4648 §4 standard base64 ('+', '/'), used by `rcdi` digests (RFC 9795 §6).
public enum Base64Standard {
    /// Unpadded, matching the RFC 9795 examples.
    public static func encode(_ bytes: some Sequence<UInt8>, padded: Bool = false) -> String {
        Base64Codec.encode(Array(bytes), alphabet: Base64Codec.stdAlphabet, pad: padded)
    }
    /// Padding optional (but, if present, exactly right); no whitespace.
    public static func decode(_ text: some StringProtocol) throws(Base64Error) -> [UInt8] {
        try Base64Codec.decode(text.utf8Bytes, url: false, allowPadding: true)
    }
}

enum Base64Codec {
    static let urlAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    static let stdAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8], alphabet: [UInt8], pad: Bool) -> String {
        var out: [UInt8] = []
        encode(bytes, alphabet: alphabet, pad: pad, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The encoded length of `count` bytes.
    static func encodedCount(_ count: Int, pad: Bool) -> Int {
        pad ? (count + 2) / 3 * 4 : count / 3 * 4 + [0, 2, 3][count % 3]
    }

    /// Appends the encoding of `bytes` to `out`: the room is made once and each 3-byte group
    /// is written as four bytes in place (no per-group array, no String).
    static func encode(_ bytes: [UInt8], alphabet: [UInt8], pad: Bool, into out: inout [UInt8]) {
        let start = out.count
        let length = encodedCount(bytes.count, pad: pad)
        out.append(contentsOf: repeatElement(UInt8(ascii: "="), count: length))
        precondition(alphabet.count == 64)
        alphabet.withUnsafeBufferPointer { a in
            bytes.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    // Every index below is < 64 (6-bit masks) or inside [start, start + length).
                    var i = 0, o = start
                    while i + 3 <= src.count {
                        let n = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
                        dst[o] = a[Int(n >> 18 & 63)]
                        dst[o + 1] = a[Int(n >> 12 & 63)]
                        dst[o + 2] = a[Int(n >> 6 & 63)]
                        dst[o + 3] = a[Int(n & 63)]
                        i += 3
                        o += 4
                    }
                    // The last one or two bytes: two or three characters (padding is already there).
                    let rest = src.count - i
                    if rest > 0 {
                        let n = UInt32(src[i]) << 16 | (rest == 2 ? UInt32(src[i + 1]) << 8 : 0)
                        dst[o] = a[Int(n >> 18 & 63)]
                        dst[o + 1] = a[Int(n >> 12 & 63)]
                        if rest == 2 { dst[o + 2] = a[Int(n >> 6 & 63)] }
                    }
                }
            }
        }
    }

    /// Byte -> 6-bit value, 0xFF for a byte outside the alphabet: one load per character.
    static let urlTable: [UInt8] = (0..<256).map { value(UInt8($0), url: true) ?? 0xFF }
    static let stdTable: [UInt8] = (0..<256).map { value(UInt8($0), url: false) ?? 0xFF }

    static func value(_ b: UInt8, url: Bool) -> UInt8? {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return b - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return b - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-") where url, UInt8(ascii: "+") where !url: return 62
        case UInt8(ascii: "_") where url, UInt8(ascii: "/") where !url: return 63
        default: return nil
        }
    }

    static func decode(_ input: [UInt8], url: Bool, allowPadding: Bool) throws(Base64Error) -> [UInt8] {
        // '=' is in neither alphabet, so a decode that succeeds met no padding: the padding
        // rules (which come first) are looked at only when the decode failed.
        let failure: Base64Error
        do { return try decodeCharacters(input[...], url: url) } catch { failure = error }
        guard let firstPad = input.firstIndex(of: UInt8(ascii: "=")) else { throw failure }
        // Padding only at the end, only where standard base64 allows it, completing a quantum.
        let padCount = input.count - firstPad
        guard allowPadding, padCount <= 2, input[firstPad...].allSatisfy({ $0 == UInt8(ascii: "=") }),
              input.count % 4 == 0
        else { throw Base64Error(reason: .padding, offset: firstPad) }
        return try decodeCharacters(input[..<firstPad], url: url)
    }

    /// Decodes alphabet characters only (no padding): whole quanta four characters at a time,
    /// then the rest (or, from a quantum holding a stray character, everything) one at a time.
    private static func decodeCharacters(_ chars: ArraySlice<UInt8>, url: Bool) throws(Base64Error) -> [UInt8] {
        let table = url ? urlTable : stdTable
        var failure: Base64Error?
        var acc: UInt32 = 0
        let out = [UInt8](unsafeUninitializedCapacity: chars.count * 3 / 4 + 1) { buffer, count in
            var bits: UInt32 = 0
            var n = 0
            table.withUnsafeBufferPointer { table in
                chars.withUnsafeBufferPointer { c in
                    var i = 0
                    while i + 4 <= c.count {
                        let v0 = table[Int(c[i])], v1 = table[Int(c[i + 1])], v2 = table[Int(c[i + 2])], v3 = table[Int(c[i + 3])]
                        // Valid values are below 64; 0xFF marks a stray character.
                        guard (v0 | v1 | v2 | v3) & 0xC0 == 0 else { break }
                        let q = UInt32(v0) << 18 | UInt32(v1) << 12 | UInt32(v2) << 6 | UInt32(v3)
                        buffer[n] = UInt8(truncatingIfNeeded: q >> 16)
                        buffer[n + 1] = UInt8(truncatingIfNeeded: q >> 8)
                        buffer[n + 2] = UInt8(truncatingIfNeeded: q)
                        n += 3
                        i += 4
                    }
                    while i < c.count {
                        let b = c[i]
                        let v = table[Int(b)]
                        guard v != 0xFF else {
                            failure = Base64Error(reason: .invalidCharacter(b), offset: i)
                            return
                        }
                        acc = acc << 6 | UInt32(v)
                        bits += 6
                        if bits >= 8 {
                            bits -= 8
                            buffer[n] = UInt8(truncatingIfNeeded: acc >> bits)
                            n += 1
                            acc &= (1 << bits) - 1
                        }
                        i += 1
                    }
                }
            }
            count = n
        }
        if let failure { throw failure }
        // After the character scan, so a stray character is named rather than the length it causes.
        if chars.count % 4 == 1 { throw Base64Error(reason: .invalidLength(chars.count), offset: chars.count) }
        if acc != 0 { throw Base64Error(reason: .nonCanonicalTrailingBits, offset: max(chars.count - 1, 0)) }
        return out
    }
}

extension StringProtocol {
    /// The UTF-8 bytes in one copy from contiguous storage (`Array(utf8)` goes element by element).
    var utf8Bytes: [UInt8] { utf8.withContiguousStorageIfAvailable { Array($0) } ?? Array(utf8) }
}
