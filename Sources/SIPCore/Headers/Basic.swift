import Foundation

/// CSeq (RFC 3261 §20.16): sequence number below 2**31 and the method.
public struct CSeq: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.cseq]
    public var sequence: UInt32
    private var _method: SharedText
    public var method: String {
        get { _method.string }
        set { _method.string = newValue }
    }

    public init(_ sequence: UInt32, _ method: String) {
        self.sequence = sequence
        self._method = SharedText(method)
    }

    init(_ sequence: UInt32, method: SharedText) {
        self.sequence = sequence
        self._method = method
    }

    public var description: String { "\(sequence) \(method)" }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> CSeq {
        let n = try s.number("sequence number", max: UInt64(Int32.max))
        let before = s.pos
        s.skipLWS()
        guard s.pos > before else { throw s.error("expected LWS between the CSeq number and method") }
        let m = try s.requireToken("CSeq method")
        return CSeq(UInt32(n), method: SharedText(s.slice(m)))
    }
}

/// A single decimal number header: Max-Forwards (0-255), Expires, Min-Expires, RSeq,
/// Retry-After (delta-seconds with optional comment and params).
public struct Numeric: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.expires, .minExpires, .retryAfter, .rseq, .minSE]
    public var value: UInt32
    public var parameters: Parameters

    public init(_ value: UInt32, parameters: Parameters = []) {
        self.value = value
        self.parameters = parameters
    }

    public var description: String { "\(value)\(parameters.serialized)" }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> Numeric {
        let v = try s.number("delta-seconds value", max: UInt64(UInt32.max))
        // Retry-After: [comment] *(;param); Session-Expires-like params are allowed generally.
        s.skipLWS()
        if s.peek == 0x28 { try s.skipComment() }
        return Numeric(UInt32(v), parameters: try s.headerParameters("header"))
    }
}

/// Max-Forwards (RFC 3261 §20.22) is a number in 0...255.
public struct MaxForwards: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.maxForwards]
    public var hops: UInt8
    public init(_ hops: UInt8) { self.hops = hops }
    public var description: String { String(hops) }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> MaxForwards {
        MaxForwards(UInt8(try s.number("Max-Forwards", max: 255)))
    }
}

/// Call-ID (RFC 3261 §20.8): word [ "@" word ].
public struct CallID: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.callID]
    private var text: SharedText
    public var value: String {
        get { text.string }
        set { text.string = newValue }
    }
    public init(_ value: String) { text = SharedText(value) }
    init(_ text: SharedText) { self.text = text }
    public var description: String { value }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> CallID {
        let start = s.pos
        var at = false
        while let b = s.peek, ByteClass.isWordChar(b) || b == ASCII.at {
            if b == ASCII.at {
                guard !at else { throw s.error("Call-ID has more than one '@'") }
                at = true
            }
            s.pos += 1
        }
        guard s.pos > start else { throw s.error("empty Call-ID") }
        return CallID(SharedText(s.slice(start..<s.pos)))
    }
}

/// A comma-separated token list element: Require, Proxy-Require, Supported, Unsupported,
/// Allow, Content-Encoding, Allow-Events, Accept-Encoding, Content-Language, Accept-Language.
public struct OptionTag: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.supported, .require, .proxyRequire, .unsupported, .allow,
                                                .contentEncoding, .allowEvents, .acceptEncoding, .contentLanguage,
                                                .acceptLanguage]
    private var text: SharedText
    public var value: String {
        get { text.string }
        set { text.string = newValue }
    }
    public var parameters: Parameters
    public init(_ value: String, parameters: Parameters = []) {
        self.text = SharedText(value)
        self.parameters = parameters
    }
    public var description: String { value + parameters.serialized }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> OptionTag {
        let t = try s.requireToken("a token")
        var tag = OptionTag("", parameters: try s.headerParameters("header"))
        tag.text = SharedText(s.slice(t))
        return tag
    }
}

/// media-type (RFC 3261 §20.15): Content-Type and each Accept element.
public struct MediaType: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.contentType, .accept]
    private var _type: SharedText
    private var _subtype: SharedText
    public var type: String {
        get { _type.string }
        set { _type.string = newValue }
    }
    public var subtype: String {
        get { _subtype.string }
        set { _subtype.string = newValue }
    }
    public var parameters: Parameters

    public init(_ type: String, _ subtype: String, parameters: Parameters = []) {
        self._type = SharedText(type)
        self._subtype = SharedText(subtype)
        self.parameters = parameters
    }

    /// "application/sdp", lower-cased.
    public var mimeType: String { "\(type)/\(subtype)".lowercased() }
    public var boundary: String? { parameters["boundary"] }
    public var description: String { "\(type)/\(subtype)\(parameters.serialized)" }

    public func matches(_ other: MediaType) -> Bool {
        let t = type.lowercased(), st = subtype.lowercased()
        let ot = other.type.lowercased(), ost = other.subtype.lowercased()
        return (t == "*" || ot == "*" || t == ot) && (st == "*" || ost == "*" || st == ost)
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> MediaType {
        let t = try s.requireToken("media type")
        guard s.consumeSeparator(ASCII.slash) else { throw s.error("expected '/' in the media type") }
        let st = try s.requireToken("media subtype")
        var m = MediaType("", "", parameters: try s.headerParameters("media type"))
        m._type = SharedText(s.slice(t))
        m._subtype = SharedText(s.slice(st))
        return m
    }
}

/// Warning (RFC 3261 §20.43): 3-digit code, agent, quoted text.
public struct Warning: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.warning]
    public var code: Int
    public var agent: String
    public var text: String
    public init(code: Int, agent: String, text: String) {
        self.code = code
        self.agent = agent
        self.text = text
    }
    public var description: String { "\(code) \(agent) \(quoteString(text))" }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> Warning {
        let start = s.pos
        guard let d = s.digits(), d.count == 3 else { throw s.error("Warning code must be three digits", at: start) }
        let code = Int(s.string(d)) ?? 0
        s.skipLWS()
        let a = s.pos
        while let b = s.peek, !ByteClass.isLWS(b) { s.pos += 1 }
        guard s.pos > a else { throw s.error("expected the Warning agent") }
        let agent = s.string(a..<s.pos)
        s.skipLWS()
        let q = try s.quotedString("Warning text")
        return Warning(code: code, agent: agent, text: unquote(s.bytes, q))
    }
}

/// Free text headers kept as written: Subject, User-Agent, Server, Organization, ...
public struct TextValue: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.subject, .userAgent, .server, .organization, .timestamp, .priority,
                                                .mimeVersion, .inReplyTo]
    public var value: String
    public init(_ value: String) { self.value = value }
    public var description: String { value }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> TextValue {
        let start = s.pos
        s.pos = s.end
        var e = s.end
        while e > start, ByteClass.isLWS(s.bytes[e - 1]) { e -= 1 }
        return TextValue(collapseFolding(s.bytes, start..<e))
    }
}

func collapseFolding(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> String {
    var out = [UInt8]()
    out.reserveCapacity(r.count)
    var i = r.lowerBound
    while i < r.upperBound {
        if p[i] == ASCII.cr || p[i] == ASCII.lf {
            while i < r.upperBound, ByteClass.isLWS(p[i]) { i += 1 }
            while let l = out.last, ByteClass.isSpace(l) { out.removeLast() }
            out.append(ASCII.sp)
            continue
        }
        out.append(p[i])
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

extension ByteScanner {
    /// Skips a parenthesised comment, allowing nesting and quoted pairs.
    mutating func skipComment() throws(HeaderSyntaxError) {
        let start = pos
        var depth = 0
        while let b = peek {
            pos += 1
            switch b {
            case 0x28: depth += 1
            case 0x29:
                depth -= 1
                if depth == 0 { return }
            case ASCII.backslash: pos += 1
            default: break
            }
        }
        throw error("unterminated comment", at: start)
    }
}

/// An address header value (name-addr or addr-spec plus header parameters). Covers From,
/// To, Contact, Route, Record-Route, Path, Service-Route, P-Asserted-Identity,
/// P-Preferred-Identity, P-Associated-URI, P-Called-Party-ID, P-Served-User, Reply-To,
/// Refer-To, Referred-By.
extension AddressValue: ScannableHeaderValue {
    public static let headers: [KnownHeader] = [.from, .to, .contact, .route, .recordRoute, .path, .serviceRoute,
                                                .pAssertedIdentity, .pPreferredIdentity, .pAssociatedURI,
                                                .pCalledPartyID, .pServedUser, .replyTo, .referTo, .referredBy]

    public init(parsing text: String) throws(HeaderSyntaxError) {
        self = try ByteScanner.over(text) { (s) throws(HeaderSyntaxError) -> AddressValue in
            s.skipLWS()
            let v = try s.addressValue("header", listItem: false)
            s.skipLWS()
            guard s.atEnd else { throw s.error("unexpected text after the address") }
            return v
        }
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> AddressValue {
        try s.addressValue("header", listItem: true)
    }
}

/// Contact (RFC 3261 §20.10): "*" or addresses with `q`, `expires`, `+sip.instance` and
/// feature tags (RFC 3840).
public struct ContactValue: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.contact]
    /// nil for the wildcard `*` (de-registration of all bindings).
    public var address: AddressValue?

    public init(_ address: AddressValue?) { self.address = address }
    public static let wildcard = ContactValue(nil)

    public var isWildcard: Bool { address == nil }
    public var uri: URI? { address?.uri }
    public var parameters: Parameters { address?.parameters ?? [] }
    public var expires: Int? { address?.parameters["expires"].flatMap { Int($0) } }
    public var q: Double? { address?.parameters["q"].flatMap { Double($0) } }
    public var instanceID: String? { address?.parameters["+sip.instance"] }
    /// Feature tags (parameters starting with '+', RFC 3840), value unquoted (nil = present, no value).
    public var featureTags: [(name: String, value: String?)] {
        parameters.filter { $0.name.hasPrefix("+") }.map { ($0.name, $0.value) }
    }

    public var description: String { address?.description ?? "*" }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> ContactValue {
        if s.peek == ASCII.star {
            s.pos += 1
            return .wildcard
        }
        let a = try s.addressValue("Contact", listItem: true)
        let at = s.pos
        let problem = a.parameters.firstProblem { p, name, value in
            guard let value, name.count == 7 || name.count == 1 else { return nil }
            if equalsLowercased(p, name, "expires") {
                return decimal(p, value, max: UInt64(UInt32.max)) == nil ? "Contact expires parameter out of range or not a number" : nil
            }
            if equalsLowercased(p, name, "q") {
                let q = Double(String(p, value))
                return q.map { (0...1).contains($0) } == true ? nil : "Contact q parameter must be 0 to 1"
            }
            return nil
        }
        if let problem { throw s.error(problem, at: at) }
        return ContactValue(a)
    }
}
