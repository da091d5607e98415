import Foundation
import SwiftASN1
// The library asks for this SPI to validate at a fixed time rather than now.
@_spi(FixedExpiryValidationTime) import X509

/// One precise reason an STI certificate chain is rejected (RFC 5280 path, RFC 8226 / 9060 scope).
public enum CertificateChainError: Error, Hashable, Sendable, CustomStringConvertible {
    case emptyChain
    /// The presented chain ends in a self-issued certificate that is not a trust anchor (RFC 9060 §6: 437).
    case untrustedRoot(subject: String)
    /// No path from the leaf to any trust anchor: a missing intermediate or a wrong issuer.
    case noPathToTrustAnchor(issuer: String)
    case expired(subject: String, notAfter: Date)
    case notYetValid(subject: String, notBefore: Date)
    /// A path to an anchor exists but fails another RFC 5280 check (basic constraints, key usage, ...).
    case pathValidationFailed([String])
    /// The leaf has no TNAuthList, so it authorises no TN (TNAuthList by reference is not supported).
    case missingTNAuthList(subject: String)
    case malformedTNAuthList(subject: String, reason: TNAuthListError)
    /// RFC 9060 §4: `entry` of `subject` is outside the TNAuthList of its nearest ancestor holding one.
    case delegateNotSubset(subject: String, issuer: String, entry: TNEntry)
    case origNotCovered(tn: String, subject: String)

    public var description: String {
        switch self {
        case .emptyChain: "certificate chain is empty"
        case .untrustedRoot(let s): "chain ends at \(s), which is not a trust anchor"
        case .noPathToTrustAnchor(let i): "no path to a trust anchor (issuer \(i) not found or did not sign)"
        case .expired(let s, let d): "certificate \(s) expired at \(d)"
        case .notYetValid(let s, let d): "certificate \(s) is not valid before \(d)"
        case .pathValidationFailed(let r): "certificate path fails RFC 5280 policy: \(r.joined(separator: "; "))"
        case .missingTNAuthList(let s): "certificate \(s) has no TNAuthList"
        case .malformedTNAuthList(let s, let r): "certificate \(s): \(r)"
        case .delegateNotSubset(let s, let i, let e): "delegate \(s) claims \(e), outside the TNAuthList of \(i) (RFC 9060)"
        case .origNotCovered(let tn, let s): "orig TN \(tn) is not covered by the TNAuthList of \(s)"
        }
    }
}

/// RFC 5280 path validation (swift-certificates `Verifier`) plus the STIR checks of RFC 8226
/// and RFC 9060 on the validated path. The validation time is always given: no wall clock here.
public struct CertificateChainValidator: Sendable {
    public let trustAnchors: [Certificate]

    public init(trustAnchors: [Certificate]) { self.trustAnchors = trustAnchors }

    /// Validates `chain` (leaf first, then intermediates) at `time`. Returns the path leaf →
    /// anchor. Every TNAuthList on the path must parse and sit within its nearest ancestor's;
    /// with `origTN`, the leaf must carry a TNAuthList covering that canonical TN.
    public func validate(chain: [Certificate], at time: Date, origTN: String? = nil) async -> Result<[Certificate], CertificateChainError> {
        guard let leaf = chain.first else { return .failure(.emptyChain) }
        var verifier = Verifier(rootCertificates: CertificateStore(trustAnchors)) {
            RFC5280Policy(fixedExpiryValidationTime: time)
            TNAuthListExtensionPolicy()
        }
        let result = await verifier.validate(leaf: leaf, intermediates: CertificateStore(chain.dropFirst()))
        switch result {
        case .validCertificate(let validated):
            let path = Array(validated)
            if let error = Self.checkDelegation(path: path, origTN: origTN) { return .failure(error) }
            return .success(path)
        case .couldNotValidate(let failures):
            return .failure(Self.classify(failures, chain: chain, at: time))
        }
    }

    /// The RFC 8226 / RFC 9060 checks alone, on a path already validated (leaf first).
    public static func checkDelegation(path: [Certificate], origTN: String?) -> CertificateChainError? {
        var lists: [TNAuthList?] = []
        for cert in path {
            do { lists.append(try cert.tnAuthList()) } catch {
                return .malformedTNAuthList(subject: name(cert.subject), reason: error)
            }
        }
        // Compare with the nearest ancestor that has a list, so an intermediate without one cannot widen scope.
        for i in path.indices {
            guard let child = lists[i] else { continue }
            guard let j = lists.indices.first(where: { $0 > i && lists[$0] != nil }), let parent = lists[j] else { continue }
            if let entry = child.firstEntry(notEncompassedBy: parent) {
                return .delegateNotSubset(subject: name(path[i].subject), issuer: name(path[j].subject), entry: entry)
            }
        }
        if let origTN, let leaf = path.first {
            guard let list = lists[0] else { return .missingTNAuthList(subject: name(leaf.subject)) }
            guard list.covers(tn: origTN) else { return .origNotCovered(tn: origTN, subject: name(leaf.subject)) }
        }
        return nil
    }

    /// Turns the Verifier's verdict into one reason. Dates are re-checked here rather than
    /// matched in the Verifier's free-text reasons, which are not API.
    static func classify(_ failures: [CertificateValidationResult.PolicyFailure], chain: [Certificate], at time: Date) -> CertificateChainError {
        if failures.isEmpty {
            // No candidate path reached an anchor at all.
            guard let top = chain.last else { return .emptyChain }
            if top.issuer == top.subject, top.publicKey.isValidSignature(top.signature, for: top) {
                return .untrustedRoot(subject: name(top.subject))
            }
            return .noPathToTrustAnchor(issuer: name(top.issuer))
        }
        for failure in failures {
            for cert in failure.chain {
                if time < cert.notValidBefore { return .notYetValid(subject: name(cert.subject), notBefore: cert.notValidBefore) }
                if time > cert.notValidAfter { return .expired(subject: name(cert.subject), notAfter: cert.notValidAfter) }
            }
        }
        return .pathValidationFailed(failures.map(\.policyFailureReason.description))
    }

    static func name(_ dn: DistinguishedName) -> String { String(describing: dn) }
}

/// Declares TNAuthList as understood, so a certificate marking it critical is not refused
/// by the Verifier; its content is checked after path validation (`checkDelegation`).
struct TNAuthListExtensionPolicy: VerifierPolicy {
    let verifyingCriticalExtensions: [ASN1ObjectIdentifier] = [TNAuthList.oid]

    func chainMeetsPolicyRequirements(chain: UnverifiedCertificateChain) -> PolicyEvaluationResult { .meetsPolicy }
}
