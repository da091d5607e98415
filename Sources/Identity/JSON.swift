#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A JSON value that keeps what PASSporT verification needs and Foundation loses:
/// integer vs. fraction (`iat` must be an integer) and member order (to show what was received).
/// Equality is structural and order-sensitive; compare `canonicalString` for order-free equality.
public enum JSONValue: Hashable, Sendable {
    case object([JSONMember])
    case array([JSONValue])
    case string(String)
    case integer(Int64)
    case double(Double)
    case bool(Bool)
    case null

    /// The member named `key` (objects only).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    public var stringValue: String? { if case .string(let s) = self { s } else { nil } }
    public var integerValue: Int64? { if case .integer(let i) = self { i } else { nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { a } else { nil } }
    public var objectMembers: [JSONMember]? { if case .object(let m) = self { m } else { nil } }

    /// What kind of value this is, for error messages.
    public var kind: JSONKind {
        switch self {
        case .object: .object
        case .array: .array
        case .string: .string
        case .integer: .integer
        case .double: .number
        case .bool: .bool
        case .null: .null
        }
    }

    /// Build an object from (key, value) pairs, keeping their order.
    public static func object(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { JSONMember($0.key, $0.value) })
    }
}

public struct JSONMember: Hashable, Sendable {
    public var key: String
    public var value: JSONValue
    public init(_ key: String, _ value: JSONValue) {
        self.key = key
        self.value = value
    }
}

public enum JSONKind: String, Hashable, Sendable, CustomStringConvertible {
    case object, array, string, integer, number, bool, null
    public var description: String {
        switch self {
        case .integer: "integer"
        case .number: "non-integer number"
        default: rawValue
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
}

// MARK: - Canonical serialisation (RFC 8225 §9)

extension JSONValue {
    /// RFC 8225 §9: members sorted by key, no whitespace, UTF-8, '/' not escaped, minimal escapes.
    /// Keys sort by UTF-8 byte order (= Unicode code point order). RFC 8785 sorts by UTF-16 code
    /// units; the two differ only for keys mixing astral characters with U+E000...U+FFFF, which no
    /// PASSporT claim has. Doubles use Swift's shortest round-trip form (PASSporTs carry none);
    /// NaN and infinity, which JSON cannot express, become `null`.
    public var canonicalBytes: [UInt8] {
        var out: [UInt8] = []
        Self.writeCanonical(self, into: &out)
        return out
    }

    public var canonicalString: String { String(decoding: canonicalBytes, as: UTF8.self) }

    static func writeCanonical(_ v: JSONValue, into out: inout [UInt8]) {
        switch v {
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            // Reports build their objects in key order already: sorting (and the array it
            // allocates) is only needed when they are not.
            if Self.inKeyOrder(members) {
                for i in members.indices { writeMember(members[i], first: i == 0, into: &out) }
            } else {
                for (i, m) in members.sorted(by: { Self.keyPrecedes($0.key, $1.key) }).enumerated() {
                    writeMember(m, first: i == 0, into: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for i in items.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeCanonical(items[i], into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .string(let s): writeString(s, into: &out)
        case .integer(let i): writeInteger(i, into: &out)
        case .double(let d): out.append(contentsOf: (d.isFinite ? "\(d)" : "null").utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        }
    }

    @inline(__always)
    private static func writeMember(_ m: JSONMember, first: Bool, into out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        writeString(m.key, into: &out)
        out.append(UInt8(ascii: ":"))
        writeCanonical(m.value, into: &out)
    }

    /// UTF-8 byte order (= code point order), compared in place (no copy of either String,
    /// which `withUTF8` would need).
    static func keyPrecedes(_ a: String, _ b: String) -> Bool {
        let inPlace = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let n = min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
        return (inPlace ?? nil) ?? a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    private static func inKeyOrder(_ members: [JSONMember]) -> Bool {
        var i = 1
        while i < members.count {
            if !keyPrecedes(members[i - 1].key, members[i].key) { return false }
            i += 1
        }
        return true
    }

    /// Decimal digits straight into `out` (no String per value).
    static func writeInteger(_ v: Int64, into out: inout [UInt8]) {
        if v < 0 { out.append(UInt8(ascii: "-")) }
        var m = v.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var n = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[23 - n] = UInt8(truncatingIfNeeded: m % 10) &+ 0x30
                m /= 10
                n += 1
            } while m > 0
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[(24 - n)...]))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Scanned in place, eight bytes at a time; when no byte needs an escape (the usual
        // case) the string is copied whole.
        let plain = s.utf8.withContiguousStorageIfAvailable { b in
            guard let p = b.baseAddress, !Self.needsEscape(p, b.count) else { return b.isEmpty }
            out.append(contentsOf: b)
            return true
        }
        if plain != true { writeEscaped(s, into: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// Whether any byte is a control character, '"' or '\\'.
    @inline(__always)
    private static func needsEscape(_ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        plainRun(UnsafeBufferPointer(start: p, count: n), from: 0).end < n
    }

    /// From `start`, the index of the first control character, '"' or '\\' (`p.count` when
    /// there is none), and whether every byte before it is ASCII: a string's content up to its
    /// end or first escape, or what a writer must escape. Eight bytes at a time, then byte by byte.
    @inline(__always)
    static func plainRun(_ p: UnsafeBufferPointer<UInt8>, from start: Int) -> (end: Int, ascii: Bool) {
        // Per word: bytes below 0x20 (any flag means at least one is there), and bytes equal to
        // '"' or '\\' (zero after the XOR). A word with a flag is left to the byte loop.
        @inline(__always) func below(_ w: UInt64, _ k: UInt64) -> UInt64 { (w &- k &* 0x0101_0101_0101_0101) & ~w & 0x8080_8080_8080_8080 }
        var i = start
        var high: UInt64 = 0
        if let base = p.baseAddress {
            while i &+ 8 <= p.count {
                let w = UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
                if below(w, 0x20) | below(w ^ 0x2222_2222_2222_2222, 1) | below(w ^ 0x5C5C_5C5C_5C5C_5C5C, 1) != 0 { break }
                high |= w
                i &+= 8
            }
        }
        var highByte: UInt8 = 0
        while i < p.count {
            let c = p[i]
            if c < 0x20 || c == 0x22 || c == 0x5C { break }
            highByte |= c
            i &+= 1
        }
        return (i, high & 0x8080_8080_8080_8080 == 0 && highByte < 0x80)
    }

    private static func writeEscaped(_ s: String, into out: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"  // a constant: nothing allocated per string
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
            case 0x0C: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0x00..<0x20: out += Array("\\u00".utf8) + [hex.utf8Start[Int(b >> 4)], hex.utf8Start[Int(b & 15)]]
            default: out.append(b)
            }
        }
    }
}

// MARK: - Strict parser

/// Why JSON text was rejected, and at which byte.
public struct JSONError: Error, Hashable, Sendable, CustomStringConvertible {
    public var offset: Int
    public var message: String
    public var description: String { "\(message) at byte \(offset)" }
}

/// Resource limits: PASSporTs are small, so anything large or deep is hostile.
public struct JSONLimits: Hashable, Sendable {
    public var maxBytes: Int
    public var maxDepth: Int
    public init(maxBytes: Int = 64 * 1024, maxDepth: Int = 64) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
    }
    public static let `default` = JSONLimits()
}

extension JSONValue {
    /// RFC 8259 JSON, strictly: one value, no trailing bytes, no duplicate keys, valid UTF-8,
    /// no lone surrogates, integers that fit Int64, finite numbers.
    public static func parse(_ bytes: some Collection<UInt8>, limits: JSONLimits = .default) throws(JSONError) -> JSONValue {
        guard bytes.count <= limits.maxBytes else {
            throw JSONError(offset: limits.maxBytes, message: "JSON text of \(bytes.count) bytes exceeds the \(limits.maxBytes)-byte limit")
        }
        var p = JSONParser(bytes: Array(bytes), limits: limits)
        p.skipWhitespace()
        let v = try p.value(depth: 0)
        p.skipWhitespace()
        guard p.pos == p.bytes.count else { throw p.error("trailing data after the JSON value") }
        return v
    }

    public static func parse(_ text: String, limits: JSONLimits = .default) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), limits: limits)
    }
}

struct JSONParser {
    let bytes: [UInt8]
    let limits: JSONLimits
    var pos = 0

    init(bytes: [UInt8], limits: JSONLimits) {
        self.bytes = bytes
        self.limits = limits
    }

    var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    func error(_ message: String) -> JSONError { JSONError(offset: pos, message: message) }

    mutating func skipWhitespace() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { pos += 1 }
    }

    mutating func expect(_ c: UInt8, _ what: String) throws(JSONError) {
        guard peek == c else { throw error("expected \(what)") }
        pos += 1
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard let b = peek else { throw error("unexpected end of JSON text") }
        switch b {
        case UInt8(ascii: "{"): return try object(depth: depth + 1)
        case UInt8(ascii: "["): return try array(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default:
            let shown = (0x21...0x7E).contains(b) ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x" + String(b, radix: 16)
            throw error("unexpected \(shown) where a JSON value was expected")
        }
    }

    mutating func literal(_ word: String) throws(JSONError) {
        let w = Array(word.utf8)
        guard pos + w.count <= bytes.count, Array(bytes[pos..<pos + w.count]) == w else {
            throw error("invalid literal (expected \(word))")
        }
        pos += w.count
    }

    mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= limits.maxDepth else { throw error("nesting deeper than \(limits.maxDepth)") }
        pos += 1
        var seen = Set<String>()
        skipWhitespace()
        if peek == UInt8(ascii: "}") { pos += 1; return .object([]) }
        // Room for a PASSporT's claims at once, rather than growing by doubling.
        var members: [JSONMember] = []
        members.reserveCapacity(8)
        while true {
            skipWhitespace()
            let keyAt = pos
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            // Small objects (every PASSporT's) scan their members; a Set pays off only for big ones.
            let duplicate = members.count < 16 ? members.contains { $0.key == key } : !seen.insert(key).inserted
            if members.count == 15 { seen = Set(members.map(\.key) + [key]) }
            guard !duplicate else {
                throw JSONError(offset: keyAt, message: "duplicate key \"\(key)\"")
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            skipWhitespace()
            members.append(JSONMember(key, try value(depth: depth)))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { pos += 1; continue }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            return .object(members)
        }
    }

    mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= limits.maxDepth else { throw error("nesting deeper than \(limits.maxDepth)") }
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if peek == UInt8(ascii: "]") { pos += 1; return .array([]) }
        while true {
            skipWhitespace()
            items.append(try value(depth: depth))
            skipWhitespace()
            if peek == UInt8(ascii: ",") { pos += 1; continue }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            return .array(items)
        }
    }

    mutating func hex4() throws(JSONError) -> UInt16 {
        guard pos + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt16 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | UInt16(d)
            pos += 1
        }
        return v
    }

    mutating func string() throws(JSONError) -> String {
        let start = pos
        pos += 1
        // Fast path: no escape before the closing quote, so the bytes are the string.
        let (end, ascii) = bytes.withUnsafeBufferPointer { JSONValue.plainRun($0, from: pos) }
        if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
            let slice = bytes[pos..<end]
            // ASCII needs no validation (and every PASSporT key and most values are ASCII).
            if ascii {
                pos = end + 1
                return String(decoding: slice, as: UTF8.self)
            }
            guard let s = String(validating: slice, as: UTF8.self) else {
                throw JSONError(offset: start, message: "string is not valid UTF-8")
            }
            pos = end + 1
            return s
        }
        var out: [UInt8] = Array(bytes[pos..<end])
        pos = end
        while true {
            guard let b = peek else { throw JSONError(offset: start, message: "unterminated string") }
            switch b {
            case UInt8(ascii: "\""):
                pos += 1
                return try utf8String(out, at: start)
            case UInt8(ascii: "\\"):
                pos += 1
                guard let e = peek else { throw error("unterminated escape") }
                pos += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    let escAt = pos - 2
                    let u = try hex4()
                    var scalarValue = UInt32(u)
                    if (0xD800..<0xDC00).contains(u) {
                        guard pos + 6 <= bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") else {
                            throw JSONError(offset: escAt, message: "lone high surrogate in \\u escape")
                        }
                        pos += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw JSONError(offset: escAt, message: "high surrogate not followed by a low surrogate")
                        }
                        scalarValue = 0x10000 + (UInt32(u - 0xD800) << 10) + UInt32(low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(u) {
                        throw JSONError(offset: escAt, message: "lone low surrogate in \\u escape")
                    }
                    guard let scalar = Unicode.Scalar(scalarValue) else {
                        throw JSONError(offset: escAt, message: "invalid \\u escape")
                    }
                    out += Array(String(Character(scalar)).utf8)
                default:
                    throw JSONError(offset: pos - 2, message: "invalid escape sequence")
                }
            case 0x00..<0x20:
                throw error("unescaped control character 0x" + String(b, radix: 16) + " in string")
            default:
                out.append(b)
                pos += 1
            }
        }
    }

    func utf8String(_ bytes: [UInt8], at offset: Int) throws(JSONError) -> String {
        // Strict: String(decoding:) would silently substitute U+FFFD.
        guard let s = String(validating: bytes, as: UTF8.self) else {
            throw JSONError(offset: offset, message: "string is not valid UTF-8")
        }
        return s
    }

    mutating func number() throws(JSONError) -> JSONValue {
        let start = pos
        var isInteger = true
        if peek == UInt8(ascii: "-") { pos += 1 }
        guard let first = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw error("expected a digit")
        }
        if first == UInt8(ascii: "0") {
            pos += 1
            if let b = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) { throw error("leading zero in number") }
        } else {
            while let b = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) { pos += 1 }
        }
        if peek == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard let b = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { throw error("expected a digit after '.'") }
            while let b = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) { pos += 1 }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { pos += 1 }
            guard let b = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) else { throw error("expected a digit in exponent") }
            while let b = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) { pos += 1 }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if isInteger {
            guard let i = Int64(text) else { throw JSONError(offset: start, message: "integer \(text) out of 64-bit range") }
            return .integer(i)
        }
        guard let d = Double(text), d.isFinite else { throw JSONError(offset: start, message: "number \(text) out of range") }
        return .double(d)
    }
}

// MARK: - JSON Pointer (RFC 6901)

/// A parsed RFC 6901 JSON Pointer: "" is the whole document, "/a~1b/0" is ["a/b", "0"].
public struct JSONPointer: Hashable, Sendable, CustomStringConvertible {
    public var tokens: [String]
    public init(tokens: [String]) { self.tokens = tokens }

    public init?(_ text: String) {
        if text.isEmpty { tokens = []; return }
        guard text.hasPrefix("/") else { return nil }
        var result: [String] = []
        for raw in text.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            var token = ""
            var i = raw.startIndex
            while i < raw.endIndex {
                let c = raw[i]
                if c == "~" {
                    let next = raw.index(after: i)
                    guard next < raw.endIndex else { return nil }
                    switch raw[next] {
                    case "0": token.append("~")
                    case "1": token.append("/")
                    default: return nil
                    }
                    i = raw.index(after: next)
                } else {
                    token.append(c)
                    i = raw.index(after: i)
                }
            }
            result.append(token)
        }
        tokens = result
    }

    public var description: String {
        tokens.map { token in
            "/" + token.map { $0 == "~" ? "~0" : $0 == "/" ? "~1" : String($0) }.joined()
        }.joined()
    }

    /// The value this pointer names in `document`, or nil when it names nothing.
    public func resolve(in document: JSONValue) -> JSONValue? {
        Self.resolve(tokens[...], in: document)
    }

    static func resolve(_ tokens: ArraySlice<String>, in document: JSONValue) -> JSONValue? {
        var current = document
        for t in tokens {
            switch current {
            case .object:
                guard let next = current[t] else { return nil }
                current = next
            case .array(let items):
                // RFC 6901 §4: array index is "0" or digits without a leading zero.
                guard !t.isEmpty, t.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
                      t == "0" || !t.hasPrefix("0"), let i = Int(t), i < items.count
                else { return nil }
                current = items[i]
            default:
                return nil
            }
        }
        return current
    }
}
