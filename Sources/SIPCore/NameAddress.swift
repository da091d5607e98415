/// name-addr / addr-spec (RFC 3261 §25.1): an optional display name and a URI.
public struct NameAddress: Hashable, Sendable, CustomStringConvertible {
    /// As written: a token run, or a quoted-string with its quotes (`displayQuoted`).
    private var display: SharedText?
    private var displayQuoted = false
    public var uri: URI
    /// Whether the URI was (or is to be) written inside `<>`.
    public var angleBrackets: Bool

    /// The display name as shown to a user (quotes and escapes removed).
    public var displayName: String? {
        get {
            guard let d = display?.string else { return nil }
            return displayQuoted ? d.withBytes { unquote($0, 0..<$0.count) } : d
        }
        set {
            display = newValue.map(SharedText.init)
            displayQuoted = false
        }
    }

    public init(displayName: String? = nil, uri: URI, angleBrackets: Bool = true) {
        self.display = displayName.map(SharedText.init)
        self.uri = uri
        self.angleBrackets = angleBrackets
    }

    public init(parsing text: String) throws(HeaderSyntaxError) {
        self = try ByteScanner.over(text) { (s) throws(HeaderSyntaxError) -> NameAddress in
            s.skipLWS()
            let a = try s.nameAddress(listItem: false)
            s.skipLWS()
            guard s.atEnd else { throw s.error("unexpected text after the address") }
            return a
        }
    }

    public var description: String {
        var s = ""
        if let displayName, !displayName.isEmpty {
            s = Self.isTokenWords(displayName) ? displayName : quoteString(displayName)
            s += " "
        }
        // The URI's text is made once (it is both tested and written).
        let u = uri.description
        if angleBrackets || displayName != nil || Self.needsBrackets(u) {
            s += "<"
            s += u
            s += ">"
        } else {
            s += u
        }
        return s
    }

    /// Whether `name` is tokens separated by single spaces (it is then written unquoted):
    /// checked on the bytes, with no split into Strings.
    static func isTokenWords(_ name: String) -> Bool {
        var previousSpace = true  // no space first, none twice
        for b in name.utf8 {
            if b == ASCII.sp {
                if previousSpace { return false }
                previousSpace = true
            } else {
                guard ByteClass.isToken(b) else { return false }
                previousSpace = false
            }
        }
        return !previousSpace  // none last (and not empty)
    }

    init(display: SharedText?, quoted: Bool, uri: URI, angleBrackets: Bool) {
        self.display = display
        self.displayQuoted = quoted
        self.uri = uri
        self.angleBrackets = angleBrackets
    }

    public static func == (a: NameAddress, b: NameAddress) -> Bool {
        a.displayName == b.displayName && a.uri == b.uri && a.angleBrackets == b.angleBrackets
    }

    public func hash(into h: inout Hasher) {
        h.combine(displayName)
        h.combine(uri)
    }

    // A URI with ',', ';' or '?' must be enclosed (RFC 3261 §20).
    static func needsBrackets(_ uriText: String) -> Bool {
        uriText.utf8.contains { $0 == ASCII.comma || $0 == ASCII.semicolon || $0 == ASCII.question }
    }
}

/// An address header value with its header parameters: From, To, Contact, Route,
/// Record-Route, Path, Service-Route, P-Asserted-Identity, P-Preferred-Identity, ...
public struct AddressValue: Hashable, Sendable, CustomStringConvertible {
    public var address: NameAddress
    public var parameters: Parameters

    public init(_ address: NameAddress, parameters: Parameters = []) {
        self.address = address
        self.parameters = parameters
    }

    public var uri: URI {
        get { address.uri }
        set { address.uri = newValue }
    }
    public var displayName: String? {
        get { address.displayName }
        set { address.displayName = newValue }
    }
    public var tag: String? {
        get { parameters["tag"] }
        set { parameters.set("tag", newValue) }
    }

    public var description: String { address.description + parameters.serialized }
}

extension ByteScanner {
    /// Parses name-addr or addr-spec at `pos`. For an addr-spec the URI ends at whitespace,
    /// ';' or (in a list) ','.
    mutating func nameAddress(listItem: Bool) throws(HeaderSyntaxError) -> NameAddress {
        guard let first = peek else { throw error("expected an address, found end of value") }
        var display: SharedText?
        var quoted = false
        if first == ASCII.quote {
            let q = try quotedString("quoted display name")
            display = SharedText(slice(q))
            quoted = true
            skipLWS()
            guard peek == ASCII.lt else { throw error("expected '<' after the quoted display name") }
        } else if first != ASCII.lt {
            // Either a token display name followed by '<', or an addr-spec.
            let start = pos
            var i = pos, lastNonSpace = pos
            let f = flags
            while i < end, f[Int(bytes[i])] & (ByteClass.tokenFlag | ByteClass.lwsFlag) != 0 {
                if !ByteClass.isLWS(bytes[i]) { lastNonSpace = i + 1 }
                i += 1
            }
            if i < end, bytes[i] == ASCII.lt {
                display = SharedText(slice(start..<lastNonSpace))
                pos = i
            } else {
                let stop = i < end ? bytes[i] : 0
                if stop != ASCII.colon, stop != 0, contains(ASCII.lt, from: i) {
                    throw error("unquoted display name contains '\(Self.printable(stop))', which is not a token character; quote it", at: i)
                }
                return try addrSpec(listItem: listItem)
            }
        }
        let lt = pos
        pos += 1  // '<'
        guard let gt = MessageParser.find(ASCII.gt, bytes, pos, end) else {
            throw error("unterminated '<' around the URI", at: lt)
        }
        // Accumulate the classes of the bytes without a branch each; locate only on failure.
        let f = flags, p = bytes
        var seen: UInt8 = 0
        for k in pos..<gt { seen |= f[Int(p[k])] }
        if seen & ByteClass.lwsFlag != 0 {
            let ws = firstIndex(from: pos, to: gt) { f[Int($0)] & ByteClass.lwsFlag != 0 }
            throw error("whitespace inside <> around the URI", at: ws)
        }
        let u = try uri(until: gt)
        pos = gt + 1
        return NameAddress(display: display, quoted: quoted, uri: u, angleBrackets: true)
    }

    private mutating func addrSpec(listItem: Bool) throws(HeaderSyntaxError) -> NameAddress {
        let start = pos
        let i = firstIndex(from: pos, to: end) { ByteClass.isLWS($0) || $0 == ASCII.semicolon || (listItem && $0 == ASCII.comma) }
        if let q = (start..<i).first(where: { bytes[$0] == ASCII.question }) {
            throw error("URI with headers ('?') must be enclosed in <> in a header field", at: q)
        }
        let u = try uri(until: i)
        return NameAddress(displayName: nil, uri: u, angleBrackets: false)
    }

    func contains(_ b: UInt8, from i: Int) -> Bool {
        var k = i
        while k < end { if bytes[k] == b { return true }; k += 1 }
        return false
    }

    /// name-addr / addr-spec followed by header parameters.
    mutating func addressValue(_ what: String, listItem: Bool) throws(HeaderSyntaxError) -> AddressValue {
        let a = try nameAddress(listItem: listItem)
        let p = try headerParameters(what)
        return AddressValue(a, parameters: p)
    }
}
