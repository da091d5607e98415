/// Writes a message line by line and indexes each line as it is written, so the message it
/// builds needs no parse: the index is what `SIPMessage(parsing:)` gives for the bytes. A line
/// it cannot vouch for (a value with a line break, a name that is not one token, a limit
/// reached, a Content-Length of the caller's) makes it parse the bytes instead, so the result
/// is always exactly a parse of what was written.
public struct MessageBuilder: Sendable {
    private var bytes: [UInt8] = []
    private var fields: [SIPMessage.Field] = []
    /// The start line without its CRLF.
    private var startLineText = 0..<0
    /// False once a line may not read back as indexed: `message` parses then.
    private var indexed = true

    public init(startLine: [UInt8]) {
        bytes.reserveCapacity(768)
        bytes.append(contentsOf: startLine)
        startLineText = 0..<bytes.count
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
        fields.reserveCapacity(16)
    }

    /// A `name: value` field line.
    public mutating func add(_ name: String, _ value: String) {
        writeField(name) { out in
            var v = value
            v.withUTF8 { out.append(contentsOf: $0) }
        }
    }

    /// A `name: value` field line, the value given as bytes.
    public mutating func add(_ name: String, bytes value: [UInt8]) {
        writeField(name) { $0.append(contentsOf: value) }
    }

    /// A field of a known header under its canonical name (`KnownHeader.name`).
    public mutating func add(_ header: KnownHeader, _ value: String) {
        writeField(header.name, known: header) { out in
            var v = value
            v.withUTF8 { out.append(contentsOf: $0) }
        }
    }

    /// A field of a known header under its canonical name, the value given as bytes.
    public mutating func add(_ header: KnownHeader, bytes value: [UInt8]) {
        writeField(header.name, known: header) { $0.append(contentsOf: value) }
    }

    /// Copies every field of `header` from `message` as `name: value` lines (the first only
    /// with `firstOnly`), values as `values(header)` gives them. Returns how many were copied.
    /// The name written is the canonical one (`header.name`).
    @discardableResult
    public mutating func copy(_ header: KnownHeader, from message: SIPMessage, firstOnly: Bool = false) -> Int {
        var copied = 0
        // The source buffer and index are read in place: a closure holding `message` copied
        // it per field, and the index is searched once per header copied.
        message.storage.withUnsafeBufferPointer { p in message.fields.withUnsafeBufferPointer { fs in
            // Lines copied whole that lie end to end in the source (a response's Vias) are
            // appended in one run; their index entries go in as each is checked.
            var run = 0..<0, k = -1
            while !firstOnly || copied == 0 {
                k = Self.index(of: header, in: fs, after: k)
                guard k < fs.count else { break }
                let f = fs[k]
                copied += 1
                if copiesWhole(p, f) {
                    if f.line.lowerBound != run.upperBound {
                        appendRun(p, run)
                        run = f.line.lowerBound..<f.line.lowerBound
                    }
                    let at = bytes.count + run.count
                    fields.append(f.moved(by: at - f.line.lowerBound))
                    run = run.lowerBound..<f.line.upperBound
                    continue
                }
                appendRun(p, run)
                run = 0..<0
                writeField(header.name, known: header, lineBreakFree: true) { SIPMessage.appendValue(p, f.value, to: &$0) }
            }
            appendRun(p, run)
        } }
        return copied
    }

    /// The index of the first field of `header` in `fs` after `k`, else `fs.count`: a loop of
    /// its own, so that it keeps nothing else in registers (a copy reads the whole index once
    /// per header copied).
    @inline(__always)
    private static func index(of header: KnownHeader, in fs: UnsafeBufferPointer<SIPMessage.Field>, after k: Int) -> Int {
        var i = k + 1
        while i < fs.count, fs[i].header != header { i += 1 }
        return i
    }

    private mutating func appendRun(_ p: UnsafeBufferPointer<UInt8>, _ run: Range<Int>) {
        if !run.isEmpty { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: p[run])) }
    }

    /// Whether the field line `f` of a message's buffer `p` is exactly what `copy` writes for
    /// it (a plain line, `Field.isPlainLine`) and indexed as `writeField` would index that: it
    /// is then copied as it is, its index moved along. Responses copy most of their fields so.
    private func copiesWhole(_ p: UnsafeBufferPointer<UInt8>, _ f: SIPMessage.Field) -> Bool {
        indexed && f.header != .contentLength && f.value.upperBound - f.line.lowerBound <= ParseLimits.default.maxLineLength
            && f.isPlainLine(p)
    }

    /// Ends the header section with Content-Type (for a body, when given) and Content-Length,
    /// adds the body and gives the message; nil when the bytes do not parse.
    public consuming func message(body: String = "", contentType: String? = nil) -> SIPMessage? {
        var body = body
        let count = body.utf8.count
        if count > 0, let contentType { add(.contentType, contentType) }
        writeField(KnownHeader.contentLength.name, known: .contentLength, framing: true) { Self.appendDecimal(count, to: &$0) }
        let separator = bytes.count..<bytes.count + 2
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
        body.withUTF8 { bytes.append(contentsOf: $0) }
        let limits = ParseLimits.default
        guard indexed, fields.count <= limits.maxHeaderCount, bytes.count <= limits.maxMessageSize,
              let line = startLine(limits) else { return try? SIPMessage(parsing: bytes) }
        var built = SIPMessage(storage: bytes, messageStart: 0, startLineText: startLineText,
                               startLineFull: 0..<startLineText.upperBound + 2, startLine: line, fields: fields,
                               separator: separator, bodyRange: separator.upperBound..<bytes.count)
        built.isDatagramParse = true
        // Debug builds hold the builder to its word: the index is what a parse gives.
        assert(built.hasSameIndex(as: try? SIPMessage(parsing: bytes)), "built index differs from a parse")
        return built
    }

    // MARK: Internals

    /// The start line as the parser reads it, or nil when it might read it otherwise (a
    /// leading or inner line break, too long) or not at all.
    private func startLine(_ limits: ParseLimits) -> StartLine? {
        bytes.withUnsafeBufferPointer { p in
            let r = startLineText
            guard !r.isEmpty, r.count <= limits.maxLineLength, !ByteClass.hasLineBreak(p, r) else { return nil }
            return try? StartLine.parse(p, r)
        }
    }

    /// Writes `name: ` + the value `write` appends + CRLF, and indexes the line when it reads
    /// back as written. `known`: `name` is that header's canonical name, a token the lookup
    /// maps to it (KnownHeader tests hold this for every case), so neither is checked again.
    /// `framing`: the Content-Length `message` writes. `lineBreakFree`: `write` writes no CR
    /// or LF (a value `SIPMessage.appendValue` copies), so the value need not be scanned for them.
    private mutating func writeField(_ name: String, known: KnownHeader? = nil, framing: Bool = false,
                                     lineBreakFree: Bool = false, _ write: (inout [UInt8]) -> Void) {
        let start = bytes.count
        var name = name
        name.withUTF8 { bytes.append(contentsOf: $0) }
        let nameEnd = bytes.count
        bytes.append(ASCII.colon)
        bytes.append(ASCII.sp)
        let valueStart = bytes.count
        write(&bytes)
        let valueEnd = bytes.count
        bytes.append(ASCII.cr)
        bytes.append(ASCII.lf)
        guard indexed else { return }
        let field = bytes.withUnsafeBufferPointer { p in
            Self.field(p, line: start..<valueEnd + 2, nameEnd: nameEnd, value: valueStart..<valueEnd, known: known,
                       lineBreakFree: lineBreakFree)
        }
        // Only the Content-Length `message` writes frames the body as the index says; one of
        // the caller's would come first and frame it.
        if let field, (field.header == .contentLength) == framing {
            fields.append(field)
        } else {
            indexed = false
        }
    }

    /// The field the parser reads from a `name: value` CRLF line, or nil when it might read
    /// otherwise: the name must be one token, the value free of line breaks, the line within
    /// the length limit. The value is trimmed as the parser trims it.
    private static func field(_ p: UnsafeBufferPointer<UInt8>, line: Range<Int>, nameEnd: Int,
                              value: Range<Int>, known: KnownHeader?, lineBreakFree: Bool) -> SIPMessage.Field? {
        let name = line.lowerBound..<nameEnd
        // One scan tells a plain ASCII value; only a value with other bytes is scanned again
        // for line breaks. (A `lineBreakFree` value is copied from another message, which
        // copies a plain line whole: it is not scanned.)
        let plainValue = !lineBreakFree && !ByteClass.hasLineBreak(p, value, orNonASCII: true)
        guard !name.isEmpty, value.upperBound - line.lowerBound <= ParseLimits.default.maxLineLength,
              plainValue || lineBreakFree || !ByteClass.hasLineBreak(p, value) else { return nil }
        if known == nil {
            for i in name where !ByteClass.isToken(p[i]) { return nil }
        }
        var vs = value.lowerBound, ve = value.upperBound
        while vs < ve, ByteClass.isLWS(p[vs]) { vs += 1 }
        while ve > vs, ByteClass.isLWS(p[ve - 1]) { ve -= 1 }
        let header = known ?? KnownHeader.lookup(p, name)
        let plain = plainValue && vs..<ve == value && header != .other && (known != nil || header.isCanonicalName(p, name))
        return SIPMessage.Field(header: header, line: line, name: name, value: vs..<ve, readsBack: true, plainLine: plain)
    }

    /// The decimal digits of `n` (after a '-' when negative), as `String(n)` writes them,
    /// without making the String.
    public static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(0x2D) }
        var m = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for the 20 digits, written backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = 0x30 + UInt8(m % 10)
                m /= 10
                count += 1
            } while m > 0
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }
}
