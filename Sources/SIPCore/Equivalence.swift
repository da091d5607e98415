/// The comparison rules RFC 3261 gives for URIs (§19.1.4), tel URIs (RFC 3966 §4) and Via
/// fields (§20.42). RFC 2543 transaction matching (§17.2.3) compares requests with them.
extension URI {
    /// Whether the two URIs are equivalent: §19.1.4 for SIP and SIPS, RFC 3966 §4 for tel; any
    /// other scheme compares its scheme case-insensitively and the rest as written.
    public func isEquivalent(to other: URI) -> Bool {
        switch (self, other) {
        case (.sip(let a), .sip(let b)): return a.isEquivalent(to: b)
        case (.tel(let a), .tel(let b)): return a.isEquivalent(to: b)
        case (.other(let s, let a), .other(let t, let b)): return s.lowercased() == t.lowercased() && a == b
        default: return false
        }
    }
}

extension SIPURI {
    /// The §19.1.4 rules: SIP never equals SIPS; user and password compare case-sensitively,
    /// everything else case-insensitively; escapes of unreserved characters equal the
    /// characters; an omitted port (or user, ttl, method, maddr, transport parameter) never
    /// equals one given, even with its default value; other parameters count only when both
    /// URIs have them; headers must all be in both, in any order.
    public func isEquivalent(to o: SIPURI) -> Bool {
        guard secure == o.secure, port == o.port,
              URIText.same(user, o.user, caseSensitive: true), URIText.same(password, o.password, caseSensitive: true),
              URIText.normalised(host, caseSensitive: false) == URIText.normalised(o.host, caseSensitive: false)
        else { return false }
        let mine = URIText.parameterMap(parameters), theirs = URIText.parameterMap(o.parameters)
        for name in Set(mine.keys).union(theirs.keys) {
            switch (mine[name], theirs[name]) {
            case (let a?, let b?): if a != b { return false }
            case (nil, nil): break
            default: if Self.parametersThatMustBeInBoth.contains(name) { return false }
            }
        }
        return URIText.headerMap(headers) == URIText.headerMap(o.headers)
    }

    static let parametersThatMustBeInBoth: Set<String> = ["user", "ttl", "method", "maddr", "transport"]
}

extension TelURI {
    /// RFC 3966 §4: both global or both local; the digits equal once visual separators are
    /// removed; the same set of parameters with equal values (phone-context digits also
    /// without separators); all case-insensitive.
    public func isEquivalent(to o: TelURI) -> Bool {
        guard isGlobal == o.isGlobal, Self.digits(number) == Self.digits(o.number) else { return false }
        var mine = URIText.parameterMap(parameters), theirs = URIText.parameterMap(o.parameters)
        // A phone-context of global digits compares digit by digit, a domain name as a host.
        if let v = mine["phone-context"], v.first == "+" { mine["phone-context"] = Self.digits(v) }
        if let v = theirs["phone-context"], v.first == "+" { theirs["phone-context"] = Self.digits(v) }
        return mine == theirs
    }

    /// The number without visual separators (`-`, `.`, `(`, `)`), lowercased.
    static func digits(_ s: String) -> String {
        String(s.lowercased().filter { !"-.()".contains($0) })
    }
}

extension Via {
    /// §20.42: equal sent-protocol and sent-by, and the same set of parameters with equal
    /// values. Tokens, hosts and parameter values compare case-insensitively (§7.3.1), quoted
    /// values as written.
    public func isEquivalent(to o: Via) -> Bool {
        protocolName.lowercased() == o.protocolName.lowercased() && protocolVersion == o.protocolVersion
            && transport.lowercased() == o.transport.lowercased() && host.lowercased() == o.host.lowercased()
            && port == o.port && URIText.parameterMap(parameters) == URIText.parameterMap(o.parameters)
    }
}

/// Normal forms for the comparisons above.
enum URIText {
    /// RFC 3986 reserved characters of RFC 2396: their escapes stay escapes.
    static let reserved: Set<UInt8> = Set(";/?:@&=+$,".utf8)

    /// `s` with every escape of a character that is not reserved decoded, the other escapes'
    /// hex digits uppercased, and, unless `caseSensitive`, ASCII letters lowercased.
    static func normalised(_ s: String, caseSensitive: Bool) -> String {
        let u = Array(s.utf8)
        var out = [UInt8]()
        out.reserveCapacity(u.count)
        var i = 0
        while i < u.count {
            var b = u[i]
            if b == ASCII.percent, i + 2 < u.count, let h = hexValue(u[i + 1]), let l = hexValue(u[i + 2]) {
                let decoded = h << 4 | l
                i += 3
                if reserved.contains(decoded) {
                    out += [ASCII.percent, hexDigit(h), hexDigit(l)]
                    continue
                }
                b = decoded
            } else {
                i += 1
            }
            out.append(caseSensitive ? b : lower(b))
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func same(_ a: String?, _ b: String?, caseSensitive: Bool) -> Bool {
        switch (a, b) {
        case (nil, nil): return true
        case (let a?, let b?): return normalised(a, caseSensitive: caseSensitive) == normalised(b, caseSensitive: caseSensitive)
        default: return false
        }
    }

    /// Parameters by lowercased name (the first of a repeated name); a valueless parameter
    /// maps to "". Quoted values keep their case, others are normalised case-insensitively.
    static func parameterMap(_ p: Parameters) -> [String: String] {
        var out: [String: String] = [:]
        for item in p {
            let name = normalised(item.name, caseSensitive: false)
            guard out[name] == nil else { continue }
            let raw = item.rawValue ?? ""
            out[name] = raw.hasPrefix("\"") ? raw : normalised(raw, caseSensitive: false)
        }
        return out
    }

    /// URI headers by lowercased name, values normalised (compared case-sensitively: §20 leaves
    /// most header values so). A repeated name keeps every value, in order.
    static func headerMap(_ h: [(name: String, value: String)]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for (name, value) in h { out[normalised(name, caseSensitive: false), default: []].append(normalised(value, caseSensitive: true)) }
        return out
    }

    private static func lower(_ b: UInt8) -> UInt8 { b >= 0x41 && b <= 0x5A ? b + 32 : b }
    private static func hexDigit(_ v: UInt8) -> UInt8 { v < 10 ? 0x30 + v : 0x41 + v - 10 }
}
