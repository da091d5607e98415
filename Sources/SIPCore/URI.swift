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
public struct SIPURI: Hashable, Sendable, CustomStringConvertible {
    public var secure: Bool
    public var user: String?
    public var password: String?
    /// Host as written; an IPv6 reference keeps its brackets.
    public var host: String
    public var port: Int?
    public var parameters: Parameters
    /// `?name=value&...` headers, escaped as written.
    public var headers: [(name: String, value: String)]

    public init(secure: Bool = false, user: String? = nil, password: String? = nil, host: String, port: Int? = nil,
                parameters: Parameters = [], headers: [(name: String, value: String)] = []) {
        self.secure = secure
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.parameters = parameters
        self.headers = headers
    }

    /// The user part with %-escapes decoded (bytes that are not UTF-8 are replaced).
    public var decodedUser: String? { user.map(percentDecode) }

    /// The user part split as a telephone-subscriber: number and `;name=value` user parameters
    /// (where `verstat` sits in a SIP URI, TS 24.229 §7.2A.20).
    public var userNumber: (number: String, parameters: Parameters)? {
        guard let user else { return nil }
        let parts = user.split(separator: ";", omittingEmptySubsequences: false)
        var params = Parameters()
        for p in parts.dropFirst() {
            let kv = p.split(separator: "=", maxSplits: 1)
            params.append(Parameter(name: String(kv[0]), rawValue: kv.count > 1 ? String(kv[1]) : nil))
        }
        return (String(parts[0]), params)
    }

    public var transport: String? { parameters["transport"] }
    public var isPhone: Bool { parameters["user"]?.lowercased() == "phone" }

    public var description: String {
        var s = secure ? "sips:" : "sip:"
        if let user {
            s += user
            if let password { s += ":" + password }
            s += "@"
        }
        s += host
        if let port { s += ":\(port)" }
        s += parameters.serialized
        if !headers.isEmpty {
            s += "?" + headers.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
        }
        return s
    }

    public static func == (a: SIPURI, b: SIPURI) -> Bool {
        a.secure == b.secure && a.user == b.user && a.password == b.password && a.host == b.host && a.port == b.port
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
    var out = [UInt8]()
    let u = Array(s.utf8)
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

@inline(__always) private func hexValue(_ b: UInt8) -> UInt8? {
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
        while pos < limit, ByteClass.isAlpha(bytes[pos]) || ByteClass.isDigit(bytes[pos])
            || bytes[pos] == ASCII.plus || bytes[pos] == 0x2D || bytes[pos] == ASCII.dot { pos += 1 }
        guard pos < limit, bytes[pos] == ASCII.colon else { throw error("expected ':' after URI scheme", at: start) }
        let scheme = start..<pos
        pos += 1
        // One pass checks the characters and finds the userinfo's '@' (the first one:
        // neither user nor password may contain it).
        var at = -1
        for i in pos..<limit {
            let b = bytes[i]
            if b == ASCII.at {
                if at < 0 { at = i }
            } else if !ByteClass.isURIChar(b) && b < 0x80 {
                throw error("character '\(Self.printable(b))' not allowed in a URI", at: i)
            }
        }
        switch scheme.count {
        case 3 where asciiEqualsLower(scheme, "sip"): return .sip(try sipURI(secure: false, limit: limit, at: at))
        case 4 where asciiEqualsLower(scheme, "sips"): return .sip(try sipURI(secure: true, limit: limit, at: at))
        case 3 where asciiEqualsLower(scheme, "tel"): return .tel(try telURI(limit: limit))
        default:
            let opaque = pos..<limit
            pos = limit
            return .other(scheme: string(scheme), opaque: string(opaque))
        }
    }

    func asciiEqualsLower(_ r: Range<Int>, _ lower: StaticString) -> Bool {
        guard r.count == lower.utf8CodeUnitCount else { return false }
        let p = lower.utf8Start
        for (k, i) in r.enumerated() where ByteClass.lower(bytes[i]) != p[k] { return false }
        return true
    }

    private mutating func sipURI(secure: Bool, limit: Int, at: Int) throws(HeaderSyntaxError) -> SIPURI {
        var user: String?, password: String?
        if at >= 0 {
            var colon = at
            for i in pos..<at where bytes[i] == ASCII.colon { colon = i; break }
            guard colon > pos else { throw error("empty user part before '@' in SIP URI") }
            user = string(pos..<colon)
            if colon < at { password = string(colon + 1..<at) }
            pos = at + 1
        }
        let hostStart = pos
        if peek == ASCII.lbracket {
            while pos < limit, bytes[pos] != ASCII.rbracket { pos += 1 }
            guard pos < limit else { throw error("unterminated IPv6 reference in SIP URI", at: hostStart) }
            pos += 1
            for i in hostStart + 1..<pos - 1 where !(ByteClass.isHex(bytes[i]) || bytes[i] == ASCII.colon || bytes[i] == ASCII.dot) {
                throw error("invalid IPv6 reference in SIP URI", at: i)
            }
        } else {
            while pos < limit, ByteClass.isAlpha(bytes[pos]) || ByteClass.isDigit(bytes[pos]) || bytes[pos] == 0x2D
                || bytes[pos] == ASCII.dot || bytes[pos] == 0x5F { pos += 1 }
        }
        guard pos > hostStart else { throw error("missing host in SIP URI") }
        let host = string(hostStart..<pos)
        var port: Int?
        if pos < limit, bytes[pos] == ASCII.colon {
            pos += 1
            port = Int(try number("SIP URI port", max: 65535))
        }
        let paramStart = pos
        while pos < limit, bytes[pos] == ASCII.semicolon {
            pos += 1
            let n = pos
            while pos < limit, bytes[pos] != ASCII.semicolon, bytes[pos] != ASCII.equals, bytes[pos] != ASCII.question { pos += 1 }
            guard pos > n else { throw error("empty URI parameter") }
            if pos < limit, bytes[pos] == ASCII.equals {
                pos += 1
                while pos < limit, bytes[pos] != ASCII.semicolon, bytes[pos] != ASCII.question { pos += 1 }
            }
        }
        let params = pos > paramStart ? Parameters(canonical: slice(paramStart..<pos)) : Parameters()
        var headers: [(name: String, value: String)] = []
        if pos < limit, bytes[pos] == ASCII.question {
            pos += 1
            while pos < limit {
                let hs = pos
                while pos < limit, bytes[pos] != ASCII.ampersand { pos += 1 }
                let pair = string(hs..<pos)
                let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard !kv[0].isEmpty else { throw error("empty header name in SIP URI headers", at: hs) }
                headers.append((String(kv[0]), kv.count > 1 ? String(kv[1]) : ""))
                if pos < limit { pos += 1 }
            }
        }
        guard pos == limit else { throw error("unexpected '\(Self.printable(bytes[pos]))' in SIP URI") }
        return SIPURI(secure: secure, user: user, password: password, host: host, port: port, parameters: params, headers: headers)
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
