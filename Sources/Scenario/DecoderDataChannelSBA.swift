/// Decoding of the data channel (`call: data_channel: {...}`) and SBI (`sba_request`) steps.
extension Decoder {
    static let sbaTokens = ["valid", "none", "expired", "other-audience", "wrong-scope", "forged-signature", "untrusted-issuer", "replayed"]

    mutating func dataChannelOffer(_ n: YNode) -> DataChannelDef? {
        guard let f = fields(n, "data_channel", allowed: ["bootstrap", "remote_bootstrap", "apps", "fingerprint"], required: []) else { return nil }
        var d = DataChannelDef()
        if let x = f["bootstrap"], let b = bool(x, "bootstrap") { d.bootstrap = b }
        if let x = f["remote_bootstrap"], let b = bool(x, "remote_bootstrap") { d.remoteBootstrap = b }
        if let x = f["apps"] { d.apps = stringList(x, "apps") }
        if let x = f["fingerprint"] { d.fingerprint = string(x, "fingerprint") }
        return d
    }

    mutating func sbaRequest(_ v: YNode) -> SBARequestStep? {
        guard let f = fields(v, "sba_request", allowed: ["id", "from", "to", "token", "tls_identity", "service"], required: ["from", "to"]) else {
            return nil
        }
        let from = f["from"].flatMap { actorRef($0) }
        let to = f["to"].flatMap { actorRef($0) }
        if let to, let role = actorRoles[to], !["dcsf", "mf"].contains(role), let node = f["to"] {
            error(node.location, "'\(to)' is a \(role), not an SBI producer", expected: "an actor with role dcsf or mf")
        }
        var token = "valid"
        if let x = f["token"], let t = string(x, "token") {
            if !Self.sbaTokens.contains(t) { error(x.location, "unknown token '\(t)'", expected: expectedOneOf(t, Self.sbaTokens)) }
            token = t
        }
        guard let from, let to else { return nil }
        return SBARequestStep(id: f["id"].flatMap { string($0, "id") } ?? "sba", from: from, to: to, token: token,
                              tlsIdentity: f["tls_identity"].flatMap { string($0, "tls_identity") } ?? "own",
                              service: f["service"].flatMap { string($0, "service") })
    }
}
