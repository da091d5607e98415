import Foundation

/// Privacy (RFC 3323 §4.2): `priv-value *(";" priv-value)` in one value, e.g. `id;header`.
public struct Privacy: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.privacy]
    /// header, session, user, none, critical, id (RFC 3325), history (RFC 7044) or a token.
    public var values: [String]

    public init(_ values: [String]) { self.values = values }

    public func contains(_ value: String) -> Bool { values.contains { $0.caseInsensitiveEquals(value) } }
    /// RFC 3325 `id`: the asserted identity must not leave the trust domain.
    public var isID: Bool { contains("id") }
    public var isNone: Bool { contains("none") }

    public var description: String { values.joined(separator: ";") }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> Privacy {
        guard !s.atEnd else {
            throw s.error("empty Privacy value; expected a priv-value (header, session, user, none, critical, id)")
        }
        var values: [String] = []
        repeat {
            guard let t = s.token() else {
                if let b = s.peek, b != ASCII.semicolon {
                    throw s.error("expected a Privacy priv-value, found '\(ByteScanner.printable(b))'")
                }
                throw s.error("empty Privacy priv-value (extraneous ';')")
            }
            values.append(s.string(t))
        } while s.consumeSeparator(ASCII.semicolon)
        return Privacy(values)
    }
}

/// P-Charging-Vector (RFC 7315 §5.6): `icid-value=...` first, then charge params. icid
/// values in the field are often base64 with '=', '+' and '/', so values are read leniently.
public struct ChargingVector: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.pChargingVector]
    /// Every parameter in order, `icid-value` first.
    public var parameters: Parameters

    public init(icid: String, parameters: Parameters = []) {
        self.parameters = [Parameter(name: "icid-value", rawValue: Self.raw(icid))]
        self.parameters.items += parameters.items.filter { !$0.name.caseInsensitiveEquals("icid-value") }
    }

    init(parameters: Parameters) { self.parameters = parameters }

    public var icid: String {
        get { parameters["icid-value"] ?? "" }
        set { parameters.setRaw("icid-value", Self.raw(newValue)) }
    }
    public var icidGeneratedAt: String? {
        get { parameters["icid-generated-at"] }
        set { setParam("icid-generated-at", newValue) }
    }
    public var origIOI: String? {
        get { parameters["orig-ioi"] }
        set { setParam("orig-ioi", newValue) }
    }
    public var termIOI: String? {
        get { parameters["term-ioi"] }
        set { setParam("term-ioi", newValue) }
    }

    public var description: String { parameters.map(\.description).joined(separator: ";") }

    private mutating func setParam(_ name: String, _ value: String?) {
        if let value { parameters.setRaw(name, Self.raw(value)) } else { parameters.remove(name) }
    }

    static func isLenientChar(_ b: UInt8) -> Bool {
        (0x21...0x7E).contains(b) && b != ASCII.semicolon && b != ASCII.comma && b != ASCII.quote
    }

    static func raw(_ v: String) -> String {
        !v.isEmpty && v.utf8.allSatisfy(isLenientChar) ? v : quoteString(v)
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> ChargingVector {
        var params = Parameters()
        repeat {
            guard let name = s.token() else {
                if params.isEmpty { throw s.error("expected icid-value at the start of P-Charging-Vector") }
                throw s.error("empty P-Charging-Vector parameter (extraneous ';')")
            }
            let n = s.string(name)
            if params.isEmpty, !n.caseInsensitiveEquals("icid-value") {
                throw s.error("P-Charging-Vector must start with icid-value, found '\(n)'", at: name.lowerBound)
            }
            var raw: String?
            if s.consumeSeparator(ASCII.equals) {
                if s.peek == ASCII.quote {
                    raw = s.string(try s.quotedString("quoted P-Charging-Vector \(n) value"))
                } else {
                    let start = s.pos
                    while let b = s.peek, isLenientChar(b) { s.pos += 1 }
                    guard s.pos > start else { throw s.error("expected a value for P-Charging-Vector parameter '\(n)'") }
                    raw = s.string(start..<s.pos)
                }
            } else if params.isEmpty {
                throw s.error("expected '=' and a value after icid-value")
            }
            params.append(Parameter(name: n, rawValue: raw))
        } while s.consumeSeparator(ASCII.semicolon)
        return ChargingVector(parameters: params)
    }
}

/// P-Access-Network-Info (RFC 7315 §5.4, RFC 7913 `network-provided`): access-type plus
/// access-info params, e.g. `3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=001010001234567A0`.
public struct AccessNetworkInfo: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.pAccessNetworkInfo]
    /// `3GPP-E-UTRAN-FDD`, `3GPP-NR-FDD`, `IEEE-802.11`, `3GPP-UTRAN-TDD`, ... (or access-class).
    public var accessType: String
    public var parameters: Parameters

    public init(accessType: String, parameters: Parameters = []) {
        self.accessType = accessType
        self.parameters = parameters
    }

    /// `utran-cell-id-3gpp` (E-UTRAN/NR cell identity), else `cgi-3gpp`.
    public var cellID: String? {
        get { parameters["utran-cell-id-3gpp"] ?? parameters["cgi-3gpp"] }
        set { setParam("utran-cell-id-3gpp", newValue) }
    }
    public var iWLANNodeID: String? {
        get { parameters["i-wlan-node-id"] }
        set { setParam("i-wlan-node-id", newValue) }
    }
    public var localTimeZone: String? {
        get { parameters["local-time-zone"] }
        set { setParam("local-time-zone", newValue) }
    }
    /// RFC 7913: added by the network, not the UE (so it can be trusted).
    public var networkProvided: Bool {
        get { parameters.contains("network-provided") }
        set {
            if !newValue { parameters.remove("network-provided") }
            else if !networkProvided { parameters.append(Parameter(name: "network-provided")) }
        }
    }

    public var description: String { accessType + parameters.serialized }

    private mutating func setParam(_ name: String, _ value: String?) {
        if let value { parameters.set(name, value) } else { parameters.remove(name) }
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> AccessNetworkInfo {
        let t = try s.requireToken("access-type (e.g. 3GPP-E-UTRAN-FDD)")
        return AccessNetworkInfo(accessType: s.string(t), parameters: try s.headerParameters("P-Access-Network-Info"))
    }
}

/// P-Visited-Network-ID (RFC 7315 §5.3): token or quoted-string, plus params.
public struct VisitedNetworkID: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.pVisitedNetworkID]
    /// The network identifier, unquoted.
    public var network: String
    /// Written as a quoted-string.
    public var quoted: Bool
    public var parameters: Parameters

    public init(_ network: String, quoted: Bool? = nil, parameters: Parameters = []) {
        self.network = network
        self.quoted = quoted ?? !isToken(network)
        self.parameters = parameters
    }

    public var description: String {
        (quoted || !isToken(network) ? quoteString(network) : network) + parameters.serialized
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> VisitedNetworkID {
        if s.peek == ASCII.quote {
            let q = try s.quotedString("quoted P-Visited-Network-ID")
            return VisitedNetworkID(unquote(s.bytes, q), quoted: true,
                                    parameters: try s.headerParameters("P-Visited-Network-ID"))
        }
        let t = try s.requireToken("visited network (token or quoted string)")
        return VisitedNetworkID(s.string(t), quoted: false, parameters: try s.headerParameters("P-Visited-Network-ID"))
    }
}

/// SHAKEN attestation level (ATIS-1000074): A full, B partial, C gateway.
public enum AttestationLevel: String, Hashable, Sendable, CaseIterable {
    case full = "A", partial = "B", gateway = "C"
}

/// Attestation-Info (TS 24.229 §7.2.18): A, B or C, strictly (case-sensitive).
public struct AttestationInfo: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.attestationInfo]
    public var level: AttestationLevel
    public var parameters: Parameters

    public init(_ level: AttestationLevel, parameters: Parameters = []) {
        self.level = level
        self.parameters = parameters
    }

    public var description: String { level.rawValue + parameters.serialized }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> AttestationInfo {
        let start = s.pos
        guard let t = s.token(), let level = AttestationLevel(rawValue: s.string(t)) else {
            throw s.error("Attestation-Info must be A, B or C", at: start)
        }
        return AttestationInfo(level, parameters: try s.headerParameters("Attestation-Info"))
    }
}

/// Origination-Id (TS 24.229 §7.2.19): a UUID (8-4-4-4-12 hex digits).
public struct OriginationID: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.originationID]
    /// As written.
    public var value: String

    public init(_ value: String) { self.value = value }
    public init(_ uuid: UUID) { self.value = uuid.uuidString.lowercased() }

    public var uuid: UUID? { UUID(uuidString: value) }

    public var description: String { value }

    static func isUUID(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        guard r.count == 36 else { return false }
        for (k, i) in r.enumerated() {
            let dash = k == 8 || k == 13 || k == 18 || k == 23
            if dash ? p[i] != 0x2D : !ByteClass.isHex(p[i]) { return false }
        }
        return true
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> OriginationID {
        let start = s.pos
        while let b = s.peek, ByteClass.isToken(b) { s.pos += 1 }
        guard isUUID(s.bytes, start..<s.pos) else {
            throw s.error("Origination-Id must be a UUID (8-4-4-4-12 hex digits)", at: start)
        }
        return OriginationID(s.string(start..<s.pos))
    }
}

/// Call-Info (RFC 3261 §20.9, RFC 9796 rich call data): `<absoluteURI>` plus params. The URI
/// is usually https:, so it is kept as an opaque string.
public struct CallInfo: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.callInfo]
    /// The URI without the angle brackets.
    public var uri: String
    public var parameters: Parameters

    public init(uri: String, parameters: Parameters = []) {
        self.uri = uri
        self.parameters = parameters
    }

    /// `icon`, `info`, `card`, `jcard` (RFC 9796) or a token.
    public var purpose: String? {
        get { parameters["purpose"] }
        set { if let newValue { parameters.set("purpose", newValue) } else { parameters.remove("purpose") } }
    }
    /// RFC 9796 `call-reason` (a quoted-string).
    public var callReason: String? {
        get { parameters["call-reason"] }
        set { parameters.setAuth("call-reason", newValue, quoted: true) }
    }
    /// RFC 9796 `verified`: nil when absent; a bare `verified` counts as true.
    public var verified: Bool? {
        guard parameters.contains("verified") else { return nil }
        guard let v = parameters["verified"] else { return true }
        return !v.caseInsensitiveEquals("false")
    }
    /// RFC 9796 `integrity` (subresource-integrity style digest, quoted).
    public var integrity: String? {
        get { parameters["integrity"] }
        set { parameters.setAuth("integrity", newValue, quoted: true) }
    }
    /// The URI parsed, when it parses (https: and other schemes stay opaque).
    public var parsedURI: URI? { try? URI(parsing: uri) }

    public var description: String { "<\(uri)>" + parameters.serialized }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> CallInfo {
        let uri = try s.angleAbsoluteURI("Call-Info")
        return CallInfo(uri: uri, parameters: try s.headerParameters("Call-Info"))
    }
}

/// Reason (RFC 3326): protocol (SIP, Q.850, STIR, ...) plus `cause` and quoted `text`.
public struct ReasonValue: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.reason]
    public var protocolName: String
    public var parameters: Parameters

    public init(_ protocolName: String, cause: Int? = nil, text: String? = nil, parameters: Parameters = []) {
        self.protocolName = protocolName
        self.parameters = parameters
        if let cause { self.cause = cause }
        if let text { self.text = text }
    }

    public var cause: Int? {
        get { parameters["cause"].flatMap { Int($0) } }
        set { if let newValue { parameters.set("cause", String(newValue)) } else { parameters.remove("cause") } }
    }
    public var text: String? {
        get { parameters["text"] }
        set { parameters.setAuth("text", newValue, quoted: true) }
    }

    public var description: String { protocolName + parameters.serialized }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> ReasonValue {
        let p = try s.requireToken("Reason protocol (SIP, Q.850, STIR)")
        let start = s.pos
        let params = try s.headerParameters("Reason")
        if params.contains("cause") {
            guard let raw = params["cause"], raw.utf8.allSatisfy(ByteClass.isDigit), Int(raw) != nil else {
                throw s.error("Reason cause must be a number", at: start)
            }
        }
        return ReasonValue(s.string(p), parameters: params)
    }
}

/// Feature-Caps (RFC 6809): `*` followed by `;+feature-tag[=value]` params.
public struct FeatureCap: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.featureCaps]
    public var parameters: Parameters

    public init(parameters: Parameters = []) { self.parameters = parameters }

    /// Feature tags with their unquoted value (nil = present without a value).
    public var featureTags: [(name: String, value: String?)] { parameters.map { ($0.name, $0.value) } }
    public func contains(_ tag: String) -> Bool { parameters.contains(tag) }
    public func value(of tag: String) -> String? { parameters[tag] }

    public var description: String { "*" + parameters.serialized }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> FeatureCap {
        guard s.consume(ASCII.star) else { throw s.error("Feature-Caps value must start with '*'") }
        let start = s.pos
        let params = try s.headerParameters("Feature-Caps")
        if let bad = params.first(where: { !$0.name.hasPrefix("+") }) {
            throw s.error("Feature-Caps parameter '\(bad.name)' is not a '+' feature tag", at: start)
        }
        return FeatureCap(parameters: params)
    }
}

extension SIPMessage {
    public var privacy: Privacy? { headerValue(Privacy.self, .privacy) }
    public var chargingVector: ChargingVector? { headerValue(ChargingVector.self, .pChargingVector) }
    /// Every P-Access-Network-Info value (a UE-provided and a network-provided one may coexist).
    public var accessNetworkInfo: [AccessNetworkInfo] {
        (try? headerValues(AccessNetworkInfo.self, .pAccessNetworkInfo)) ?? []
    }
    public var visitedNetworkIDs: [VisitedNetworkID] {
        (try? headerValues(VisitedNetworkID.self, .pVisitedNetworkID)) ?? []
    }
    public var attestationInfo: AttestationInfo? { headerValue(AttestationInfo.self, .attestationInfo) }
    public var originationID: OriginationID? { headerValue(OriginationID.self, .originationID) }
    public var callInfo: [CallInfo] { (try? headerValues(CallInfo.self, .callInfo)) ?? [] }
    public var reasons: [ReasonValue] { (try? headerValues(ReasonValue.self, .reason)) ?? [] }
    public var featureCaps: [FeatureCap] { (try? headerValues(FeatureCap.self, .featureCaps)) ?? [] }
}

extension ByteScanner {
    /// `<absoluteURI>` kept opaque: scheme ':' then non-whitespace up to '>'.
    mutating func angleAbsoluteURI(_ what: String) throws(HeaderSyntaxError) -> String {
        let lt = pos
        guard consume(ASCII.lt) else { throw error("expected '<' before the \(what) URI") }
        let start = pos
        while let b = peek, b != ASCII.gt {
            if ByteClass.isLWS(b) { throw error("whitespace inside <> around the \(what) URI") }
            pos += 1
        }
        guard peek == ASCII.gt else { throw error("unterminated '<' around the \(what) URI", at: lt) }
        let r = start..<pos
        pos += 1
        guard let first = r.first, ByteClass.isAlpha(bytes[first]) else {
            throw error("expected an absolute URI (scheme:...) inside <> in \(what)", at: start)
        }
        var i = first
        while i < r.upperBound, ByteClass.isAlpha(bytes[i]) || ByteClass.isDigit(bytes[i])
            || bytes[i] == ASCII.plus || bytes[i] == 0x2D || bytes[i] == ASCII.dot { i += 1 }
        guard i < r.upperBound, bytes[i] == ASCII.colon, i + 1 < r.upperBound else {
            throw error("expected an absolute URI (scheme:...) inside <> in \(what)", at: start)
        }
        return string(r)
    }
}
