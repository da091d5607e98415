import Foundation
import SIPCore
import X509

/// What to verify outside a SIP request: a bare PASSporT or an Identity header value.
public enum PASSporTInput: Hashable, Sendable {
    case token(String)
    case identityHeader(String)

    /// The Identity header value to put in the synthetic request. A bare token gets
    /// `info` = its `x5u`, `alg=ES256` and its `ppt` (read from the JWS header when it decodes;
    /// when it does not, the bare token is used and `IdentitySyntax` reports why).
    public var identityHeaderValue: String {
        switch self {
        case .identityHeader(let text):
            return DecodedPASSporT.stripIdentityPrefix(text)
        case .token(let raw):
            let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            guard let parts = try? JWSParts(token), !parts.isCompactForm, let json = try? parts.decodedHeader() else {
                return token
            }
            return IdentityValue(jws: token, info: json["x5u"]?.stringValue, alg: ES256.name, ppt: json["ppt"]?.stringValue).description
        }
    }
}

/// Verifies one PASSporT with the `VerificationService` rules, outside a real call: a minimal
/// INVITE is built around it. `orig`/`dest` (canonical TNs) become From and To/Request-URI
/// when given; when not, the rule comparing `orig` (resp. `dest`) with the request is left out.
/// `date` becomes the Date header (checked by `Freshness`). The chain for `info` is fetched
/// from `repository` and validated to `trustAnchors` at `now`; the leaf's TNAuthList must
/// cover `orig` (`TNAuthListCoversOrig`, 438). A compact-form PASSporT is rebuilt from the
/// request, so it needs `orig`, `dest` and `date`.
public enum StandaloneVerifier {
    /// `orig`/`dest` may be written with `+` and separators; they are canonicalised
    /// (`TelephoneNumber.canonical`) and must be telephone numbers.
    public static func verify(_ input: PASSporTInput, orig: String? = nil, dest: String? = nil, date: SIPDate? = nil,
                              now: Date, repository: any CertificateRepository, trustAnchors: [Certificate],
                              config: IdentityVerificationConfig = IdentityVerificationConfig()) async throws(StandaloneVerifierError) -> IdentityVerdict {
        let request = try makeRequest(identity: input.identityHeaderValue, orig: orig, dest: dest, date: date)
        let urls = request.values(.identity).compactMap { try? IdentityValue(parsing: $0).info }
        let keys = await CertificateKeyProvider.prepare(urls: urls, repository: repository,
                                                        validator: CertificateChainValidator(trustAnchors: trustAnchors), at: now)
        return verify(request: request, checkOrig: orig != nil, checkDest: dest != nil,
                      now: Int64(now.timeIntervalSince1970.rounded(.down)), keys: keys, config: config)
    }

    /// The synchronous part, with the keys already prepared.
    public static func verify(request: SIPMessage, checkOrig: Bool, checkDest: Bool, now: Int64, keys: CertificateKeyProvider,
                              config: IdentityVerificationConfig = IdentityVerificationConfig()) -> IdentityVerdict {
        var service = VerificationService(config: config, tnAuthList: keys.tnAuthListCovers)
        if !checkOrig { service = service.without("OrigMatchesAssertedIdentity") }
        if !checkDest { service = service.without("DestMatchesRequestTarget") }
        return service.verify(request, now: now, keys: keys)
    }

    /// An INVITE carrying `identity`; `orig`/`dest`, canonicalised, become tel URIs.
    public static func makeRequest(identity: String, orig: String?, dest: String?, date: SIPDate?) throws(StandaloneVerifierError) -> SIPMessage {
        func canonical(_ text: String?) throws(StandaloneVerifierError) -> String? {
            guard let text else { return nil }
            guard let tn = TelephoneNumber.canonical(text) else { throw .notATelephoneNumber(text) }
            return tn
        }
        let orig = try canonical(orig), dest = try canonical(dest)
        func tel(_ tn: String) -> String { "tel:+" + tn.replacingOccurrences(of: "#", with: "%23") }
        let from = orig.map { "<\(tel($0))>;tag=harness" } ?? "<sip:verifier@harness.invalid>;tag=harness"
        let to = dest.map { "<\(tel($0))>" } ?? "<sip:callee@harness.invalid>"
        let ruri = dest.map { "sip:+\($0.replacingOccurrences(of: "#", with: "%23"))@harness.invalid;user=phone" }
            ?? "sip:callee@harness.invalid"
        let text = [
            "INVITE \(ruri) SIP/2.0",
            "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKharness",
            "Max-Forwards: 70",
            "From: \(from)",
            "To: \(to)",
            "Call-ID: passport-verify@harness.invalid",
            "CSeq: 1 INVITE",
            "Content-Length: 0",
        ].joined(separator: "\r\n") + "\r\n\r\n"
        var request: SIPMessage
        do { request = try SIPMessage(parsing: text) } catch { throw .requestDoesNotParse(error.description) }
        if let date { request.addHeader("Date", date.description) }
        request.addHeader("Identity", identity)
        return request
    }
}

public enum StandaloneVerifierError: Error, Hashable, Sendable, CustomStringConvertible {
    case notATelephoneNumber(String)
    /// The synthetic request did not parse (not expected: its text is fixed apart from canonical TNs).
    case requestDoesNotParse(String)

    public var description: String {
        switch self {
        case .notATelephoneNumber(let t): "\"\(t)\" is not a telephone number (digits, '#', '*', optional '+' and separators)"
        case .requestDoesNotParse(let why): "internal error: synthetic request does not parse: \(why)"
        }
    }
}

extension IdentityVerdict {
    /// `{"verdict","policy","reason","sipStatus","verstat"}`: policy and reason are null when
    /// valid; sipStatus is null when the verdict does not reject the request.
    public var summaryJSON: JSONValue {
        .object([
            "verdict": .string(isValid ? "valid" : "invalid"),
            "policy": failedPolicy.map(JSONValue.string) ?? .null,
            "reason": reason.map(JSONValue.string) ?? .null,
            "sipStatus": rejection.map { JSONValue.integer(Int64($0.status)) } ?? .null,
            "verstat": .string(verstat.rawValue),
        ])
    }

    /// One line for people, e.g. `valid: TN-Validation-Passed (orig 12025550123, attest A)` or
    /// `invalid: 438 Invalid Identity Header [SignatureValid]: ...; verstat TN-Validation-Failed`.
    public var summaryLine: String {
        if isValid {
            var details: [String] = []
            if let claims {
                switch claims.orig {
                case .tn(let tn): details.append("orig \(tn)")
                case .uri(let uri): details.append("orig \(uri)")
                }
                if let a = claims.attest { details.append("attest \(a)") }
                if let n = claims.rcd?.nam { details.append("name \"\(n)\"") }
            }
            if let x5u = passport?.header.x5u { details.append("x5u \(x5u)") }
            return "valid: \(verstat.rawValue)" + (details.isEmpty ? "" : " (\(details.joined(separator: ", ")))")
        }
        let status = rejection.map { "\($0.status) \($0.reasonPhrase)" } ?? "not rejected"
        return "invalid: \(status) [\(failedPolicy ?? "?")]: \(reason ?? ""); verstat \(verstat.rawValue)"
    }
}
