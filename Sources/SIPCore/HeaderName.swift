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
    /// A switch on length and first letter, then literal comparisons: no table, no lazy
    /// global, no allocation.
    @inline(__always)
    static func lookup(_ p: UnsafeBufferPointer<UInt8>, _ r: Range<Int>) -> KnownHeader {
        let s = r.lowerBound
        @inline(__always) func eq(_ lower: StaticString) -> Bool {
            let q = lower.utf8Start
            for k in 1..<r.count where ByteClass.lower(p[s + k]) != q[k] { return false }
            return true
        }
        guard let first = r.first.map({ ByteClass.lower(p[$0]) }) else { return .other }
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
                if eq("identity") { return .identity }
            case 0x70:
                if eq("priority") { return .priority }
            case 0x72:
                if eq("refer-to") { return .referTo }
                if eq("replaces") { return .replaces }
                if eq("reply-to") { return .replyTo }
            default: break
            }
        case 9:
            switch first {
            case 0x63:
                if eq("call-info") { return .callInfo }
            case 0x73:
                if eq("supported") { return .supported }
            case 0x74:
                if eq("timestamp") { return .timestamp }
            default: break
            }
        case 10:
            switch first {
            case 0x61:
                if eq("alert-info") { return .alertInfo }
            case 0x65:
                if eq("error-info") { return .errorInfo }
            case 0x75:
                if eq("user-agent") { return .userAgent }
            default: break
            }
        case 11:
            switch first {
            case 0x69:
                if eq("in-reply-to") { return .inReplyTo }
            case 0x6d:
                if eq("min-expires") { return .minExpires }
            case 0x72:
                if eq("referred-by") { return .referredBy }
                if eq("retry-after") { return .retryAfter }
            case 0x75:
                if eq("unsupported") { return .unsupported }
            default: break
            }
        case 12:
            switch first {
            case 0x61:
                if eq("allow-events") { return .allowEvents }
            case 0x63:
                if eq("content-type") { return .contentType }
            case 0x66:
                if eq("feature-caps") { return .featureCaps }
            case 0x68:
                if eq("history-info") { return .historyInfo }
            case 0x6d:
                if eq("max-forwards") { return .maxForwards }
                if eq("mime-version") { return .mimeVersion }
            case 0x6f:
                if eq("organization") { return .organization }
            case 0x72:
                if eq("record-route") { return .recordRoute }
            default: break
            }
        case 13:
            switch first {
            case 0x61:
                if eq("authorization") { return .authorization }
            case 0x69:
                if eq("identity-info") { return .identityInfo }
            case 0x70:
                if eq("proxy-require") { return .proxyRequire }
                if eq("p-served-user") { return .pServedUser }
            case 0x73:
                if eq("service-route") { return .serviceRoute }
            default: break
            }
        case 14:
            switch first {
            case 0x61:
                if eq("accept-contact") { return .acceptContact }
            case 0x63:
                if eq("content-length") { return .contentLength }
            case 0x6f:
                if eq("origination-id") { return .originationID }
            case 0x72:
                if eq("reject-contact") { return .rejectContact }
            default: break
            }
        case 15:
            switch first {
            case 0x61:
                if eq("accept-encoding") { return .acceptEncoding }
                if eq("accept-language") { return .acceptLanguage }
            case 0x73:
                if eq("security-client") { return .securityClient }
                if eq("security-server") { return .securityServer }
                if eq("security-verify") { return .securityVerify }
                if eq("session-expires") { return .sessionExpires }
            default: break
            }
        case 16:
            switch first {
            case 0x61:
                if eq("attestation-info") { return .attestationInfo }
            case 0x63:
                if eq("content-encoding") { return .contentEncoding }
                if eq("content-language") { return .contentLanguage }
            case 0x70:
                if eq("p-associated-uri") { return .pAssociatedURI }
            case 0x77:
                if eq("www-authenticate") { return .wwwAuthenticate }
            default: break
            }
        case 17:
            switch first {
            case 0x70:
                if eq("p-charging-vector") { return .pChargingVector }
                if eq("p-called-party-id") { return .pCalledPartyID }
            default: break
            }
        case 18:
            switch first {
            case 0x70:
                if eq("proxy-authenticate") { return .proxyAuthenticate }
            case 0x73:
                if eq("subscription-state") { return .subscriptionState }
            default: break
            }
        case 19:
            switch first {
            case 0x61:
                if eq("authentication-info") { return .authenticationInfo }
            case 0x63:
                if eq("content-disposition") { return .contentDisposition }
            case 0x70:
                if eq("proxy-authorization") { return .proxyAuthorization }
                if eq("p-asserted-identity") { return .pAssertedIdentity }
            case 0x72:
                if eq("request-disposition") { return .requestDisposition }
            default: break
            }
        case 20:
            switch first {
            case 0x70:
                if eq("p-preferred-identity") { return .pPreferredIdentity }
                if eq("p-visited-network-id") { return .pVisitedNetworkID }
            default: break
            }
        case 21:
            switch first {
            case 0x70:
                if eq("p-access-network-info") { return .pAccessNetworkInfo }
            default: break
            }
        case 29:
            switch first {
            case 0x70:
                if eq("p-charging-function-addresses") { return .pChargingFunctionAddresses }
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
