import Foundation

/// Shared accessors for `scheme auth-param, auth-param, ...` headers (RFC 3261 §20.27, §25.1;
/// RFC 7616/8760). Parameters keep their order and raw (quoted or not) values so an
/// unmodified value re-serialises as written.
public protocol AuthParameterized {
    var parameters: Parameters { get set }
}

extension AuthParameterized {
    public var realm: String? {
        get { parameters["realm"] }
        set { parameters.setAuth("realm", newValue, quoted: true) }
    }
    public var nonce: String? {
        get { parameters["nonce"] }
        set { parameters.setAuth("nonce", newValue, quoted: true) }
    }
    public var opaque: String? {
        get { parameters["opaque"] }
        set { parameters.setAuth("opaque", newValue, quoted: true) }
    }
    /// MD5, SHA-256, SHA-512-256 (RFC 8760), AKAv1-MD5 / AKAv2-SHA-256 (RFC 3310/4169), ...
    public var algorithm: String? {
        get { parameters["algorithm"] }
        set { parameters.setAuth("algorithm", newValue, quoted: false) }
    }
    /// RFC 8760 `userhash`: the username is hashed.
    public var userhash: Bool? {
        get { parameters["userhash"].map { $0.lowercased() == "true" } }
        set { parameters.setAuth("userhash", newValue.map { $0 ? "true" : "false" }, quoted: false) }
    }
}

/// A `scheme auth-params` value: a challenge or credentials.
public protocol AuthSchemeValue: AuthParameterized, CustomStringConvertible {
    var scheme: String { get set }
    /// RFC 7235 token68 form (`Basic dXNlcg==`), for non-Digest schemes only.
    var token68: String? { get set }
    init(scheme: String, parameters: Parameters, token68: String?)
}

extension AuthSchemeValue {
    public var isDigest: Bool { scheme.caseInsensitiveEquals("Digest") }
    public var description: String { authDescription(scheme, parameters, token68) }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> Self {
        let (scheme, params, t68) = try s.authSchemeAndParams()
        return Self(scheme: scheme, parameters: params, token68: t68)
    }
}

/// WWW-Authenticate / Proxy-Authenticate (RFC 3261 §20.27, §20.44). Unknown schemes keep
/// their parameters (or a token68 blob) so they re-serialise as written.
public struct Challenge: ScannableHeaderValue, Hashable, AuthSchemeValue {
    public static let headers: [KnownHeader] = [.wwwAuthenticate, .proxyAuthenticate]
    public var scheme: String
    public var parameters: Parameters
    public var token68: String?

    public init(scheme: String = "Digest", parameters: Parameters = [], token68: String? = nil) {
        self.scheme = scheme
        self.parameters = parameters
        self.token68 = token68
    }

    /// qop-options: the quoted, comma-separated list offered (`qop="auth,auth-int"`).
    public var qop: [String] {
        get { splitAuthList(parameters["qop"]) }
        set { parameters.setAuth("qop", newValue.isEmpty ? nil : newValue.joined(separator: ","), quoted: true) }
    }
    public var stale: Bool? {
        get { parameters["stale"].map { $0.lowercased() == "true" } }
        set { parameters.setAuth("stale", newValue.map { $0 ? "true" : "false" }, quoted: false) }
    }
    /// Protection-space URIs (quoted, space-separated).
    public var domain: [String] {
        get { (parameters["domain"] ?? "").split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init) }
        set { parameters.setAuth("domain", newValue.isEmpty ? nil : newValue.joined(separator: " "), quoted: true) }
    }
    /// IMS cipher / integrity keys (TS 33.203): only on the S-CSCF -> P-CSCF leg; a P-CSCF
    /// must strip them before the 401 reaches the UE.
    public var ck: String? {
        get { parameters["ck"] }
        set { parameters.setAuth("ck", newValue, quoted: true) }
    }
    public var ik: String? {
        get { parameters["ik"] }
        set { parameters.setAuth("ik", newValue, quoted: true) }
    }

}

/// Authorization / Proxy-Authorization (RFC 3261 §20.7, §20.28; RFC 3310 `auts`;
/// TS 24.229 `integrity-protected`).
public struct Credentials: ScannableHeaderValue, Hashable, AuthSchemeValue {
    public static let headers: [KnownHeader] = [.authorization, .proxyAuthorization]
    public var scheme: String
    public var parameters: Parameters
    public var token68: String?

    public init(scheme: String = "Digest", parameters: Parameters = [], token68: String? = nil) {
        self.scheme = scheme
        self.parameters = parameters
        self.token68 = token68
    }

    public var username: String? {
        get { parameters["username"] }
        set { parameters.setAuth("username", newValue, quoted: true) }
    }
    public var uri: String? {
        get { parameters["uri"] }
        set { parameters.setAuth("uri", newValue, quoted: true) }
    }
    public var response: String? {
        get { parameters["response"] }
        set { parameters.setAuth("response", newValue, quoted: true) }
    }
    public var cnonce: String? {
        get { parameters["cnonce"] }
        set { parameters.setAuth("cnonce", newValue, quoted: true) }
    }
    /// nonce-count as written (8 hex digits); see `nonceCount`.
    public var nc: String? {
        get { parameters["nc"] }
        set { parameters.setAuth("nc", newValue, quoted: false) }
    }
    public var nonceCount: UInt32? { nc.flatMap { UInt32($0, radix: 16) } }
    /// message-qop: the single qop chosen (unquoted).
    public var qop: String? {
        get { parameters["qop"] }
        set { parameters.setAuth("qop", newValue, quoted: false) }
    }
    /// AKA resynchronisation token (RFC 3310 §3.4).
    public var auts: String? {
        get { parameters["auts"] }
        set { parameters.setAuth("auts", newValue, quoted: true) }
    }
    /// TS 24.229: "yes", "no", "tls-pending", "tls-yes", "ip-assoc-pending", "ip-assoc-yes", "auth-done".
    public var integrityProtected: String? {
        get { parameters["integrity-protected"] }
        set { parameters.setAuth("integrity-protected", newValue, quoted: true) }
    }

}

/// Authentication-Info (RFC 3261 §20.6): `ainfo *(COMMA ainfo)` with no scheme.
public struct AuthenticationInfo: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.authenticationInfo]
    public var parameters: Parameters

    public init(parameters: Parameters = []) { self.parameters = parameters }

    public var nextnonce: String? {
        get { parameters["nextnonce"] }
        set { parameters.setAuth("nextnonce", newValue, quoted: true) }
    }
    public var qop: String? {
        get { parameters["qop"] }
        set { parameters.setAuth("qop", newValue, quoted: false) }
    }
    public var rspauth: String? {
        get { parameters["rspauth"] }
        set { parameters.setAuth("rspauth", newValue, quoted: true) }
    }
    public var cnonce: String? {
        get { parameters["cnonce"] }
        set { parameters.setAuth("cnonce", newValue, quoted: true) }
    }
    public var nc: String? {
        get { parameters["nc"] }
        set { parameters.setAuth("nc", newValue, quoted: false) }
    }

    public var description: String { parameters.map(\.description).joined(separator: ", ") }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> AuthenticationInfo {
        AuthenticationInfo(parameters: try s.authParamList("Authentication-Info"))
    }
}

extension SIPMessage {
    /// WWW-Authenticate challenges (one per field).
    public var challenges: [Challenge] { (try? headerValues(Challenge.self, .wwwAuthenticate)) ?? [] }
    public var proxyChallenges: [Challenge] { (try? headerValues(Challenge.self, .proxyAuthenticate)) ?? [] }
    public var authorization: Credentials? { headerValue(Credentials.self, .authorization) }
    public var proxyAuthorization: Credentials? { headerValue(Credentials.self, .proxyAuthorization) }
    public var authenticationInfo: AuthenticationInfo? { headerValue(AuthenticationInfo.self, .authenticationInfo) }
}

// MARK: - Internals

func authDescription(_ scheme: String, _ params: Parameters, _ token68: String?) -> String {
    if let token68 { return "\(scheme) \(token68)" }
    if params.isEmpty { return scheme }
    return scheme + " " + params.map(\.description).joined(separator: ", ")
}

/// Splits a comma-separated list inside one (already unquoted) value.
func splitAuthList(_ v: String?) -> [String] {
    guard let v else { return [] }
    return v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
}

extension Parameters {
    /// Sets an auth-param: nil removes it; `quoted` forces a quoted-string (Digest requires
    /// quotes on realm, nonce, uri, ... and forbids them on algorithm, nc, qop in credentials).
    mutating func setAuth(_ name: String, _ value: String?, quoted: Bool) {
        guard let value else { remove(name); return }
        setRaw(name, quoted || !isToken(value) ? quoteString(value) : value)
    }
}

extension ByteScanner {
    /// auth-scheme LWS (auth-param *(COMMA auth-param) / token68). A Digest scheme needs params.
    mutating func authSchemeAndParams() throws(HeaderSyntaxError) -> (String, Parameters, String?) {
        let schemeRange = try requireToken("auth scheme (Digest)")
        let scheme = string(schemeRange)
        let isDigest = scheme.caseInsensitiveEquals("Digest")
        let afterScheme = pos
        skipLWS()
        if atEnd {
            if isDigest { throw error("expected Digest parameters after the scheme") }
            return (scheme, [], nil)
        }
        guard pos > afterScheme else { throw error("expected LWS after the auth scheme \(scheme)") }
        if !isDigest, let t = authToken68() { return (scheme, [], string(t)) }
        return (scheme, try authParamList(scheme), nil)
    }

    /// RFC 7235 token68, only when it is the whole rest of the value (else it is an auth-param).
    mutating func authToken68() -> Range<Int>? {
        let start = pos
        while let b = peek, ByteClass.isAlpha(b) || ByteClass.isDigit(b) || b == 0x2D || b == ASCII.dot
            || b == 0x5F || b == 0x7E || b == ASCII.plus || b == ASCII.slash { pos += 1 }
        guard pos > start else { return nil }
        while peek == ASCII.equals { pos += 1 }
        let r = start..<pos
        skipLWS()
        if atEnd { pos = r.upperBound; return r }
        pos = start
        return nil
    }

    /// auth-param *(COMMA auth-param); value = token / quoted-string (host-like and '/' '@'
    /// tolerated unquoted, as some UAs send `uri=sip:...`).
    mutating func authParamList(_ what: String) throws(HeaderSyntaxError) -> Parameters {
        var params = ParametersBuilder()
        repeat {
            guard let name = token() else {
                if peek == ASCII.comma { throw error("empty \(what) parameter (extraneous ',')") }
                if let b = peek { throw error("expected a \(what) parameter name, found '\(Self.printable(b))'") }
                throw error("expected a \(what) parameter name, found end of value")
            }
            guard consumeSeparator(ASCII.equals) else {
                throw error("expected '=' and a value after \(what) parameter '\(string(name))'")
            }
            let v: Range<Int>
            if peek == ASCII.quote {
                let b = bytes
                v = try quotedString("quoted \(what) parameter \(String(b, name)) value")
            } else {
                let start = pos
                while let b = peek, ByteClass.isToken(b) || b == ASCII.colon || b == ASCII.lbracket
                    || b == ASCII.rbracket || b == ASCII.slash || b == ASCII.at { pos += 1 }
                guard pos > start else { throw error("expected a value for \(what) parameter '\(string(name))'") }
                v = start..<pos
            }
            params.add(bytes, name, v)
        } while consumeSeparator(ASCII.comma)
        return params.build()
    }
}
