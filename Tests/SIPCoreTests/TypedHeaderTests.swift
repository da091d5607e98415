import Foundation
import Testing
@testable import SIPCore

/// Parses `text`, checks the value re-parses from its own description, and returns it.
private func roundTrip<H: HeaderValue & Equatable>(_ type: H.Type, _ text: String,
                                                   sourceLocation: SourceLocation = #_sourceLocation) throws -> H {
    let v = try H(parsing: text)
    let again = try H(parsing: v.description)
    #expect(again == v, "description \(v.description) does not round-trip", sourceLocation: sourceLocation)
    return v
}

/// The rule of the syntax error parsing `text`, or nil if it parses.
private func syntaxError<H: HeaderValue>(_ type: H.Type, _ text: String) -> String? {
    do {
        _ = try H(parsing: text)
        return nil
    } catch {
        return error.rule
    }
}

private func message(_ headers: [String]) throws -> SIPMessage {
    let base = [
        "INVITE sip:bob@ims.example SIP/2.0",
        "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
        "Max-Forwards: 70",
        "From: <sip:alice@ims.example>;tag=1928301774",
        "To: <sip:bob@ims.example>",
        "Call-ID: a84b4c76e66710@192.0.2.1",
        "CSeq: 314159 INVITE",
    ]
    return try SIPMessage(parsing: (base + headers + ["Content-Length: 0", "", ""]).joined(separator: "\r\n"))
}

private let jwsFull = "eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0LmV4YW1wbGUub3JnL3NwLnBlbSJ9"
    + ".eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxMjAyNTU1MDE0MiJdfSwiaWF0IjoxNzAwMDAwMDAwfQ"
    + ".ADziy8NTK8KXxFr8kyN_E0B3ClvGeOsEL4y6Psq7TTH380Ytmu0o8mVqHoKQEg8PQ2zH5qlDUbXgXjQYAG1Ebg"

struct TypedHeaderTests {
    // MARK: Authentication

    @Test func digestChallenge() throws {
        let text = #"Digest realm="ims.mnc001.mcc001.3gppnetwork.org", nonce="4xCc2k6QlskXHmgRF_4dnBb7aT9mQcyC", "#
            + #"opaque="95b088e2", algorithm=MD5, qop="auth,auth-int", stale=FALSE, domain="sip:ims.example sip:ims2.example""#
        let c = try roundTrip(Challenge.self, text)
        #expect(c.isDigest)
        #expect(c.realm == "ims.mnc001.mcc001.3gppnetwork.org")
        #expect(c.nonce == "4xCc2k6QlskXHmgRF_4dnBb7aT9mQcyC")
        #expect(c.opaque == "95b088e2")
        #expect(c.algorithm == "MD5")
        #expect(c.qop == ["auth", "auth-int"])
        #expect(c.stale == false)
        #expect(c.domain == ["sip:ims.example", "sip:ims2.example"])
        #expect(c.description == text)
    }

    @Test func akaChallengeWithKeys() throws {
        let text = #"Digest realm="ims.example", nonce="CjPk9mRqNuT25eRkajM09uTl9nM09uTl9nMz5OX25PZz==", "#
            + #"algorithm=AKAv1-MD5, qop="auth", ck="00112233445566778899aabbccddeeff", ik="ffeeddccbbaa99887766554433221100""#
        var c = try roundTrip(Challenge.self, text)
        #expect(c.algorithm == "AKAv1-MD5")
        #expect(c.ck == "00112233445566778899aabbccddeeff")
        #expect(c.ik == "ffeeddccbbaa99887766554433221100")
        // A P-CSCF strips the keys before forwarding the 401 to the UE.
        c.ck = nil
        c.ik = nil
        #expect(c.description == #"Digest realm="ims.example", nonce="CjPk9mRqNuT25eRkajM09uTl9nM09uTl9nMz5OX25PZz==", algorithm=AKAv1-MD5, qop="auth""#)
    }

    @Test func builtChallengeQuotesCorrectly() throws {
        var c = Challenge()
        c.realm = "ims.example"
        c.nonce = "abc"
        c.algorithm = "SHA-256"
        c.qop = ["auth"]
        c.stale = true
        c.userhash = true
        #expect(c.description == #"Digest realm="ims.example", nonce="abc", algorithm=SHA-256, qop="auth", stale=true, userhash=true"#)
        #expect(try Challenge(parsing: c.description) == c)
    }

    @Test func digestCredentials() throws {
        let text = #"Digest username="001010000000101@ims.mnc001.mcc001.3gppnetwork.org", realm="ims.mnc001.mcc001.3gppnetwork.org", "#
            + #"nonce="-o36l8x030-2FA9Hs7mGo5Y2IF67oBgMzgRFXYO1pW4", uri="sip:ims.mnc001.mcc001.3gppnetwork.org", "#
            + #"response="7f12afc846f0de0b0f6cbc1e8edf0878ad37c9db937461a9872af0bd0f1ffc87", algorithm=SHA-256, qop=auth, "#
            + #"nc=00000001, cnonce="a1136dc3c5fd6f0e", opaque="95b088e2479e148700169912f76e405d", integrity-protected="ip-assoc-pending""#
        let c = try roundTrip(Credentials.self, text)
        #expect(c.username == "001010000000101@ims.mnc001.mcc001.3gppnetwork.org")
        #expect(c.uri == "sip:ims.mnc001.mcc001.3gppnetwork.org")
        #expect(c.response?.count == 64)
        #expect(c.algorithm == "SHA-256")
        #expect(c.qop == "auth")
        #expect(c.nc == "00000001")
        #expect(c.nonceCount == 1)
        #expect(c.cnonce == "a1136dc3c5fd6f0e")
        #expect(c.integrityProtected == "ip-assoc-pending")
        #expect(c.description == text)
    }

    @Test func initialRegisterCredentialsAndAuts() throws {
        let c = try roundTrip(Credentials.self,
                              #"Digest username="user@ims.example",realm="ims.example",nonce="",uri="sip:ims.example",response="",auts="CjPk9mRqNuT25eRkajM09uTl""#)
        #expect(c.nonce == "")
        #expect(c.auts == "CjPk9mRqNuT25eRkajM09uTl")
        // Written with the canonical ", " separator.
        #expect(c.description.contains(#"username="user@ims.example", realm="ims.example""#))
    }

    @Test func unknownSchemeKept() throws {
        // RFC 4475 regaut01: an unknown scheme must not break parsing.
        let c = try roundTrip(Credentials.self, "NoOneKnowsThisScheme opaque-data=here")
        #expect(!c.isDigest)
        #expect(c.scheme == "NoOneKnowsThisScheme")
        #expect(c.parameters["opaque-data"] == "here")
        #expect(c.description == "NoOneKnowsThisScheme opaque-data=here")

        let b = try roundTrip(Credentials.self, "Basic dXNlcjpwYXNzd29yZA==")
        #expect(b.token68 == "dXNlcjpwYXNzd29yZA==")
        #expect(b.description == "Basic dXNlcjpwYXNzd29yZA==")
    }

    @Test func authenticationInfo() throws {
        let text = #"nextnonce="47364c23432d2e131a5fb210812c", qop=auth, rspauth="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", nc=00000001"#
        let a = try roundTrip(AuthenticationInfo.self, text)
        #expect(a.nextnonce == "47364c23432d2e131a5fb210812c")
        #expect(a.qop == "auth")
        #expect(a.rspauth == "6629fae49393a05397450978507c4ef1")
        #expect(a.cnonce == "0a4f113b")
        #expect(a.nc == "00000001")
        #expect(a.description == text)
    }

    @Test func malformedAuthentication() {
        #expect(syntaxError(Challenge.self, #"Digest nonce="x", realm="ims.example"#)
            == "unterminated quoted Digest parameter realm value")
        #expect(syntaxError(Challenge.self, #"Digest realm, nonce="x""#)?.contains("expected '=' and a value after Digest parameter 'realm'") == true)
        #expect(syntaxError(Challenge.self, #"Digest realm=, nonce="x""#)?.contains("expected a value for Digest parameter 'realm'") == true)
        #expect(syntaxError(Challenge.self, #"Digest realm="a",, nonce="x""#)?.contains("extraneous ','") == true)
        #expect(syntaxError(Challenge.self, "Digest")?.contains("expected Digest parameters") == true)
        #expect(syntaxError(Credentials.self, #"Digest username="a","#)?.contains("expected a Digest parameter name") == true)
        #expect(syntaxError(AuthenticationInfo.self, "")?.contains("Authentication-Info parameter name") == true)
        #expect(syntaxError(Challenge.self, #"Digest realm="a" nonce="b""#)?.contains("unexpected text") == true)
    }

    // MARK: Security agreement

    @Test func securityClient() throws {
        let text = "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;prot=esp;mod=trans;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064"
        var m = try roundTrip(SecurityMechanism.self, text)
        #expect(m.isIPsec3GPP)
        #expect(m.alg == "hmac-sha-1-96")
        #expect(m.ealg == "aes-cbc")
        #expect(m.prot == "esp")
        #expect(m.mod == "trans")
        #expect(m.spiC == 1111 && m.spiS == 2222)
        #expect(m.portC == 5062 && m.portS == 5064)
        #expect(m.q == nil)
        #expect(m.description == text)
        m.q = 0.1
        m.spiC = 4_294_967_295
        #expect(m.description.hasSuffix(";q=0.1"))
        #expect(try SecurityMechanism(parsing: m.description) == m)
    }

    @Test func securityServerTLSAndDigest() throws {
        let t = try roundTrip(SecurityMechanism.self, "tls;q=0.2")
        #expect(t.mechanism == "tls" && t.q == 0.2)
        let d = try roundTrip(SecurityMechanism.self, #"digest;d-alg=md5;d-qop=auth;d-ver="0123456789abcdef0123456789abcdef""#)
        #expect(d.digestAlgorithm == "md5" && d.digestQop == "auth")
        #expect(d.digestVerify == "0123456789abcdef0123456789abcdef")
    }

    @Test func malformedSecurity() {
        #expect(syntaxError(SecurityMechanism.self, "ipsec-3gpp;spi-c=abc")?.contains("spi-c must be a decimal 32-bit SPI") == true)
        #expect(syntaxError(SecurityMechanism.self, "ipsec-3gpp;spi-s=4294967296")?.contains("spi-s") == true)
        #expect(syntaxError(SecurityMechanism.self, "ipsec-3gpp;port-c=70000")?.contains("port-c must be a port number") == true)
        #expect(syntaxError(SecurityMechanism.self, "tls;q=1.5")?.contains("q must be 0 to 1") == true)
        #expect(syntaxError(SecurityMechanism.self, ";alg=x")?.contains("expected security mechanism") == true)
        #expect(syntaxError(SecurityMechanism.self, "ipsec-3gpp;alg=")?.contains("parameter value") == true)
    }

    // MARK: IMS headers

    @Test func privacy() throws {
        let p = try roundTrip(Privacy.self, "id ; header;user")
        #expect(p.values == ["id", "header", "user"])
        #expect(p.isID && p.contains("HEADER") && !p.isNone)
        #expect(p.description == "id;header;user")
        #expect(try Privacy(parsing: "none").isNone)
        #expect(syntaxError(Privacy.self, "")?.contains("empty Privacy value") == true)
        #expect(syntaxError(Privacy.self, "id;")?.contains("extraneous ';'") == true)
        #expect(syntaxError(Privacy.self, "id, header")?.contains("unexpected text after the Privacy value") == true)
        #expect(syntaxError(Privacy.self, ";id")?.contains("extraneous ';'") == true)
        #expect(syntaxError(Privacy.self, #""id""#)?.contains("expected a Privacy priv-value, found '\"'") == true)
    }

    @Test func chargingVector() throws {
        let text = "icid-value=AyretyU0dm+6O2IrT5tAFrbHLso=023551024;icid-generated-at=192.0.2.1;orig-ioi=home1.net"
        var v = try roundTrip(ChargingVector.self, text)
        #expect(v.icid == "AyretyU0dm+6O2IrT5tAFrbHLso=023551024")
        #expect(v.icidGeneratedAt == "192.0.2.1")
        #expect(v.origIOI == "home1.net")
        #expect(v.termIOI == nil)
        #expect(v.description == text)
        v.termIOI = "home2.net"
        #expect(v.description == text + ";term-ioi=home2.net")

        let v6 = try roundTrip(ChargingVector.self,
                               #"icid-value="pcscf-3db8d1a4";icid-generated-at=[2001:db8:20::1];orig-ioi=ims.mnc001.mcc001.3gppnetwork.org"#)
        #expect(v6.icid == "pcscf-3db8d1a4")
        #expect(v6.icidGeneratedAt == "[2001:db8:20::1]")

        let built = ChargingVector(icid: "a/b=c", parameters: [Parameter(name: "orig-ioi", rawValue: "x.net")])
        #expect(built.description == "icid-value=a/b=c;orig-ioi=x.net")

        #expect(syntaxError(ChargingVector.self, "orig-ioi=home1.net;icid-value=1")?.contains("must start with icid-value") == true)
        #expect(syntaxError(ChargingVector.self, "icid-value")?.contains("expected '=' and a value after icid-value") == true)
        #expect(syntaxError(ChargingVector.self, "icid-value=")?.contains("expected a value") == true)
        #expect(syntaxError(ChargingVector.self, #"icid-value="abc"#)?.contains("unterminated") == true)
    }

    @Test func accessNetworkInfo() throws {
        let text = "3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=001010001234567A0;network-provided"
        var a = try roundTrip(AccessNetworkInfo.self, text)
        #expect(a.accessType == "3GPP-E-UTRAN-FDD")
        #expect(a.cellID == "001010001234567A0")
        #expect(a.networkProvided)
        a.networkProvided = false
        #expect(a.description == "3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=001010001234567A0")
        let w = try roundTrip(AccessNetworkInfo.self, #"IEEE-802.11;i-wlan-node-id=ffeeddccbbaa;local-time-zone="UTC+01:00""#)
        #expect(w.iWLANNodeID == "ffeeddccbbaa")
        #expect(w.localTimeZone == "UTC+01:00")
        #expect(!w.networkProvided)
        #expect(syntaxError(AccessNetworkInfo.self, ";utran-cell-id-3gpp=1")?.contains("access-type") == true)
    }

    @Test func visitedNetworkID() throws {
        let q = try roundTrip(VisitedNetworkID.self, #""Visited network number 1";foo=bar"#)
        #expect(q.network == "Visited network number 1" && q.quoted)
        #expect(q.parameters["foo"] == "bar")
        let t = try roundTrip(VisitedNetworkID.self, "other.net")
        #expect(t.network == "other.net" && !t.quoted)
        #expect(t.description == "other.net")
        #expect(syntaxError(VisitedNetworkID.self, #""unterminated"#)?.contains("unterminated") == true)
    }

    @Test func attestationAndOrigination() throws {
        for (text, level) in [("A", AttestationLevel.full), ("B", .partial), ("C", .gateway)] {
            #expect(try roundTrip(AttestationInfo.self, text).level == level)
        }
        for bad in ["D", "a", "", "AB", "1"] {
            #expect(syntaxError(AttestationInfo.self, bad) == "Attestation-Info must be A, B or C", "\(bad)")
        }

        let o = try roundTrip(OriginationID.self, "8c72d5ea-3b5e-4c3c-a97c-6b1d8e6f2b6a")
        #expect(o.uuid == UUID(uuidString: "8C72D5EA-3B5E-4C3C-A97C-6B1D8E6F2B6A"))
        #expect(o.description == "8c72d5ea-3b5e-4c3c-a97c-6b1d8e6f2b6a")
        for bad in ["8c72d5ea-3b5e-4c3c-a97c-6b1d8e6f2b6", "8c72d5ea3b5e4c3ca97c6b1d8e6f2b6a0000",
                    "8c72d5ea-3b5e-4c3c-a97c-6b1d8e6f2b6g", "8c72d5ea-3b5e-4c3c-a97c-6b1d8e6f2b6aa", ""] {
            #expect(syntaxError(OriginationID.self, bad)?.contains("Origination-Id must be a UUID") == true, "\(bad)")
        }
    }

    @Test func callInfo() throws {
        let j = try roundTrip(CallInfo.self, "<https://ex.com/q.json>;purpose=jcard")
        #expect(j.uri == "https://ex.com/q.json")
        #expect(j.purpose == "jcard")
        #expect(j.parsedURI?.scheme == "https")
        let i = try roundTrip(CallInfo.self,
                              #"<https://ex.com/q.png>;purpose=icon;call-reason="For your ears only";verified;integrity="sha256-AbCd""#)
        #expect(i.purpose == "icon")
        #expect(i.callReason == "For your ears only")
        #expect(i.verified == true)
        #expect(i.integrity == "sha256-AbCd")
        var built = CallInfo(uri: "https://biz.example.org/logo.png")
        built.purpose = "icon"
        built.callReason = "Your \"order\""
        #expect(built.description == #"<https://biz.example.org/logo.png>;purpose=icon;call-reason="Your \"order\"""#)
        #expect(try CallInfo(parsing: built.description) == built)

        #expect(syntaxError(CallInfo.self, "https://ex.com/q.png;purpose=icon")?.contains("expected '<'") == true)
        #expect(syntaxError(CallInfo.self, "<https://ex.com/q.png;purpose=icon")?.contains("unterminated '<'") == true)
        #expect(syntaxError(CallInfo.self, "<q.png>")?.contains("absolute URI") == true)
        #expect(syntaxError(CallInfo.self, #"<https://a/b>;call-reason="oops"#)?.contains("unterminated") == true)
    }

    @Test func reason() throws {
        let q = try roundTrip(ReasonValue.self, #"Q.850;cause=16;text="Normal call clearing""#)
        #expect(q.protocolName == "Q.850" && q.cause == 16 && q.text == "Normal call clearing")
        let stir = ReasonValue("STIR", cause: 438, text: "Invalid Identity Header")
        #expect(stir.description == #"STIR;cause=438;text="Invalid Identity Header""#)
        #expect(try ReasonValue(parsing: stir.description) == stir)
        #expect(syntaxError(ReasonValue.self, "SIP;cause=abc")?.contains("Reason cause must be a number") == true)
        #expect(syntaxError(ReasonValue.self, "SIP;cause")?.contains("Reason cause must be a number") == true)
        #expect(syntaxError(ReasonValue.self, #"SIP;cause=200;text="x"#)?.contains("unterminated") == true)
    }

    @Test func featureCaps() throws {
        let text = #"*;+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel";+sip.extra"#
        let f = try roundTrip(FeatureCap.self, text)
        #expect(f.featureTags.count == 2)
        #expect(f.featureTags[0].name == "+g.3gpp.icsi-ref")
        #expect(f.featureTags[0].value == "urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel")
        #expect(f.featureTags[1].value == nil)
        #expect(f.contains("+sip.extra"))
        #expect(f.description == text)
        #expect(syntaxError(FeatureCap.self, "+sip.extra")?.contains("must start with '*'") == true)
        #expect(syntaxError(FeatureCap.self, "*;video")?.contains("not a '+' feature tag") == true)
    }

    // MARK: Identity

    @Test func identity() throws {
        let text = jwsFull + ";info=<https://cert.example.org/sp.pem>;alg=ES256;ppt=shaken"
        var v = try roundTrip(IdentityValue.self, text)
        #expect(v.jws == jwsFull)
        #expect(v.segments.count == 3)
        #expect(v.info == "https://cert.example.org/sp.pem")
        #expect(v.alg == "ES256")
        #expect(v.ppt == "shaken")
        #expect(!v.isCompactForm)
        #expect(v.description == text)
        v.info = "https://cert.example.org/other.pem"
        #expect(v.description.contains(";info=<https://cert.example.org/other.pem>;"))

        let compact = try roundTrip(IdentityValue.self, "..ADziy8NTK8KXxFr8kyN_E0B3ClvGeOsEL4y6Psq7TTH380Y;info=<https://c.example/x.cer>;ppt=div")
        #expect(compact.isCompactForm)
        #expect(compact.ppt == "div")

        let built = IdentityValue(jws: "a.b.c", info: "https://x.example/c.pem", alg: "ES256", ppt: "shaken")
        #expect(built.description == "a.b.c;info=<https://x.example/c.pem>;alg=ES256;ppt=shaken")

        let legacy = try roundTrip(IdentityValue.self, #""CyI4+nAkHrH3ntmaxgr01TMxTmtjP7MASwliNRdupRI1vpk=""#)
        #expect(legacy.quoted && legacy.jws == "CyI4+nAkHrH3ntmaxgr01TMxTmtjP7MASwliNRdupRI1vpk=")
    }

    @Test func malformedIdentity() {
        #expect(syntaxError(IdentityValue.self, ";info=<https://a/b>")?.contains("signed-identity-digest") == true)
        #expect(syntaxError(IdentityValue.self, "a.b.c;info=https://a/b")?.contains("info parameter must be <absoluteURI>") == true)
        #expect(syntaxError(IdentityValue.self, "a.b.c;info=<https://a/b")?.contains("unterminated '<'") == true)
        #expect(syntaxError(IdentityValue.self, "a.b.c;info=<https://a/b>;")?.contains("extraneous ';'") == true)
        #expect(syntaxError(IdentityValue.self, "a.b$c;info=<https://a/b>") != nil)
    }

    @Test func assertedIdentityRules() throws {
        func pai(_ s: String...) throws -> [AddressValue] { try s.map { try AddressValue(parsing: $0) } }
        #expect(validateAssertedIdentities(try pai("<sip:alice@ims.example>")) == nil)
        #expect(validateAssertedIdentities(try pai("<tel:+15551234567>")) == nil)
        #expect(validateAssertedIdentities(try pai("<sips:alice@ims.example>", "<tel:+15551234567>")) == nil)
        #expect(validateAssertedIdentities(try pai("<sip:a@x>", "<tel:+1>", "<tel:+2>"))
            == "P-Asserted-Identity has 3 values (at most 2)")
        #expect(validateAssertedIdentities(try pai("<sip:a@x>", "<sips:b@x>"))?.contains("two sip/sips URIs") == true)
        #expect(validateAssertedIdentities(try pai("<tel:+1>", "<tel:+2>"))?.contains("two tel URIs") == true)
        #expect(validateAssertedIdentities(try pai("<http://x.example/a>"))?.contains("unsupported URI scheme http") == true)
        #expect(validateAssertedIdentities(try pai("<sip:a@x>", "<tel:+1>", "<tel:+2>"), header: .pPreferredIdentity)
            == "P-Preferred-Identity has 3 values (at most 2)")
    }

    // MARK: Message accessors

    @Test func messageAccessors() throws {
        let m = try message([
            #"Authorization: Digest username="alice@ims.example", realm="ims.example", nonce="abc", uri="sip:ims.example", response="0123""#,
            #"Proxy-Authenticate: Digest realm="proxy.example", nonce="n1", algorithm=MD5, qop="auth""#,
            "Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=3929102;spi-s=3929103;port-c=31800;port-s=31100",
            "Security-Verify: ipsec-3gpp;q=0.1;alg=hmac-sha-1-96;spi-c=222931;spi-s=222932;port-c=5064;port-s=5066, tls;q=0.2",
            "Privacy: id",
            "P-Charging-Vector: icid-value=AyretyU0dm+6O2IrT5tAFrbHLso=023551024;icid-generated-at=192.0.2.1;orig-ioi=home1.net",
            "P-Access-Network-Info: 3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=0010100010019B01",
            "P-Access-Network-Info: 3GPP-E-UTRAN-FDD;utran-cell-id-3gpp=0010100010019B02;network-provided",
            "P-Visited-Network-ID: other.net, \"Visited network number 1\"",
            "P-Asserted-Identity: <sip:alice@ims.example>, <tel:+15551234567>",
            "Identity: " + jwsFull + ";info=<https://cert.example.org/sp.pem>;alg=ES256;ppt=shaken",
            "y: ..c2lnbmF0dXJl;info=<https://cert.example.org/div.pem>;alg=ES256;ppt=div",
            "Attestation-Info: B",
            "Origination-Id: 8c72d5ea-3b5e-4c3c-a97c-6b1d8e6f2b6a",
            #"Call-Info: <https://ex.com/q.json>;purpose=jcard, <https://ex.com/q.png>;purpose=icon;call-reason="For your ears only""#,
            #"Reason: SIP;cause=200;text="Call completed elsewhere", Q.850;cause=16"#,
            #"Feature-Caps: *;+g.3gpp.icsi-ref="urn%3Aurn-7%3A3gpp-service.ims.icsi.mmtel""#,
        ])
        #expect(m.authorization?.username == "alice@ims.example")
        #expect(m.authorization?.response == "0123")
        #expect(m.proxyAuthorization == nil)
        #expect(m.challenges.isEmpty)
        #expect(m.proxyChallenges.first?.realm == "proxy.example")
        #expect(m.proxyChallenges.first?.qop == ["auth"])
        #expect(m.securityClient.first?.spiC == 3929102)
        #expect(m.securityServer.isEmpty)
        #expect(m.securityVerify.map(\.mechanism) == ["ipsec-3gpp", "tls"])
        #expect(m.securityVerify.first?.q == 0.1)
        #expect(m.privacy?.isID == true)
        #expect(m.chargingVector?.icid == "AyretyU0dm+6O2IrT5tAFrbHLso=023551024")
        #expect(m.chargingVector?.origIOI == "home1.net")
        #expect(m.accessNetworkInfo.count == 2)
        #expect(m.accessNetworkInfo.last?.networkProvided == true)
        #expect(m.accessNetworkInfo.first?.cellID == "0010100010019B01")
        #expect(m.visitedNetworkIDs.map(\.network) == ["other.net", "Visited network number 1"])
        #expect(m.assertedIdentityProblem == nil)
        #expect(m.identities.count == 2)
        #expect(m.identities.map(\.ppt) == ["shaken", "div"])
        #expect(m.identities[0].jws == jwsFull)
        #expect(m.identities[1].isCompactForm)
        #expect(m.identities[1].info == "https://cert.example.org/div.pem")
        #expect(m.attestationInfo?.level == .partial)
        #expect(m.originationID?.uuid != nil)
        #expect(m.callInfo.map(\.purpose) == ["jcard", "icon"])
        #expect(m.callInfo.last?.callReason == "For your ears only")
        #expect(m.reasons.map(\.protocolName) == ["SIP", "Q.850"])
        #expect(m.reasons.map(\.cause) == [200, 16])
        #expect(m.reasons.first?.text == "Call completed elsewhere")
        #expect(m.featureCaps.first?.contains("+g.3gpp.icsi-ref") == true)
    }

    @Test func challengesInResponse() throws {
        let text = [
            "SIP/2.0 401 Unauthorized",
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
            "From: <sip:alice@ims.example>;tag=1928301774",
            "To: <sip:alice@ims.example>;tag=a6c85cf",
            "Call-ID: a84b4c76e66710@192.0.2.1",
            "CSeq: 1 REGISTER",
            #"WWW-Authenticate: Digest realm="ims.example", nonce="n1", algorithm=SHA-256, qop="auth""#,
            #"WWW-Authenticate: Digest realm="ims.example", nonce="n2", algorithm=MD5, qop="auth""#,
            "Security-Server: ipsec-3gpp;q=0.1;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=222931;spi-s=222932;port-c=5064;port-s=5066",
            #"Authentication-Info: nextnonce="nn", rspauth="ab""#,
            "Content-Length: 0", "", "",
        ].joined(separator: "\r\n")
        let m = try SIPMessage(parsing: text)
        #expect(m.challenges.map(\.algorithm) == ["SHA-256", "MD5"])
        #expect(m.challenges.map(\.nonce) == ["n1", "n2"])
        #expect(m.securityServer.first?.portS == 5066)
        #expect(m.authenticationInfo?.nextnonce == "nn")
    }

    @Test func malformedHeadersGiveEmptyAccessorsAndLocatedErrors() throws {
        let m = try message([
            "Attestation-Info: D",
            "Origination-Id: not-a-uuid",
            "Privacy: ",
            "P-Asserted-Identity: <sip:a@x>, <sip:b@x>",
        ])
        #expect(m.attestationInfo == nil)
        #expect(m.originationID == nil)
        #expect(m.privacy == nil)
        #expect(m.assertedIdentityProblem?.contains("two sip/sips URIs") == true)
        #expect(throws: SIPParseError.self) { try m.headerValues(AttestationInfo.self) }
        do {
            _ = try m.headerValues(AttestationInfo.self)
        } catch {
            #expect(error.rule.contains("Attestation-Info must be A, B or C"))
            #expect(error.header == "Attestation-Info")
        }
    }

    /// `HeaderValues.first` (read from its storage) is the collection's first for none, one and many.
    @Test func headerValuesFirstIsTheCollectionsFirst() {
        var values = HeaderValues<Int>()
        #expect(values.first == nil)
        for n in 1...4 {
            values.append(n * 10)
            #expect(values.first == 10)
            #expect(values.first == values[values.startIndex])
        }
    }

    @Test func setHeaderValuesWritesTypedValues() throws {
        var m = try message([])
        m.setHeaderValues([IdentityValue(jws: "a.b.c", info: "https://x.example/c.pem", ppt: "shaken"),
                           IdentityValue(jws: "..d", info: "https://x.example/d.pem", ppt: "div")])
        m.setHeaderValue(AttestationInfo(.full))
        let again = try SIPMessage(parsing: m.bytes)
        #expect(again.identities.map(\.jws) == ["a.b.c", "..d"])
        #expect(again.attestationInfo?.level == .full)
    }
}
