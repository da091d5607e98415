import SIPCore

/// Terminating-side authorisation of Rich Call Data (TR 33.890 KI#1; RFC 9795 §8.1, §12.2):
/// may the called party be shown the `rcd` name and `crn` of a PASSporT whose signature is
/// valid? Each check is optional:
/// - `checkDisplayName`: `rcd.nam` equals the caller's display name in From (§12.2);
/// - `certificateScope`: the signing certificate is entitled to the `orig` TN (solution 2,
///   an enterprise delegate certificate's TNAuthList; nil answer = no information);
/// - `register`: the (TN, name) pair is in the enterprise register the terminating network
///   shares with the originating operator (solution 1).
///
/// A breach either drops the RCD (RFC 9795 §8.1 "use no claim": the call proceeds, the name
/// is not shown) or rejects with 438, per `action`.
public struct RCDAuthorised: IdentityPolicy {
    public enum Action: String, Hashable, Sendable {
        case ignoreRCD = "ignore_rcd"
        case reject
    }

    public var checkDisplayName: Bool
    public var certificateScope: ((_ origTN: String, _ x5u: String) -> Bool?)?
    public var register: ThirdPartyAuthorisations?
    public var action: Action

    public init(checkDisplayName: Bool = true, certificateScope: ((_ origTN: String, _ x5u: String) -> Bool?)? = nil,
                register: ThirdPartyAuthorisations? = nil, action: Action = .ignoreRCD) {
        self.checkDisplayName = checkDisplayName
        self.certificateScope = certificateScope
        self.register = register
        self.action = action
    }

    public func evaluate(_ context: inout IdentityVerificationContext) -> IdentityPolicyResult {
        let header: PASSporTHeader, claims: PASSporTClaims
        switch context.decodedPASSporT() {
        case .failure(let f): return .fails(f)
        case .success(let decoded): (header, claims) = decoded
        }
        guard claims.rcd != nil || claims.crn != nil else { return .passes }
        let problems = self.problems(claims: claims, x5u: header.x5u ?? context.current?.value?.info) { context.firstAddress(.from) }
        guard !problems.isEmpty else {
            // An earlier rule may already have voided the rcd (RCDConstraints).
            if context.rcdAuthorised == nil { context.rcdAuthorised = true }
            return .passes
        }
        let reason = "rich call data not authorised: " + problems.joined(separator: "; ")
        switch action {
        case .reject:
            return .fails(.invalidIdentityHeader(reason))
        case .ignoreRCD:
            context.rcdAuthorised = false
            context.notes.append(reason + " (RCD not shown, RFC 9795 §8.1)")
            return .passes
        }
    }

    /// `from`: the request's From address (read only when the display name is checked).
    func problems(claims: PASSporTClaims, x5u: String?, from: () -> AddressValue?) -> [String] {
        var out: [String] = []
        let name = claims.rcd?.nam
        if checkDisplayName, let name {
            let shown = from()?.displayName
            if shown != name {
                out.append("rcd nam \"\(name)\" differs from the From display name \(shown.map { "\"\($0)\"" } ?? "(none)")")
            }
        }
        guard case .tn(let tn) = claims.orig else { return out }
        let canonical = TelephoneNumber.canonical(tn) ?? tn
        if let certificateScope, let x5u, certificateScope(canonical, x5u) == false {
            out.append("certificate \(x5u) is not entitled to TN \(canonical)")
        }
        if let register, !register.isRegistered(tn: canonical, name: name) {
            out.append("TN \(canonical)" + (name.map { " with name \"\($0)\"" } ?? "") + " is not in the enterprise register")
        }
        return out
    }
}
