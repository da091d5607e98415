/// Character classes of RFC 3261 §25.1 as 128-bit masks in literals: a hot loop tests a
/// bit with no table lookup and no lazy global initialisation.
enum ByteClass {
    /// Branch-free bit test (a select, not a jump, between the two halves: text mixes
    /// bytes below and above 64 unpredictably).
    @inline(__always) static func test(_ b: UInt8, _ lo: UInt64, _ hi: UInt64) -> Bool {
        let mask = b & 0x40 == 0 ? lo : hi
        let bit = (mask >> UInt64(b & 0x3F)) & 1
        return bit & UInt64(1 &- (b >> 7)) != 0
    }

    /// alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~"
    @inline(__always) static func isToken(_ b: UInt8) -> Bool { test(b, 0x03FF_6CA2_0000_0000, 0x47FF_FFFF_87FF_FFFE) }
    /// RFC 3261 word: token plus ( ) < > : \ DQUOTE / [ ] ? { }
    @inline(__always) static func isWordChar(_ b: UInt8) -> Bool { test(b, 0xD7FF_EFA6_0000_0000, 0x6FFF_FFFF_BFFF_FFFE) }
    /// Characters allowed unescaped somewhere in a SIP URI.
    @inline(__always) static func isURIChar(_ b: UInt8) -> Bool { test(b, 0xAFFF_FFFA_0000_0000, 0x47FF_FFFE_AFFF_FFFF) }
    @inline(__always) static func isHex(_ b: UInt8) -> Bool { test(b, 0x03FF_0000_0000_0000, 0x7E_0000_007E) }
    @inline(__always) static func isAlpha(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }
    @inline(__always) static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }
    @inline(__always) static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
    /// SP / HTAB / CR / LF: whitespace inside a (possibly folded) header value.
    @inline(__always) static func isLWS(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0D || b == 0x0A }

    /// Whether `p[r]` holds a CR or an LF (or, with `orNonASCII`, a byte of 0x80 or more):
    /// eight bytes per step, as header values are scanned on every read and edit.
    static func hasLineBreak(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, orNonASCII: Bool = false) -> Bool {
        var i = r.lowerBound
        if let base = p.baseAddress {
            let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
            while i + 8 <= r.upperBound {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                // A byte equal to CR (LF) is a zero byte of w ^ CRs (LFs): (x - 1s) & ~x has its high bit set.
                let cr = w ^ (ones &* UInt64(ASCII.cr)), lf = w ^ (ones &* UInt64(ASCII.lf))
                let found = ((cr &- ones) & ~cr) | ((lf &- ones) & ~lf) | (orNonASCII ? w : 0)
                if found & highs != 0 { return true }
                i += 8
            }
        }
        while i < r.upperBound {
            let b = p[i]
            if b == ASCII.cr || b == ASCII.lf || (orNonASCII && b >= 0x80) { return true }
            i += 1
        }
        return false
    }

    @inline(__always) static func lower(_ b: UInt8) -> UInt8 { (b >= 0x41 && b <= 0x5A) ? b | 0x20 : b }

    /// The same classes as one flag byte per value, for the hottest loops: fetch the
    /// pointer once, then each test is a single load. Built once and never freed.
    nonisolated(unsafe) static let flags: UnsafePointer<UInt8> = {
        let t = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for i in 0..<256 {
            let b = UInt8(i)
            var f: UInt8 = 0
            if isToken(b) { f |= tokenFlag }
            // Non-ASCII bytes are tolerated in URIs (UTF-8 in user parts is common).
            if isURIChar(b) || b >= 0x80 { f |= uriFlag }
            if isLWS(b) { f |= lwsFlag }
            if isAlpha(b) || isDigit(b) || b == 0x2D || b == 0x2E || b == 0x5F { f |= hostFlag }
            if isToken(b) || b == 0x3A || b == 0x5B || b == 0x5D { f |= genValueFlag }
            t[i] = f
        }
        return UnsafePointer(t)
    }()
    static let tokenFlag: UInt8 = 1
    static let uriFlag: UInt8 = 2
    static let lwsFlag: UInt8 = 4
    /// Host name characters (alphanumerics, "-", ".", and "_" seen in the wild).
    static let hostFlag: UInt8 = 8
    /// gen-value characters outside quotes: token, ":" and the IPv6 brackets.
    static let genValueFlag: UInt8 = 16
}

enum ASCII {
    static let cr: UInt8 = 0x0D, lf: UInt8 = 0x0A, sp: UInt8 = 0x20, tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A, semicolon: UInt8 = 0x3B, comma: UInt8 = 0x2C, equals: UInt8 = 0x3D
    static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C, lt: UInt8 = 0x3C, gt: UInt8 = 0x3E
    static let slash: UInt8 = 0x2F, question: UInt8 = 0x3F, at: UInt8 = 0x40, percent: UInt8 = 0x25
    static let lbracket: UInt8 = 0x5B, rbracket: UInt8 = 0x5D, ampersand: UInt8 = 0x26, dot: UInt8 = 0x2E
    static let star: UInt8 = 0x2A, plus: UInt8 = 0x2B, hash: UInt8 = 0x23
}

extension String {
    @inline(__always) init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        self = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// Runs `body` over the string's UTF-8 bytes without copying when the string is native.
    func withBytes<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        var copy = self
        let result: Result<R, E> = copy.withUTF8 { buf in
            do throws(E) { return .success(try body(buf)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}

/// Whether `p[r]` equals `lower` ignoring ASCII case (`lower` is given in lower case).
@inline(__always)
func equalsLowercased(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, _ lower: StaticString) -> Bool {
    guard r.count == lower.utf8CodeUnitCount else { return false }
    let q = lower.utf8Start
    for k in 0..<r.count where ByteClass.lower(p[r.lowerBound + k]) != q[k] { return false }
    return true
}

/// The decimal number in `p[r]` if it is one (digits only) and at most `max`.
func decimal(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>, max: UInt64) -> UInt64? {
    guard !r.isEmpty else { return nil }
    var v: UInt64 = 0
    for i in r {
        guard ByteClass.isDigit(p[i]) else { return nil }
        v = v &* 10 &+ UInt64(p[i] &- 0x30)
        if v > max { return nil }
    }
    return v
}
