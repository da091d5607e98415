#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import SIPCore

/// What the audit's counting needs from one SIP message, read straight from its bytes in
/// one pass, creating no String and allocating nothing: method or status, Call-ID, From/To
/// tags and CSeq method (as ranges), and whether Identity / P-Asserted-Identity are present.
///
/// `certain` says the bytes are a message `SIPMessage(parsing:)` accepts *for sure*: the
/// scan checks the parser's rules (start line, header names, CRLF line ends, no bare CR,
/// line and count limits, Content-Length) and is conservative: anything unusual (folding,
/// bare LF, other SIP versions, a missing empty line, ...) clears `certain` and the caller
/// runs the real parser, which decides and reports. The values match the `SIPMessage`
/// accessors (first field of each kind, compact forms, any case) whenever nothing is folded.
struct MessageDigest {
    /// A range of the scanned bytes in 32-bit offsets (hi < 0: absent), keeping the digest
    /// small enough to pass around in registers rather than by memcpy.
    struct Span {
        var lo: Int32 = 0, hi: Int32 = -1
        init() {}
        init(_ r: Range<Int>) { lo = Int32(truncatingIfNeeded: r.lowerBound); hi = Int32(truncatingIfNeeded: r.upperBound) }
        var range: Range<Int>? { hi >= 0 ? Int(lo)..<Int(hi) : nil }
    }
    var certain = false
    var isRequest = false
    var hasIdentity = false
    var hasPAI = false
    var folded = false
    /// With `certain`: `SIPSniffer.looksLikeSIP` would say yes (the start line is at byte 0,
    /// ends within its 1024-byte window and spells `SIP/2.0` in capitals).
    var sniffed = false
    /// Response status (0 for requests).
    var status: Int16 = 0
    private var methodSpan = Span()
    private var callIDSpan = Span()
    private var fromSpan = Span()
    private var toSpan = Span()
    private var cseqSpan = Span()

    /// Request method bytes, as written (empty for responses).
    var method: Range<Int> { methodSpan.range ?? 0..<0 }
    var callID: Range<Int>? { callIDSpan.range }
    // Tags and the CSeq method are found only when asked (responses that may form dialogs).
    func fromTag(_ p: UnsafeRawBufferPointer) -> Range<Int>? { fromSpan.range.flatMap { Self.tag(p, $0.lowerBound, $0.upperBound) } }
    func toTag(_ p: UnsafeRawBufferPointer) -> Range<Int>? { toSpan.range.flatMap { Self.tag(p, $0.lowerBound, $0.upperBound) } }
    func cseqMethod(_ p: UnsafeRawBufferPointer) -> Range<Int>? {
        cseqSpan.range.flatMap { Self.secondToken(p, $0.lowerBound, $0.upperBound) }
    }

    init(_ p: UnsafeRawBufferPointer, limits: ParseLimits = .default) {
        guard let base = p.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let n = p.count
        var sure = n <= limits.maxMessageSize
        var pos = 0
        while pos < n, base[pos] == 0x0D || base[pos] == 0x0A { pos += 1 }
        guard pos < n else { return }
        // Start line: must end in CRLF within the line limit.
        let slCR = Self.lineEnd(base, pos, n)
        guard slCR < n else { return }
        if base[slCR] != 0x0D || slCR + 1 >= n || base[slCR + 1] != 0x0A || slCR - pos > limits.maxLineLength { sure = false }
        if slCR - pos >= 4, base[pos] | 0x20 == 0x73, base[pos + 1] | 0x20 == 0x69, base[pos + 2] | 0x20 == 0x70, base[pos + 3] == 0x2F {
            isRequest = false
            var code = 0
            if !Self.statusLine(base, pos, slCR, &code) { sure = false }
            status = Int16(truncatingIfNeeded: code)
            sniffed = pos == 0 && base[0] == 0x53 && base[1] == 0x49 && base[2] == 0x50
        } else {
            isRequest = true
            var i = pos
            while i < slCR, base[i] != 0x20 { i += 1 }
            methodSpan = Span(pos..<i)
            if !Self.requestLine(base, pos, slCR) { sure = false }
            sniffed = pos == 0 && slCR + 1 < 1024 && slCR >= 8
                && base[slCR - 7] == 0x53 && base[slCR - 6] == 0x49 && base[slCR - 5] == 0x50
        }
        pos = slCR + 2
        var seenCallID = false, seenFrom = false, seenTo = false, seenCSeq = false, seenLength = false
        var fields = 0
        var declared = -1
        var headerEnd = -1
        while pos < n {
            let b0 = base[pos]
            if b0 <= 0x20 {  // one test for the usual name start
                if b0 == 0x0D {
                    if pos + 1 < n, base[pos + 1] == 0x0A { headerEnd = pos + 2 }
                    break
                }
                // A header line continued (folded) here; a bare LF, or folding: the parser decides.
                if b0 == 0x20 || b0 == 0x09 {
                    if fields > 0 { folded = true }
                    sure = false
                    break
                }
                if b0 == 0x0A { sure = false; break }
            }
            fields += 1
            // Name: token characters up to the colon (optional SP/HT before it). Common names
            // are recognised whole, eight bytes at a time, which also proves them tokens;
            // any other name is checked byte by byte.
            var known: (length: Int, header: Header) = (0, .other)
            if pos + 8 < n {
                // Words are loaded as a name needs them; one past the end spells no name.
                let at = base + pos, avail = n - pos
                // Little-endian words of the lower-case name, and 0x20 where a letter may be upper case.
                switch b0 | 0x20 {
                case 0x76:
                    if Self.spells(at, avail, 3, (0x0061_6976, 0, 0), (0x0020_2020, 0, 0)) {  // via
                        known = (3, .other)
                    }
                case 0x66:
                    if Self.spells(at, avail, 4, (0x6D6F_7266, 0, 0), (0x2020_2020, 0, 0)) {  // from
                        known = (4, .from)
                    }
                case 0x74:
                    if Self.spells(at, avail, 2, (0x6F74, 0, 0), (0x2020, 0, 0)) {  // to
                        known = (2, .to)
                    }
                case 0x63:
                    if Self.spells(at, avail, 7, (0x0064_692D_6C6C_6163, 0, 0), (0x0020_2000_2020_2020, 0, 0)) {  // call-id
                        known = (7, .callID)
                    } else if Self.spells(at, avail, 4, (0x7165_7363, 0, 0), (0x2020_2020, 0, 0)) {  // cseq
                        known = (4, .cseq)
                    } else if Self.spells(at, avail, 7, (0x0074_6361_746E_6F63, 0, 0), (0x0020_2020_2020_2020, 0, 0)) {  // contact
                        known = (7, .other)
                    } else if Self.spells(at, avail, 14, (0x2D74_6E65_746E_6F63, 0x6874_676E_656C, 0), (0x0020_2020_2020_2020, 0x2020_2020_2020, 0)) {  // content-length
                        known = (14, .contentLength)
                    } else if Self.spells(at, avail, 12, (0x2D74_6E65_746E_6F63, 0x6570_7974, 0), (0x0020_2020_2020_2020, 0x2020_2020, 0)) {  // content-type
                        known = (12, .other)
                    }
                case 0x6D:
                    if Self.spells(at, avail, 12, (0x7772_6F66_2D78_616D, 0x7364_7261, 0), (0x2020_2020_0020_2020, 0x2020_2020, 0)) {  // max-forwards
                        known = (12, .other)
                    }
                case 0x75:
                    if Self.spells(at, avail, 10, (0x6567_612D_7265_7375, 0x746E, 0), (0x2020_2000_2020_2020, 0x2020, 0)) {  // user-agent
                        known = (10, .other)
                    }
                case 0x65:
                    if Self.spells(at, avail, 7, (0x0073_6572_6970_7865, 0, 0), (0x0020_2020_2020_2020, 0, 0)) {  // expires
                        known = (7, .other)
                    }
                case 0x69:
                    if Self.spells(at, avail, 8, (0x7974_6974_6E65_6469, 0, 0), (0x2020_2020_2020_2020, 0, 0)) {  // identity
                        known = (8, .identity)
                    }
                case 0x70:
                    if Self.spells(at, avail, 19, (0x7472_6573_7361_2D70, 0x746E_6564_692D_6465, 0x0079_7469), (0x2020_2020_2020_0020, 0x2020_2020_2000_2020, 0x0020_2020)) {  // p-asserted-identity
                        known = (19, .pai)
                    }
                case 0x72:
                    if Self.spells(at, avail, 5, (0x0065_7475_6F72, 0, 0), (0x0020_2020_2020, 0, 0)) {  // route
                        known = (5, .other)
                    } else if Self.spells(at, avail, 12, (0x722D_6472_6F63_6572, 0x6574_756F, 0), (0x2000_2020_2020_2020, 0x2020_2020, 0)) {  // record-route
                        known = (12, .other)
                    }
                case 0x61:
                    if Self.spells(at, avail, 5, (0x0077_6F6C_6C61, 0, 0), (0x0020_2020_2020, 0, 0)) {  // allow
                        known = (5, .other)
                    } else if Self.spells(at, avail, 6, (0x7470_6563_6361, 0, 0), (0x2020_2020_2020, 0, 0)) {  // accept
                        known = (6, .other)
                    }
                case 0x73:
                    if Self.spells(at, avail, 9, (0x6574_726F_7070_7573, 0x0064, 0), (0x2020_2020_2020_2020, 0x0020, 0)) {  // supported
                        known = (9, .other)
                    } else if Self.spells(at, avail, 15, (0x2D6E_6F69_7373_6573, 0x0073_6572_6970_7865, 0), (0x0020_2020_2020_2020, 0x0020_2020_2020_2020, 0)) {  // session-expires
                        known = (15, .other)
                    }
                default: break
                }
                // The name must end there (`Call-IDx` is another header).
                if known.length > 0, isToken(base[pos + known.length]) { known = (0, .other) }
            }
            var i = pos + known.length
            if known.length == 0 {
                while i < n, isToken(base[i]) { i += 1 }
                if i > pos { known.header = Self.header(p, pos, i) }
            }
            let nameEnd = i
            while i < n, base[i] == 0x20 || base[i] == 0x09 { i += 1 }
            guard i < n, base[i] == 0x3A, nameEnd > pos else { sure = false; break }
            let cr = Self.lineEnd(base, i, n)
            // The line ends in CRLF (a CR anywhere else is a bare CR), within the limit.
            guard cr + 1 < n, base[cr] == 0x0D, base[cr + 1] == 0x0A, cr - pos <= limits.maxLineLength else { sure = false; break }
            // The value, trimmed, only for the headers whose value is kept.
            @inline(__always) func value() -> Range<Int> {
                var vs = i + 1, ve = cr
                while vs < ve, base[vs] == 0x20 || base[vs] == 0x09 { vs += 1 }
                while ve > vs, base[ve - 1] == 0x20 || base[ve - 1] == 0x09 { ve -= 1 }
                return vs..<ve
            }
            switch known.header {
            case .callID where !seenCallID: seenCallID = true; callIDSpan = Span(value())
            case .from where !seenFrom: seenFrom = true; fromSpan = Span(value())
            case .to where !seenTo: seenTo = true; toSpan = Span(value())
            case .cseq where !seenCSeq: seenCSeq = true; cseqSpan = Span(value())
            case .contentLength where !seenLength:
                seenLength = true
                let v = value()
                declared = Self.number(base, v.lowerBound, v.upperBound)
                if declared < 0 { sure = false }
            case .identity: hasIdentity = true
            case .pai: hasPAI = true
            default: break
            }
            pos = cr + 2
        }
        if fields > limits.maxHeaderCount || headerEnd < 0 || declared > n - headerEnd { sure = false }
        certain = sure
    }

    /// Index of the next CR or LF at or after `from` (or `n`), eight bytes at a time.
    @inline(__always)
    static func lineEnd(_ base: UnsafePointer<UInt8>, _ from: Int, _ n: Int) -> Int {
        var i = from
        // Flags the bytes below 0x0E (exact for the lowest one): CR, LF, or a rarer control
        // byte such as HT, which is stepped over. One test per word instead of two, and two
        // words per round.
        @inline(__always) func low(_ w: UInt64) -> UInt64 { (w &- 0x0E0E_0E0E_0E0E_0E0E) & ~w & 0x8080_8080_8080_8080 }
        while i &+ 16 <= n {
            let m0 = low(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            let m1 = low(UnsafeRawPointer(base + (i &+ 8)).loadUnaligned(as: UInt64.self))
            if m0 | m1 != 0 {
                let k = i &+ (m0 != 0 ? m0.trailingZeroBitCount : 64 &+ m1.trailingZeroBitCount) / 8
                if base[k] == 0x0D || base[k] == 0x0A { return k }
                i = k &+ 1
                continue
            }
            i &+= 16
        }
        while i &+ 8 <= n {
            let m = low(UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
            if m != 0 {
                let k = i &+ m.trailingZeroBitCount / 8
                if base[k] == 0x0D || base[k] == 0x0A { return k }
                i = k &+ 1
                continue
            }
            i &+= 8
        }
        while i < n, base[i] != 0x0D, base[i] != 0x0A { i += 1 }
        return i
    }

    /// Whether the `avail` bytes at `at` (at least 8) start with the `length`-byte name whose
    /// lower-case bytes are the words `lower`: letters compare in either case (`fold` sets 0x20
    /// on them; only 'A' and 'a' become 'a'), every other byte exactly. Bytes past `length` are
    /// masked off; the second and third words are read only for names that long, and only
    /// when the bytes are there (otherwise no match).
    @inline(__always)
    static func spells(_ at: UnsafePointer<UInt8>, _ avail: Int, _ length: Int, _ lower: (UInt64, UInt64, UInt64),
                       _ fold: (UInt64, UInt64, UInt64)) -> Bool {
        @inline(__always) func mask(_ bytes: Int) -> UInt64 { bytes >= 8 ? ~0 : (1 << (8 * UInt64(bytes))) - 1 }
        @inline(__always) func word(_ k: Int) -> UInt64 { UnsafeRawPointer(at + 8 * k).loadUnaligned(as: UInt64.self) }
        guard (word(0) | fold.0) & mask(length) == lower.0 else { return false }
        if length <= 8 { return true }
        guard avail >= 16, (word(1) | fold.1) & mask(length - 8) == lower.1 else { return false }
        if length <= 16 { return true }
        return avail >= 24 && (word(2) | fold.2) & mask(length - 16) == lower.2
    }

    /// `SIP/2.0 NNN reason` as SIPCore's StartLine accepts it (version any case, code 100-699,
    /// no control characters but HT in the reason).
    static func statusLine(_ b: UnsafePointer<UInt8>, _ s: Int, _ e: Int, _ status: inout Int) -> Bool {
        guard e - s >= 11, b[s + 4] == 0x32, b[s + 5] == 0x2E, b[s + 6] == 0x30, b[s + 7] == 0x20 else { return false }
        let d0 = Int(b[s + 8]) - 0x30, d1 = Int(b[s + 9]) - 0x30, d2 = Int(b[s + 10]) - 0x30
        guard (0...9).contains(d0), (0...9).contains(d1), (0...9).contains(d2) else { return false }
        status = d0 * 100 + d1 * 10 + d2
        guard (100...699).contains(status) else { return false }
        var i = s + 11
        if i < e {
            guard b[i] == 0x20 else { return false }
            i += 1
        }
        while i < e { if b[i] < 0x20, b[i] != 0x09 { return false }; i += 1 }
        return true
    }

    /// `METHOD SP Request-URI SP SIP/2.0` as SIPCore's StartLine accepts it.
    static func requestLine(_ b: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Bool {
        guard e - s >= 11, b[e - 1] != 0x20, b[e - 1] != 0x09 else { return false }
        var i = s
        while i < e, isToken(b[i]) { i += 1 }
        guard i > s, i < e, b[i] == 0x20 else { return false }
        i += 1
        guard i < e, b[i] != 0x20, b[i] != 0x09, b[i] != 0x3C else { return false }
        let v = e - 7
        guard v - 1 > i, b[v - 1] == 0x20, b[v - 2] != 0x20, b[v - 2] != 0x09,
              b[v] | 0x20 == 0x73, b[v + 1] | 0x20 == 0x69, b[v + 2] | 0x20 == 0x70, b[v + 3] == 0x2F,
              b[v + 4] == 0x32, b[v + 5] == 0x2E, b[v + 6] == 0x30 else { return false }
        // The version follows the last SP, so the URI holds no SP; no HT either (LWS).
        var k = i
        let end = v &- 1
        while k &+ 8 <= end {
            // Bytes up to 0x20 are flagged (exact for the lowest); only SP and HT fail.
            let w = UnsafeRawPointer(b + k).loadUnaligned(as: UInt64.self)
            let m = (w &- 0x2121_2121_2121_2121) & ~w & 0x8080_8080_8080_8080
            if m != 0 {
                let at = k &+ m.trailingZeroBitCount / 8
                if b[at] == 0x20 || b[at] == 0x09 { return false }
                k = at &+ 1
                continue
            }
            k &+= 8
        }
        while k < end { if b[k] == 0x20 || b[k] == 0x09 { return false }; k &+= 1 }
        return true
    }

    /// A Content-Length value: decimal digits, at most Int32.max; -1 otherwise.
    static func number(_ b: UnsafePointer<UInt8>, _ s: Int, _ e: Int) -> Int {
        guard e > s, e - s <= 9 else { return -1 }
        var v = 0
        for k in s..<e {
            let d = Int(b[k]) - 0x30
            guard (0...9).contains(d) else { return -1 }
            v = v * 10 + d
        }
        return v
    }

    enum Header { case callID, from, to, cseq, identity, pai, contentLength, other }

    /// Header names the digest reads, full or compact, any case.
    static func header(_ p: UnsafeRawBufferPointer, _ s: Int, _ e: Int) -> Header {
        @inline(__always) func eq(_ lower: StaticString) -> Bool {
            let q = lower.utf8Start
            for k in 0..<(e - s) where p[s + k] | 0x20 != q[k] { return false }
            return true
        }
        let first = p[s] | 0x20
        switch e - s {
        case 1:
            switch first {
            case 0x69: return .callID  // i
            case 0x66: return .from  // f
            case 0x74: return .to  // t
            case 0x79: return .identity  // y
            case 0x6C: return .contentLength  // l
            default: return .other
            }
        case 2: return first == 0x74 && eq("to") ? .to : .other
        case 4: return first == 0x66 ? (eq("from") ? .from : .other) : first == 0x63 && eq("cseq") ? .cseq : .other
        case 7: return first == 0x63 && eq("call-id") ? .callID : .other
        case 8: return first == 0x69 && eq("identity") ? .identity : .other
        case 14: return first == 0x63 && eq("content-length") ? .contentLength : .other
        case 19: return first == 0x70 && eq("p-asserted-identity") ? .pai : .other
        default: return .other
        }
    }

    /// The `tag` parameter of a From/To value, by `DialogTracker.tag`'s rules.
    static func tag(_ p: UnsafeRawBufferPointer, _ s: Int, _ e: Int) -> Range<Int>? {
        var i = s
        var k = e
        while k > s { k -= 1; if p[k] == 0x3E { i = k; break } }  // after the last '>', if any
        while i + 4 < e {
            if p[i] == 0x3B {
                var j = i + 1
                while j < e, p[j] == 0x20 { j += 1 }
                if j + 3 < e, p[j] | 0x20 == 0x74, p[j + 1] | 0x20 == 0x61, p[j + 2] | 0x20 == 0x67 {
                    var v = j + 3
                    while v < e, p[v] == 0x20 { v += 1 }
                    if v < e, p[v] == 0x3D {
                        v += 1
                        while v < e, p[v] == 0x20 { v += 1 }
                        var t = v
                        while t < e, p[t] != 0x3B, p[t] != 0x20, p[t] != 0x2C { t += 1 }
                        return t > v ? v..<t : nil
                    }
                }
            }
            i += 1
        }
        return nil
    }

    /// The second whitespace-separated word (CSeq's method), as `cseqMethod` splits it.
    static func secondToken(_ p: UnsafeRawBufferPointer, _ s: Int, _ e: Int) -> Range<Int>? {
        var i = s
        @inline(__always) func ws(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
        while i < e, ws(p[i]) { i += 1 }
        guard i < e else { return nil }
        while i < e, !ws(p[i]) { i += 1 }
        while i < e, ws(p[i]) { i += 1 }
        guard i < e else { return nil }
        let start = i
        while i < e, !ws(p[i]) { i += 1 }
        return start..<i
    }

    @inline(__always) static func lf(_ p: UnsafeRawBufferPointer, _ from: Int, _ end: Int) -> Int? {
        find(0x0A, p, from, end)
    }

    /// memchr over `p[from..<end]`.
    @inline(__always) static func find(_ byte: UInt8, _ p: UnsafeRawBufferPointer, _ from: Int, _ end: Int) -> Int? {
        guard from < end, let base = p.baseAddress, let hit = memchr(base + from, Int32(byte), end - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}

/// RFC 3261 token characters (alphanumerics and -.!%*_+`'~), the same set as SIPCore's
/// ByteClass, as a 256-entry "1"/"0" StaticString literal: a constant in the binary, so one
/// load per byte (a global table would pay a lazy-initialisation check on every access).
@inline(__always) func isToken(_ b: UInt8) -> Bool {
    let table: StaticString = "0000000000000000000000000000000001000101001101101111111111000000011111111111111111111111111000011111111111111111111111111110001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    return table.utf8Start[Int(b)] == 0x31
}

/// A 64-bit hash of bytes (word-at-a-time multiply-xorshift with a murmur3 finaliser), for
/// keying Call-IDs and tags without building Strings. Dialog bookkeeping keys on this hash
/// and the length; two distinct Call-IDs colliding in 64 bits is far below any other error.
@inline(__always)
func byteHash(_ p: UnsafeRawBufferPointer, _ r: Range<Int>, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> UInt64 {
    guard let base = p.baseAddress else { return seed }
    var h = seed ^ (UInt64(r.count) &* 0xFF51_AFD7_ED55_8CCD)
    var i = r.lowerBound
    while i + 8 <= r.upperBound {
        let w = (base + i).loadUnaligned(as: UInt64.self)
        h = (h ^ w) &* 0x9FB2_1C65_1E98_DF25
        h ^= h >> 29
        i += 8
    }
    let tail = r.upperBound - i
    if tail > 0 {
        // The last 1-7 bytes as the low bytes of a word, read with one load where the buffer
        // allows: the word ending at the range's end, shifted down, or the word at its start,
        // masked. Same value as assembling them byte by byte (little-endian).
        var w: UInt64 = 0
        if r.count >= 8 {
            w = (base + (r.upperBound - 8)).loadUnaligned(as: UInt64.self) >> UInt64(8 * (8 - tail))
        } else if i + 8 <= p.count {
            w = (base + i).loadUnaligned(as: UInt64.self) & ((1 << UInt64(8 * tail)) - 1)
        } else {
            var shift: UInt64 = 0
            while i < r.upperBound { w |= UInt64(p[i]) << shift; shift += 8; i += 1 }
        }
        h = (h ^ w) &* 0x9FB2_1C65_1E98_DF25
        h ^= h >> 29
    }
    h ^= h >> 33
    h &*= 0xFF51_AFD7_ED55_8CCD
    h ^= h >> 33
    h &*= 0xC4CE_B9FE_1A85_EC53
    h ^= h >> 33
    return h
}

/// The same hash over a String's UTF-8 (the fallback path must key identically).
func byteHash(_ s: String) -> UInt64 {
    var s = s
    return s.withUTF8 { b in byteHash(UnsafeRawBufferPointer(b), 0..<b.count) }
}
