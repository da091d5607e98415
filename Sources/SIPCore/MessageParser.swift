#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Builds the header index of one message. This is the lazy path: the start line is
/// checked, fields are located and named, and Content-Length frames the body; values are
/// not decoded.
enum MessageParser {
    static func parse(_ bytes: [UInt8], limits: ParseLimits, stream: Bool) throws(SIPParseError) -> SIPMessage {
        let result: Result<SIPMessage, SIPParseError> = bytes.withUnsafeBufferPointer { p in
            do throws(RawError) {
                return .success(try index(bytes, p, limits: limits, stream: stream))
            } catch {
                return .failure(error.located(in: p))
            }
        }
        return try result.get()
    }

    /// The Content-Length declared by a complete header section (`bytes` is the start line
    /// through the empty line), read by the same field rules as `parse`: stream framing
    /// and datagram parsing must never disagree on where a body ends. nil when absent.
    static func declaredContentLength(_ bytes: [UInt8], limits: ParseLimits) throws(SIPParseError) -> Int? {
        let result: Result<Int?, SIPParseError> = bytes.withUnsafeBufferPointer { p in
            do throws(RawError) {
                var declared: Int?
                _ = try index(bytes, p, limits: limits, stream: true, declared: &declared)
                return .success(declared)
            } catch {
                return .failure(error.located(in: p))
            }
        }
        return try result.get()
    }

    /// The start line alone, for reporting what a rejected message was: nil when even the
    /// first line does not parse.
    static func sniffStartLine(_ bytes: [UInt8]) -> (isRequest: Bool, method: String?, uri: String?, status: Int?)? {
        bytes.withUnsafeBufferPointer { p in
            var s = 0
            while s < p.count, p[s] == ASCII.cr || p[s] == ASCII.lf { s += 1 }
            var e = nextLF(p, s, min(p.count, s + 8 * 1024)) ?? p.count
            if e > s, p[e - 1] == ASCII.cr { e -= 1 }
            guard e > s, let line = try? StartLine.parse(p, s..<e) else { return nil }
            return line.isRequest ? (true, String(p, line.method), String(p, line.uri), nil) : (false, nil, nil, line.status)
        }
    }

    /// Finds the next LF at or after `from`, or nil.
    @inline(__always)
    static func nextLF(_ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        find(ASCII.lf, p, from, end)
    }

    /// Index of the first `byte` in `p[from..<end]` (memchr), or nil.
    @inline(__always)
    static func find(_ byte: UInt8, _ p: UnsafeBufferPointer<UInt8>, _ from: Int, _ end: Int) -> Int? {
        guard from < end, let base = p.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), end - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    private static func index(_ bytes: [UInt8], _ p: UnsafeBufferPointer<UInt8>, limits: ParseLimits,
                              stream: Bool) throws(RawError) -> SIPMessage {
        var unused: Int?
        return try index(bytes, p, limits: limits, stream: stream, declared: &unused, headersOnly: false)
    }

    /// With `headersOnly`, `bytes` ends at the empty line: the declared Content-Length is
    /// reported in `declared` instead of being checked against the bytes present.
    private static func index(_ bytes: [UInt8], _ p: UnsafeBufferPointer<UInt8>, limits: ParseLimits, stream: Bool,
                              declared: inout Int?, headersOnly: Bool = true) throws(RawError) -> SIPMessage {
        let n = p.count
        if n > limits.maxMessageSize {
            throw RawError("message of \(n) bytes exceeds the \(limits.maxMessageSize)-byte limit", limits.maxMessageSize)
        }
        var notes: [String] = []
        let flags = ByteClass.flags
        var pos = 0
        // RFC 3261 §7.5: CRLFs before the start line are ignored.
        while pos < n, p[pos] == ASCII.cr || p[pos] == ASCII.lf { pos += 1 }
        let messageStart = pos
        guard pos < n else { throw RawError("empty message", 0) }

        guard let slEnd = nextLF(p, pos, min(n, pos + limits.maxLineLength + 2)) else {
            if n - pos > limits.maxLineLength { throw RawError("start line longer than \(limits.maxLineLength) bytes", pos) }
            throw RawError("start line is not terminated by CRLF", n)
        }
        var slContentEnd = slEnd
        if slContentEnd > pos, p[slContentEnd - 1] == ASCII.cr { slContentEnd -= 1 } else { notes.append("bare LF line ending") }
        if slContentEnd - pos > limits.maxLineLength { throw RawError("start line longer than \(limits.maxLineLength) bytes", pos) }
        let startLineText = pos..<slContentEnd
        let startLineFull = pos..<slEnd + 1
        let startLine = try StartLine.parse(p, startLineText)
        pos = slEnd + 1

        var fields: [SIPMessage.Field] = []
        fields.reserveCapacity(24)
        var separator = 0..<0
        var contentLengthField = -1
        var headerEnd = -1

        while pos < n {
            let lineStart = pos
            let b0 = p[pos]
            if b0 == ASCII.cr || b0 == ASCII.lf {
                // The empty line that ends the header section.
                if b0 == ASCII.cr {
                    guard pos + 1 < n, p[pos + 1] == ASCII.lf else { throw RawError("CR not followed by LF", pos) }
                    separator = pos..<pos + 2
                } else {
                    separator = pos..<pos + 1
                }
                headerEnd = separator.upperBound
                break
            }
            if ByteClass.isSpace(b0) { throw RawError("line folding without a preceding header field", pos) }
            if fields.count >= limits.maxHeaderCount {
                throw RawError("more than \(limits.maxHeaderCount) header fields", pos)
            }
            // name: up to the colon, checked without a branch per byte
            var name = pos..<pos
            var i = pos
            let scanLimit = min(n, pos + limits.maxLineLength + 2)
            if let colon = find(ASCII.colon, p, pos, scanLimit) {
                var ne = colon
                while ne > pos, ByteClass.isSpace(p[ne - 1]) { ne -= 1 }
                var ok = ByteClass.tokenFlag
                for k in pos..<ne { ok &= flags[Int(p[k])] }
                if ne > pos, ok != 0 {
                    name = pos..<ne
                    i = colon + 1
                }
            }
            if name.isEmpty { (name, i) = try headerName(p, pos, n) }
            // physical lines of this field, with folded continuations
            var lineEnd: Int   // index after the terminator
            var contentEnd: Int
            var lineFrom = lineStart
            while true {
                let scanLimit = min(n, lineFrom + limits.maxLineLength + 2)
                guard let lf = nextLF(p, max(i, lineFrom), scanLimit) else {
                    if n - lineFrom > limits.maxLineLength {
                        throw RawError("header line longer than \(limits.maxLineLength) bytes", lineFrom)
                    }
                    guard !stream else { throw RawError("header section is not terminated by an empty line", n) }
                    // Datagram that stops right after the last field: accept it, note it.
                    notes.append("header section ends without an empty line")
                    lineEnd = n
                    contentEnd = p[n - 1] == ASCII.cr ? n - 1 : n
                    if let cr = find(ASCII.cr, p, lineFrom, contentEnd) {
                        throw RawError("bare CR inside a header line", cr)
                    }
                    break
                }
                contentEnd = lf > lineFrom && p[lf - 1] == ASCII.cr ? lf - 1 : lf
                if contentEnd == lf, !notes.contains("bare LF line ending") { notes.append("bare LF line ending") }
                if contentEnd - lineFrom > limits.maxLineLength {
                    throw RawError("header line longer than \(limits.maxLineLength) bytes", lineFrom)
                }
                if let cr = find(ASCII.cr, p, lineFrom, contentEnd) {
                    throw RawError("bare CR inside a header line", cr)
                }
                lineEnd = lf + 1
                if lineEnd < n, ByteClass.isSpace(p[lineEnd]) {
                    lineFrom = lineEnd
                    continue
                }
                break
            }
            var vs = i, ve = contentEnd
            while vs < ve, ByteClass.isLWS(p[vs]) { vs += 1 }
            while ve > vs, ByteClass.isLWS(p[ve - 1]) { ve -= 1 }
            let header = KnownHeader.lookup(p, name)
            if header == .contentLength {
                if contentLengthField < 0 { contentLengthField = fields.count }
            }
            fields.append(SIPMessage.Field(header: header, line: lineStart..<lineEnd, name: name, value: vs..<ve, readsBack: true))
            pos = lineEnd
        }
        if headerEnd < 0 {
            guard !stream else { throw RawError("header section is not terminated by an empty line", n) }
            if !notes.contains("header section ends without an empty line") {
                notes.append("header section ends without an empty line")
            }
            headerEnd = n
            separator = n..<n
        }

        var body = headerEnd..<n
        var trailing = 0
        if contentLengthField >= 0 {
            let f = fields[contentLengthField]
            let length = try contentLength(p, f.value)
            declared = length
            let available = n - headerEnd
            if headersOnly {
                body = headerEnd..<headerEnd
            } else if length > available {
                throw RawError("Content-Length larger than the message (\(length) declared, \(available) present)",
                               f.value.lowerBound, header: "Content-Length")
            } else {
                body = headerEnd..<headerEnd + length
                trailing = available - length
            }
        } else if stream {
            notes.append("no Content-Length on a stream transport (body taken as empty)")
            body = headerEnd..<headerEnd
            trailing = n - headerEnd
        }
        var m = SIPMessage(storage: bytes, messageStart: messageStart, startLineText: startLineText,
                           startLineFull: startLineFull, startLine: startLine, fields: fields,
                           separator: separator, bodyRange: body)
        m.trailingByteCount = trailing
        m.framingNotes = notes
        m.isDatagramParse = !stream && !headersOnly && limits == .default && notes.isEmpty
        return m
    }

    /// The header name read token by token: the slow path, which says exactly what is wrong.
    private static func headerName(_ p: UnsafeBufferPointer<UInt8>, _ pos: Int, _ n: Int) throws(RawError) -> (Range<Int>, Int) {
        var i = pos
        while i < n, ByteClass.isToken(p[i]) { i += 1 }
        let name = pos..<i
        while i < n, ByteClass.isSpace(p[i]) { i += 1 }
        guard i < n, p[i] == ASCII.colon else {
            if name.isEmpty { throw RawError("malformed header field: expected a header name", pos) }
            throw RawError("header name '\(String(p, name))' not followed by ':'", i)
        }
        guard !name.isEmpty else { throw RawError("malformed header field: empty header name", pos) }
        return (name, i + 1)
    }

    static func contentLength(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) throws(RawError) -> Int {
        guard !r.isEmpty else { throw RawError("empty Content-Length", r.lowerBound, header: "Content-Length") }
        if p[r.lowerBound] == 0x2D { throw RawError("negative Content-Length", r.lowerBound, header: "Content-Length") }
        var v = 0
        for i in r {
            guard ByteClass.isDigit(p[i]) else {
                throw RawError("malformed Content-Length (not a decimal number)", i, header: "Content-Length")
            }
            v = v * 10 + Int(p[i] - 0x30)
            if v > Int(Int32.max) { throw RawError("Content-Length out of range", r.lowerBound, header: "Content-Length") }
        }
        return v
    }
}
