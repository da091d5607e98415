/// A URI as SIP carries it: sip/sips and tel are structured, any other scheme is kept opaque.
public enum URI: Hashable, Sendable, CustomStringConvertible {
    case sip(SIPURI)
    case tel(TelURI)
    case other(scheme: String, opaque: String)

    public var scheme: String {
        switch self {
        case .sip(let u): return u.secure ? "sips" : "sip"
        case .tel: return "tel"
        case .other(let s, _): return s
        }
    }

    public var sipURI: SIPURI? { if case .sip(let u) = self { return u }; return nil }
    public var telURI: TelURI? { if case .tel(let u) = self { return u }; return nil }

    public var description: String {
        switch self {
        case .sip(let u): return u.description
        case .tel(let u): return u.description
        case .other(let s, let o): return "\(s):\(o)"
        }
    }

    public init(parsing text: String) throws(HeaderSyntaxError) {
        self = try ByteScanner.over(text) { (s) throws(HeaderSyntaxError) -> URI in
            let u = try s.uri(until: s.end)
            return u
        }
    }
}

/// `sip:` / `sips:` URI (RFC 3261 §19.1). User and password keep their %-escapes as written.
///
/// Kept as its text plus component ranges: parsing a URI allocates nothing, components are
/// decoded when read, and an unmodified URI serialises exactly as written.
public struct SIPURI: Hashable, Sendable, CustomStringConvertible {
    var text: ByteSpan
    // Component offsets relative to `text`, 32-bit to keep the value small (it is copied
    // into every address); lo < 0 marks an absent part.
    private var user32: Span32
    private var password32: Span32
    private var host32: Span32
    private var params32: Span32
    private var headers32: Span32
    private var port32: Int32   // -1: none
    private var _secure: Bool

    struct Span32: Hashable, Sendable {
        var lo: Int32, hi: Int32
        static let none = Span32(lo: -1, hi: -1)
        init(lo: Int32, hi: Int32) { self.lo = lo; self.hi = hi }
        init(_ r: Range<Int>?) {
            guard let r else { self = .none; return }
            self.init(lo: Int32(clamping: r.lowerBound), hi: Int32(clamping: r.upperBound))
        }
        var range: Range<Int>? { lo < 0 ? nil : Int(lo)..<Int(hi) }
    }

    var userRange: Range<Int>? { user32.range }
    var passwordRange: Range<Int>? { password32.range }
    var hostRange: Range<Int> { host32.range ?? 0..<0 }
    var paramsRange: Range<Int> { params32.range ?? 0..<0 }
    var headersRange: Range<Int>? { headers32.range }

    /// The parts a SIP URI is made of, for building and editing.
    struct Components {
        var secure: Bool
        var user: String?
        var password: String?
        var host: String
        var port: Int?
        var parameters: Parameters
        var headers: [(name: String, value: String)]
    }

    public init(secure: Bool = false, user: String? = nil, password: String? = nil, host: String, port: Int? = nil,
                parameters: Parameters = [], headers: [(name: String, value: String)] = []) {
        self.init(Components(secure: secure, user: user, password: password, host: host, port: port,
                             parameters: parameters, headers: headers))
    }

    init(_ c: Components) {
        var out = Array((c.secure ? "sips:" : "sip:").utf8)
        func put(_ s: String) -> Range<Int> {
            let start = out.count
            out += Array(s.utf8)
            return start..<out.count
        }
        var user: Range<Int>?, password: Range<Int>?
        if let u = c.user {
            user = put(u)
            if let pw = c.password {
                out.append(ASCII.colon)
                password = put(pw)
            }
            out.append(ASCII.at)
        }
        let host = put(c.host)
        if let port = c.port { _ = put(":\(port)") }
        let params = put(c.parameters.serialized)
        var headers: Range<Int>?
        if !c.headers.isEmpty {
            out.append(ASCII.question)
            headers = put(c.headers.map { "\($0.name)=\($0.value)" }.joined(separator: "&"))
        }
        self.init(text: ByteSpan(out), secure: c.secure, user: user, password: password, host: host, port: c.port,
                  params: params, headers: headers)
    }

    /// Component ranges are relative to `text`.
    init(text: ByteSpan, secure: Bool, user: Range<Int>?, password: Range<Int>?, host: Range<Int>, port: Int?,
         params: Range<Int>, headers: Range<Int>?) {
        self.text = text
        self._secure = secure
        self.user32 = Span32(user)
        self.password32 = Span32(password)
        self.host32 = Span32(host)
        self.port32 = port.map { Int32(clamping: $0) } ?? -1
        self.params32 = Span32(params)
        self.headers32 = Span32(headers)
    }

    private func string(_ r: Range<Int>) -> String { text.string(r) }

    var components: Components {
        Components(secure: secure, user: user, password: password, host: host, port: port, parameters: parameters,
                   headers: headers)
    }

    private mutating func edit(_ change: (inout Components) -> Void) {
        var c = components
        change(&c)
        self = SIPURI(c)
    }

    public var user: String? {
        get { userRange.map(string) }
        set { edit { $0.user = newValue } }
    }
    public var password: String? {
        get { passwordRange.map(string) }
        set { edit { $0.password = newValue } }
    }
    /// Host as written; an IPv6 reference keeps its brackets.
    public var host: String {
        get { string(hostRange) }
        set { edit { $0.host = newValue } }
    }
    public var secure: Bool {
        get { _secure }
        set { edit { $0.secure = newValue } }
    }
    public var port: Int? {
        get { port32 < 0 ? nil : Int(port32) }
        set { edit { $0.port = newValue } }
    }

    public var parameters: Parameters {
        get { Parameters(canonical: text.slice(paramsRange)) }
        set { edit { $0.parameters = newValue } }
    }

    /// `?name=value&...` headers, escaped as written.
    public var headers: [(name: String, value: String)] {
        get {
            guard let r = headersRange else { return [] }
            return string(r).split(separator: "&", omittingEmptySubsequences: true).map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                return (String(kv.first ?? ""), kv.count > 1 ? String(kv[1]) : "")
            }
        }
        set { edit { $0.headers = newValue } }
    }

    /// The user part with %-escapes decoded (bytes that are not UTF-8 are replaced).
    public var decodedUser: String? { user.map(percentDecode) }

    /// The user part split as a telephone-subscriber: number and `;name=value` user parameters
    /// (where `verstat` sits in a SIP URI, TS 24.229 §7.2A.20).
    public var userNumber: (number: String, parameters: Parameters)? {
        guard let user else { return nil }
        // No ';' byte, no ';' Character: the whole user part is the number (the usual case,
        // with no split into Strings).
        if !user.utf8.contains(ASCII.semicolon) { return (user, Parameters()) }
        let parts = user.split(separator: ";", omittingEmptySubsequences: false)
        let params = parts.dropFirst().compactMap { p -> Parameter? in
            let kv = p.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = kv.first, !name.isEmpty else { return nil }
            return Parameter(name: String(name), rawValue: kv.count > 1 ? String(kv[1]) : nil)
        }
        return (String(parts.first ?? ""), Parameters(params))
    }

    /// The user part up to its first ';' (a telephone-subscriber's number), without building
    /// the user-part parameters as `userNumber` does: TN comparison needs only this.
    public var userNumberPart: String? {
        guard let user else { return nil }
        let u = user.utf8
        return String(Substring(u[..<(u.firstIndex(of: UInt8(ascii: ";")) ?? u.endIndex)]))
    }

    public var transport: String? { parameters["transport"] }
    public var isPhone: Bool { parameters["user"]?.lowercased() == "phone" }

    public var description: String { text.string }

    public static func == (a: SIPURI, b: SIPURI) -> Bool {
        if a.text.elementsEqual(b.text) { return true }
        return a.secure == b.secure && a.user == b.user && a.password == b.password && a.host == b.host && a.port == b.port
            && a.parameters == b.parameters && a.headers.elementsEqual(b.headers, by: { $0 == $1 })
    }

    public func hash(into h: inout Hasher) {
        h.combine(secure); h.combine(user); h.combine(host); h.combine(port); h.combine(parameters)
    }
}

/// `tel:` URI (RFC 3966): a global (`+`) or local number with parameters such as
/// `phone-context` and `verstat`.
public struct TelURI: Hashable, Sendable, CustomStringConvertible {
    public var number: String
    public var parameters: Parameters

    public init(number: String, parameters: Parameters = []) {
        self.number = number
        self.parameters = parameters
    }

    public var isGlobal: Bool { number.hasPrefix("+") }
    public var verstat: String? {
        get { parameters["verstat"] }
        set { parameters.set("verstat", newValue) }
    }

    public var description: String { "tel:" + number + parameters.serialized }
}

/// Decodes %HH escapes; malformed escapes are kept literally.
public func percentDecode(_ s: String) -> String {
    guard s.utf8.contains(ASCII.percent) else { return s }
    return percentDecode(s.utf8[...])
}

/// Decodes %HH escapes in UTF-8 bytes; malformed escapes are kept literally.
func percentDecode<C: Collection<UInt8>>(_ bytes: C) -> String {
    var out = [UInt8]()
    out.reserveCapacity(bytes.count)
    let u = Array(bytes)
    var i = 0
    while i < u.count {
        if u[i] == ASCII.percent, i + 2 < u.count, let h = hexValue(u[i + 1]), let l = hexValue(u[i + 2]) {
            out.append(h << 4 | l)
            i += 3
        } else {
            out.append(u[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

@inline(__always) func hexValue(_ b: UInt8) -> UInt8? {
    switch b {
    case 0x30...0x39: return b - 0x30
    case 0x41...0x46: return b - 0x41 + 10
    case 0x61...0x66: return b - 0x61 + 10
    default: return nil
    }
}

extension ByteScanner {
    /// Parses a URI occupying `pos..<limit` exactly (no whitespace inside).
    mutating func uri(until limit: Int) throws(HeaderSyntaxError) -> URI {
        let start = pos
        guard pos < limit, ByteClass.isAlpha(bytes[pos]) else { throw error("expected a URI scheme") }
        pos = firstIndex(from: pos, to: limit) { !(ByteClass.isAlpha($0) || ByteClass.isDigit($0) || $0 == ASCII.plus || $0 == 0x2D || $0 == ASCII.dot) }
        guard pos < limit, bytes[pos] == ASCII.colon else { throw error("expected ':' after URI scheme", at: start) }
        let scheme = start..<pos
        pos += 1
        // Characters first, accumulated without a branch per byte; the position of a bad
        // one is looked up only on failure.
        let p = bytes, f = flags
        var ok = ByteClass.uriFlag
        for i in pos..<limit { ok &= f[Int(p[i])] }
        if ok == 0 {
            let i = firstIndex(from: pos, to: limit) { !ByteClass.isURIChar($0) && $0 < 0x80 }
            throw error("character '\(Self.printable(bytes[i]))' not allowed in a URI", at: i)
        }
        // The userinfo ends at the first '@' (neither user nor password may contain one).
        let at = MessageParser.find(ASCII.at, bytes, pos, limit) ?? -1
        switch scheme.count {
        case 3 where equalsLowercased(bytes, scheme, "sip"): return .sip(try sipURI(secure: false, uriStart: start, limit: limit, at: at))
        case 4 where equalsLowercased(bytes, scheme, "sips"): return .sip(try sipURI(secure: true, uriStart: start, limit: limit, at: at))
        case 3 where equalsLowercased(bytes, scheme, "tel"): return .tel(try telURI(limit: limit))
        default:
            let opaque = pos..<limit
            pos = limit
            return .other(scheme: string(scheme), opaque: string(opaque))
        }
    }


    private mutating func sipURI(secure: Bool, uriStart: Int, limit: Int, at: Int) throws(HeaderSyntaxError) -> SIPURI {
        var user: Range<Int>?, password: Range<Int>?
        if at >= 0 {
            let colon = firstIndex(from: pos, to: at) { $0 == ASCII.colon }
            guard colon > pos else { throw error("empty user part before '@' in SIP URI") }
            user = pos..<colon
            if colon < at { password = colon + 1..<at }
            pos = at + 1
        }
        let hostStart = pos
        if peek == ASCII.lbracket {
            pos = firstIndex(from: pos, to: limit) { $0 == ASCII.rbracket }
            guard pos < limit else { throw error("unterminated IPv6 reference in SIP URI", at: hostStart) }
            pos += 1
            let bad = firstIndex(from: hostStart + 1, to: pos - 1) { !(ByteClass.isHex($0) || $0 == ASCII.colon || $0 == ASCII.dot) }
            if bad < pos - 1 { throw error("invalid IPv6 reference in SIP URI", at: bad) }
        } else {
            let f = flags
            pos = firstIndex(from: pos, to: limit) { f[Int($0)] & ByteClass.hostFlag == 0 }
        }
        guard pos > hostStart else { throw error("missing host in SIP URI") }
        let host = hostStart..<pos
        var port: Int?
        if pos < limit, bytes[pos] == ASCII.colon {
            pos += 1
            port = Int(try number("SIP URI port", max: 65535))
        }
        let paramStart = pos
        while pos < limit, bytes[pos] == ASCII.semicolon {
            pos += 1
            let n = pos
            pos = firstIndex(from: pos, to: limit) { $0 == ASCII.semicolon || $0 == ASCII.equals || $0 == ASCII.question }
            guard pos > n else { throw error("empty URI parameter") }
            if pos < limit, bytes[pos] == ASCII.equals {
                pos = firstIndex(from: pos + 1, to: limit) { $0 == ASCII.semicolon || $0 == ASCII.question }
            }
        }
        let params = paramStart..<pos
        var headers: Range<Int>?
        if pos < limit, bytes[pos] == ASCII.question {
            pos += 1
            headers = pos..<limit
            while pos < limit {
                let hs = pos
                pos = firstIndex(from: pos, to: limit) { $0 == ASCII.ampersand }
                let eq = firstIndex(from: hs, to: pos) { $0 == ASCII.equals }
                guard eq > hs else { throw error("empty header name in SIP URI headers", at: hs) }
                if pos < limit { pos += 1 }
            }
        }
        guard pos == limit else { throw error("unexpected '\(Self.printable(bytes[pos]))' in SIP URI") }
        // Ranges so far index `bytes`; make them relative to the URI's own text.
        let text = slice(uriStart..<limit)
        func shift(_ r: Range<Int>) -> Range<Int> { r.lowerBound - uriStart..<r.upperBound - uriStart }
        return SIPURI(text: text, secure: secure, user: user.map(shift), password: password.map(shift), host: shift(host),
                      port: port, params: shift(params), headers: headers.map(shift))
    }

    private mutating func telURI(limit: Int) throws(HeaderSyntaxError) -> TelURI {
        let start = pos
        while pos < limit, bytes[pos] != ASCII.semicolon { pos += 1 }
        guard pos > start else { throw error("empty number in tel URI") }
        let number = string(start..<pos)
        let paramStart = pos
        while pos < limit, bytes[pos] == ASCII.semicolon {
            pos += 1
            let n = pos
            while pos < limit, bytes[pos] != ASCII.semicolon, bytes[pos] != ASCII.equals { pos += 1 }
            guard pos > n else { throw error("empty tel URI parameter") }
            while pos < limit, bytes[pos] != ASCII.semicolon { pos += 1 }
        }
        let params = pos > paramStart ? Parameters(canonical: slice(paramStart..<pos)) : Parameters()
        return TelURI(number: number, parameters: params)
    }
}
