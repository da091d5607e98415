/// Identity (RFC 8224 §4): `signed-identity-digest ;info=<absoluteURI> [;alg=token] [;ppt=token]`.
/// A request may carry several Identity fields (one PASSporT each), so the header is not a list.
/// The RFC 4474 quoted form (`Identity: "base64..."`) is also read, for interop testing.
public struct IdentityValue: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.identity]
    /// The compact JWS (header.payload.signature; `..signature` in compact form).
    public var jws: String
    /// Written as a quoted-string (RFC 4474 style).
    public var quoted: Bool
    /// All parameters in order; `info` keeps its angle brackets in the raw value.
    public var parameters: Parameters

    public init(jws: String, info: String? = nil, alg: String? = nil, ppt: String? = nil, parameters: Parameters = []) {
        self.jws = jws
        self.quoted = false
        self.parameters = parameters
        // Nothing to replace (the signer's case): the text the setters below would leave is
        // written in one buffer. An `info` with ';' would read as two parameters: setters.
        if parameters.isEmpty, !(info?.utf8.contains(ASCII.semicolon) ?? false) {
            var text: [UInt8] = []
            if let info { text += ";info=<".utf8; text += info.utf8; text.append(UInt8(ascii: ">")) }
            if let alg { text += ";alg=".utf8; text += Parameters.written(alg).utf8 }
            if let ppt { text += ";ppt=".utf8; text += Parameters.written(ppt).utf8 }
            if !text.isEmpty { self.parameters = Parameters(canonical: ByteSpan(text)) }
            return
        }
        if let info { self.info = info }
        if let alg { self.alg = alg }
        if let ppt { self.ppt = ppt }
    }

    /// The certificate URI, without `<>`.
    public var info: String? {
        get {
            guard let raw = parameters.rawValue("info") else { return nil }
            // Byte-wise: Character counting and dropping cost more than the whole lookup.
            let u = raw.utf8
            guard u.count >= 2, u.first == UInt8(ascii: "<"), u.last == UInt8(ascii: ">") else { return raw }
            return String(Substring(u[u.index(after: u.startIndex)..<u.index(before: u.endIndex)]))
        }
        set { if let newValue { parameters.setRaw("info", "<\(newValue)>") } else { parameters.remove("info") } }
    }
    /// `ES256` for SHAKEN.
    public var alg: String? {
        get { parameters["alg"] }
        set { setParam("alg", newValue) }
    }
    /// PASSporT extension type: `shaken`, `div`, `rcd`, ...
    public var ppt: String? {
        get { parameters["ppt"] }
        set { setParam("ppt", newValue) }
    }

    /// RFC 8224 §7.3 / RFC 8225 §7: header and payload omitted, so the verifier rebuilds them.
    public var isCompactForm: Bool { jws.hasPrefix("..") }
    /// The dot-separated JWS segments (three for a well-formed JWS).
    public var segments: [Substring] { jws.split(separator: ".", omittingEmptySubsequences: false) }

    public var description: String { (quoted ? quoteString(jws) : jws) + parameters.serialized }

    private mutating func setParam(_ name: String, _ value: String?) {
        if let value { parameters.set(name, value) } else { parameters.remove(name) }
    }

    /// base64url plus '.', and base64 '+', '/', '=' leniently: one mask test per byte (a JWS
    /// is hundreds of bytes).
    @inline(__always) static func isDigestChar(_ b: UInt8) -> Bool {
        ByteClass.test(b, 0x23FF_E800_0000_0000, 0x07FF_FFFE_87FF_FFFE)
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> IdentityValue {
        var v = IdentityValue(jws: "")
        if s.peek == ASCII.quote {
            v.jws = unquote(s.bytes, try s.quotedString("quoted Identity digest"))
            v.quoted = true
        } else {
            let start = s.pos
            while let b = s.peek, isDigestChar(b) { s.pos += 1 }
            guard s.pos > start else {
                if let b = s.peek {
                    throw s.error("expected the Identity signed-identity-digest (base64url JWS), found '\(ByteScanner.printable(b))'")
                }
                throw s.error("expected the Identity signed-identity-digest (base64url JWS), found end of value")
            }
            v.jws = s.string(start..<s.pos)
        }
        // Parameters are collected as `;name[=raw]` text and made once (appending each to
        // `parameters` copies the text so far).
        var text: [UInt8] = []
        while s.consumeSeparator(ASCII.semicolon) {
            guard let name = s.token() else { throw s.error("empty Identity parameter (extraneous ';')") }
            let n = s.string(name)
            var raw: String?
            if s.consumeSeparator(ASCII.equals) {
                if n.caseInsensitiveEquals("info") {
                    guard s.peek == ASCII.lt else { throw s.error("Identity info parameter must be <absoluteURI>") }
                    raw = "<\(try s.angleAbsoluteURI("Identity info"))>"
                } else {
                    raw = s.string(try s.genericValue("Identity"))
                }
            } else if n.caseInsensitiveEquals("info") {
                throw s.error("Identity info parameter must be <absoluteURI>")
            }
            text.append(ASCII.semicolon)
            text += n.utf8
            if let raw {
                text.append(ASCII.equals)
                text += raw.utf8
            }
        }
        if !text.isEmpty { v.parameters = Parameters(canonical: ByteSpan(text)) }
        return v
    }
}

/// RFC 3325 §9.1: P-Asserted-Identity / P-Preferred-Identity carry one value (sip, sips or
/// tel), or two: one sip/sips and one tel. Returns nil when `values` conform, else why not.
public func validateAssertedIdentities(_ values: [AddressValue], header: KnownHeader = .pAssertedIdentity) -> String? {
    let name = header.name
    guard !values.isEmpty else { return "\(name) has no value" }
    guard values.count <= 2 else { return "\(name) has \(values.count) values (at most 2)" }
    var sip = 0, tel = 0
    for v in values {
        switch v.uri.scheme.lowercased() {
        case "sip", "sips": sip += 1
        case "tel": tel += 1
        case let other: return "\(name) has an unsupported URI scheme \(other) (sip, sips or tel only)"
        }
    }
    if sip > 1 { return "\(name) has two sip/sips URIs (at most one sip/sips and one tel)" }
    if tel > 1 { return "\(name) has two tel URIs (at most one sip/sips and one tel)" }
    return nil
}

extension SIPMessage {
    /// Every Identity field's value, in order.
    public var identities: [IdentityValue] { (try? headerValues(IdentityValue.self, .identity)) ?? [] }

    /// The RFC 3325 §9.1 problem with P-Asserted-Identity, if any (nil when absent, valid, or unparsable).
    public var assertedIdentityProblem: String? {
        guard contains(.pAssertedIdentity),
              let values = try? headerValues(AddressValue.self, .pAssertedIdentity) else { return nil }
        return validateAssertedIdentities(values, header: .pAssertedIdentity)
    }
}
