/// One `;name=value` parameter. `rawValue` is kept as written (quoted strings keep their
/// quotes), so an unmodified parameter re-serialises exactly.
public struct Parameter: Hashable, Sendable, CustomStringConvertible {
    public var name: String
    public var rawValue: String?

    public init(name: String, rawValue: String? = nil) {
        self.name = name
        self.rawValue = rawValue
    }

    /// The value with quotes and backslash escapes removed.
    public var value: String? {
        guard let raw = rawValue else { return nil }
        return raw.withBytes { b in unquote(b, 0..<b.count) }
    }

    public var description: String { rawValue.map { "\(name)=\($0)" } ?? name }
}

/// An ordered parameter list with case-insensitive names (RFC 3261 §7.3.1).
///
/// Stored as its canonical text (`;a=b;c`), usually a slice of the message buffer, and
/// decoded on access: a parsed message pays no allocation per parameter, and a lookup scans
/// a few dozen bytes.
public struct Parameters: Hashable, Sendable, Sequence, ExpressibleByArrayLiteral, CustomStringConvertible {
    var text: ByteSpan

    public init() { text = ByteSpan() }

    public init(_ items: [Parameter]) {
        var out = [UInt8]()
        for p in items {
            out.append(ASCII.semicolon)
            out += Array(p.description.utf8)
        }
        text = ByteSpan(out)
    }

    public init(arrayLiteral elements: Parameter...) { self.init(elements) }

    /// From canonical `;a=b;c` bytes (no whitespace).
    init(canonical: ByteSpan) { text = canonical }

    public var items: [Parameter] {
        get { Array(self) }
        set { self = Parameters(newValue) }
    }

    public var isEmpty: Bool { text.isEmpty }
    public var count: Int { reduce(0) { n, _ in n + 1 } }
    public var description: String { serialized }

    /// `;a=b;c` form.
    public var serialized: String { text.string }

    public struct Iterator: IteratorProtocol {
        let text: ByteSpan
        var pos: Int = 0

        public mutating func next() -> Parameter? {
            let at = pos
            let r = text.withBytes { p -> (Parameter, Int)? in
                guard let (name, value, end) = Parameters.entry(p, from: at) else { return nil }
                return (Parameter(name: String(p, name), rawValue: value.map { String(p, $0) }), end)
            }
            guard let (param, end) = r else { return nil }
            pos = end
            return param
        }
    }

    public func makeIterator() -> Iterator { Iterator(text: text) }

    /// Finds the entry starting at `from` (at a ';'): name range, value range, end offset.
    static func entry(_ p: UnsafeBufferPointer<UInt8>, from: Int) -> (Range<Int>, Range<Int>?, Int)? {
        var i = from
        guard i < p.count, p[i] == ASCII.semicolon else { return nil }
        i += 1
        let ns = i
        while i < p.count, p[i] != ASCII.equals, p[i] != ASCII.semicolon { i += 1 }
        let name = ns..<i
        guard i < p.count, p[i] == ASCII.equals else { return (name, nil, i) }
        i += 1
        let vs = i
        if i < p.count, p[i] == ASCII.quote {
            i = Swift.min(closingQuote(p, from: i + 1, to: p.count) + 1, p.count)
        }
        while i < p.count, p[i] != ASCII.semicolon { i += 1 }
        return (name, vs..<i, i)
    }

    /// Scans for `name`; calls `body` with the value range and whole-entry range of the
    /// first match (offsets relative to `text`).
    private func find<R>(_ name: String, _ body: (UnsafeBufferPointer<UInt8>, Range<Int>?, Range<Int>) -> R) -> R? {
        text.withBytes { p in
            name.withBytes { (n: UnsafeBufferPointer<UInt8>) -> R? in
                var pos = 0
                while let (nr, vr, end) = Parameters.entry(p, from: pos) {
                    if nr.count == n.count {
                        var same = true
                        for k in 0..<n.count where ByteClass.lower(p[nr.lowerBound + k]) != ByteClass.lower(n[k]) {
                            same = false
                            break
                        }
                        if same { return body(p, vr, nr.lowerBound - 1..<end) }
                    }
                    pos = end
                }
                return nil
            }
        }
    }

    public func contains(_ name: String) -> Bool { find(name) { _, _, _ in true } ?? false }

    /// Visits each parameter's name and raw value bytes without building Strings.
    /// Runs `check` over each parameter's raw name and value bytes (no Strings built) and
    /// returns the first problem it reports.
    func firstProblem(_ check: (UnsafeBufferPointer<UInt8>, Range<Int>, Range<Int>?) -> String?) -> String? {
        text.withBytes { p in
            var pos = 0
            while let (name, value, end) = Parameters.entry(p, from: pos) {
                if let problem = check(p, name, value) { return problem }
                pos = end
            }
            return nil
        }
    }

    /// The raw value of `name` as written (quotes kept); nil when absent or valueless.
    public func rawValue(_ name: String) -> String? {
        find(name) { p, v, _ in v.map { String(p, $0) } } ?? nil
    }

    /// The unquoted value of `name`; nil when absent or valueless.
    public subscript(name: String) -> String? {
        get { find(name) { p, v, _ in v.map { unquote(p, $0) } } ?? nil }
        set { set(name, newValue) }
    }

    /// Sets `name` to `value` (quoted when it is not a token), replacing an earlier value.
    public mutating func set(_ name: String, _ value: String?) {
        setRaw(name, value.map(Self.written))
    }

    /// A value as `set` writes it: as it is when a token or host-like, else quoted.
    static func written(_ value: String) -> String {
        isToken(value) || isHostLike(value) ? value : quoteString(value)
    }

    /// Sets `name` to `raw` exactly as given (already quoted if it needs to be).
    public mutating func setRaw(_ name: String, _ raw: String?) {
        let entry = Array((";" + name + (raw.map { "=" + $0 } ?? "")).utf8)
        if let r = find(name, { _, _, whole in whole }) {
            var out = Array(text.bytes)
            out.replaceSubrange(r, with: entry)
            text = ByteSpan(out)
        } else {
            text = ByteSpan(Array(text.bytes) + entry)
        }
    }

    public mutating func append(_ p: Parameter) {
        text = ByteSpan(Array(text.bytes) + [ASCII.semicolon] + Array(p.description.utf8))
    }

    public mutating func remove(_ name: String) {
        let kept = filter { !$0.name.caseInsensitiveEquals(name) }
        self = Parameters(kept)
    }

    public static func == (a: Parameters, b: Parameters) -> Bool { a.text.elementsEqual(b.text) }
    public func hash(into h: inout Hasher) { h.combine(text.count); for b in text.bytes { h.combine(b) } }

    private static func isHostLike(_ v: String) -> Bool {
        !v.isEmpty && v.utf8.allSatisfy { ByteClass.isToken($0) || $0 == ASCII.colon || $0 == ASCII.lbracket || $0 == ASCII.rbracket }
    }
}

/// Collects parameters into canonical text with one allocation at the end.
struct ParametersBuilder {
    private var out: [UInt8] = []

    mutating func add(_ p: UnsafeBufferPointer<UInt8>, _ name: Range<Int>, _ value: Range<Int>?) {
        if out.isEmpty { out.reserveCapacity(128) }
        out.append(ASCII.semicolon)
        out += UnsafeBufferPointer(rebasing: p[name])
        if let value {
            out.append(ASCII.equals)
            out += UnsafeBufferPointer(rebasing: p[value])
        }
    }

    /// Appends already-canonical `;a=b` text.
    mutating func addCanonical(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) {
        if out.isEmpty { out.reserveCapacity(128) }
        out += UnsafeBufferPointer(rebasing: p[r])
    }

    func build() -> Parameters {
        out.isEmpty ? Parameters() : Parameters(canonical: ByteSpan(out))
    }
}

extension String {
    /// ASCII case-insensitive comparison (header and parameter names are ASCII tokens).
    func caseInsensitiveEquals(_ other: String) -> Bool {
        let a = utf8, b = other.utf8
        guard a.count == b.count else { return false }
        if let r = a.withContiguousStorageIfAvailable({ pa in
            b.withContiguousStorageIfAvailable { pb in
                for i in 0..<pa.count where ByteClass.lower(pa[i]) != ByteClass.lower(pb[i]) { return false }
                return true
            }
        }), let r { return r }
        return zip(a, b).allSatisfy { ByteClass.lower($0) == ByteClass.lower($1) }
    }
}

extension ByteScanner {
    /// Reads `*( SEMI generic-param )` for a header (not URI) parameter list, checking the
    /// syntax and keeping the canonical text. `what` names the header for errors.
    mutating func headerParameters(_ what: String) throws(HeaderSyntaxError) -> Parameters {
        if let fast = tightParameters() { return fast }
        let start = pos
        // Without whitespace the canonical text is the input slice itself; the builder is
        // only filled once whitespace shows up (as in "3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=...").
        var rebuilt: ParametersBuilder?
        var cleanEnd = start
        while true {
            let before = pos
            skipLWS()
            guard consume(ASCII.semicolon) else { pos = before; break }
            let semi = pos - 1
            skipLWS()
            guard let name = token() else {
                throw error("empty \(what) parameter (extraneous ';' or ',')")
            }
            let afterName = pos
            var value: Range<Int>?
            if consumeSeparator(ASCII.equals) { value = try genericValue(what) }
            let tight = semi == before && name.lowerBound == semi + 1
                && (value.map { $0.lowerBound == afterName + 1 } ?? (pos == afterName))
            if rebuilt == nil, !tight {
                var b = ParametersBuilder()
                b.addCanonical(bytes, start..<cleanEnd)
                rebuilt = b
            }
            if rebuilt != nil {
                rebuilt?.add(bytes, name, value)
            } else {
                cleanEnd = pos
            }
        }
        if let rebuilt { return rebuilt.build() }
        return cleanEnd > start ? Parameters(canonical: slice(start..<cleanEnd)) : Parameters()
    }

    /// The common case in one pass: `;name[=value]...` with no whitespace anywhere, ending
    /// where the value ends or at a ','. nil (nothing consumed) means the general path is
    /// needed, which also produces any error.
    private mutating func tightParameters() -> Parameters? {
        let p = bytes, f = flags, e = end
        let start = pos
        var i = start
        while i < e, p[i] == ASCII.semicolon {
            var k = i + 1
            let ns = k
            while k < e, f[Int(p[k])] & ByteClass.tokenFlag != 0 { k += 1 }
            guard k > ns else { return nil }
            if k < e, p[k] == ASCII.equals {
                k += 1
                if k < e, p[k] == ASCII.quote {
                    k = closingQuote(p, from: k + 1, to: e)
                    guard k < e else { return nil }
                    k += 1
                } else {
                    let vs = k
                    while k < e, f[Int(p[k])] & ByteClass.genValueFlag != 0 { k += 1 }
                    guard k > vs else { return nil }
                }
            }
            i = k
        }
        if i < e, f[Int(p[i])] & ByteClass.lwsFlag != 0 { return nil }
        pos = i
        return i > start ? Parameters(canonical: slice(start..<i)) : Parameters()
    }

    /// gen-value = token / host / quoted-string
    mutating func genericValue(_ what: String) throws(HeaderSyntaxError) -> Range<Int> {
        if peek == ASCII.quote { return try quotedString("quoted \(what) parameter value") }
        let r = skip { ByteClass.isToken($0) || $0 == ASCII.colon || $0 == ASCII.lbracket || $0 == ASCII.rbracket }
        guard !r.isEmpty else { throw error("expected a \(what) parameter value") }
        return r
    }
}

/// Index of the quote closing a quoted-string whose body starts at `from` (backslash
/// escapes honoured), or `end` when it is unterminated. memchr finds each candidate.
func closingQuote(_ p: UnsafeBufferPointer<UInt8>, from: Int, to end: Int) -> Int {
    var i = from
    while let q = MessageParser.find(ASCII.quote, p, i, end) {
        // An odd run of backslashes before it escapes it.
        var k = q, slashes = 0
        while k > from, p[k - 1] == ASCII.backslash { k -= 1; slashes += 1 }
        if slashes % 2 == 0 { return q }
        i = q + 1
    }
    return end
}
