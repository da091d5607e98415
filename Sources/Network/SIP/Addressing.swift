import Identity
import SIPCore

/// Identity comparison and host lookup for routing. Actor names are their SIP hosts
/// (`sip:pcscf;lr`), so a Route or Request-URI names the next actor directly.
enum Addressing {
    /// A comparable key for an identity: `tn:<canonical>` for tel URIs and sip `user=phone`
    /// (RFC 8224 §8.3), else the address of record without parameters, host lowercased.
    static func identityKey(_ text: String) -> String {
        guard let uri = try? URI(parsing: stripAngles(text)) else { return text.lowercased() }
        return identityKey(uri)
    }

    static func identityKey(_ uri: URI) -> String {
        if let tn = tn(of: uri) { return "tn:" + tn }
        return TelephoneNumber.addressOfRecord(uri).lowercased()
    }

    /// The canonical TN of a tel URI or sip URI with user=phone (a leading '+' accepted).
    static func tn(of uri: URI) -> String? {
        switch uri {
        case .tel: return TelephoneNumber.canonical(uri)
        case .sip(let s):
            guard s.isPhone || (s.user?.hasPrefix("+") ?? false) else { return nil }
            return TelephoneNumber.canonical(uri)
        case .other: return nil
        }
    }

    static func tn(of text: String) -> String? {
        guard let uri = try? URI(parsing: stripAngles(text)) else { return nil }
        return tn(of: uri)
    }

    /// The text between the first '<' and the last '>' (when both are there), without
    /// surrounding spaces. Cut on the UTF-8 bytes: every delimiter is ASCII.
    static func stripAngles(_ s: String) -> String {
        let u = s.utf8
        var lo = u.startIndex, hi = u.endIndex
        if let lt = u.firstIndex(of: UInt8(ascii: "<")), let gt = u.lastIndex(of: UInt8(ascii: ">")), lt < gt {
            lo = u.index(after: lt)
            hi = gt
        }
        while lo < hi, u[lo] == UInt8(ascii: " ") { lo = u.index(after: lo) }
        while lo < hi, u[u.index(before: hi)] == UInt8(ascii: " ") { hi = u.index(before: hi) }
        return lo == u.startIndex && hi == u.endIndex ? s : String(s[lo..<hi])
    }

    /// The host of a URI text (sip/sips), lowercased; nil for tel or unparsable.
    static func host(_ text: String) -> String? {
        guard let uri = try? URI(parsing: stripAngles(text)), case .sip(let s) = uri else { return nil }
        return s.host.lowercased()
    }

    /// `host:port` of a sip/sips URI (port defaulted per scheme), the key live actors are found by.
    static func hostPort(_ text: String) -> String? {
        guard let uri = try? URI(parsing: stripAngles(text)), case .sip(let s) = uri else { return nil }
        var host = s.host.lowercased()
        if host.contains(":"), !host.hasPrefix("[") { host = "[" + host + "]" }
        return "\(host):\(s.port ?? (s.secure ? 5061 : 5060))"
    }

    /// The URI text of the first Contact (`listValues("Contact").first`, then `uriText`): the
    /// first element read alone, without the list of them all. An empty first element may
    /// be followed by others, so it takes the list.
    static func firstContactURI(_ m: SIPMessage) -> String? {
        if let first = m.firstListValue(.contact), !first.isEmpty { return uriText(ofAddress: first) }
        return m.listValues("Contact").first.flatMap(uriText(ofAddress:))
    }

    /// The URI texts of the P-Associated-URI values (`listValues`, then `uriText` of each, the
    /// unparsable left out): parsed in place when every value parses, rather than cut into
    /// Strings that are parsed again.
    static func associatedURIs(_ m: SIPMessage) -> [String] {
        if let values = try? m.addressValues(.pAssociatedURI) { return values.map { $0.uri.description } }
        return m.listValues("P-Associated-URI").compactMap(uriText(ofAddress:))
    }

    /// The URI inside a name-addr header value (`"A" <sip:a@x>;tag=1` -> `sip:a@x`).
    static func uriText(ofAddress value: String) -> String? {
        (try? AddressValue(parsing: value))?.uri.description
    }

    /// The actor a URI host names (`pcscf`, or `pcscf.<domain>`), if any.
    static func actor(forHost host: String, in roles: ActorNameMap<ActorRole>) -> String? {
        if roles[host] != nil { return host }
        if let dot = host.firstIndex(of: "."), roles[String(host[..<dot])] != nil { return String(host[..<dot]) }
        return nil
    }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        var s = self
        while s.first == set { s.removeFirst() }
        while s.last == set { s.removeLast() }
        return String(s)
    }
}
