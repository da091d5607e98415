import Identity
import Network
import Testing

/// SBI service calls AS -> DCSF / MF with NRF-issued access tokens (TR 33.890 KI#3; TS 33.501
/// §13.4.1; DOMAIN §8 #39–#42). Each attack runs against the hardened producer and against
/// the producer with the named check switched off.
struct SBATests {
    static func spec(dcsf: [String: PolicyValue] = [:], mf: [String: PolicyValue] = [:], nrf: [String: PolicyValue] = [:]) -> NetworkSpec {
        NetworkSpec(actors: [
            ActorSpec(name: "as", role: .tas, domain: "ims.example"),
            ActorSpec(name: "dcsf", role: .dcsf, domain: "ims.example", policy: dcsf),
            ActorSpec(name: "mf", role: .mf, domain: "ims.example", policy: mf),
            ActorSpec(name: "nrf", role: .nrf, domain: "ims.example", policy: nrf),
            ActorSpec(name: "attacker", role: .attacker),
        ], trustDomains: ["operator": ["as", "dcsf", "mf", "nrf"]],
        links: [LinkSpec("as", "dcsf", transport: .tls), LinkSpec("as", "mf", transport: .tls), LinkSpec("as", "nrf", transport: .tls),
                LinkSpec("attacker", "dcsf", transport: .tls), LinkSpec("attacker", "nrf", transport: .tls)])
    }

    func exchange(_ net: SimulatedNetwork, from: String = "as", to: String = "dcsf", token: SBATokenChoice = .valid,
                  certificate: SBAClientCertificate = .own) throws -> SBAExchange {
        let id = try net.sbaRequest(from: from, to: to, token: token, certificate: certificate)
        net.runUntilIdle()
        return try #require(net.sbaExchange(id))
    }

    @Test func validTokenFromNRFIsAccepted() async throws {
        await PKIWarmup.ensure()
        let net = try SimulatedNetwork(spec: Self.spec(), seed: 3)
        let e = try exchange(net)
        #expect(e.status == 204, "\(net.dump())")
        #expect(e.verdict?.accepted == true)
        #expect(e.request.header("authorization")?.hasPrefix("Bearer ") == true)
        // Token request and response went through the NRF, in the trace as HTTP2 on TLS.
        let http = net.trace.filter(\.isHTTP2)
        #expect(http.contains { $0.to == "nrf" && $0.summary == "POST /oauth2/token HTTP/2" })
        #expect(http.contains { $0.from == "dcsf" && $0.summary == "HTTP/2 204" })
        #expect(http.allSatisfy { $0.transport == .tls })
        // The token the NRF issued carries the claims TS 29.510 lists.
        let claims = try #require(e.verdict?.claims)
        #expect(claims.iss == "nrf" && claims.sub == "as" && claims.aud == ["DCSF"] && claims.scope == ["ndcsf-sessioneventcontrol"])
        #expect(claims.exp == net.unixTime + 3600 || claims.exp == net.unixTime + 3599)
        #expect(try exchange(net, to: "mf").status == 204)
    }

    /// Runs one attack against the hardened producer and against `misconfig`.
    func pair(_ token: SBATokenChoice, certificate: SBAClientCertificate = .own, from: String = "attacker",
              status: Int, error: String?, outcome: AccessTokenVerdict.Outcome, misconfig: [String: PolicyValue]) throws {
        let net = try SimulatedNetwork(spec: Self.spec(), seed: 3)
        if token == .replayed { #expect(try exchange(net).status == 204) }
        let e = try exchange(net, from: from, token: token, certificate: certificate)
        #expect(e.status == status, "\(token): \(net.dump())")
        #expect(e.verdict?.outcome == outcome)
        #expect(e.verdict?.error == error)
        if let error { #expect(e.response?.header("www-authenticate")?.contains("error=\"\(error)\"") == true) }

        let weak = try SimulatedNetwork(spec: Self.spec(dcsf: misconfig), seed: 3)
        if token == .replayed { #expect(try exchange(weak).status == 204) }
        #expect(try exchange(weak, from: from, token: token, certificate: certificate).status == 204, "\(token) with \(misconfig)")
    }

    // Catalogue #39
    @Test func missingToken() async throws {
        await PKIWarmup.ensure()
        try pair(.none, status: 401, error: "invalid_token", outcome: .missingToken, misconfig: ["require_access_token": false])
        // Switching off the signature check does not make a token optional.
        let weak = try SimulatedNetwork(spec: Self.spec(dcsf: ["check_signature": false]), seed: 3)
        #expect(try exchange(weak, from: "attacker", token: .none).status == 401)
    }

    @Test func forgedSignatureAndUntrustedIssuer() async throws {
        await PKIWarmup.ensure()
        try pair(.forgedSignature, status: 401, error: "invalid_token", outcome: .badSignature, misconfig: ["check_signature": false])
        try pair(.untrustedIssuer, status: 401, error: "invalid_token", outcome: .untrustedIssuer, misconfig: ["check_signature": false])
    }

    @Test func expiredToken() async throws {
        await PKIWarmup.ensure()
        try pair(.expired, status: 401, error: "invalid_token", outcome: .expired, misconfig: ["check_expiry": false])
    }

    // Catalogue #40
    @Test func tokenForAnotherAudience() async throws {
        await PKIWarmup.ensure()
        try pair(.otherAudience, status: 401, error: "invalid_token", outcome: .wrongAudience, misconfig: ["check_audience": false])
        let net = try SimulatedNetwork(spec: Self.spec(dcsf: ["wrong_audience_status": 403]), seed: 3)
        #expect(try exchange(net, from: "attacker", token: .otherAudience).status == 403)
    }

    // Catalogue #41
    @Test func scopeLacksService() async throws {
        await PKIWarmup.ensure()
        try pair(.wrongScope, status: 403, error: "insufficient_scope", outcome: .insufficientScope, misconfig: ["check_scope": false])
    }

    @Test func replayedToken() async throws {
        await PKIWarmup.ensure()
        // The attacker holds the AS's certificate identity too, so only jti tracking stops it.
        try pair(.replayed, certificate: .identity("as"), status: 401, error: "invalid_token", outcome: .replayed,
                 misconfig: ["reject_replay": false])
    }

    @Test func tokenSubjectIsNotTheTLSClient() async throws {
        await PKIWarmup.ensure()
        try pair(.replayed, certificate: .own, status: 403, error: "invalid_token", outcome: .subjectMismatch,
                 misconfig: ["bind_client_identity": false, "reject_replay": false])
    }

    // Catalogue #42
    @Test func noClientCertificate() async throws {
        await PKIWarmup.ensure()
        let net = try SimulatedNetwork(spec: Self.spec(), seed: 3)
        let e = try exchange(net, token: .valid, certificate: .none)
        #expect(e.status == nil && e.tlsFailure?.contains("no client certificate") == true)
        #expect(net.trace.contains { $0.kind == .dropped && $0.isHTTP2 && $0.note.contains("TLS handshake failure") })
        let weak = try SimulatedNetwork(spec: Self.spec(dcsf: ["require_mtls": false]), seed: 3)
        #expect(try exchange(weak, token: .valid, certificate: .none).status == 204)
    }

    @Test func errorsAreClear() async throws {
        await PKIWarmup.ensure()
        let net = try SimulatedNetwork(spec: Self.spec(), seed: 3)
        #expect(throws: NetworkError.self) { try net.sbaRequest(from: "as", to: "nrf") }
        #expect(throws: NetworkError.noLink(from: "attacker", to: "mf")) { try net.sbaRequest(from: "attacker", to: "mf") }
        #expect(throws: NetworkError.self) { try net.sbaRequest(from: "attacker", to: "dcsf", token: .replayed) }
        #expect(throws: NetworkConfigError.self) { try SimulatedNetwork(spec: Self.spec(dcsf: ["check_scopes": false]), seed: 3) }
    }

    @Test func deterministic() async throws {
        await PKIWarmup.ensure()
        func run() throws -> [String] {
            let net = try SimulatedNetwork(spec: Self.spec(), seed: 9)
            _ = try exchange(net)
            _ = try exchange(net, from: "attacker", token: .forgedSignature)
            // Lines only: ECDSA signatures are randomised, so token bytes differ between runs.
            return net.trace.map(\.line)
        }
        let a = try run(), b = try run()
        #expect(a == b)
    }
}
