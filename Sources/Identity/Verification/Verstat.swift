import Foundation
import SIPCore

/// The verification status a terminating verifier puts on the caller's TN
/// (TS 24.229 §7.2A.20, the `verstat` tel-URI parameter).
public enum Verstat: String, Hashable, Sendable, CaseIterable {
    case passed = "TN-Validation-Passed"
    case failed = "TN-Validation-Failed"
    case noValidation = "No-TN-Validation"

    /// Reads a received value leniently: carriers decorate it (`TN-Validation-Passed-A`, ...).
    public init?(lenient text: String) {
        let t = text.lowercased()
        if t.hasPrefix("tn-validation-passed") {
            self = .passed
        } else if t.hasPrefix("tn-validation-failed") {
            self = .failed
        } else if t.hasPrefix("no-tn-validation") {
            self = .noValidation
        } else {
            return nil
        }
    }
}

/// Where `verstat` goes and how it is removed (TS 24.229 §7.2A.20): on a tel URI it is a
/// URI parameter; on a sip/sips URI with `user=phone` it is a parameter of the **user part**
/// (`sip:+12155550121;verstat=TN-Validation-Passed@ims.example;user=phone`).
public enum VerstatMarking {
    /// The headers marked by default.
    public static let defaultHeaders: [KnownHeader] = [.pAssertedIdentity, .from]

    /// Removes every `verstat` from P-Asserted-Identity and From (tel parameters, sip user-part
    /// parameters and, leniently, sip URI parameters): an upstream value must never survive.
    public static func strip(_ message: inout SIPMessage, headers: [KnownHeader] = defaultHeaders) {
        for header in headers { rewrite(&message, header, parsed: nil) { stripped($0) } }
    }

    /// Strips any upstream `verstat`, then sets `verstat` on every TN URI (tel, or sip with
    /// user=phone) in `headers`. URIs that are not TNs are left without one.
    public static func apply(_ verstat: Verstat, to message: inout SIPMessage, headers: [KnownHeader] = defaultHeaders) {
        _ = apply(verstat, to: &message, headers: headers, deferring: nil)
    }

    /// `apply`, except that the marked values of `deferred` (when present and parsable) are
    /// returned rather than written: a caller that rewrites that header next (the STI-VS
    /// showing RCD on P-Asserted-Identity) writes it once. nil when nothing was deferred.
    /// `parsed`: `try? message.addressValues(header)` of headers already parsed (a verifier's
    /// `IdentityVerificationContext.parsedAddresses` for this message), not parsed again.
    public static func apply(_ verstat: Verstat, to message: inout SIPMessage, headers: [KnownHeader] = defaultHeaders,
                             deferring deferred: KnownHeader?,
                             parsed: [(header: KnownHeader, values: [AddressValue]?)] = []) -> [AddressValue]? {
        var all = defaultHeaders
        for h in headers where !all.contains(h) { all.append(h) }
        var kept: [AddressValue]?
        // One rewrite per header: stripping twice is stripping once, so a marked header
        // needs no separate strip pass.
        for header in all {
            let change: (URI) -> URI? = headers.contains(header)
                ? { uri in let s = stripped(uri); return marked(s ?? uri, verstat) ?? s } : { stripped($0) }
            let known = parsed.first { $0.header == header }.map(\.values)
            if header == deferred, message.contains(header), let values = known ?? (try? message.addressValues(header)) {
                kept = edited(values, change) ?? values
            } else {
                rewrite(&message, header, parsed: known, change)
            }
        }
        return kept
    }

    /// Applies the verdict's `verstat`.
    public static func apply(_ verdict: IdentityVerdict, to message: inout SIPMessage, headers: [KnownHeader] = defaultHeaders) {
        apply(verdict.verstat, to: &message, headers: headers)
    }

    /// The `verstat` a URI carries (lenient, tel parameter or sip user-part parameter).
    public static func verstat(of uri: URI) -> String? {
        switch uri {
        case .tel(let tel): return tel.parameters["verstat"]
        case .sip(let sip):
            if let v = sip.userNumber?.parameters["verstat"] { return v }
            return sip.parameters["verstat"]
        case .other: return nil
        }
    }

    // MARK: Internals
    // A change gives nil for a URI it leaves as it is: values nothing touched are neither
    // copied nor compared.

    /// `parsed`: the header's values when already parsed (`.some(nil)`: malformed).
    static func rewrite(_ message: inout SIPMessage, _ header: KnownHeader, parsed: [AddressValue]??,
                        _ change: (URI) -> URI?) {
        guard message.contains(header) else { return }
        if let values = parsed ?? (try? message.addressValues(header)) {
            if let edited = edited(values, change), edited != values { message.setHeaderValues(edited, header) }
        } else {
            // Unparsable: still make sure no verstat survives, on the raw text.
            let raws = message.values(header)
            let cleaned = raws.map(removeVerstatText)
            if cleaned != raws { message.setHeader(header.name, values: cleaned) }
        }
    }

    /// The values with `change` applied to their URIs; nil when it touched none.
    static func edited(_ values: [AddressValue], _ change: (URI) -> URI?) -> [AddressValue]? {
        var out: [AddressValue]?
        for i in values.indices {
            guard let uri = change(values[i].uri) else { continue }
            if out == nil { out = values }
            out?[i].uri = uri
        }
        return out
    }

    /// The URI without any `verstat`; nil when it has none.
    static func stripped(_ uri: URI) -> URI? {
        switch uri {
        case .tel(var tel):
            guard tel.parameters.contains("verstat") else { return nil }
            tel.parameters.remove("verstat")
            return .tel(tel)
        case .sip(var sip):
            var touched = false
            if let (number, params) = sip.userNumber, params.contains("verstat") {
                let kept = params.filter { $0.name.lowercased() != "verstat" }
                sip.user = number + kept.map { ";" + $0.description }.joined()
                touched = true
            }
            if sip.parameters.contains("verstat") {
                var p = sip.parameters
                p.remove("verstat")
                sip.parameters = p
                touched = true
            }
            return touched ? .sip(sip) : nil
        case .other:
            return nil
        }
    }

    /// The URI with `verstat` set when it is a TN URI; nil for any other.
    static func marked(_ uri: URI, _ verstat: Verstat) -> URI? {
        guard TelephoneNumber.canonical(uri, acceptPlusWithoutUserPhone: false) != nil else { return nil }
        switch uri {
        case .tel(var tel):
            tel.verstat = verstat.rawValue
            return .tel(tel)
        case .sip(var sip):
            guard let user = sip.user else { return nil }
            sip.user = user + ";verstat=" + verstat.rawValue
            return .sip(sip)
        case .other:
            return nil
        }
    }

    /// Removes `;verstat=<value>` (any case) from raw header text.
    static func removeVerstatText(_ text: String) -> String {
        var out = Substring(text)
        var result = ""
        while let r = out.range(of: ";verstat=", options: .caseInsensitive) {
            result += out[..<r.lowerBound]
            var i = r.upperBound
            while i < out.endIndex, !";@>,?& ".contains(out[i]) { i = out.index(after: i) }
            out = out[i...]
        }
        return result + out
    }
}
