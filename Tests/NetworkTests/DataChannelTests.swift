import Foundation
import Network
import SIPCore
import Testing

/// IMS data channel authorisation at the AS (TR 33.890 KI#2; DOMAIN §6, §8 #35–#38). Each
/// attack runs against the hardened network and against the named misconfiguration.
struct DataChannelTests {
    static func spec(aliceApps: [String], tas: [String: PolicyValue] = [:], stiVS: [String: PolicyValue] = [:],
                     stir: Bool = false) -> NetworkSpec {
        var alice = Fixtures.alice
        alice.dataChannelApps = aliceApps
        var actors = [
            ActorSpec(name: "alice", role: .ue, domain: "ims.example"),
            ActorSpec(name: "bob", role: .ue, domain: "ims.example"),
            ActorSpec(name: "pcscf", role: .pcscf, domain: "ims.example"),
            ActorSpec(name: "scscf", role: .scscf, domain: "ims.example",
                      policy: stir ? ["ifc_orig": "tas,sti-as", "ifc_term": "sti-vs"] : ["ifc_orig": "tas", "ifc_term": ""]),
            ActorSpec(name: "tas", role: .tas, domain: "ims.example", policy: tas),
        ]
        var links = [LinkSpec("alice", "pcscf"), LinkSpec("bob", "pcscf"), LinkSpec("pcscf", "scscf"), LinkSpec("scscf", "tas")]
        if stir {
            actors += [ActorSpec(name: "sti-as", role: .stiAS, domain: "ims.example"),
                       ActorSpec(name: "sti-vs", role: .stiVS, domain: "ims.example", policy: stiVS)]
            links += [LinkSpec("scscf", "sti-as"), LinkSpec("scscf", "sti-vs")]
        }
        return NetworkSpec(actors: actors, trustDomains: ["operator": ["pcscf", "scscf", "tas", "sti-as", "sti-vs"].filter { n in actors.contains { $0.name == n } }],
                           links: links, subscribers: [alice, Fixtures.bob])
    }

    /// The INVITE as the S-CSCF received it back from the AS, and as Bob received it.
    static func invites(_ net: SimulatedNetwork) -> (afterAS: SIPMessage?, atBob: SIPMessage?) {
        let afterAS = net.trace.last { $0.kind == .delivered && $0.from == "tas" && $0.to == "scscf" && $0.summary.hasPrefix("INVITE") }
        let atBob = net.trace.last { $0.kind == .delivered && $0.to == "bob" && $0.summary.hasPrefix("INVITE") }
        return (afterAS?.message, atBob?.message)
    }

    func run(_ spec: NetworkSpec, _ offer: DataChannelOffer, attack: AttackAction? = nil) throws -> SimulatedNetwork {
        let net = try Fixtures.registered(spec)
        if let attack { try net.attack(attack) }
        var o = CallOptions()
        o.dataChannelOffer = offer
        try net.call(from: "alice", to: "bob", id: "c1", options: o)
        net.runUntilIdle()
        return net
    }

    @Test func offerCarriesRequestedLines() async throws {
        await PKIWarmup.ensure()
        let sdp = try SDP(parsing: DataChannelOffer(remoteBootstrap: true, apps: ["chat"]).sdp(host: "10.0.0.2"))
        let dc = sdp.media.filter(\.isDataChannel)
        #expect(dc.count == 3)
        #expect(dc[0].dataChannels.map(\.streamID) == [0, 10])
        #expect(dc[1].dataChannels.map(\.streamID) == [100, 110])
        #expect(dc[2].dataChannels.map(\.streamID) == [1000] && dc[2].requestedApps == ["chat"])
        #expect(dc.allSatisfy { $0.fingerprints.first?.value == DataChannelOffer.defaultFingerprint })
    }

    // Catalogue #35
    @Test func unauthorisedUserLosesDCLines() async throws {
        await PKIWarmup.ensure()
        let net = try run(Self.spec(aliceApps: []), DataChannelOffer())
        let (afterAS, atBob) = Self.invites(net)
        #expect(afterAS.map(DataChannelSDP.dataChannels(in:))?.isEmpty == true, "\(net.dump())")
        #expect(atBob.map(DataChannelSDP.dataChannels(in:))?.isEmpty == true)
        #expect(atBob.flatMap(DataChannelSDP.sdp(of:))?.media.first?.media == "audio")
        #expect(net.callState("c1")?.phase == .established)
        #expect(net.trace.contains { $0.kind == .rule && $0.note.contains("AuthoriseDataChannel: removed 1 DC m-line") })
    }

    @Test func unauthorisedUserRejectedWhenPolicySaysReject() async throws {
        await PKIWarmup.ensure()
        let net = try run(Self.spec(aliceApps: [], tas: ["dc_unauthorised_action": "reject"]), DataChannelOffer())
        #expect(net.callState("c1")?.finalStatus == 488)
        #expect(Self.invites(net).atBob == nil)
    }

    @Test func misconfiguredASLetsUnauthorisedDCThrough() async throws {
        await PKIWarmup.ensure()
        let net = try run(Self.spec(aliceApps: [], tas: ["authorise_dc": false]), DataChannelOffer())
        #expect(Self.invites(net).atBob.map(DataChannelDataLines.active)?.count == 1)
    }

    @Test func authorisedUserKeepsBootstrap() async throws {
        await PKIWarmup.ensure()
        let net = try run(Self.spec(aliceApps: ["chat"]), DataChannelOffer())
        #expect(Self.invites(net).atBob.map(DataChannelDataLines.active)?.count == 1)
    }

    // Catalogue #36
    @Test func ueFakedRemoteBootstrapIsDeleted() async throws {
        await PKIWarmup.ensure()
        let offer = DataChannelOffer(remoteBootstrap: true)
        let net = try run(Self.spec(aliceApps: ["chat"]), offer)
        let lines = Self.invites(net).atBob.map(DataChannelSDP.dataChannels(in:)) ?? []
        #expect(lines.count == 1)
        #expect(!lines.contains { $0.dataChannels.contains { $0.streamID == 100 } })
        let off = try run(Self.spec(aliceApps: ["chat"], tas: ["remove_ue_remote_bdc": false]), offer)
        let through = off.trace.last { $0.kind == .delivered && $0.to == "bob" && $0.summary.hasPrefix("INVITE") }?.dataChannelMedia ?? []
        #expect(through.contains { $0.dataChannels.contains { $0.streamID == 100 } })
    }

    // Catalogue #37
    @Test func applicationDCForUnlistedAppGetsPortZero() async throws {
        await PKIWarmup.ensure()
        let offer = DataChannelOffer(apps: ["chat", "screen-share"])
        let net = try run(Self.spec(aliceApps: ["chat"]), offer)
        let lines = Self.invites(net).atBob.map(DataChannelSDP.dataChannels(in:)) ?? []
        #expect(lines.count == 3)
        let share = lines.first { $0.requestedApps == ["screen-share"] }
        #expect(share?.port == 0)
        #expect(lines.first { $0.requestedApps == ["chat"] }?.port != 0)
        #expect(net.callState("c1")?.phase == .established)

        let reject = try run(Self.spec(aliceApps: ["chat"], tas: ["dc_unlisted_app_action": "reject"]), offer)
        #expect(reject.callState("c1")?.finalStatus == 488)

        let off = try run(Self.spec(aliceApps: ["chat"], tas: ["authorise_dc_apps": false]), offer)
        let offLines = Self.invites(off).atBob.map(DataChannelSDP.dataChannels(in:)) ?? []
        #expect(offLines.first { $0.requestedApps == ["screen-share"] }?.port != 0)
    }

    // Catalogue #38
    @Test func tamperedFingerprintDetectedByMky() async throws {
        await PKIWarmup.ensure()
        let offer = DataChannelOffer()
        let forged = DataChannelOffer(fingerprint: "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF")
        // The attacker swaps the SDP between the signer and the verifier.
        let attack = AttackAction(.setBody(forged.sdp(host: "10.0.0.2")), match: MessageMatch(link: "scscf<->sti-vs", to: "sti-vs", method: "INVITE"))
        let untouched = try run(Self.spec(aliceApps: ["chat"], stir: true), offer)
        #expect(untouched.callState("c1")?.phase == .established, "\(untouched.dump())")
        let signed = untouched.trace.first { $0.kind == .delivered && $0.to == "sti-vs" }?.message?.value("Identity") ?? ""
        #expect(!signed.isEmpty)

        let hardened = try run(Self.spec(aliceApps: ["chat"], stir: true), offer, attack: attack)
        #expect(hardened.callState("c1")?.finalStatus == 438, "\(hardened.dump())")

        let off = try run(Self.spec(aliceApps: ["chat"], stiVS: ["check_mky": false], stir: true), offer, attack: attack)
        #expect(off.callState("c1")?.phase == .established)
        let atBob = Self.invites(off).atBob.map(DataChannelSDP.dataChannels(in:)) ?? []
        #expect(atBob.first?.fingerprints.first?.value == forged.fingerprint)
    }

    @Test func noDCNoChangeAndNoMky() async throws {
        await PKIWarmup.ensure()
        let net = try Fixtures.registered(Self.spec(aliceApps: [], stir: true))
        try net.call(from: "alice", to: "bob", id: "c1")
        net.runUntilIdle()
        #expect(net.callState("c1")?.phase == .established)
        #expect(!net.trace.contains { $0.note.contains("AuthoriseDataChannel") && $0.note.contains("removed") })
    }
}

/// Active (port ≠ 0) DC m-lines of a message.
enum DataChannelDataLines {
    static func active(_ m: SIPMessage) -> [SDPMedia] { DataChannelSDP.activeDataChannels(in: m) }
}

/// `SimulationPKI.shared` blocks its thread while the chains validate on a Task. Two parallel
/// swift-testing tests doing that on a 2-core cooperative pool starve the Task, so the shared
/// PKI is built once on a plain thread first (later networks hit its cache).
enum PKIWarmup {
    static func ensure() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            Thread {
                _ = try? SimulatedNetwork(spec: Fixtures.spec(), seed: 1)
                c.resume()
            }.start()
        }
    }
}
