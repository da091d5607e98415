import Crypto
import SIPCore
@testable import Identity

/// Inputs for the verification-service tests: fixed keys, a fixed clock, INVITEs written inline.
enum VF {
    static let now: Int64 = 1_767_225_600  // 2026-01-01 00:00:00 GMT
    static let x5u = "https://cert.example.org/sp.pem"
    static let otherX5U = "https://cert.example.org/other.pem"
    static let origid = "123e4567-e89b-12d3-a456-426655440000"
    static let iconURL = "https://rcd.example.org/logo.png"
    static let iconBytes: [UInt8] = Array("PNG: the real logo".utf8)

    static func key(_ byte: UInt8) -> P256.Signing.PrivateKey {
        guard let k = try? P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: byte, count: 32)) else {
            fatalError("fixed test key rejected")
        }
        return k
    }
    static var signingKey: P256.Signing.PrivateKey { key(0x31) }
    static var rogueKey: P256.Signing.PrivateKey { key(0x32) }
    static var signer: PASSporTSigner { PASSporTSigner(key: signingKey, x5u: x5u) }
    static var keys: StaticKeyProvider { StaticKeyProvider([x5u: signingKey.publicKey]) }

    static func shaken(orig: String = "12155550121", dest: [String] = ["12155550131"], iat: Int64 = now,
                       attest: String = "A") -> PASSporTClaims {
        PASSporTClaims(orig: .tn(orig), dest: PASSporTDestination(tn: dest), iat: iat, attest: attest, origid: origid)
    }

    /// A SHAKEN PASSporT carrying RCD (RFC 9795 §13): name, icon (digest in rcdi) and call reason.
    static func shakenWithRCD(iat: Int64 = now) -> PASSporTClaims {
        var c = shaken(iat: iat)
        let rcd = RichCallData(nam: "Example Bank", icn: iconURL)
        c.rcd = rcd
        c.crn = "Your card payment"
        guard case .success(let rcdi) = makeRCDI(rcd: rcd, pointers: ["/icn"], contentStore: [iconURL: iconBytes]) else {
            fatalError("rcdi")
        }
        c.rcdi = rcdi
        return c
    }

    static func identity(_ claims: PASSporTClaims = shaken(), ppt: String? = "shaken") -> String {
        guard let v = try? signer.identity(claims: claims, ppt: ppt) else { fatalError("signing failed") }
        return v.description
    }

    static let defaultPAI = "<tel:+1-215-555-0121>"
    static let defaultFrom = "\"Alice\" <sip:+12155550121@ims.example;user=phone>;tag=a1"

    /// An INVITE with the given headers (nil leaves a header out).
    static func invite(identities: [String], from: String = defaultFrom, to: String = "<tel:+12155550131>",
                       requestURI: String = "sip:+12155550131@ims.example;user=phone",
                       pai: String? = defaultPAI, date: Int64? = now) -> SIPMessage {
        var lines = [
            "INVITE \(requestURI) SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds",
            "Max-Forwards: 70",
            "From: \(from)",
            "To: \(to)",
            "Call-ID: a84b4c76e66710@pc33.example",
            "CSeq: 314159 INVITE",
        ]
        if let pai { lines.append("P-Asserted-Identity: \(pai)") }
        if let date { lines.append("Date: \(SIPDate(secondsSince1970: date))") }
        for i in identities { lines.append("Identity: \(i)") }
        lines.append("Content-Length: 0")
        let text = lines.joined(separator: "\r\n") + "\r\n\r\n"
        guard let m = try? SIPMessage(parsing: text) else { fatalError("test INVITE does not parse:\n\(text)") }
        return m
    }

    /// Runs one per-identity policy on the first Identity header.
    static func run(_ policy: some IdentityPolicy, _ message: SIPMessage, now: Int64 = now,
                    config: IdentityVerificationConfig = IdentityVerificationConfig(),
                    keys: any IdentityKeyProvider = keys) -> (IdentityPolicyResult, IdentityVerificationContext) {
        var context = IdentityVerificationContext(request: message, now: now, config: config, keyProvider: keys)
        if policy.scope == .perIdentity { context.select(context.candidates.first) }
        let result = policy.evaluate(&context)
        return (result, context)
    }

    static func status(_ r: IdentityPolicyResult) -> Int?? {
        if case .fails(let f) = r { return .some(f.sipStatus) }
        return .none
    }

    static func failure(_ r: IdentityPolicyResult) -> IdentityPolicyFailure? {
        if case .fails(let f) = r { return f }
        return nil
    }

    /// A full-form JWS from literal header and payload JSON (signed as is).
    static func rawJWS(header: String, payload: String, key: P256.Signing.PrivateKey = signingKey) -> String {
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        guard let sig = try? key.signature(for: Array(input.utf8)).rawRepresentation else { fatalError("sign") }
        return input + "." + Base64URL.encode(Array(sig))
    }
}
