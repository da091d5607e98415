import Network

/// Small networks built in code for the tests.
enum Fixtures {
    static let alice = SubscriberSpec(name: "alice", impus: ["sip:alice@ims.example", "tel:+12025550101"], tn: "12025550101",
                                      password: "alice-secret",
                                      thirdParty: [AuthorisedIdentity(tn: "12025550101", name: "Acme Bank")])
    static let bob = SubscriberSpec(name: "bob", impus: ["sip:bob@ims.example", "tel:+12025550102"], tn: "12025550102",
                                    password: "bob-secret")

    /// UE-A -- P-CSCF -- S-CSCF -- P-CSCF -- UE-B, with optional ASs on the S-CSCF.
    static func spec(pcscf: [String: PolicyValue] = [:], scscf: [String: PolicyValue] = [:], stiVS: [String: PolicyValue] = [:],
                     signer: Bool = false, verifier: Bool = false, enterprise: String? = nil,
                     link: (String, String) -> LinkSpec = { LinkSpec($0, $1) }, extraActors: [ActorSpec] = [],
                     extraLinks: [LinkSpec] = [], trust: [String] = ["pcscf", "scscf", "sti-as", "sti-vs", "ent"]) -> NetworkSpec {
        var actors = [
            ActorSpec(name: "alice", role: .ue, domain: "ims.example"),
            ActorSpec(name: "bob", role: .ue, domain: "ims.example"),
            ActorSpec(name: "pcscf", role: .pcscf, domain: "ims.example", policy: pcscf),
            ActorSpec(name: "scscf", role: .scscf, domain: "ims.example", policy: scscf),
        ]
        var links = [link("alice", "pcscf"), link("bob", "pcscf"), link("pcscf", "scscf")]
        if signer {
            actors.append(ActorSpec(name: "sti-as", role: .stiAS, domain: "ims.example"))
            links.append(link("scscf", "sti-as"))
        }
        if let cert = enterprise {
            actors.append(ActorSpec(name: "ent", role: .enterprise, certificate: cert))
            links.append(link("scscf", "ent"))
        }
        if verifier {
            actors.append(ActorSpec(name: "sti-vs", role: .stiVS, domain: "ims.example", policy: stiVS))
            links.append(link("scscf", "sti-vs"))
        }
        actors += extraActors
        links += extraLinks
        let names = Set(actors.map(\.name))
        return NetworkSpec(actors: actors, trustDomains: ["operator": trust.filter { names.contains($0) }], links: links,
                           subscribers: [alice, bob])
    }

    /// Builds, registers both UEs and checks that worked.
    static func registered(_ spec: NetworkSpec, seed: UInt64 = 7) throws -> SimulatedNetwork {
        let net = try SimulatedNetwork(spec: spec, seed: seed)
        try net.register(ue: "alice")
        try net.register(ue: "bob")
        net.runUntilIdle()
        return net
    }
}

extension SimulatedNetwork {
    /// Messages delivered to `actor`, parsed.
    func delivered(to actor: String) -> [(event: TraceEvent, text: String)] {
        trace.filter { $0.kind == .delivered && $0.to == actor }.map { ($0, String(decoding: $0.bytes, as: UTF8.self)) }
    }

    func dump() -> String { trace.map(\.line).joined(separator: "\n") }
}
