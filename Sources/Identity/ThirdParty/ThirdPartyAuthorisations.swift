import SIPCore

/// One third-party identity a subscription may present: a calling TN and, optionally, the
/// name shown for it (TR 33.890 KI#1 solution 1: the enterprise's name signed by the operator).
public struct AuthorisedIdentity: Hashable, Sendable, Codable {
    /// Canonical TN (digits, `#`, `*`), see `TelephoneNumber.canonical`.
    public var tn: String
    /// The display name the subscription allows for `tn`; nil allows the TN with no name.
    public var name: String?

    public init(tn: String, name: String? = nil) {
        self.tn = TelephoneNumber.canonical(tn) ?? tn
        self.name = name
    }
}

/// The "authorised third-party identities" table an originating AS holds per subscriber
/// (TR 33.890 KI#1 solution 1). Keys are the served user: a canonical TN or a SIP AoR.
public struct ThirdPartyAuthorisations: Hashable, Sendable {
    public enum Decision: Hashable, Sendable, CustomStringConvertible {
        case authorised
        case unknownSubscriber(String)
        case tnNotAuthorised(subscriber: String, tn: String)
        case nameNotAuthorised(subscriber: String, tn: String, name: String)

        public var isAuthorised: Bool { self == .authorised }

        public var description: String {
            switch self {
            case .authorised: "authorised"
            case .unknownSubscriber(let s): "no third-party identities are provisioned for \(s)"
            case .tnNotAuthorised(let s, let tn): "subscription \(s) is not authorised to present TN \(tn)"
            case .nameNotAuthorised(let s, let tn, let name): "subscription \(s) is not authorised to present the name \"\(name)\" for TN \(tn)"
            }
        }
    }

    public private(set) var entries: [String: [AuthorisedIdentity]]

    public init(_ entries: [String: [AuthorisedIdentity]] = [:]) {
        self.entries = [:]
        for (subscriber, identities) in entries { self.entries[Self.key(subscriber), default: []] += identities }
    }

    public mutating func add(_ identity: AuthorisedIdentity, for subscriber: String) {
        entries[Self.key(subscriber), default: []].append(identity)
    }

    /// May `subscriber` present `tn` with display name `name`? A nil name asks about the TN alone.
    public func decide(subscriber: String, tn: String, name: String?) -> Decision {
        let key = Self.key(subscriber)
        guard let identities = entries[key] else { return .unknownSubscriber(key) }
        let canonical = TelephoneNumber.canonical(tn) ?? tn
        let forTN = identities.filter { $0.tn == canonical }
        guard !forTN.isEmpty else { return .tnNotAuthorised(subscriber: key, tn: canonical) }
        guard let name else { return .authorised }
        guard forTN.contains(where: { $0.name == name }) else {
            return .nameNotAuthorised(subscriber: key, tn: canonical, name: name)
        }
        return .authorised
    }

    /// Any subscriber that may present `tn` with `name`: what a terminating network that shares
    /// the enterprise register can check.
    public func isRegistered(tn: String, name: String?) -> Bool {
        let canonical = TelephoneNumber.canonical(tn) ?? tn
        return entries.values.contains { list in
            list.contains { $0.tn == canonical && (name == nil || $0.name == name) }
        }
    }

    /// Subscriber keys: a TN (tel URI or `user=phone`) canonicalised, else the SIP AoR.
    public static func key(_ subscriber: String) -> String {
        if let tn = TelephoneNumber.canonical(subscriber) { return tn }
        if let uri = try? URI(parsing: subscriber) {
            return TelephoneNumber.canonical(uri) ?? TelephoneNumber.addressOfRecord(uri)
        }
        return subscriber
    }
}
