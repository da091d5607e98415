/// Reads one header value (or URI) from raw bytes. Folded line breaks count as whitespace,
/// which is what RFC 3261 LWS means inside a value. Offsets are absolute in `bytes`;
/// errors carry them relative to `base`.
struct ByteScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos: Int
    let end: Int
    let base: Int
    /// The array `bytes` points into (same indices), when there is one, so slices share it
    /// instead of copying.
    var owner: [UInt8]?
    let flags = ByteClass.flags

    init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        self.bytes = bytes
        self.pos = range.lowerBound
        self.end = range.upperBound
        self.base = range.lowerBound
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.init(bytes, 0..<bytes.count)
    }

    @inline(__always) var atEnd: Bool { pos >= end }
    @inline(__always) var peek: UInt8? { pos < end ? bytes[pos] : nil }

    func error(_ rule: String, at offset: Int? = nil) -> HeaderSyntaxError {
        HeaderSyntaxError(rule, at: (offset ?? pos) - base)
    }

    func string(_ r: Range<Int>) -> String { String(bytes, r) }

    /// The bytes in `r`, sharing the owning array when there is one.
    func slice(_ r: Range<Int>) -> ByteSpan {
        if let owner { return ByteSpan(owner, r) }
        return ByteSpan(Array(UnsafeBufferPointer(rebasing: bytes[r])))
    }

    /// A scanner over `text`'s UTF-8 bytes.
    static func over<R, E: Error>(_ text: String, _ body: (inout ByteScanner) throws(E) -> R) throws(E) -> R {
        try text.withBytes { (b) throws(E) -> R in
            var s = ByteScanner(b)
            return try body(&s)
        }
    }

    /// Advances past bytes matching `pred`; returns the range skipped. Loops run on a local
    /// index: a read through `bytes` could alias `self.pos`, so a loop on `pos` itself
    /// would store and reload it for every byte.
    @inline(__always) @discardableResult
    mutating func skip(while pred: (UInt8) -> Bool) -> Range<Int> {
        let b = bytes, e = end, start = pos
        var i = start
        while i < e, pred(b[i]) { i += 1 }
        pos = i
        return start..<i
    }

    /// The index of the first byte at or after `from` (before `limit`) matching `pred`, else `limit`.
    @inline(__always)
    func firstIndex(from: Int, to limit: Int, where pred: (UInt8) -> Bool) -> Int {
        let b = bytes
        var i = from
        while i < limit, !pred(b[i]) { i += 1 }
        return i
    }

    @inline(__always) mutating func skipLWS() {
        skip(while: ByteClass.isLWS)
    }

    @inline(__always) mutating func consume(_ b: UInt8) -> Bool {
        if pos < end, bytes[pos] == b { pos += 1; return true }
        return false
    }

    /// Skips LWS, consumes `b` and any LWS after it (RFC 3261 SWS around separators).
    mutating func consumeSeparator(_ b: UInt8) -> Bool {
        let save = pos
        skipLWS()
        if consume(b) { skipLWS(); return true }
        pos = save
        return false
    }

    mutating func expect(_ b: UInt8, _ what: @autoclosure () -> String) throws(HeaderSyntaxError) {
        guard consume(b) else { throw error("expected \(what())") }
    }

    mutating func token() -> Range<Int>? {
        let f = flags
        let r = skip { f[Int($0)] & ByteClass.tokenFlag != 0 }
        return r.isEmpty ? nil : r
    }

    mutating func requireToken(_ what: @autoclosure () -> String) throws(HeaderSyntaxError) -> Range<Int> {
        guard let t = token() else {
            if let b = peek { throw error("expected \(what()), found '\(Self.printable(b))'") }
            throw error("expected \(what()), found end of value")
        }
        return t
    }

    mutating func digits() -> Range<Int>? {
        let r = skip(while: ByteClass.isDigit)
        return r.isEmpty ? nil : r
    }

    /// A quoted-string including its quotes; backslash escapes any byte but CR/LF.
    mutating func quotedString(_ what: @autoclosure () -> String = "quoted string") throws(HeaderSyntaxError) -> Range<Int> {
        let start = pos
        guard consume(ASCII.quote) else { throw error("expected \(what())") }
        let close = closingQuote(bytes, from: pos, to: end)
        guard close < end else {
            pos = end
            throw error("unterminated \(what())", at: start)
        }
        pos = close + 1
        return start..<pos
    }

    /// Parses an unsigned decimal, failing if it exceeds `max`.
    mutating func number(_ what: @autoclosure () -> String, max: UInt64) throws(HeaderSyntaxError) -> UInt64 {
        let start = pos
        guard let r = digits() else { throw error("expected \(what()) (digits)") }
        var v: UInt64 = 0
        for i in r {
            let (m, o1) = v.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(UInt64(bytes[i] &- 0x30))
            if o1 || o2 || a > max { throw error("\(what()) out of range (at most \(max))", at: start) }
            v = a
        }
        return v
    }

    static func printable(_ b: UInt8) -> String {
        (0x21...0x7E).contains(b) ? String(UnicodeScalar(b)) : String(format: "\\x%02X", b)
    }
}

import Foundation

/// Unquotes a quoted-string (removing the quotes and backslash escapes).
func unquote(_ bytes: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
    guard r.count >= 2, bytes[r.lowerBound] == ASCII.quote else { return String(bytes, r) }
    let inner = r.lowerBound + 1..<r.upperBound - 1
    if MessageParser.find(ASCII.backslash, bytes, inner.lowerBound, inner.upperBound) == nil { return String(bytes, inner) }
    var out = [UInt8]()
    out.reserveCapacity(r.count)
    var i = r.lowerBound + 1
    let end = r.upperBound - 1
    while i < end {
        if bytes[i] == ASCII.backslash, i + 1 < end { i += 1 }
        out.append(bytes[i])
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

/// Quotes `s` as a quoted-string, escaping `"` and `\`.
public func quoteString(_ s: String) -> String {
    var out = "\""
    for c in s.unicodeScalars {
        if c == "\"" || c == "\\" { out.unicodeScalars.append("\\") }
        out.unicodeScalars.append(c)
    }
    out += "\""
    return out
}

/// True if `s` is a non-empty RFC 3261 token.
public func isToken(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.allSatisfy(ByteClass.isToken)
}

