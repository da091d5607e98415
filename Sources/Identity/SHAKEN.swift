/// SHAKEN (RFC 8588) claim rules for `ppt` "shaken".
public enum SHAKEN {
    public static let ppt = "shaken"

    /// ATIS-1000074 attestation levels.
    public enum Attestation: String, Hashable, Sendable, CaseIterable {
        /// Full: caller authenticated and entitled to the TN.
        case a = "A"
        /// Partial: caller authenticated, TN entitlement unknown.
        case b = "B"
        /// Gateway: unauthenticated entry point.
        case c = "C"
    }

    /// RFC 4122 textual form 8-4-4-4-12 hex digits (any case, any version).
    public static func isUUID(_ s: String) -> Bool {
        // 8-4-4-4-12 hex digits, checked byte by byte (a Character split costs microseconds).
        // From the contiguous bytes: stepping a UTF-8 view with enumerated() costs ~90
        // instructions a byte.
        var text = s
        return text.withUTF8 { isUUID(bytes: $0) }
    }

    static func isUUID(bytes u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard u.count == 36 else { return false }
        for i in 0..<36 {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard u[i] == UInt8(ascii: "-") else { return false }
            } else if !isHexDigit(u[i]) {
                return false
            }
        }
        return true
    }

    static func isHexDigit(_ b: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(b)
            || (UInt8(ascii: "A")...UInt8(ascii: "F")).contains(b)
    }

    /// `attest` and `origid` are required; a wrongly typed one was already reported by the caller.
    static func problems(attest: String?, origid: String?, attestPresent: Bool, origidPresent: Bool) -> [PASSporTError] {
        var out: [PASSporTError] = []
        if !attestPresent {
            out.append(.missingClaim("attest"))
        } else if let attest, Attestation(rawValue: attest) == nil {
            out.append(.invalidAttestation(attest))
        }
        if !origidPresent {
            out.append(.missingClaim("origid"))
        } else if let origid, !isUUID(origid) {
            out.append(.origidNotUUID(origid))
        }
        return out
    }
}
