import Foundation
import Network

/// Turns a (merged, matrix-substituted) tree into a `ScenarioCase`, reporting every
/// problem it meets and carrying on, so one run of `check` lists them all.
struct Decoder {
    let catalog: ScenarioCatalog
    let sources: [String: String]
    let file: String
    var bag = DiagnosticBag()

    var actorRoles: [String: String] = [:]
    var subscriberNames = Set<String>()
    var callIds = Set<String>()
    var sbaRequestIds = Set<String>()
    var assertionIds: [String: SourceLocation] = [:]

    init(catalog: ScenarioCatalog, sources: [String: String], file: String) {
        self.catalog = catalog
        self.sources = sources
        self.file = file
    }

    static let topKeys = ["name", "description", "tags", "seed", "include", "network", "steps", "assert", "matrix", "mode"]

    mutating func decodeCase(_ root: YNode, fragment: Bool, matrixLabel: String?, matrixIndex: Int?,
                             violates: [Located<String>], matrixVars: Set<String>) -> ScenarioCase? {
        guard let f = fields(root, "scenario", allowed: Self.topKeys, required: fragment ? [] : ["name", "steps"]) else { return nil }
        let name = f["name"].flatMap { string($0, "name") } ?? ""
        let description = f["description"].flatMap { string($0, "description") } ?? ""
        let tags = f["tags"].map { stringList($0, "tags") } ?? []
        var seed: UInt64 = fnv1a(name)
        if let s = f["seed"] {
            if case .int(let i) = s.value, i >= 0 { seed = UInt64(i) } else {
                error(s.location, "seed is \(s.typeName)", expected: "a non-negative integer")
            }
        }
        let network = f["network"].map { decodeNetwork($0) } ?? NetworkDef()
        if f["network"] == nil && !fragment {
            error(root.location, "no network: the scenario has no actors", expected: "a network: section (or include: of one)")
        }
        // Call ids first so templates may name a call declared by a later step.
        if let steps = f["steps"]?.items {
            for s in steps { if let c = s["call"], let id = c["id"]?.scalarText { callIds.insert(id) } else if s["call"] != nil { callIds.insert("call") }
                if let r = s["sba_request"] { sbaRequestIds.insert(r["id"]?.scalarText ?? "sba") } }
        }
        var steps: [Step] = []
        if let s = f["steps"] {
            if let items = s.items {
                for item in items { if let st = decodeStep(item) { steps.append(st) } }
            } else {
                error(s.location, "steps is \(s.typeName)", expected: "a list of steps such as '- register: caller'")
            }
        }
        var assertions: [Assertion] = []
        if let a = f["assert"] {
            let items = a.items ?? (a.pairs != nil ? [a] : nil)
            if let items {
                for item in items { if let x = decodeAssertion(item) { assertions.append(x) } }
            } else {
                error(a.location, "assert is \(a.typeName)", expected: "a list of assertions")
            }
        }
        var inline = Set<String>()
        for s in steps { if case .expect(let xs) = s.kind { for x in xs { if let id = x.id { inline.insert(id) } } } }
        for v in violates where assertionIds[v.value] == nil {
            error(v.location, "violates names unknown assertion '\(v.value)'",
                  expected: expectedOneOf(v.value, Array(assertionIds.keys)) + " (give the assertion an id:)")
        }
        _ = matrixVars
        var live = false
        if let m = f["mode"], let text = string(m, "mode") {
            switch text {
            case "live": live = true
            case "simulated": live = false
            default: error(m.location, "unknown mode '\(text)'", expected: "live or simulated")
            }
        }
        checkExternalActors(network, steps: steps, assertions: assertions)
        var c = ScenarioCase(file: file, name: name, description: description, tags: tags, seed: seed,
                             matrixLabel: matrixLabel, matrixIndex: matrixIndex, network: network, steps: steps,
                             assertions: assertions, expectViolated: violates.map(\.value))
        c.live = live
        return c
    }

    // MARK: network

    static let networkKeys = ["actors", "trust_domains", "trusted_peers", "links", "subscribers", "pki"]
    /// Certificate names of Identity's test PKI that a signer may use.
    static let certificates = ["sp", "delegate", "expired", "out-of-scope", "untrusted"]
    static let actorKeys = ["role", "domain", "subscriber", "policy", "certificate", "listen", "external", "web"]
    static let subscriberKeys = ["impus", "tn", "password", "name", "third_party", "data_channel", "k", "opc", "op", "amf", "sqn"]
    static let linkKeys = ["between", "transport", "latency", "loss", "duplicate", "reorder"]

    mutating func decodeNetwork(_ n: YNode) -> NetworkDef {
        var net = NetworkDef()
        guard let f = fields(n, "network", allowed: Self.networkKeys, required: ["actors"]) else { return net }
        // Names first: links, domains and policies refer to them.
        let actorPairs = f["actors"].flatMap { mappingPairs($0, "actors", expected: "a mapping of actor name -> {role, policy, ...}") } ?? []
        for p in actorPairs {
            if let m = p.value.pairs, let r = m.first(where: { $0.key == "role" })?.value.scalarText { actorRoles[p.key] = r }
            else if let r = p.value.scalarText { actorRoles[p.key] = r }
            else { actorRoles[p.key] = "" }
        }
        let subPairs = f["subscribers"].flatMap { mappingPairs($0, "subscribers", expected: "a mapping of subscriber name -> {impus, tn, password}") } ?? []
        for p in subPairs { subscriberNames.insert(p.key) }

        for p in actorPairs { if let a = decodeActor(p) { net.actors.append(a) } }
        for p in subPairs { if let s = decodeSubscriber(p) { net.subscribers.append(s) } }
        if let td = f["trust_domains"], let pairs = mappingPairs(td, "trust_domains", expected: "a mapping of domain -> list of actors") {
            for p in pairs {
                var members: [YNode] = []
                let trusted = true
                if let items = p.value.items {
                    members = items
                } else {
                    error(p.value.location, "trust domain '\(p.key)' is \(p.value.typeName)", expected: "a list of actor names")
                }
                var names: [String] = []
                for m in members { if let a = actorRef(m) { names.append(a) } }
                _ = trusted
                net.trustDomains.append(TrustDomainDef(name: p.key, members: names, location: p.keyLocation))
            }
        }
        if let l = f["links"] {
            if let items = l.items {
                for it in items { if let link = decodeLink(it) { net.links.append(link) } }
            } else {
                error(l.location, "links is \(l.typeName)", expected: "a list of {between: [a, b], transport, latency}")
            }
        }
        if let tp = f["trusted_peers"] {
            for pair in tp.items ?? [] {
                let names = stringList(pair, "trusted peer pair")
                if names.count != 2 { error(pair.location, "a trusted peer entry has \(names.count) domains", expected: "two trust domain names, e.g. [home, partner]") }
                for (k, nm) in names.enumerated() where !net.trustDomains.contains(where: { $0.name == nm }) {
                    error(pair.items?[k].location ?? pair.location, "unknown trust domain '\(nm)'", expected: expectedOneOf(nm, net.trustDomains.map(\.name)))
                }
                net.trustedPeers.append(names)
            }
            if tp.items == nil { error(tp.location, "trusted_peers is \(tp.typeName)", expected: "a list of [domain, domain] pairs") }
        }
        if let p = f["pki"], let g = fields(p, "pki", allowed: ["generate", "seed"], required: []) {
            if let x = g["generate"], let b = bool(x, "generate") {
                if !b { error(x.location, "only a generated PKI is supported", expected: "generate: true") }
            }
            if let x = g["seed"] { net.pki.seed = int(x, "seed").map(UInt64.init) }
        }
        return net
    }

    mutating func decodeActor(_ p: YNode.Pair) -> ActorDef? {
        var a = ActorDef(name: p.key, role: "", domain: nil, subscriber: nil, policy: [:], certificate: nil, location: p.keyLocation)
        var roleNode: YNode?
        if p.value.scalarText != nil {
            roleNode = p.value
        } else {
            guard let f = fields(p.value, "actor '\(p.key)'", allowed: Self.actorKeys, required: ["role"]) else { return nil }
            roleNode = f["role"]
            if let d = f["domain"] { a.domain = string(d, "domain") }
            if let s = f["subscriber"], let name = string(s, "subscriber") {
                if !subscriberNames.contains(name) {
                    error(s.location, "unknown subscriber '\(name)'", expected: expectedOneOf(name, Array(subscriberNames)))
                }
                a.subscriber = name
            }
            if let c = f["certificate"], let name = string(c, "certificate") {
                if !Self.certificates.contains(name) {
                    error(c.location, "unknown certificate '\(name)'", expected: expectedOneOf(name, Self.certificates))
                }
                a.certificate = name
            }
            if let pol = f["policy"] {
                a.policy = decodePolicy(pol, role: roleNode?.scalarText ?? "")
            }
            a.live = decodeLive(f, actor: p.key)
            if let w = f["web"], let pairs = mappingPairs(w, "web", expected: "a mapping of URL -> body text") {
                for q in pairs { if let body = string(q.value, "web body") { a.web[q.key] = body } }
            }
        }
        if let r = roleNode, let role = string(r, "role") {
            if !catalog.roles.contains(role) {
                error(r.location, "unknown role '\(role)'", expected: expectedOneOf(role, catalog.roles))
            }
            a.role = role
        }
        return a
    }

    // MARK: live

    /// `listen: udp:127.0.0.1:5070`, or `external: udp:127.0.0.1:5060` /
    /// `external: {address: ..., per_peer: {scscf: udp:127.0.0.1:5062}}`.
    mutating func decodeLive(_ f: [String: YNode], actor: String) -> LiveActorDef? {
        if let l = f["listen"], f["external"] != nil {
            error(l.location, "actor '\(actor)' has both listen and external", expected: "listen: for a harness actor, or external: for a real system")
            return nil
        }
        if let l = f["listen"] { return endpoint(l, "listen").map { .listen($0) } }
        guard let x = f["external"] else { return nil }
        if x.scalarText != nil { return endpoint(x, "external").map { .external(address: $0, perPeer: [:]) } }
        guard let g = fields(x, "external", allowed: ["address", "per_peer"], required: ["address"]),
              let address = g["address"].flatMap({ endpoint($0, "address") }) else { return nil }
        var perPeer: [String: String] = [:]
        if let pp = g["per_peer"], let pairs = mappingPairs(pp, "per_peer", expected: "a mapping of harness actor -> endpoint") {
            for q in pairs {
                if actorRoles[q.key] == nil {
                    error(q.keyLocation, "unknown actor '\(q.key)' in per_peer", expected: expectedOneOf(q.key, Array(actorRoles.keys)))
                }
                if let e = endpoint(q.value, "per_peer endpoint") { perPeer[q.key] = e }
            }
        }
        return .external(address: address, perPeer: perPeer)
    }

    mutating func endpoint(_ n: YNode, _ what: String) -> String? {
        guard let text = string(n, what) else { return nil }
        guard ActorEndpoint(parsing: text) != nil else {
            error(n.location, "\(what) '\(text)' is not an endpoint", expected: "udp:HOST:PORT, tcp:HOST:PORT or tls:HOST:PORT (IPv6 in brackets, e.g. udp:[::1]:5060)")
            return nil
        }
        return text
    }

    /// A real system is a black box: the harness can drive only its own actors and can judge
    /// only what crosses the sockets, never an external actor's internal state.
    mutating func checkExternalActors(_ net: NetworkDef, steps: [Step], assertions: [Assertion]) {
        let external = Set(net.actors.filter { $0.live?.isExternal == true }.map(\.name))
        guard !external.isEmpty else { return }
        func refuse(_ at: SourceLocation, _ actor: String, _ what: String, _ expected: String) {
            error(at, "actor '\(actor)' is external (a real system): \(what)", expected: expected)
        }
        // `verdict:` without `at:` reads the harness's verifier; there is none when the only one is real.
        let verifiers = net.actors.filter { $0.role == "sti-vs" }
        let anyVerifier = verifiers.allSatisfy { external.contains($0.name) } ? verifiers.first?.name : nil
        for st in steps {
            switch st.kind {
            case .register(let r) where external.contains(r.ue):
                refuse(st.location, r.ue, "the harness cannot make it register", "a UE the harness plays")
            case .call(let c) where external.contains(c.from):
                refuse(st.location, c.from, "the harness cannot make it call", "a UE the harness plays")
            case .hangup(let h) where h.by.map(external.contains) == true:
                refuse(st.location, h.by ?? "", "the harness cannot make it hang up", "a UE the harness plays")
            case .send(let m) where external.contains(m.from):
                refuse(st.location, m.from, "the harness cannot send as it", "a harness actor (an attacker or a UE)")
            case .sbaRequest(let r) where external.contains(r.from) || external.contains(r.to):
                refuse(st.location, external.contains(r.from) ? r.from : r.to, "SBI requests run only between simulated NFs", "simulated actors")
            case .expect(let xs):
                for x in xs { checkVisible(x, external, anyVerifier, refuse) }
            default: break
            }
        }
        for x in assertions { checkVisible(x, external, anyVerifier, refuse) }
    }

    private func checkVisible(_ x: Assertion, _ external: Set<String>, _ anyVerifier: String?,
                              _ refuse: (SourceLocation, String, String, String) -> Void) {
        switch x.kind {
        case .verdict(nil, _, _, _) where anyVerifier != nil:
            refuse(x.location, anyVerifier ?? "", "its verification verdict is inside it", "a status assertion on its response (eventually: {from: \(anyVerifier ?? ""), status: 438})")
        case .display(let ue, _, _, _, _) where external.contains(ue):
            refuse(x.location, ue, "what its user is shown is inside it", "display: at a UE the harness plays, or a message assertion on what it sent")
        case .verdict(let at, _, _, _) where at.map(external.contains) == true:
            refuse(x.location, at ?? "", "its verification verdict is inside it", "a status assertion on its response (eventually: {from: \(at ?? ""), status: 438})")
        default: break
        }
    }

    mutating func decodePolicy(_ n: YNode, role: String) -> [String: Located<PolicySetting>] {
        guard let pairs = mappingPairs(n, "policy", expected: "a mapping of switch -> value") else { return [:] }
        let known = catalog.switches(for: role)
        var out: [String: Located<PolicySetting>] = [:]
        for p in pairs {
            if let known, known[p.key] == nil {
                error(p.keyLocation, "unknown policy switch '\(p.key)' for role \(role)",
                      expected: known.isEmpty ? "no policy switches (role \(role) has none)" : expectedOneOf(p.key, Array(known.keys)))
                continue
            }
            let v: PolicySetting?
            switch p.value.value {
            case .bool(let b): v = .bool(b)
            case .int(let i): v = .int(i)
            case .string(let s, _): v = .string(s)
            default: v = nil
            }
            guard let v else {
                error(p.value.location, "policy '\(p.key)' is \(p.value.typeName)", expected: "a boolean, integer or string")
                continue
            }
            if let kind = known?[p.key] {
                let okKind: Bool
                switch (kind, v) {
                case (.bool, .bool), (.int, .int), (.string, .string): okKind = true
                default: okKind = false
                }
                if !okKind {
                    error(p.value.location, "policy '\(p.key)' is \(p.value.typeName)", expected: kind == .bool ? "a boolean" : kind == .int ? "an integer" : "a string")
                    continue
                }
            }
            out[p.key] = Located(v, p.value.location)
        }
        return out
    }

    mutating func decodeSubscriber(_ p: YNode.Pair) -> SubscriberDef? {
        guard let f = fields(p.value, "subscriber '\(p.key)'", allowed: Self.subscriberKeys, required: ["impus"]) else { return nil }
        var s = SubscriberDef(name: p.key, impus: [], tn: nil, password: nil, displayName: nil, thirdParty: [], dataChannelApps: [],
                              location: p.keyLocation)
        if let i = f["impus"] {
            s.impus = stringList(i, "impus")
            for (k, it) in (i.items ?? [i]).enumerated() where k < s.impus.count {
                let u = s.impus[k]
                if !(u.hasPrefix("sip:") || u.hasPrefix("sips:") || u.hasPrefix("tel:")) {
                    error(it.location, "IMPU '\(u)' is not a SIP or tel URI", expected: "sip:user@domain or tel:+number")
                }
            }
        }
        if let t = f["tn"], let tn = string(t, "tn") {
            if tn.isEmpty || !tn.allSatisfy({ $0.isNumber || $0 == "+" }) {
                error(t.location, "tn '\(tn)' is not a telephone number", expected: "digits with an optional leading +, e.g. \"+15551230001\"")
            }
            s.tn = tn
        }
        if let x = f["password"] { s.password = string(x, "password") }
        if let x = f["name"] { s.displayName = string(x, "name") }
        if let x = f["data_channel"] { s.dataChannelApps = stringList(x, "data_channel") }
        if let tp = f["third_party"] {
            for it in tp.items ?? [] {
                if let g = fields(it, "third-party identity", allowed: ["tn", "name"], required: ["tn"]) {
                    s.thirdParty.append(ThirdPartyIdentity(tn: g["tn"].flatMap { string($0, "tn") } ?? "", name: g["name"].flatMap { string($0, "name") }))
                }
            }
            if tp.items == nil { error(tp.location, "third_party is \(tp.typeName)", expected: "a list of {tn, name}") }
        }
        if ["k", "opc", "op", "amf", "sqn"].contains(where: { f[$0] != nil }) { s.aka = akaKeys(f, at: p.keyLocation) }
        return s
    }

    /// IMS AKA keys as quoted hex (YAML would read "0000" as a number): k and opc/op 32 digits,
    /// amf 4 (default 8000), sqn 12 (default 000000000000).
    mutating func akaKeys(_ f: [String: YNode], at: SourceLocation) -> AKADef? {
        func hex(_ key: String, _ digits: Int) -> [UInt8]? {
            guard let n = f[key] else { return nil }
            guard case .string(let text, _) = n.value, text.utf8.count == digits, text.utf8.count % 2 == 0 else {
                error(n.location, "\(key) is not \(digits) hex digits", expected: "a quoted string of \(digits) hex digits, e.g. \"\(String(repeating: "0", count: digits))\"")
                return nil
            }
            var out: [UInt8] = []
            var i = text.startIndex
            while i < text.endIndex {
                let j = text.index(i, offsetBy: 2)
                guard let b = UInt8(text[i..<j], radix: 16) else {
                    error(n.location, "\(key) '\(text)' is not hex", expected: "\(digits) hex digits (0-9, a-f)")
                    return nil
                }
                out.append(b)
                i = j
            }
            return out
        }
        let k = hex("k", 32), opc = hex("opc", 32), op = hex("op", 32)
        let amf = hex("amf", 4) ?? [0x80, 0x00], sqn = hex("sqn", 12) ?? [0, 0, 0, 0, 0, 0]
        guard f["k"] != nil else {
            error(at, "IMS AKA keys without k", expected: "k: 32 hex digits, with opc or op")
            return nil
        }
        if (f["opc"] == nil) == (f["op"] == nil) {
            error(at, "an AKA subscriber needs exactly one of opc and op", expected: "opc: 32 hex digits (or op:)")
            return nil
        }
        guard let k, opc != nil || op != nil else { return nil }
        return AKADef(k: k, opc: opc, op: op, amf: amf, sqn: sqn.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }

    mutating func decodeLink(_ n: YNode) -> LinkDef? {
        guard let f = fields(n, "link", allowed: Self.linkKeys, required: ["between"]) else { return nil }
        var link = LinkDef(a: "", b: "", transport: "udp", latencyMs: 1, loss: 0, duplicate: 0, reorder: 0, location: n.location)
        if let b = f["between"] {
            if let items = b.items, items.count == 2 {
                link.a = actorRef(items[0]) ?? ""
                link.b = actorRef(items[1]) ?? ""
            } else {
                error(b.location, "between is \(b.typeName)\(b.items.map { " of \($0.count)" } ?? "")", expected: "a list of two actor names, e.g. [ue, pcscf]")
            }
        }
        if let t = f["transport"], let s = string(t, "transport") {
            if !SIPVocabulary.transports.contains(s.lowercased()) {
                error(t.location, "unknown transport '\(s)'", expected: expectedOneOf(s, SIPVocabulary.transports))
            }
            link.transport = s.lowercased()
        }
        if let l = f["latency"], let ms = duration(l) { link.latencyMs = Double(ms) }
        for key in ["loss", "duplicate", "reorder"] {
            guard let x = f[key] else { continue }
            let v: Double?
            switch x.value {
            case .int(let i): v = Double(i)
            case .float(let d): v = d
            default: v = nil
            }
            guard let v, v >= 0, v <= 1 else {
                error(x.location, "\(key) is \(x.scalarText.map { "'\($0)'" } ?? x.typeName)", expected: "a probability between 0 and 1")
                continue
            }
            switch key {
            case "loss": link.loss = v
            case "duplicate": link.duplicate = v
            default: link.reorder = v
            }
        }
        return link
    }

    // MARK: steps

    static let stepKeys = ["register", "call", "answer", "hangup", "send", "attack", "advance", "expect", "replay", "sba_request"]

    mutating func decodeStep(_ n: YNode) -> Step? {
        guard let pairs = n.pairs, pairs.count == 1, let p = pairs.first else {
            if let pairs = n.pairs, pairs.count > 1 {
                error(pairs[1].keyLocation, "a step has more than one keyword ('\(pairs[0].key)' and '\(pairs[1].key)')",
                      expected: "one keyword per list item; start a new '- ' item")
                for q in pairs where !Self.stepKeys.contains(q.key) {
                    error(q.keyLocation, "unknown step '\(q.key)'", expected: expectedOneOf(q.key, Self.stepKeys))
                }
            } else {
                error(n.location, "a step is \(n.typeName)", expected: "a mapping with one keyword: " + Self.stepKeys.joined(separator: ", "))
            }
            return nil
        }
        let v = p.value
        let kind: StepKind?
        switch p.key {
        case "register":
            if v.scalarText != nil {
                kind = actorRef(v, role: "ue").map { .register(RegisterStep(ue: $0, password: nil, impu: nil, headers: [])) }
            } else if let f = fields(v, "register", allowed: ["ue", "password", "impu", "headers"], required: ["ue"]) {
                let ue = f["ue"].flatMap { actorRef($0, role: "ue") }
                kind = ue.map { .register(RegisterStep(ue: $0, password: f["password"].flatMap { string($0, "password") },
                                                       impu: f["impu"].flatMap { template($0, "impu") },
                                                       headers: f["headers"].map { headerEdits($0) } ?? [])) }
            } else { kind = nil }
        case "call":
            if let f = fields(v, "call", allowed: ["id", "from", "to", "name", "reason", "headers", "data_channel"], required: ["from", "to"]) {
                let from = f["from"].flatMap { actorRef($0, role: "ue") }
                let to = f["to"].flatMap { target($0) }
                let id = f["id"].flatMap { string($0, "id") } ?? "call"
                if let from, let to {
                    var dcOffer: DataChannelDef?
                    var dcBool = false
                    if let dc = f["data_channel"] {
                        if dc.pairs != nil { dcOffer = dataChannelOffer(dc); dcBool = dcOffer != nil } else { dcBool = bool(dc, "data_channel") ?? false }
                    }
                    var step = CallStep(id: id, from: from, to: to, headers: f["headers"].map { headerEdits($0) } ?? [],
                                        displayName: f["name"].flatMap { string($0, "name") },
                                        reason: f["reason"].flatMap { string($0, "reason") }, dataChannel: dcBool)
                    step.dataChannelOffer = dcOffer
                    kind = .call(step)
                } else { kind = nil }
            } else { kind = nil }
        case "answer", "hangup":
            var ref: CallRefStep?
            if let id = v.scalarText {
                ref = callRef(id, at: v.location).map { CallRefStep(call: $0, by: nil) }
            } else if v.value == .null {
                ref = callRef("call", at: v.location).map { CallRefStep(call: $0, by: nil) }
            } else if let f = fields(v, p.key, allowed: ["call", "by"], required: []) {
                let id = f["call"].flatMap { string($0, "call") } ?? "call"
                let by = f["by"].flatMap { actorRef($0) }
                ref = callRef(id, at: f["call"]?.location ?? v.location).map { CallRefStep(call: $0, by: by) }
            }
            kind = ref.map { p.key == "answer" ? .answer($0) : .hangup($0) }
        case "send":
            if let f = fields(v, "send", allowed: ["from", "to", "message"], required: ["from", "to", "message"]) {
                let from = f["from"].flatMap { actorRef($0) }, to = f["to"].flatMap { actorRef($0) }
                let msg = f["message"].flatMap { template($0, "message") }
                if let from, let to, let msg { kind = .send(SendStep(from: from, to: to, message: msg)) } else { kind = nil }
            } else { kind = nil }
        case "attack":
            kind = decodeAttack(v, forced: nil).map { .attack($0) }
        case "replay":
            if v["capture"] != nil {
                kind = decodeCaptureReplay(v).map { .replayCapture($0) }
            } else {
                kind = decodeAttack(v, forced: "replay").map { .attack($0) }
            }
        case "advance":
            kind = duration(v).map { .advance(ms: $0) }
        case "sba_request":
            kind = sbaRequest(v).map { .sbaRequest($0) }
        case "expect":
            let items = v.items ?? (v.pairs != nil ? [v] : [])
            if items.isEmpty { error(v.location, "expect is \(v.typeName)", expected: "an assertion or a list of assertions") }
            var xs: [Assertion] = []
            for it in items { if let a = decodeAssertion(it) { xs.append(a) } }
            kind = .expect(xs)
        default:
            error(p.keyLocation, "unknown step '\(p.key)'", expected: expectedOneOf(p.key, Self.stepKeys))
            kind = nil
        }
        return kind.map { Step(kind: $0, location: p.keyLocation, keyword: p.key) }
    }

    mutating func decodeAttack(_ v: YNode, forced: String?) -> AttackStep? {
        guard let pairs = v.pairs else {
            error(v.location, "\(forced ?? "attack") is \(v.typeName)", expected: "a mapping such as {action: set_header, header: ..., value: ...}")
            return nil
        }
        var actionName = forced
        var actionLoc = v.location
        if forced == nil {
            guard let a = pairs.first(where: { $0.key == "action" }) else {
                error(v.location, "attack has no action", expected: "action: " + AttackCatalog.actions.keys.sorted().joined(separator: " | "))
                return nil
            }
            actionName = string(a.value, "action")
            actionLoc = a.value.location
        }
        guard let raw = actionName else { return nil }
        let action = AttackCatalog.aliases[raw] ?? raw
        guard let spec = AttackCatalog.actions[action] else {
            error(actionLoc, "unknown attack action '\(raw)'",
                  expected: expectedOneOf(raw, Array(AttackCatalog.actions.keys) + Array(AttackCatalog.aliases.keys)))
            return nil
        }
        var step = AttackStep(action: action, match: MatchFilter(), parameters: [:])
        let allowed = Set(spec.required + spec.optional + AttackCatalog.matchKeys + (forced == nil ? ["action"] : []))
        for p in pairs where p.key != "action" || forced != nil {
            guard allowed.contains(p.key) else {
                error(p.keyLocation, "unknown key '\(p.key)' for attack \(action)", expected: expectedOneOf(p.key, Array(allowed)))
                continue
            }
            switch p.key {
            case "link":
                if let items = p.value.items, items.count == 2 {
                    let a = actorRef(items[0]), b = actorRef(items[1])
                    if let a, let b { step.match.link = [a, b] }
                } else {
                    error(p.value.location, "link is \(p.value.typeName)", expected: "a link as a list of two actor names, e.g. [caller, pcscf]")
                }
            case "from": step.match.from = actorRef(p.value)
            case "to": step.match.to = actorRef(p.value)
            case "method": step.match.method = method(p.value)
            case "status": step.match.status = status(p.value).0
            case "nth":
                if case .int(let i) = p.value.value, i >= 1 { step.match.nth = i } else {
                    error(p.value.location, "nth is \(p.value.typeName)", expected: "a positive integer (1 = first matching message)")
                }
            case "by", "after":
                if let ms = duration(p.value) { step.parameters[p.key] = Located(String(ms), p.value.location) }
            case "key":
                if let k = string(p.value, "key") {
                    if !AttackCatalog.keys.contains(k) { error(p.value.location, "unknown signing key '\(k)'", expected: expectedOneOf(k, AttackCatalog.keys)) }
                    step.parameters["key"] = Located(k, p.value.location)
                }
            case "part":
                if let k = string(p.value, "part") {
                    if !AttackCatalog.parts.contains(k) { error(p.value.location, "unknown Identity part '\(k)'", expected: expectedOneOf(k, AttackCatalog.parts)) }
                    step.parameters["part"] = Located(k, p.value.location)
                }
            default:
                if let t = template(p.value, p.key) { step.parameters[p.key] = Located(t.text, p.value.location) }
            }
        }
        for r in spec.required where pairs.first(where: { $0.key == r }) == nil {
            error(v.location, "attack \(action) has no '\(r)'", expected: "\(r): for \(action) (needs \(spec.required.joined(separator: ", ")))")
        }
        return step
    }

    // MARK: assertions

    static let assertionKinds = ["never", "eventually", "count", "display", "verdict", "privacy_respected", "no_ue_pai_at_trusted", "call",
                                 "data_channel", "sba_response"]
    static let selectorKeys = ["at", "from", "method", "status", "call", "header", "present", "absent", "equals", "matches", "contains"]

    mutating func decodeAssertion(_ n: YNode) -> Assertion? {
        guard let pairs = n.pairs else {
            error(n.location, "an assertion is \(n.typeName)", expected: "a mapping with one of " + Self.assertionKinds.joined(separator: ", "))
            return nil
        }
        var id: String?
        var kindPair: YNode.Pair?
        for p in pairs {
            switch p.key {
            case "id":
                id = string(p.value, "id")
                if let i = id {
                    if let prev = assertionIds[i] { error(p.value.location, "assertion id '\(i)' already used at \(prev.line):\(prev.column)", expected: "a unique id") }
                    assertionIds[i] = p.value.location
                }
            case "because": _ = string(p.value, "because")
            default:
                if Self.assertionKinds.contains(p.key) {
                    if let k = kindPair {
                        error(p.keyLocation, "assertion has both '\(k.key)' and '\(p.key)'", expected: "one kind per assertion; start a new '- ' item")
                    } else { kindPair = p }
                } else {
                    error(p.keyLocation, "unknown assertion '\(p.key)'", expected: expectedOneOf(p.key, Self.assertionKinds + ["id", "because"]))
                }
            }
        }
        guard let kp = kindPair else {
            if !pairs.contains(where: { !["id", "because"].contains($0.key) && !Self.assertionKinds.contains($0.key) }) {
                error(n.location, "assertion has no kind", expected: "one of " + Self.assertionKinds.joined(separator: ", "))
            }
            return nil
        }
        let v = kp.value
        var kind: AssertionKind?
        switch kp.key {
        case "never": kind = selector(v, kp.key, extra: []).map { .never($0.0) }
        case "eventually": kind = selector(v, kp.key, extra: []).map { .eventually($0.0) }
        case "count":
            if let (sel, f) = selector(v, "count", extra: ["min", "max", "exactly"]) {
                var lo: Int?, hi: Int?
                if let x = f["exactly"] { lo = int(x, "exactly"); hi = lo }
                if let x = f["min"] { lo = int(x, "min") }
                if let x = f["max"] { hi = int(x, "max") }
                if lo == nil && hi == nil { error(v.location, "count has no bound", expected: "exactly:, min: or max:") }
                kind = .count(sel, min: lo, max: hi)
            }
        case "display":
            if let f = fields(v, "display", allowed: ["at", "verstat", "name", "reason", "identity"], required: ["at"]) {
                let ue = f["at"].flatMap { actorRef($0, role: "ue") }
                var verstat: String?
                if let x = f["verstat"], let s = string(x, "verstat") {
                    if !(SIPVocabulary.verstat + ["none"]).contains(s) {
                        error(x.location, "unknown verstat '\(s)'", expected: expectedOneOf(s, SIPVocabulary.verstat + ["none"]))
                    }
                    verstat = s
                }
                if let ue {
                    kind = .display(ue: ue, verstat: verstat, name: f["name"].flatMap { string($0, "name") },
                                    reason: f["reason"].flatMap { string($0, "reason") }, identity: f["identity"].flatMap { template($0, "identity") })
                }
            }
        case "verdict":
            if let f = fields(v, "verdict", allowed: ["at", "result", "policy", "status"], required: []) {
                var valid: Bool?
                if let r = f["result"], let s = string(r, "result") {
                    if s == "valid" { valid = true } else if s == "invalid" { valid = false } else {
                        error(r.location, "unknown verdict result '\(s)'", expected: "valid or invalid")
                    }
                }
                kind = .verdict(at: f["at"].flatMap { actorRef($0) }, valid: valid, policy: f["policy"].flatMap { string($0, "policy") },
                                status: f["status"].flatMap { status($0).0 })
            }
        case "privacy_respected", "no_ue_pai_at_trusted":
            if case .bool(true) = v.value {
                kind = kp.key == "privacy_respected" ? .privacyRespected : .noUEAssertedIdentity
            } else {
                error(v.location, "\(kp.key) is \(v.typeName)", expected: "true")
            }
        case "call":
            if let f = fields(v, "call", allowed: ["id", "established"], required: ["established"]) {
                let idNode = f["id"]
                let id = idNode.flatMap { string($0, "id") } ?? "call"
                let est = f["established"].flatMap { bool($0, "established") }
                if let cid = callRef(id, at: idNode?.location ?? v.location), let est { kind = .callEstablished(call: cid, established: est) }
            }
        case "data_channel":
            if let f = fields(v, "data_channel", allowed: ["at", "app", "stream", "active"], required: ["at", "active"]),
               let at = f["at"].flatMap({ actorRef($0) }), let active = f["active"].flatMap({ int($0, "active") }) {
                kind = .dataChannel(at: at, app: f["app"].flatMap { string($0, "app") }, stream: f["stream"].flatMap { int($0, "stream") }, active: active)
            }
        case "sba_response":
            if let f = fields(v, "sba_response", allowed: ["request", "status", "error", "tls_failure"], required: ["request"]),
               let req = f["request"].flatMap({ string($0, "request") }) {
                if !sbaRequestIds.contains(req) {
                    error(f["request"]?.location ?? v.location, "no sba_request with id '\(req)'",
                          expected: expectedOneOf(req, sbaRequestIds.sorted()))
                }
                if f["status"] == nil && f["error"] == nil && f["tls_failure"] == nil {
                    error(v.location, "sba_response checks nothing", expected: "status:, error: or tls_failure:")
                }
                kind = .sbaResponse(request: req, status: f["status"].flatMap { status($0).0 }, error: f["error"].flatMap { string($0, "error") },
                                    tlsFailure: f["tls_failure"].flatMap { bool($0, "tls_failure") })
            }
        default: break
        }
        guard let kind else { return nil }
        return Assertion(id: id, kind: kind, location: kp.keyLocation, text: oneLine(kp.key, v))
    }

    mutating func selector(_ v: YNode, _ what: String, extra: [String]) -> (MessageSelector, [String: YNode])? {
        guard let f = fields(v, what, allowed: Self.selectorKeys + extra, required: []) else { return nil }
        var s = MessageSelector()
        if let x = f["at"] { s.at = actorRef(x) }
        if let x = f["from"] { s.from = actorRef(x) }
        if let x = f["method"] { s.method = method(x) }
        if let x = f["status"] { (s.status, s.statusClass) = status(x) }
        if let x = f["call"], let id = string(x, "call") { s.call = callRef(id, at: x.location) }
        if let x = f["header"] { s.header = string(x, "header") }
        let preds = ["present", "absent", "equals", "matches", "contains"].filter { f[$0] != nil }
        if preds.count > 1, let second = f[preds[1]] {
            error(second.location, "header test has both '\(preds[0])' and '\(preds[1])'", expected: "one of present, absent, equals, matches, contains")
        }
        if let p = preds.first, let node = f[p] {
            if s.header == nil { error(node.location, "'\(p)' without a header", expected: "header: NAME beside \(p):") }
            switch p {
            case "present", "absent":
                if let b = bool(node, p) { s.predicate = (b == (p == "present")) ? .present : .absent }
            case "equals": s.predicate = template(node, "equals").map { .equals($0) }
            case "contains": s.predicate = template(node, "contains").map { .contains($0) }
            default:
                if let r = string(node, "matches") {
                    if (try? NSRegularExpression(pattern: r)) == nil {
                        error(node.location, "'\(r)' is not a valid regular expression", expected: "an ICU regular expression")
                    } else { s.predicate = .matches(r) }
                }
            }
        } else if s.header != nil {
            s.predicate = .present
        }
        return (s, f)
    }

    /// `headers: {Name: value}` (templated values, added or replaced in order).
    mutating func headerEdits(_ n: YNode) -> [HeaderEdit] {
        guard let pairs = mappingPairs(n, "headers", expected: "a mapping of header name -> value") else { return [] }
        return pairs.compactMap { p in template(p.value, p.key).map { HeaderEdit(name: p.key, value: $0) } }
    }

    // MARK: small typed readers

    mutating func fields(_ n: YNode, _ what: String, allowed: [String], required: [String]) -> [String: YNode]? {
        guard let pairs = n.pairs else {
            error(n.location, "\(what) is \(n.typeName)", expected: "a mapping with keys " + allowed.joined(separator: ", "))
            return nil
        }
        var out: [String: YNode] = [:]
        for p in pairs {
            if allowed.contains(p.key) { out[p.key] = p.value } else {
                error(p.keyLocation, "unknown key '\(p.key)' in \(what)", expected: expectedOneOf(p.key, allowed))
            }
        }
        for r in required where out[r] == nil && !pairs.contains(where: { $0.key == r }) {
            error(n.location, "\(what) has no '\(r)'", expected: "'\(r):' in \(what)")
        }
        return out
    }

    mutating func mappingPairs(_ n: YNode, _ what: String, expected: String) -> [YNode.Pair]? {
        if let p = n.pairs { return p }
        error(n.location, "\(what) is \(n.typeName)", expected: expected)
        return nil
    }

    mutating func string(_ n: YNode, _ what: String) -> String? {
        switch n.value {
        case .string(let s, _): return s
        case .int, .float, .bool: return n.scalarText
        default:
            error(n.location, "\(what) is \(n.typeName)", expected: "a string")
            return nil
        }
    }

    mutating func stringList(_ n: YNode, _ what: String) -> [String] {
        if case .string(let s, _) = n.value { return [s] }
        guard let items = n.items else {
            error(n.location, "\(what) is \(n.typeName)", expected: "a list of strings")
            return []
        }
        return items.compactMap { string($0, what) }
    }

    mutating func bool(_ n: YNode, _ what: String) -> Bool? {
        if case .bool(let b) = n.value { return b }
        error(n.location, "\(what) is \(n.scalarText.map { "'\($0)'" } ?? n.typeName)", expected: "true or false")
        return nil
    }

    mutating func int(_ n: YNode, _ what: String) -> Int? {
        if case .int(let i) = n.value, i >= 0 { return i }
        error(n.location, "\(what) is \(n.scalarText.map { "'\($0)'" } ?? n.typeName)", expected: "a non-negative integer")
        return nil
    }

    /// `500ms`, `61s`, `2m`, `1h` -> milliseconds.
    mutating func duration(_ n: YNode) -> Int? {
        let text = n.scalarText ?? ""
        let units: [(String, Int)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (u, mult) in units where text.hasSuffix(u) {
            let digits = text.dropLast(u.count)
            if !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let v = Int(digits), v <= 86_400_000 / mult {
                return v * mult
            }
        }
        error(n.location, "bad duration \(n.scalarText.map { "'\($0)'" } ?? n.typeName)",
              expected: "a whole number with a unit: ms, s, m or h (e.g. 500ms, 61s)")
        return nil
    }

    mutating func method(_ n: YNode) -> String? {
        guard let m = string(n, "method") else { return nil }
        if !SIPVocabulary.methods.contains(m) {
            error(n.location, "unknown method '\(m)'", expected: expectedOneOf(m.uppercased(), SIPVocabulary.methods))
            return nil
        }
        return m
    }

    /// 403 -> (403, nil); "4xx" -> (nil, 4).
    mutating func status(_ n: YNode) -> (Int?, Int?) {
        if case .int(let i) = n.value, (100...699).contains(i) { return (i, nil) }
        if let s = n.scalarText, s.count == 3, s.hasSuffix("xx"), let d = s.first?.wholeNumberValue, (1...6).contains(d) { return (nil, d) }
        error(n.location, "status is \(n.scalarText.map { "'\($0)'" } ?? n.typeName)", expected: "a SIP status code 100-699 or a class such as 4xx")
        return (nil, nil)
    }

    mutating func actorRef(_ n: YNode, role: String? = nil) -> String? {
        guard let name = string(n, "actor") else { return nil }
        guard checkActor(name, at: n.location) else { return nil }
        if let role, let r = actorRoles[name], !r.isEmpty, r != role {
            error(n.location, "actor '\(name)' has role \(r)", expected: "an actor with role \(role)")
            return nil
        }
        return name
    }

    @discardableResult
    mutating func checkActor(_ name: String, at: SourceLocation) -> Bool {
        if actorRoles[name] != nil { return true }
        error(at, "unknown actor '\(name)'", expected: actorRoles.isEmpty ? "an actor declared under network.actors" : expectedOneOf(name, Array(actorRoles.keys)))
        return false
    }

    mutating func callRef(_ id: String, at: SourceLocation) -> String? {
        if callIds.contains(id) { return id }
        error(at, "unknown call '\(id)'", expected: callIds.isEmpty ? "a call step before it" : expectedOneOf(id, Array(callIds)))
        return nil
    }

    /// A call target: an actor or subscriber name, or a URI (possibly templated).
    mutating func target(_ n: YNode) -> Template? {
        guard let t = template(n, "to") else { return nil }
        if !t.text.contains(":") && !t.text.contains("${") && actorRoles[t.text] == nil && !subscriberNames.contains(t.text) {
            error(n.location, "unknown call target '\(t.text)'",
                  expected: expectedOneOf(t.text, Array(actorRoles.keys) + Array(subscriberNames)) + ", or a URI")
            return nil
        }
        return t
    }

    static let subscriberFields = ["impu", "tn", "name", "password", "uri", "domain"]
    static let actorFields = ["name", "address", "host", "uri"]
    static let callFields = ["callid", "from", "to", "id"]

    /// Checks every `${root.field}` in the text; the engine fills them in at run time.
    mutating func template(_ n: YNode, _ what: String) -> Template? {
        guard let text = string(n, what) else { return nil }
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
                error(locate("${", in: n), "unterminated template '${' in \(what)", expected: "${name.field}")
                break
            }
            let ref = String(rest[open.upperBound..<close])
            let parts = ref.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let at = locate("${\(ref)}", in: n)
            if parts.count != 2 {
                error(at, "undefined template variable '\(ref)'",
                      expected: "a matrix variable or name.field, e.g. ${caller.impu} or ${call.callid}")
            } else if subscriberNames.contains(parts[0]) {
                if !Self.subscriberFields.contains(parts[1]) {
                    error(at, "subscriber '\(parts[0])' has no field '\(parts[1])'", expected: expectedOneOf(parts[1], Self.subscriberFields))
                }
            } else if callIds.contains(parts[0]) {
                if !Self.callFields.contains(parts[1]) {
                    error(at, "call '\(parts[0])' has no field '\(parts[1])'", expected: expectedOneOf(parts[1], Self.callFields))
                }
            } else if actorRoles[parts[0]] != nil {
                if !Self.actorFields.contains(parts[1]) {
                    error(at, "actor '\(parts[0])' has no field '\(parts[1])'", expected: expectedOneOf(parts[1], Self.actorFields))
                }
            } else {
                let roots = Array(subscriberNames) + Array(callIds) + Array(actorRoles.keys)
                error(at, "undefined template variable '\(ref)'", expected: expectedOneOf(parts[0], roots) + " (a subscriber, actor or call id)")
            }
            rest = rest[rest.index(after: close)...]
        }
        return Template(text: text, location: n.location)
    }

    /// Where a piece of text sits in the source: the scalar's own line first, then the
    /// lines below (block scalars start on the next line).
    func locate(_ needle: String, in n: YNode) -> SourceLocation {
        guard let src = sources[n.location.file] else { return n.location }
        let lines = src.split(separator: "\n", omittingEmptySubsequences: false)
        var lineIndex = n.location.line - 1
        var startCol = n.location.column - 1
        while lineIndex < lines.count && lineIndex < n.location.line + 200 {
            let line = Array(lines[lineIndex].unicodeScalars)
            let needleScalars = Array(needle.unicodeScalars)
            if line.count >= needleScalars.count, startCol <= line.count - needleScalars.count {
                for c in startCol...(line.count - needleScalars.count) where Array(line[c..<(c + needleScalars.count)]) == needleScalars {
                    return SourceLocation(file: n.location.file, line: lineIndex + 1, column: c + 1)
                }
            }
            lineIndex += 1
            startCol = 0
        }
        return n.location
    }

    mutating func error(_ at: SourceLocation, _ message: String, expected: String) {
        bag.error(at, message, expected: expected)
    }

    func oneLine(_ key: String, _ v: YNode) -> String {
        func render(_ n: YNode) -> String {
            switch n.value {
            case .mapping(let p): return "{" + p.map { "\($0.key): \(render($0.value))" }.joined(separator: ", ") + "}"
            case .sequence(let s): return "[" + s.map(render).joined(separator: ", ") + "]"
            case .null: return "null"
            default: return n.scalarText ?? ""
            }
        }
        return "\(key): \(render(v))"
    }
}

/// Stable default seed from the file path (FNV-1a; Swift's Hasher is randomised per process).
func fnv1a(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h & 0x7fff_ffff_ffff_ffff
}
