import SIPCore

/// Telephone-number canonicalisation for comparing SIP identities with PASSporT `orig`/`dest`
/// (RFC 8224 §8.1, §8.3): drop "+" and the visual separators `-` `.` `(` `)` (and spaces);
/// what remains must be `1*("#" / "*" / DIGIT)`. No country code is added: a local number
/// stays as dialled, so it only matches a PASSporT that carries the same digits.
public enum TelephoneNumber {
    /// The canonical form of a number as written, or nil when it is not a telephone number.
    public static func canonical(_ text: some StringProtocol) -> String? {
        // Byte-wise: every accepted character is ASCII, and this runs for each identity check.
        if let result = text.utf8.withContiguousStorageIfAvailable({ canonical(utf8: $0) }) { return result }
        return Array(text.utf8).withUnsafeBufferPointer { canonical(utf8: $0) }
    }

    /// `canonical` over UTF-8 bytes: checked and counted first, then written straight into the
    /// String (a number fits a small String, so usually nothing is allocated).
    static func canonical(utf8 p: UnsafeBufferPointer<UInt8>) -> String? {
        var count = 0
        for b in p {
            switch b {
            case UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: " "):
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "#"), UInt8(ascii: "*"):
                count += 1
            default:
                return nil
            }
        }
        guard count > 0 else { return nil }
        return String(unsafeUninitializedCapacity: count) { out in
            var n = 0
            for b in p where isKept(b) {
                out[n] = b
                n += 1
            }
            return n
        }
    }

    /// A byte `canonical` keeps (the others it accepts are separators).
    private static func isKept(_ b: UInt8) -> Bool {
        (b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "#") || b == UInt8(ascii: "*")
    }

    /// The canonical TN a URI names: a tel URI, or a sip/sips URI whose user part is a number
    /// and that has `user=phone` (or, by policy, a user part starting with "+"). User-part
    /// parameters such as `;verstat=...` are not part of the number.
    public static func canonical(_ uri: URI, acceptPlusWithoutUserPhone: Bool = true) -> String? {
        switch uri {
        case .tel(let tel):
            return canonical(percentDecode(tel.number))
        case .sip(let sip):
            // Without user=phone no number is taken unless '+' numbers are: then the user part
            // need not be read at all (the verstat marking asks this of every sip URI).
            if !acceptPlusWithoutUserPhone, !sip.isPhone { return nil }
            guard let number = sip.userNumberPart else { return nil }
            let decoded = percentDecode(number)
            // An escaped ';' still ends the number.
            let u = decoded.utf8
            let digits = Substring(u[..<(u.firstIndex(of: UInt8(ascii: ";")) ?? u.endIndex)])
            guard sip.isPhone || (acceptPlusWithoutUserPhone && digits.utf8.first == UInt8(ascii: "+")) else { return nil }
            return canonical(digits)
        case .other:
            return nil
        }
    }

    /// A URI reduced for `uri` claim comparison (RFC 8224 §8.5, simplified): scheme, decoded
    /// user and lower-cased host; parameters, port and headers dropped.
    public static func addressOfRecord(_ uri: URI) -> String {
        switch uri {
        case .sip(let sip):
            let user = sip.userNumber.map { percentDecode($0.number) }
            return "\(sip.secure ? "sips" : "sip"):" + (user.map { $0 + "@" } ?? "") + sip.host.lowercased()
        case .tel(let tel):
            return "tel:" + (canonical(tel.number) ?? tel.number)
        case .other(let scheme, let opaque):
            return scheme.lowercased() + ":" + opaque
        }
    }

    /// `addressOfRecord` of a URI given as text (as in a `uri` claim); the text itself if it does not parse.
    public static func addressOfRecord(_ text: String) -> String {
        guard let uri = try? URI(parsing: text) else { return text }
        return addressOfRecord(uri)
    }
}
