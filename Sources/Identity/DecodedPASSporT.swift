import Foundation
import SIPCore

/// Why a token or Identity header could not be decoded for display.
public enum PASSporTDecodeError: Error, Hashable, Sendable, CustomStringConvertible {
    case identityHeader(String)
    case passport(PASSporTError)

    public var description: String {
        switch self {
        case .identityHeader(let why): "Identity header does not parse: \(why)"
        case .passport(let e): e.description
        }
    }
}

/// A PASSporT decoded for display only: nothing is verified (no signature, no certificate).
/// Claim-rule problems are listed, not thrown, so a non-conforming token can still be shown.
public struct DecodedPASSporT: Hashable, Sendable {
    public enum Form: String, Hashable, Sendable {
        case full
        /// `..signature` (RFC 8225 §7): header and claims are not in the token.
        case compact
    }

    public var form: Form
    /// The JWS header and payload as received (nil in compact form).
    public var headerJSON: JSONValue?
    public var payloadJSON: JSONValue?
    public var signature: [UInt8]
    /// The Identity header value, when decoded from one.
    public var identity: IdentityValue?
    /// Header and claim rule problems (RFC 8225 / 8588 / 9795), for information.
    public var problems: [String]

    /// Decodes `header.payload.signature` (or `..signature`); surrounding whitespace is ignored.
    public static func decode(token raw: String) throws(PASSporTDecodeError) -> DecodedPASSporT {
        let token = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        do throws(PASSporTError) {
            let parts = try JWSParts(token)
            let signature = try parts.decodedSignature()
            if parts.isCompactForm {
                return DecodedPASSporT(form: .compact, headerJSON: nil, payloadJSON: nil, signature: signature, identity: nil, problems: [])
            }
            let header = try parts.decodedHeader()
            let payload = try parts.decodedPayload()
            var problems: [String] = []
            var ppt: String?
            do throws(PASSporTError) {
                ppt = try PASSporTHeader.parse(header).ppt
            } catch {
                problems.append(error.description)
            }
            if case .failure(let r) = PASSporTClaims.parse(payload, ppt: ppt) { problems += r.reasons.map(\.description) }
            return DecodedPASSporT(form: .full, headerJSON: header, payloadJSON: payload, signature: signature, identity: nil,
                                   problems: problems)
        } catch {
            throw .passport(error)
        }
    }

    /// Decodes an Identity header value (`<jws>;info=<URL>;alg=ES256;ppt=...`); a leading
    /// `Identity:` field name is accepted.
    public static func decode(identityHeader text: String) throws(PASSporTDecodeError) -> DecodedPASSporT {
        let value: IdentityValue
        do { value = try IdentityValue(parsing: stripIdentityPrefix(text)) } catch { throw .identityHeader(error.description) }
        var decoded = try decode(token: value.jws)
        decoded.identity = value
        if decoded.form == .full, let ppt = decoded.headerJSON?["ppt"]?.stringValue, ppt != value.ppt {
            decoded.problems.append(PASSporTError.pptMismatch(expected: value.ppt, found: ppt).description)
        } else if decoded.form == .full, decoded.headerJSON?["ppt"] == nil, let ppt = value.ppt {
            decoded.problems.append(PASSporTError.pptMismatch(expected: ppt, found: nil).description)
        }
        if decoded.form == .full, let x5u = decoded.headerJSON?["x5u"]?.stringValue, let info = value.info, x5u != info {
            decoded.problems.append("x5u \(x5u) differs from info \(info)")
        }
        return decoded
    }

    /// Trims whitespace and a leading `Identity:` field name (any case).
    public static func stripIdentityPrefix(_ text: String) -> String {
        var t = Substring(text.trimmingCharacters(in: .whitespacesAndNewlines))
        if t.lowercased().hasPrefix("identity:") { t = t.dropFirst("identity:".count) }
        return t.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `{"form","header","claims","signatureBytes","identity":{"info","alg","ppt"},"problems"}`;
    /// absent parts are null.
    public var json: JSONValue {
        var identityJSON: JSONValue = .null
        if let identity {
            identityJSON = .object([
                "info": identity.info.map(JSONValue.string) ?? .null,
                "alg": identity.alg.map(JSONValue.string) ?? .null,
                "ppt": identity.ppt.map(JSONValue.string) ?? .null,
            ])
        }
        return .object([
            "form": .string(form.rawValue),
            "header": headerJSON ?? .null,
            "claims": payloadJSON ?? .null,
            "signatureBytes": .integer(Int64(signature.count)),
            "identity": identityJSON,
            "problems": .array(problems.map(JSONValue.string)),
        ])
    }

    /// Human-readable lines: form, Identity parameters, header and claims as indented
    /// canonical JSON, `iat` as a date, signature size, problems.
    public var text: String {
        var lines: [String] = []
        lines.append("form: \(form.rawValue)" + (form == .compact ? " (header and claims are rebuilt from the SIP request)" : ""))
        if let identity {
            lines.append("info: \(identity.info ?? "(absent)")")
            lines.append("alg: \(identity.alg ?? "(absent: ES256)")")
            lines.append("ppt: \(identity.ppt ?? "(absent)")")
        }
        if let headerJSON { lines.append("header: " + headerJSON.prettyString) }
        if let payloadJSON {
            lines.append("claims: " + payloadJSON.prettyString)
            if let iat = payloadJSON["iat"]?.integerValue { lines.append("iat: \(iat) (\(SIPDate(secondsSince1970: iat)))") }
        }
        lines.append("signature: \(signature.count) bytes")
        lines += problems.map { "problem: \($0)" }
        return lines.joined(separator: "\n")
    }
}

extension JSONValue {
    /// Canonical member order (sorted keys) with two-space indentation: for people, not signing.
    public var prettyString: String {
        var out = ""
        Self.writePretty(self, indent: 0, into: &out)
        return out
    }

    static func writePretty(_ v: JSONValue, indent: Int, into out: inout String) {
        let pad = String(repeating: "  ", count: indent + 1), closePad = String(repeating: "  ", count: indent)
        switch v {
        case .object(let members) where !members.isEmpty:
            let sorted = members.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            out += "{\n"
            for (i, m) in sorted.enumerated() {
                out += pad + JSONValue.string(m.key).canonicalString + ": "
                writePretty(m.value, indent: indent + 1, into: &out)
                out += (i < sorted.count - 1 ? ",\n" : "\n")
            }
            out += closePad + "}"
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                writePretty(item, indent: indent + 1, into: &out)
                out += (i < items.count - 1 ? ",\n" : "\n")
            }
            out += closePad + "]"
        default:
            out += v.canonicalString
        }
    }
}
