/// The parsed shape of a Request-Line or Status-Line, as ranges into the message bytes.
struct StartLine: Sendable {
    var isRequest: Bool
    // 32-bit offsets (`Range32`), as it is part of every message.
    @Range32 var method: Range<Int> = 0..<0
    @Range32 var uri: Range<Int> = 0..<0
    @Range32 var version: Range<Int> = 0..<0
    @Int32Stored var status: Int = 0
    @Range32 var reason: Range<Int> = 0..<0

    /// Parses `line` (without its terminator) strictly per RFC 3261 §7.1/§7.2.
    static func parse(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) throws(RawError) -> StartLine {
        let s = line.lowerBound, e = line.upperBound
        guard e > s else { throw RawError("empty start line", s) }
        if isStatusLine(p, line) { return try status(p, line) }
        if ByteClass.isSpace(p[e - 1]) {
            throw RawError("trailing whitespace after the SIP version in the Request-Line", e - 1)
        }

        var i = s
        while i < e, ByteClass.isToken(p[i]) { i += 1 }
        guard i > s else { throw RawError("Request-Line does not start with a method token", s) }
        guard i < e else { throw RawError("Request-Line has no Request-URI and SIP version", e) }
        guard p[i] == ASCII.sp else {
            if i < e, p[i] == ASCII.tab { throw RawError("Request-Line elements must be separated by a single SP", i) }
            throw RawError("method is not a token (found '\(ByteScanner.printable(p[i]))')", i)
        }
        var out = StartLine(isRequest: true)
        out.method = s..<i
        i += 1
        if i < e, ByteClass.isSpace(p[i]) { throw RawError("more than one SP between Request-Line elements", i) }
        // The version is after the last SP; anything between is the Request-URI.
        var lastSP = e - 1
        while lastSP > i, p[lastSP] != ASCII.sp { lastSP -= 1 }
        guard lastSP > i else { throw RawError("Request-Line has no SIP version", e) }
        if ByteClass.isSpace(p[lastSP - 1]) { throw RawError("more than one SP between Request-Line elements", lastSP - 1) }
        out.uri = i..<lastSP
        out.version = lastSP + 1..<e
        try checkVersion(p, out.version)
        if p[i] == ASCII.lt { throw RawError("Request-URI enclosed in <>", i) }
        for k in out.uri where ByteClass.isLWS(p[k]) {
            throw RawError("LWS inside Request-URI", k)
        }
        return out
    }

    static func isStatusLine(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) -> Bool {
        let s = line.lowerBound
        guard line.count >= 4 else { return false }
        return ByteClass.lower(p[s]) == 0x73 && ByteClass.lower(p[s + 1]) == 0x69 && ByteClass.lower(p[s + 2]) == 0x70
            && p[s + 3] == ASCII.slash
    }

    private static func status(_ p: UnsafeBufferPointer<UInt8>, _ line: Range<Int>) throws(RawError) -> StartLine {
        let s = line.lowerBound, e = line.upperBound
        var i = s
        while i < e, p[i] != ASCII.sp { i += 1 }
        var out = StartLine(isRequest: false)
        out.version = s..<i
        try checkVersion(p, out.version)
        guard i < e else { throw RawError("Status-Line has no status code", e) }
        i += 1
        let codeStart = i
        while i < e, ByteClass.isDigit(p[i]) { i += 1 }
        let digits = codeStart..<i
        guard !digits.isEmpty else { throw RawError("Status-Line status code is not a number", codeStart) }
        guard digits.count == 3 else {
            throw RawError("status code \(String(p, digits)) out of range (must be three digits, 100-699)", codeStart)
        }
        var code = 0
        for k in digits { code = code * 10 + Int(p[k] - 0x30) }
        guard (100...699).contains(code) else {
            throw RawError("status code \(code) out of range (must be 100-699)", codeStart)
        }
        out.status = code
        if i < e {
            guard p[i] == ASCII.sp else { throw RawError("status code must be followed by SP", i) }
            i += 1
        }
        out.reason = i..<e
        for k in out.reason where p[k] < 0x20 && p[k] != ASCII.tab {
            throw RawError("control character in reason phrase", k)
        }
        return out
    }

    private static func checkVersion(_ p: UnsafeBufferPointer<UInt8>, _ v: Range<Int>) throws(RawError) {
        if v.count == 7 {
            let s = v.lowerBound
            if ByteClass.lower(p[s]) == 0x73, ByteClass.lower(p[s + 1]) == 0x69, ByteClass.lower(p[s + 2]) == 0x70,
               p[s + 3] == ASCII.slash, p[s + 4] == 0x32, p[s + 5] == ASCII.dot, p[s + 6] == 0x30 { return }
        }
        let text = String(p, v)
        let parts = text.split(separator: "/", maxSplits: 1)
        if parts.count == 2, parts[0].uppercased() == "SIP",
           parts[1].split(separator: ".").count == 2,
           parts[1].allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            throw RawError("unsupported SIP version \(text) (505 Version Not Supported)", v.lowerBound)
        }
        throw RawError("malformed SIP version '\(text)'", v.lowerBound)
    }
}

/// A parse failure before it is given its line number.
struct RawError: Error {
    var rule: String
    var offset: Int
    var header: String?

    init(_ rule: String, _ offset: Int, header: String? = nil) {
        self.rule = rule
        self.offset = offset
        self.header = header
    }

    func located(in p: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> SIPParseError {
        var line = 1
        var i = start
        let end = min(offset, p.count)
        while i < end { if p[i] == ASCII.lf { line += 1 }; i += 1 }
        return SIPParseError(rule: rule, offset: offset - start, line: line, header: header)
    }
}
