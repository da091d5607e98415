import Identity

/// Which messages an attack applies to.
public struct MessageMatch: Sendable, Hashable {
    /// Link name `a<->b` (either order), or nil for every link.
    public var link: String?
    /// Direction: only messages sent by / to this actor.
    public var from: String?
    public var to: String?
    /// Request method (e.g. "INVITE"); responses match by `status` or by their CSeq method.
    public var method: String?
    public var status: Int?
    /// Requests only / responses only.
    public var requestsOnly: Bool
    /// Only the n-th matching message (1-based); nil: every one.
    public var nth: Int?

    public init(link: String? = nil, from: String? = nil, to: String? = nil, method: String? = nil, status: Int? = nil,
                requestsOnly: Bool = false, nth: Int? = nil) {
        self.link = link
        self.from = from
        self.to = to
        self.method = method
        self.status = status
        self.requestsOnly = requestsOnly
        self.nth = nth
    }

    /// The link between two actors, either direction.
    public static func link(_ a: String, _ b: String, method: String? = nil, nth: Int? = nil) -> MessageMatch {
        MessageMatch(link: "\(a)<->\(b)", method: method, nth: nth)
    }
}

/// Credentials an attacker can sign a PASSporT with.
public enum SigningCredential: String, Sendable, Hashable, CaseIterable {
    /// The attacker's own key under its own (untrusted) root.
    case own
    /// The operator's signing key, stolen: the signature verifies.
    case stolen
    case expired
    /// A delegate certificate whose TNAuthList is not within its issuer's.
    case outOfScope = "out-of-scope"
    case untrusted

    var pkiName: String {
        switch self {
        case .own, .untrusted: "untrusted"
        case .stolen: "sp"
        case .expired: "expired"
        case .outOfScope: "out-of-scope"
        }
    }
}

public enum IdentityPart: String, Sendable, Hashable, CaseIterable { case header, payload, signature }

/// What an attacker puts into a re-signed PASSporT instead of the values taken from the
/// request. The signature is real; the claims need not conform (that is the attack).
public struct PASSporTOverrides: Sendable, Hashable {
    /// SHAKEN `attest`, e.g. "D", which is no level at all (RFC 8588 §4).
    public var attest: String?
    /// `origid` to sign (RFC 8588 §5 wants a UUID); "" leaves the claim out.
    public var origid: String?
    /// `rcd.nam` to sign instead of the From display name (RFC 9795 §12.2 compares them).
    public var rcdName: String?
    /// `x5u` and Identity `info`: a certificate URL the verifier may be unable to fetch.
    public var x5u: String?
    /// `rcd.icn`: an icon URL, signed without an `rcdi` digest for it (RFC 9795 §6.1 requires one).
    public var icon: String?
    /// With `icon`: the bytes the signer hashed for an `rcdi` "/icn" digest (nil: no rcdi). The
    /// verifier fetches what its web serves then, which may have been swapped since.
    public var iconContent: String?
    /// `rcd.jcl`: a jCard URL; with `jcardContent` an `rcdi` "/jcl" digest over that text.
    public var jcard: String?
    public var jcardContent: String?
    /// `rcd.jcd`: an inline jCard (with `jcard` too, the §5.1.5 breach "jcd and jcl together").
    public var jcd: JSONValue?
    /// Seconds added to `iat` (and Date, so they agree): -120 signs a two-minute-old PASSporT
    /// now, which is how a live run meets a real verifier's freshness check.
    public var iatOffset: Int64?

    public init(attest: String? = nil, origid: String? = nil, rcdName: String? = nil, x5u: String? = nil, icon: String? = nil,
                iconContent: String? = nil) {
        self.icon = icon
        self.iconContent = iconContent
        self.attest = attest
        self.origid = origid
        self.rcdName = rcdName
        self.x5u = x5u
    }
}

/// What an attacker does to a matching message. Every attack is data.
public enum AttackKind: Sendable, Hashable {
    case observe
    case drop
    case delay(ms: Int64)
    case duplicate
    /// Let the message through and send a copy again `afterMs` later.
    case replay(afterMs: Int64)
    case setHeader(name: String, value: String)
    case removeHeader(name: String)
    case duplicateHeader(name: String)
    case changeRequestURI(String)
    case setBody(String)
    /// Sets (or with nil removes) a parameter on the first value of a header.
    case setParameter(header: String, name: String, value: String?)
    /// Puts raw CRLF + `injected` after the header's value: a header-injection probe.
    case injectCRLF(header: String, injected: String)
    /// Replaces the Identity header with a PASSporT signed with the given credential.
    case signWith(SigningCredential, PASSporTOverrides = PASSporTOverrides())
    /// Flips one character in one part of the first Identity header.
    case tamperIdentity(IdentityPart)
}

/// One attack: an action and the messages it applies to.
public struct AttackAction: Sendable, Hashable {
    public var kind: AttackKind
    public var match: MessageMatch
    /// The trace note of a drop: the message has no delivery of its own, reports show this event.
    public static let droppedNote = "attacker dropped the message"
    public init(_ kind: AttackKind, match: MessageMatch = MessageMatch()) {
        self.kind = kind
        self.match = match
    }

    public var name: String {
        switch kind {
        case .observe: "observe"
        case .drop: "drop"
        case .delay: "delay"
        case .duplicate: "duplicate"
        case .replay: "replay"
        case .setHeader: "set_header"
        case .removeHeader: "remove_header"
        case .duplicateHeader: "duplicate_header"
        case .changeRequestURI: "change_uri"
        case .setBody: "set_body"
        case .setParameter: "set_parameter"
        case .injectCRLF: "inject_crlf"
        case .signWith: "sign_with"
        case .tamperIdentity: "tamper_identity"
        }
    }
}
