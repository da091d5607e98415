#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A SIP request or response over its original bytes.
///
/// Parsing indexes the start line and header fields without copying; values are decoded on
/// demand. An unmodified message serialises to exactly the bytes it was parsed from. Edits
/// splice new text into the buffer, which they keep in serialised layout, so the buffer is
/// what is sent and every byte not edited is kept as it came.
public struct SIPMessage: Sendable {
    public enum Kind: String, Sendable, Codable { case request, response }

    /// One header field's place in the buffer, in 32-bit offsets (messages are bounded far
    /// below that) so the index stays compact.
    struct Field: Sendable {
        var header: KnownHeader
        /// Whether the parser reads this line, wherever a field line may start, as this field
        /// (same name and value ranges), limits aside: true for parsed lines, checked for lines
        /// an edit writes. `SIPMessage.wire` relies on it.
        let readsBack: Bool
        /// Known to be true of the line (false: unknown): `isPlainLine`. Writers that know it
        /// set it, and copies and first-element cuts skip the byte checks; a parse leaves it
        /// unset, as finding out would cost every field what only a few need.
        let plainLine: Bool
        private var lineLo: Int32, lineHi: Int32, nameHi: Int32, valueLo: Int32, valueHi: Int32

        init(header: KnownHeader, line: Range<Int>, name: Range<Int>, value: Range<Int>, readsBack: Bool,
             plainLine: Bool = false) {
            self.header = header
            self.readsBack = readsBack
            self.plainLine = plainLine
            lineLo = Int32(clamping: line.lowerBound)
            lineHi = Int32(clamping: line.upperBound)
            nameHi = Int32(clamping: name.upperBound)
            valueLo = Int32(clamping: value.lowerBound)
            valueHi = Int32(clamping: value.upperBound)
        }

        /// The same field `d` bytes further on in a buffer, its line `lineEnd` bytes longer (a
        /// line end written after it). Wrapping arithmetic: offsets are bounded by the buffer.
        func moved(by d: Int, lineEnd: Int = 0) -> Field {
            var f = self
            let d = Int32(truncatingIfNeeded: d)
            f.lineLo &+= d; f.lineHi &+= d &+ Int32(truncatingIfNeeded: lineEnd); f.nameHi &+= d; f.valueLo &+= d; f.valueHi &+= d
            return f
        }

        /// Whether the line is `Name: value` CRLF with a known header's canonical name and a
        /// plain value (`hasPlainLayout`): the line that writing `Name: value` for this field's
        /// value writes (`MessageBuilder.copy` copies it whole).
        func isPlainLine(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
            if plainLine {
                assert(header != .other && hasPlainLayout(p) && header.isCanonicalName(p, name), "a plain line is not")
                return true
            }
            return header != .other && hasPlainLayout(p) && header.isCanonicalName(p, name)
        }

        /// Whether the line is `name: value` CRLF, the value reading back (trimmed) in ASCII
        /// with no line break.
        func hasPlainLayout(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
            let n = name, v = value
            return readsBack && v.lowerBound == n.upperBound + 2 && Int(lineHi) == v.upperBound + 2
                && p[n.upperBound] == ASCII.colon && p[n.upperBound + 1] == ASCII.sp
                && p[v.upperBound] == ASCII.cr && p[v.upperBound + 1] == ASCII.lf
                && !ByteClass.hasLineBreak(p, v, orNonASCII: true)
        }

        /// The whole field, folded lines and terminator included.
        var line: Range<Int> { Int(lineLo)..<Int(lineHi) }
        /// The name starts the line.
        var name: Range<Int> { Int(lineLo)..<Int(nameHi) }
        /// Trimmed; may span folded lines.
        var value: Range<Int> { Int(valueLo)..<Int(valueHi) }
    }

    // Offsets are stored in 32 bits (`Range32`, `Int32Stored`): a message is copied and moved
    // on every hop, and a small one is moved without a call to memcpy.
    var storage: [UInt8]
    @Int32Stored var messageStart: Int
    @Range32 var startLineText: Range<Int>
    @Range32 var startLineFull: Range<Int>
    var startLine: StartLine
    var fields: [Field]
    @Range32 var separator: Range<Int>
    @Range32 var bodyRange: Range<Int>
    var isModified = false
    /// Whether this index is what parsing `storage` as a datagram with the default limits gives,
    /// framing notes aside (a parse so made that noted nothing, a builder's or `wire`'s index):
    /// `wire` then sends an unedited whole buffer with its index without checking it again, and
    /// a first edit knows the parts lie end to end (`SIPMessage+Editing`).
    var isDatagramParse = false

    /// Octets after the body that the Content-Length left out (ignored on datagrams, RFC 3261 §18.3).
    @Int32Stored public internal(set) var trailingByteCount = 0
    /// Framing irregularities tolerated while parsing (bare LF, no empty line at the end, ...).
    public internal(set) var framingNotes: [String] {
        get { notes ?? [] }
        set { notes = newValue.isEmpty ? nil : newValue }
    }
    /// Nil when there are none (almost always): a nil reference costs nothing when a message
    /// is copied, where an empty array is retained and released like any other.
    var notes: [String]?

    // MARK: Start line

    public var kind: Kind { startLine.isRequest ? .request : .response }
    public var isRequest: Bool { startLine.isRequest }

    /// The method of a request, exactly as written (never unescaped).
    public var method: String? {
        isRequest ? storage.withUnsafeBufferPointer { Self.methodName($0, startLine.method) } : nil
    }
    /// The Request-URI as written.
    public var requestURIText: String? { isRequest ? text(startLine.uri) : nil }
    /// The Request-URI parsed; nil for responses or when it does not parse.
    public var requestURI: URI? { requestURIText.flatMap { try? URI(parsing: $0) } }
    public var version: String { text(startLine.version) }
    public var statusCode: Int? { isRequest ? nil : startLine.status }
    public var reasonPhrase: String? { isRequest ? nil : text(startLine.reason) }

    /// "INVITE sip:bob@example.com" or "200 OK".
    public var summary: String {
        isRequest ? "\(method ?? "") \(requestURIText ?? "")" : "\(startLine.status) \(reasonPhrase ?? "")"
    }

    // MARK: Header access

    /// One header field as written.
    public struct HeaderField: Hashable, Sendable {
        /// The name as written (may be a compact form such as "v").
        public var name: String
        /// The value with line folding replaced by single spaces.
        public var value: String
        public var known: KnownHeader
        /// The canonical name for known headers, else the name as written.
        public var canonicalName: String { known == .other ? name : known.name }
    }

    public var headerCount: Int { fields.count }

    public var headerFields: [HeaderField] {
        fields.map { HeaderField(name: text($0.name), value: valueText($0.value), known: $0.header) }
    }

    func fieldIndices(_ name: String) -> [Int] {
        let known = KnownHeader(name: name)
        if known != .other { return fields.indices.filter { fields[$0].header == known } }
        return fields.indices.filter { fields[$0].header == .other && text(fields[$0].name).caseInsensitiveEquals(name) }
    }

    func fieldIndices(_ known: KnownHeader) -> [Int] {
        fields.indices.filter { fields[$0].header == known }
    }

    /// The raw value of every field with this name (full or compact, any case), in order.
    public func values(_ name: String) -> [String] {
        fieldIndices(name).map { valueText(fields[$0].value) }
    }

    public func values(_ header: KnownHeader) -> [String] {
        fieldIndices(header).map { valueText(fields[$0].value) }
    }

    /// The first field's raw value.
    public func value(_ name: String) -> String? {
        fieldIndices(name).first.map { valueText(fields[$0].value) }
    }

    public func value(_ header: KnownHeader) -> String? {
        fields.first { $0.header == header }.map { valueText($0.value) }
    }

    public func contains(_ header: KnownHeader) -> Bool { fields.contains { $0.header == header } }
    public func contains(_ name: String) -> Bool { !fieldIndices(name).isEmpty }

    /// Every value of a list header, splitting fields at commas that are outside quotes and `<>`.
    public func listValues(_ name: String) -> [String] {
        let known = KnownHeader(name: name)
        guard known != .other else { return values(name).flatMap(splitHeaderList) }
        var out: [String] = []
        for i in fields.indices where fields[i].header == known { appendListElements(fields[i].value, to: &out) }
        return out
    }

    // MARK: Body

    public var body: [UInt8] {
        get { Array(storage[bodyRange]) }
        set { setBody(newValue) }
    }

    public var bodyCount: Int { bodyRange.count }

    /// Whether the body holds `needle` (a byte search in place, no copy).
    public func bodyContains(_ needle: [UInt8]) -> Bool {
        guard let first = needle.first, bodyRange.count >= needle.count else { return false }
        let range = bodyRange
        return storage.withUnsafeBufferPointer { p in
            var i = range.lowerBound
            while i <= range.upperBound - needle.count {
                if p[i] == first {
                    var j = 1
                    while j < needle.count, p[i + j] == needle[j] { j += 1 }
                    if j == needle.count { return true }
                }
                i += 1
            }
            return false
        }
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var bodyText: String { text(bodyRange) }

    // MARK: Serialising

    /// The message on the wire. Unmodified: exactly the parsed bytes; edited: the buffer, which
    /// edits keep in serialised layout (see `SIPMessage+Editing`).
    public var bytes: [UInt8] {
        isModified ? storage : Array(storage[messageStart..<bodyRange.upperBound])
    }

    /// `bytes.count`, without building the bytes.
    public var serializedCount: Int {
        isModified ? storage.count : bodyRange.upperBound - messageStart
    }

    /// How many bytes complete a field line that lacks its line end (a datagram's last field):
    /// 0 (ends in LF), 1 (ends in CR: LF) or 2 (CRLF); 0 for an empty range.
    @inline(__always)
    static func missingLineEnd(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Int {
        guard !r.isEmpty else { return 0 }
        let last = p[r.upperBound - 1]
        if last == ASCII.lf { return 0 }
        return last == ASCII.cr ? 1 : 2
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    // MARK: Internals

    @inline(__always) func text(_ r: Range<Int>) -> String {
        storage.withUnsafeBufferPointer { String($0, r) }
    }

    /// Value text with folding (CRLF + whitespace) collapsed to one space.
    func valueText(_ r: Range<Int>) -> String {
        storage.withUnsafeBufferPointer { Self.valueText($0, r) }
    }

    static func valueText(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
        if !ByteClass.hasLineBreak(p, r) { return String(p, r) }
        var out = [UInt8]()
        out.reserveCapacity(r.count)
        var i = r.lowerBound
        while i < r.upperBound {
            let b = p[i]
            if b == ASCII.cr || b == ASCII.lf {
                while i < r.upperBound, ByteClass.isLWS(p[i]) { i += 1 }
                while let last = out.last, ByteClass.isSpace(last) { out.removeLast() }
                out.append(ASCII.sp)
                continue
            }
            out.append(b)
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// An offset range in a message, stored in 32 bits: messages are bounded far below 2 GiB
/// (bounds beyond are clamped, as `SIPMessage.Field` clamps its offsets).
@propertyWrapper
struct Range32: Sendable {
    private var lo: Int32, hi: Int32
    init(wrappedValue r: Range<Int>) { (lo, hi) = (Int32(clamping: r.lowerBound), Int32(clamping: r.upperBound)) }
    var wrappedValue: Range<Int> {
        get { Int(lo)..<Int(hi) }
        set { (lo, hi) = (Int32(clamping: newValue.lowerBound), Int32(clamping: newValue.upperBound)) }
    }
}

/// An offset or count in a message, stored in 32 bits (clamped, as `Range32`).
@propertyWrapper
struct Int32Stored: Sendable {
    private var value: Int32
    init(wrappedValue: Int) { value = Int32(clamping: wrappedValue) }
    var wrappedValue: Int {
        get { Int(value) }
        set { value = Int32(clamping: newValue) }
    }
}

extension SIPMessage {
    /// Parses one message from a datagram (or a whole file): the body is bounded by
    /// Content-Length when present, else it is the rest of the bytes.
    public init(parsing bytes: [UInt8], limits: ParseLimits = .default) throws(SIPParseError) {
        self = try MessageParser.parse(bytes, limits: limits, stream: false)
    }

    public init(parsing text: String, limits: ParseLimits = .default) throws(SIPParseError) {
        try self.init(parsing: Array(text.utf8), limits: limits)
    }
}

/// Splits a list header value at commas outside quoted strings and `<>` (RFC 3261 §7.3.1),
/// trimming whitespace around each element.
public func splitHeaderList(_ value: String) -> [String] {
    var out: [String] = []
    var current = [UInt8]()
    var inQuote = false, inAngle = false, escaped = false
    for b in value.utf8 {
        if escaped { current.append(b); escaped = false; continue }
        if inQuote {
            if b == ASCII.backslash { escaped = true } else if b == ASCII.quote { inQuote = false }
            current.append(b)
            continue
        }
        switch b {
        case ASCII.quote: inQuote = true
        case ASCII.lt: inAngle = true
        case ASCII.gt: inAngle = false
        case ASCII.comma where !inAngle:
            out.append(trimmedLWS(current))
            current.removeAll(keepingCapacity: true)
            continue
        default: break
        }
        current.append(b)
    }
    let last = trimmedLWS(current)
    if !last.isEmpty || !out.isEmpty { out.append(last) }
    return out
}

func trimmedLWS(_ b: [UInt8]) -> String {
    var s = 0, e = b.count
    while s < e, ByteClass.isLWS(b[s]) { s += 1 }
    while e > s, ByteClass.isLWS(b[e - 1]) { e -= 1 }
    return String(decoding: b[s..<e], as: UTF8.self)
}
