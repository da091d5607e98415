/// A spec the network cannot be built from; each case names the actor, link or switch.
public enum NetworkConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    case duplicateActor(String)
    case invalidActorName(String)
    case unknownActorInLink(link: String, actor: String)
    case duplicateLink(String)
    case selfLink(String)
    case invalidLinkProbability(link: String, field: String, value: Double)
    case invalidLatency(link: String, value: Int)
    case unknownPolicySwitch(actor: String, role: ActorRole, name: String, known: [String])
    case wrongPolicyType(actor: String, name: String, expected: String, found: String)
    case invalidPolicyValue(actor: String, name: String, value: String, allowed: [String])
    case unknownActorInTrustDomain(domain: String, actor: String)
    case actorInTwoTrustDomains(actor: String, domains: [String])
    case unknownTrustDomain(String)
    case unknownSubscriber(actor: String, subscriber: String)
    case noSubscriberForUE(String)
    case subscriberWithoutIMPU(String)
    case invalidIMPU(subscriber: String, impu: String)
    case unknownCertificate(actor: String, name: String, known: [String])
    case pkiFailed(String)

    public var description: String {
        switch self {
        case .duplicateActor(let a): "actor '\(a)' is declared twice"
        case .invalidActorName(let a): "actor name '\(a)' must be letters, digits, '-', '_' or '.' (it is used as a SIP host)"
        case .unknownActorInLink(let l, let a): "link \(l) names actor '\(a)', which is not declared"
        case .duplicateLink(let l): "link \(l) is declared twice"
        case .selfLink(let l): "link \(l) connects an actor to itself"
        case .invalidLinkProbability(let l, let f, let v): "link \(l): \(f) must be between 0 and 1, found \(v)"
        case .invalidLatency(let l, let v): "link \(l): latency must be 0 ms or more, found \(v)"
        case .unknownPolicySwitch(let a, let r, let n, let k):
            "actor '\(a)' (\(r.rawValue)) has no policy switch '\(n)'; known: \(k.joined(separator: ", "))"
        case .wrongPolicyType(let a, let n, let e, let f): "actor '\(a)': policy '\(n)' takes a \(e), found a \(f)"
        case .invalidPolicyValue(let a, let n, let v, let allowed):
            "actor '\(a)': policy '\(n)' cannot be '\(v)'; allowed: \(allowed.joined(separator: ", "))"
        case .unknownActorInTrustDomain(let d, let a): "trust domain '\(d)' names actor '\(a)', which is not declared"
        case .actorInTwoTrustDomains(let a, let d): "actor '\(a)' is in more than one trust domain: \(d.joined(separator: ", "))"
        case .unknownTrustDomain(let d): "trusted peer '\(d)' is not a declared trust domain"
        case .unknownSubscriber(let a, let s): "UE '\(a)' uses subscriber '\(s)', which is not declared"
        case .noSubscriberForUE(let a): "UE '\(a)' has no subscriber (set `subscriber` or declare one named '\(a)')"
        case .subscriberWithoutIMPU(let s): "subscriber '\(s)' has no IMPU"
        case .invalidIMPU(let s, let i): "subscriber '\(s)': IMPU '\(i)' is not a sip:, sips: or tel: URI"
        case .unknownCertificate(let a, let n, let k): "actor '\(a)': no certificate '\(n)'; known: \(k.joined(separator: ", "))"
        case .pkiFailed(let m): "test PKI could not be generated: \(m)"
        }
    }
}

/// An operation the running network refuses (unknown actor or call, wrong role).
public enum NetworkError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownActor(String)
    case notAUE(String)
    case unknownCall(String)
    case duplicateCallID(String)
    case notRegistered(String)
    case noLink(from: String, to: String)
    case invalidTarget(String)
    case invalidMessage(String)
    /// The actor is a real system under test in this live run: the harness does not drive it.
    case externalActor(String)

    public var description: String {
        switch self {
        case .unknownActor(let a): "no actor named '\(a)'"
        case .externalActor(let a): "actor '\(a)' is external (a real system): the harness cannot drive it"
        case .notAUE(let a): "actor '\(a)' is not a UE"
        case .unknownCall(let c): "no call with id '\(c)'"
        case .duplicateCallID(let c): "a call with id '\(c)' already exists"
        case .notRegistered(let a): "UE '\(a)' is not registered"
        case .noLink(let f, let t): "no link between '\(f)' and '\(t)'"
        case .invalidTarget(let t): "'\(t)' is neither a UE name nor a sip:, sips: or tel: URI"
        case .invalidMessage(let m): "message does not parse: \(m)"
        }
    }
}
