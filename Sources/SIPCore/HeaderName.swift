#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Header fields the harness knows by name. Lookup is case-insensitive and maps compact
/// forms (RFC 3261 §7.3.3 and later RFCs) to their full names.
public enum KnownHeader: UInt8, Sendable, CaseIterable {
    case other = 0
    case via, from, to, callID, cseq, maxForwards, contact, route, recordRoute, path, serviceRoute
    case contentType, contentLength, contentEncoding, contentDisposition, contentLanguage, mimeVersion
    case require, proxyRequire, supported, unsupported, allow, expires, minExpires, date
    case wwwAuthenticate, authorization, proxyAuthenticate, proxyAuthorization, authenticationInfo
    case securityClient, securityServer, securityVerify
    case pAssertedIdentity, pPreferredIdentity, privacy, identity, identityInfo
    case pChargingVector, pChargingFunctionAddresses, pAccessNetworkInfo, pVisitedNetworkID
    case pAssociatedURI, pCalledPartyID, pServedUser
    case attestationInfo, originationID, callInfo, reason, featureCaps
    case subject, accept, acceptEncoding, acceptLanguage, acceptContact, rejectContact, requestDisposition
    case event, allowEvents, subscriptionState, referTo, referredBy, replaces
    case userAgent, server, retryAfter, warning, timestamp, organization, priority, replyTo, inReplyTo
    case alertInfo, errorInfo, rseq, rack, sessionExpires, minSE, historyInfo

    /// Canonical spelling.
    public var name: String {
        switch self {
        case .other: return ""
        case .via: return "Via"
        case .from: return "From"
        case .to: return "To"
        case .callID: return "Call-ID"
        case .cseq: return "CSeq"
        case .maxForwards: return "Max-Forwards"
        case .contact: return "Contact"
        case .route: return "Route"
        case .recordRoute: return "Record-Route"
        case .path: return "Path"
        case .serviceRoute: return "Service-Route"
        case .contentType: return "Content-Type"
        case .contentLength: return "Content-Length"
        case .contentEncoding: return "Content-Encoding"
        case .contentDisposition: return "Content-Disposition"
        case .contentLanguage: return "Content-Language"
        case .mimeVersion: return "MIME-Version"
        case .require: return "Require"
        case .proxyRequire: return "Proxy-Require"
        case .supported: return "Supported"
        case .unsupported: return "Unsupported"
        case .allow: return "Allow"
        case .expires: return "Expires"
        case .minExpires: return "Min-Expires"
        case .date: return "Date"
        case .wwwAuthenticate: return "WWW-Authenticate"
        case .authorization: return "Authorization"
        case .proxyAuthenticate: return "Proxy-Authenticate"
        case .proxyAuthorization: return "Proxy-Authorization"
        case .authenticationInfo: return "Authentication-Info"
        case .securityClient: return "Security-Client"
        case .securityServer: return "Security-Server"
        case .securityVerify: return "Security-Verify"
        case .pAssertedIdentity: return "P-Asserted-Identity"
        case .pPreferredIdentity: return "P-Preferred-Identity"
        case .privacy: return "Privacy"
        case .identity: return "Identity"
        case .identityInfo: return "Identity-Info"
        case .pChargingVector: return "P-Charging-Vector"
        case .pChargingFunctionAddresses: return "P-Charging-Function-Addresses"
        case .pAccessNetworkInfo: return "P-Access-Network-Info"
        case .pVisitedNetworkID: return "P-Visited-Network-ID"
        case .pAssociatedURI: return "P-Associated-URI"
        case .pCalledPartyID: return "P-Called-Party-ID"
        case .pServedUser: return "P-Served-User"
        case .attestationInfo: return "Attestation-Info"
        case .originationID: return "Origination-Id"
        case .callInfo: return "Call-Info"
        case .reason: return "Reason"
        case .featureCaps: return "Feature-Caps"
        case .subject: return "Subject"
        case .accept: return "Accept"
        case .acceptEncoding: return "Accept-Encoding"
        case .acceptLanguage: return "Accept-Language"
        case .acceptContact: return "Accept-Contact"
        case .rejectContact: return "Reject-Contact"
        case .requestDisposition: return "Request-Disposition"
        case .event: return "Event"
        case .allowEvents: return "Allow-Events"
        case .subscriptionState: return "Subscription-State"
        case .referTo: return "Refer-To"
        case .referredBy: return "Referred-By"
        case .replaces: return "Replaces"
        case .userAgent: return "User-Agent"
        case .server: return "Server"
        case .retryAfter: return "Retry-After"
        case .warning: return "Warning"
        case .timestamp: return "Timestamp"
        case .organization: return "Organization"
        case .priority: return "Priority"
        case .replyTo: return "Reply-To"
        case .inReplyTo: return "In-Reply-To"
        case .alertInfo: return "Alert-Info"
        case .errorInfo: return "Error-Info"
        case .rseq: return "RSeq"
        case .rack: return "RAck"
        case .sessionExpires: return "Session-Expires"
        case .minSE: return "Min-SE"
        case .historyInfo: return "History-Info"
        }
    }

    /// Compact form letter, where one exists.
    public var compactForm: Character? {
        switch self {
        case .callID: return "i"
        case .from: return "f"
        case .to: return "t"
        case .via: return "v"
        case .contact: return "m"
        case .contentLength: return "l"
        case .contentType: return "c"
        case .supported: return "k"
        case .subject: return "s"
        case .contentEncoding: return "e"
        case .event: return "o"
        case .allowEvents: return "u"
        case .sessionExpires: return "x"
        case .identity: return "y"
        case .referTo: return "r"
        case .referredBy: return "b"
        case .acceptContact: return "a"
        case .rejectContact: return "j"
        case .requestDisposition: return "d"
        case .identityInfo: return "n"
        default: return nil
        }
    }

    /// Whether a field's value is a comma-separated list (RFC 3261 §7.3.1), so several
    /// fields of this name may be combined and one field may carry several values.
    public var isList: Bool {
        switch self {
        case .via, .contact, .route, .recordRoute, .path, .serviceRoute, .require, .proxyRequire, .supported,
             .unsupported, .allow, .contentEncoding, .contentLanguage, .securityClient, .securityServer,
             .securityVerify, .pAssertedIdentity, .pPreferredIdentity, .pAssociatedURI, .callInfo, .reason,
             .featureCaps, .accept, .acceptEncoding, .acceptLanguage, .acceptContact, .rejectContact,
             .requestDisposition, .allowEvents, .warning, .inReplyTo, .alertInfo, .errorInfo, .historyInfo,
             .pVisitedNetworkID, .pAccessNetworkInfo:
            return true
        default:
            return false
        }
    }

    /// Headers a message may carry at most once (RFC 3261 §20, single-valued).
    public var isSingleton: Bool {
        switch self {
        case .from, .to, .callID, .cseq, .maxForwards, .contentLength, .contentType, .expires, .minExpires,
             .date, .subject, .mimeVersion, .replyTo, .retryAfter, .timestamp, .organization, .priority,
             .rseq, .rack, .sessionExpires, .minSE, .privacy, .pChargingVector, .pServedUser,
             .attestationInfo, .originationID, .pCalledPartyID:
            return true
        default:
            return false
        }
    }

    /// Looks up a header name given as bytes (any case, full or compact form).
    /// A switch on length and first letter, then literal comparisons eight bytes at a time
    /// (OR 0x20 lower-cases letters and leaves every other token character distinct): no
    /// table, no lazy global, no allocation.
    @inline(__always)
    static func lookup(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> KnownHeader {
        guard let base = p.baseAddress, let firstIndex = r.first, r.upperBound <= p.count else { return .other }
        let s = r.lowerBound
        let first = ByteClass.lower(p[firstIndex])
        @inline(__always) func w(_ o: Int) -> UInt64 {
            UnsafeRawPointer(base + s + o).loadUnaligned(as: UInt64.self) | 0x2020_2020_2020_2020
        }
        @inline(__always) func eq(_ lower: StaticString) -> Bool {
            let q = lower.utf8Start
            for k in 1..<r.count where ByteClass.lower(p[s + k]) != q[k] { return false }
            return true
        }
        switch r.count {
        case 1:
            switch first {
            case 0x69: return .callID  // i
            case 0x66: return .from  // f
            case 0x74: return .to  // t
            case 0x76: return .via  // v
            case 0x6d: return .contact  // m
            case 0x6c: return .contentLength  // l
            case 0x63: return .contentType  // c
            case 0x6b: return .supported  // k
            case 0x73: return .subject  // s
            case 0x65: return .contentEncoding  // e
            case 0x6f: return .event  // o
            case 0x75: return .allowEvents  // u
            case 0x78: return .sessionExpires  // x
            case 0x79: return .identity  // y
            case 0x72: return .referTo  // r
            case 0x62: return .referredBy  // b
            case 0x61: return .acceptContact  // a
            case 0x6a: return .rejectContact  // j
            case 0x64: return .requestDisposition  // d
            case 0x6e: return .identityInfo  // n
            default: return .other
            }
        case 2:
            switch first {
            case 0x74:
                if eq("to") { return .to }
            default: break
            }
        case 3:
            switch first {
            case 0x76:
                if eq("via") { return .via }
            default: break
            }
        case 4:
            switch first {
            case 0x63:
                if eq("cseq") { return .cseq }
            case 0x64:
                if eq("date") { return .date }
            case 0x66:
                if eq("from") { return .from }
            case 0x70:
                if eq("path") { return .path }
            case 0x72:
                if eq("rseq") { return .rseq }
                if eq("rack") { return .rack }
            default: break
            }
        case 5:
            switch first {
            case 0x61:
                if eq("allow") { return .allow }
            case 0x65:
                if eq("event") { return .event }
            case 0x72:
                if eq("route") { return .route }
            default: break
            }
        case 6:
            switch first {
            case 0x61:
                if eq("accept") { return .accept }
            case 0x6d:
                if eq("min-se") { return .minSE }
            case 0x72:
                if eq("reason") { return .reason }
            case 0x73:
                if eq("server") { return .server }
            default: break
            }
        case 7:
            switch first {
            case 0x63:
                if eq("call-id") { return .callID }
                if eq("contact") { return .contact }
            case 0x65:
                if eq("expires") { return .expires }
            case 0x70:
                if eq("privacy") { return .privacy }
            case 0x72:
                if eq("require") { return .require }
            case 0x73:
                if eq("subject") { return .subject }
            case 0x77:
                if eq("warning") { return .warning }
            default: break
            }
        case 8:
            switch first {
            case 0x69:
                if w(0) == 0x797469746E656469 { return .identity }  // identity
            case 0x70:
                if w(0) == 0x797469726F697270 { return .priority }  // priority
            case 0x72:
                if w(0) == 0x6F742D7265666572 { return .referTo }  // refer-to
                if w(0) == 0x736563616C706572 { return .replaces }  // replaces
                if w(0) == 0x6F742D796C706572 { return .replyTo }  // reply-to
            default: break
            }
        case 9:
            switch first {
            case 0x63:
                if w(0) == 0x666E692D6C6C6163 && w(1) == 0x6F666E692D6C6C61 { return .callInfo }  // call-info
            case 0x73:
                if w(0) == 0x6574726F70707573 && w(1) == 0x646574726F707075 { return .supported }  // supported
            case 0x74:
                if w(0) == 0x6D617473656D6974 && w(1) == 0x706D617473656D69 { return .timestamp }  // timestamp
            default: break
            }
        case 10:
            switch first {
            case 0x61:
                if w(0) == 0x6E692D7472656C61 && w(2) == 0x6F666E692D747265 { return .alertInfo }  // alert-info
            case 0x65:
                if w(0) == 0x6E692D726F727265 && w(2) == 0x6F666E692D726F72 { return .errorInfo }  // error-info
            case 0x75:
                if w(0) == 0x6567612D72657375 && w(2) == 0x746E6567612D7265 { return .userAgent }  // user-agent
            default: break
            }
        case 11:
            switch first {
            case 0x69:
                if w(0) == 0x796C7065722D6E69 && w(3) == 0x6F742D796C706572 { return .inReplyTo }  // in-reply-to
            case 0x6d:
                if w(0) == 0x697078652D6E696D && w(3) == 0x736572697078652D { return .minExpires }  // min-expires
            case 0x72:
                if w(0) == 0x6465727265666572 && w(3) == 0x79622D6465727265 { return .referredBy }  // referred-by
                if w(0) == 0x66612D7972746572 && w(3) == 0x72657466612D7972 { return .retryAfter }  // retry-after
            case 0x75:
                if w(0) == 0x726F707075736E75 && w(3) == 0x646574726F707075 { return .unsupported }  // unsupported
            default: break
            }
        case 12:
            switch first {
            case 0x61:
                if w(0) == 0x76652D776F6C6C61 && w(4) == 0x73746E6576652D77 { return .allowEvents }  // allow-events
            case 0x63:
                if w(0) == 0x2D746E65746E6F63 && w(4) == 0x657079742D746E65 { return .contentType }  // content-type
            case 0x66:
                if w(0) == 0x2D65727574616566 && w(4) == 0x737061632D657275 { return .featureCaps }  // feature-caps
            case 0x68:
                if w(0) == 0x2D79726F74736968 && w(4) == 0x6F666E692D79726F { return .historyInfo }  // history-info
            case 0x6d:
                if w(0) == 0x77726F662D78616D && w(4) == 0x7364726177726F66 { return .maxForwards }  // max-forwards
                if w(0) == 0x7265762D656D696D && w(4) == 0x6E6F69737265762D { return .mimeVersion }  // mime-version
            case 0x6f:
                if w(0) == 0x617A696E6167726F && w(4) == 0x6E6F6974617A696E { return .organization }  // organization
            case 0x72:
                if w(0) == 0x722D64726F636572 && w(4) == 0x6574756F722D6472 { return .recordRoute }  // record-route
            default: break
            }
        case 13:
            switch first {
            case 0x61:
                if w(0) == 0x7A69726F68747561 && w(5) == 0x6E6F6974617A6972 { return .authorization }  // authorization
            case 0x69:
                if w(0) == 0x797469746E656469 && w(5) == 0x6F666E692D797469 { return .identityInfo }  // identity-info
            case 0x70:
                if w(0) == 0x65722D79786F7270 && w(5) == 0x657269757165722D { return .proxyRequire }  // proxy-require
                if w(0) == 0x6465767265732D70 && w(5) == 0x726573752D646576 { return .pServedUser }  // p-served-user
            case 0x73:
                if w(0) == 0x2D65636976726573 && w(5) == 0x6574756F722D6563 { return .serviceRoute }  // service-route
            default: break
            }
        case 14:
            switch first {
            case 0x61:
                if w(0) == 0x632D747065636361 && w(6) == 0x746361746E6F632D { return .acceptContact }  // accept-contact
            case 0x63:
                if w(0) == 0x2D746E65746E6F63 && w(6) == 0x6874676E656C2D74 { return .contentLength }  // content-length
            case 0x6f:
                if w(0) == 0x74616E696769726F && w(6) == 0x64692D6E6F697461 { return .originationID }  // origination-id
            case 0x72:
                if w(0) == 0x632D7463656A6572 && w(6) == 0x746361746E6F632D { return .rejectContact }  // reject-contact
            default: break
            }
        case 15:
            switch first {
            case 0x61:
                if w(0) == 0x652D747065636361 && w(7) == 0x676E69646F636E65 { return .acceptEncoding }  // accept-encoding
                if w(0) == 0x6C2D747065636361 && w(7) == 0x65676175676E616C { return .acceptLanguage }  // accept-language
            case 0x73:
                if w(0) == 0x7974697275636573 && w(7) == 0x746E65696C632D79 { return .securityClient }  // security-client
                if w(0) == 0x7974697275636573 && w(7) == 0x7265767265732D79 { return .securityServer }  // security-server
                if w(0) == 0x7974697275636573 && w(7) == 0x7966697265762D79 { return .securityVerify }  // security-verify
                if w(0) == 0x2D6E6F6973736573 && w(7) == 0x736572697078652D { return .sessionExpires }  // session-expires
            default: break
            }
        case 16:
            switch first {
            case 0x61:
                if w(0) == 0x7461747365747461 && w(8) == 0x6F666E692D6E6F69 { return .attestationInfo }  // attestation-info
            case 0x63:
                if w(0) == 0x2D746E65746E6F63 && w(8) == 0x676E69646F636E65 { return .contentEncoding }  // content-encoding
                if w(0) == 0x2D746E65746E6F63 && w(8) == 0x65676175676E616C { return .contentLanguage }  // content-language
            case 0x70:
                if w(0) == 0x69636F7373612D70 && w(8) == 0x6972752D64657461 { return .pAssociatedURI }  // p-associated-uri
            case 0x77:
                if w(0) == 0x687475612D777777 && w(8) == 0x6574616369746E65 { return .wwwAuthenticate }  // www-authenticate
            default: break
            }
        case 17:
            switch first {
            case 0x70:
                if w(0) == 0x6967726168632D70 && w(8) == 0x6F746365762D676E && w(9) == 0x726F746365762D67 { return .pChargingVector }  // p-charging-vector
                if w(0) == 0x64656C6C61632D70 && w(8) == 0x692D79747261702D && w(9) == 0x64692D7974726170 { return .pCalledPartyID }  // p-called-party-id
            default: break
            }
        case 18:
            switch first {
            case 0x70:
                if w(0) == 0x75612D79786F7270 && w(8) == 0x616369746E656874 && w(10) == 0x6574616369746E65 { return .proxyAuthenticate }  // proxy-authenticate
            case 0x73:
                if w(0) == 0x7069726373627573 && w(8) == 0x6174732D6E6F6974 && w(10) == 0x65746174732D6E6F { return .subscriptionState }  // subscription-state
            default: break
            }
        case 19:
            switch first {
            case 0x61:
                if w(0) == 0x69746E6568747561 && w(8) == 0x692D6E6F69746163 && w(11) == 0x6F666E692D6E6F69 { return .authenticationInfo }  // authentication-info
            case 0x63:
                if w(0) == 0x2D746E65746E6F63 && w(8) == 0x7469736F70736964 && w(11) == 0x6E6F697469736F70 { return .contentDisposition }  // content-disposition
            case 0x70:
                if w(0) == 0x75612D79786F7270 && w(8) == 0x74617A69726F6874 && w(11) == 0x6E6F6974617A6972 { return .proxyAuthorization }  // proxy-authorization
                if w(0) == 0x7472657373612D70 && w(8) == 0x746E6564692D6465 && w(11) == 0x797469746E656469 { return .pAssertedIdentity }  // p-asserted-identity
            case 0x72:
                if w(0) == 0x2D74736575716572 && w(8) == 0x7469736F70736964 && w(11) == 0x6E6F697469736F70 { return .requestDisposition }  // request-disposition
            default: break
            }
        case 20:
            switch first {
            case 0x70:
                if w(0) == 0x7265666572702D70 && w(8) == 0x6E6564692D646572 && w(12) == 0x797469746E656469 { return .pPreferredIdentity }  // p-preferred-identity
                if w(0) == 0x6574697369762D70 && w(8) == 0x726F7774656E2D64 && w(12) == 0x64692D6B726F7774 { return .pVisitedNetworkID }  // p-visited-network-id
            default: break
            }
        case 21:
            switch first {
            case 0x70:
                if w(0) == 0x7373656363612D70 && w(8) == 0x6B726F7774656E2D && w(13) == 0x6F666E692D6B726F { return .pAccessNetworkInfo }  // p-access-network-info
            default: break
            }
        case 29:
            switch first {
            case 0x70:
                if w(0) == 0x6967726168632D70 && w(8) == 0x74636E75662D676E && w(16) == 0x726464612D6E6F69 && w(21) == 0x7365737365726464 { return .pChargingFunctionAddresses }  // p-charging-function-addresses
            default: break
            }
        default: break
        }
        return .other
    }

    public init(name: String) {
        self = name.withBytes { b in KnownHeader.lookup(b, 0..<b.count) }
    }
}

extension KnownHeader {
    /// Whether `p[r]` is this header's canonical name (`name`), byte for byte.
    func isCanonicalName(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> Bool {
        // `name` is a literal: its bytes are read in place, nothing is allocated or retained.
        var name = self.name
        return name.withUTF8 { n in
            n.count == r.count && (n.isEmpty || memcmp(n.baseAddress!, p.baseAddress! + r.lowerBound, n.count) == 0)
        }
    }
}
