import SwiftASN1
import X509

/// One precise reason a TNAuthList (RFC 8226 §9) is rejected.
public enum TNAuthListError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The extension value is not well-formed DER (or has trailing bytes).
    case malformedDER(String)
    /// The outer value is not a SEQUENCE (e.g. a bare IA5String URL, as libstirshaken writes).
    case notASequence(found: String)
    /// `SEQUENCE SIZE (1..MAX)`: an empty list authorises nothing and is invalid.
    case emptyList
    /// A TNEntry whose tag is not [0], [1] or [2] context-specific constructed.
    case unexpectedEntryTag(String)
    /// The field is not an IA5String (wrong type or non-ASCII bytes).
    case notIA5String(field: String)
    case emptyServiceProviderCode
    /// `TelephoneNumber ::= IA5String (SIZE (1..15))`.
    case telephoneNumberLength(String)
    /// `FROM ("0123456789#*")`.
    case telephoneNumberCharacter(String)
    /// `count INTEGER (2..MAX)`; values beyond Int are reported as nil.
    case rangeCount(Int?)
    /// The range SEQUENCE has missing or extra fields.
    case malformedRange(String)
    /// A Certificate.Extension with another OID was given.
    case wrongExtensionOID(String)

    public var description: String {
        switch self {
        case .malformedDER(let d): "TNAuthList is not well-formed DER: \(d)"
        case .notASequence(let f): "TNAuthList must be a SEQUENCE OF TNEntry, found \(f)"
        case .emptyList: "TNAuthList is empty (SIZE (1..MAX))"
        case .unexpectedEntryTag(let t): "TNEntry has tag \(t), expected [0] spc, [1] range or [2] one (explicit)"
        case .notIA5String(let f): "TNAuthList \(f) is not an IA5String"
        case .emptyServiceProviderCode: "TNAuthList SPC is empty"
        case .telephoneNumberLength(let tn): "TelephoneNumber \"\(tn)\" must be 1 to 15 characters"
        case .telephoneNumberCharacter(let tn): "TelephoneNumber \"\(tn)\" has characters outside 0-9 # *"
        case .rangeCount(let c): "TelephoneNumberRange count \(c.map(String.init) ?? "(too large)") must be at least 2"
        case .malformedRange(let d): "TelephoneNumberRange is malformed: \(d)"
        case .wrongExtensionOID(let o): "extension OID \(o) is not id-pe-TNAuthList (1.3.6.1.5.5.7.1.26)"
        }
    }
}

/// `TNEntry` (RFC 8226 §9, errata-corrected explicit tags).
public enum TNEntry: Hashable, Sendable, CustomStringConvertible {
    /// `[0] ServiceProviderCode` (IA5String).
    case spc(String)
    /// `[1] TelephoneNumberRange`: `count` same-length numbers from `start`.
    case range(start: String, count: Int)
    /// `[2] TelephoneNumber`.
    case one(String)

    public var description: String {
        switch self {
        case .spc(let s): "spc \(s)"
        case .range(let s, let c): "range \(s)+\(c)"
        case .one(let t): "tn \(t)"
        }
    }

    /// Checks the value constraints of the ASN.1 module.
    public func validate() throws(TNAuthListError) {
        switch self {
        case .spc(let s):
            guard !s.isEmpty else { throw .emptyServiceProviderCode }
            guard s.utf8.allSatisfy({ $0 < 0x80 }) else { throw .notIA5String(field: "spc") }
        case .range(let start, let count):
            try Self.validateTelephoneNumber(start)
            guard count >= 2 else { throw .rangeCount(count) }
        case .one(let tn):
            try Self.validateTelephoneNumber(tn)
        }
    }

    static func validateTelephoneNumber(_ tn: String) throws(TNAuthListError) {
        guard tn.utf8.allSatisfy({ (0x30...0x39).contains($0) || $0 == 0x23 || $0 == 0x2A }) else {
            throw .telephoneNumberCharacter(tn)
        }
        guard (1...15).contains(tn.utf8.count) else { throw .telephoneNumberLength(tn) }
    }
}

/// `TNAuthorizationList ::= SEQUENCE SIZE (1..MAX) OF TNEntry` (RFC 8226 §9), the
/// `id-pe-TNAuthList` certificate extension. Values are always valid: every initialiser checks.
public struct TNAuthList: Hashable, Sendable, CustomStringConvertible {
    /// id-pe-TNAuthList, 1.3.6.1.5.5.7.1.26.
    public static let oid: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 1, 26]

    public let entries: [TNEntry]

    public init(_ entries: [TNEntry]) throws(TNAuthListError) {
        guard !entries.isEmpty else { throw .emptyList }
        for e in entries { try e.validate() }
        self.entries = entries
    }

    /// Parses the DER extension value.
    public init(derEncoded bytes: ArraySlice<UInt8>) throws(TNAuthListError) {
        let root: ASN1Node
        do { root = try DER.parse(bytes) } catch { throw .malformedDER(String(describing: error)) }
        try self.init(node: root)
    }

    public init(derEncoded bytes: [UInt8]) throws(TNAuthListError) {
        try self.init(derEncoded: bytes[...])
    }

    /// From the certificate extension; the OID must be id-pe-TNAuthList.
    public init(_ ext: Certificate.Extension) throws(TNAuthListError) {
        guard ext.oid == Self.oid else { throw .wrongExtensionOID(String(describing: ext.oid)) }
        try self.init(derEncoded: ext.value)
    }

    init(node: ASN1Node) throws(TNAuthListError) {
        guard node.identifier == .sequence, case .constructed(let children) = node.content else {
            throw .notASequence(found: Self.describe(node.identifier))
        }
        var entries: [TNEntry] = []
        for child in children { entries.append(try Self.parseEntry(child)) }
        try self.init(entries)
    }

    public func derEncoded() throws -> [UInt8] {
        var serializer = DER.Serializer()
        try serializer.appendConstructedNode(identifier: .sequence) { coder in
            for entry in entries { try Self.serialize(entry, into: &coder) }
        }
        return serializer.serializedBytes
    }

    public var description: String { "TNAuthList[" + entries.map(\.description).joined(separator: ", ") + "]" }

    // MARK: DER

    private static func parseEntry(_ node: ASN1Node) throws(TNAuthListError) -> TNEntry {
        // Explicit tags: the [n] node is constructed and wraps exactly one inner value.
        guard node.identifier.tagClass == .contextSpecific, node.identifier.tagNumber <= 2 else {
            throw .unexpectedEntryTag(describe(node.identifier))
        }
        guard case .constructed(let wrapped) = node.content else {
            throw .unexpectedEntryTag(describe(node.identifier) + " primitive (implicit tagging)")
        }
        var it = wrapped.makeIterator()
        guard let inner = it.next(), it.next() == nil else {
            throw .unexpectedEntryTag(describe(node.identifier) + " not wrapping exactly one value")
        }
        let entry: TNEntry
        switch node.identifier.tagNumber {
        case 0: entry = .spc(try ia5(inner, field: "spc"))
        case 1: entry = try parseRange(inner)
        default: entry = .one(try ia5(inner, field: "one"))
        }
        try entry.validate()
        return entry
    }

    private static func parseRange(_ node: ASN1Node) throws(TNAuthListError) -> TNEntry {
        guard node.identifier == .sequence, case .constructed(let fields) = node.content else {
            throw .malformedRange("expected SEQUENCE, found \(describe(node.identifier))")
        }
        var it = fields.makeIterator()
        guard let startNode = it.next(), let countNode = it.next() else { throw .malformedRange("missing start or count") }
        guard it.next() == nil else { throw .malformedRange("extra fields after count") }
        let start = try ia5(startNode, field: "range start")
        guard countNode.identifier == .integer else {
            throw .malformedRange("count is \(describe(countNode.identifier)), expected INTEGER")
        }
        let count: Int
        do { count = try Int(derEncoded: countNode) } catch {
            // Either non-minimal DER or wider than Int; beyond Int is no real range anyway.
            if case .primitive(let b) = countNode.content, b.count > MemoryLayout<Int>.size { throw .rangeCount(nil) }
            throw .malformedDER("count: \(error)")
        }
        return .range(start: start, count: count)
    }

    private static func ia5(_ node: ASN1Node, field: String) throws(TNAuthListError) -> String {
        guard node.identifier == .ia5String else { throw .notIA5String(field: field) }
        do {
            let s = try ASN1IA5String(derEncoded: node)
            return String(decoding: s.bytes, as: UTF8.self)
        } catch { throw .notIA5String(field: field) }
    }

    private static func serialize(_ entry: TNEntry, into coder: inout DER.Serializer) throws {
        switch entry {
        case .spc(let s):
            try coder.serialize(try ASN1IA5String(s), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
        case .range(let start, let count):
            try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(try ASN1IA5String(start))
                    try coder.serialize(count)
                }
            }
        case .one(let tn):
            try coder.serialize(try ASN1IA5String(tn), explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific)
        }
    }

    static func describe(_ id: ASN1Identifier) -> String {
        switch id {
        case .sequence: "SEQUENCE"
        case .ia5String: "IA5String"
        case .integer: "INTEGER"
        case .utf8String: "UTF8String"
        case .octetString: "OCTET STRING"
        default:
            switch id.tagClass {
            case .contextSpecific: "[\(id.tagNumber)]"
            case .universal: "universal \(id.tagNumber)"
            case .application: "[APPLICATION \(id.tagNumber)]"
            case .private: "[PRIVATE \(id.tagNumber)]"
            }
        }
    }
}

// MARK: Coverage and delegation

extension TNAuthList {
    /// Does the list authorise the canonical TN `tn` (digits only, no '+')? SPC entries never
    /// cover a TN by themselves: that needs the SPC's number inventory, which is out of band.
    /// Ranges cover same-length numbers in [start, start+count-1]; a range whose start holds
    /// '#' or '*' has no numeric reading and covers nothing.
    public func covers(tn: String) -> Bool {
        entries.contains { entry in
            switch entry {
            case .spc: false
            case .one(let one): one == tn
            case .range(let start, let count): Self.rangeContains(start: start, count: count, tn: tn)
            }
        }
    }

    /// RFC 9060 §4: every entry of `self` is encompassed by `parent`. Choice made here:
    /// a parent holding any SPC may delegate any TN or range (an SPC's numbers cannot be
    /// enumerated from the certificate, so they cannot be proven outside it); otherwise TN and
    /// range entries must fall inside the union of the parent's TN and range entries. SPC
    /// entries must appear verbatim in the parent.
    public func isSubset(of parent: TNAuthList) -> Bool {
        firstEntry(notEncompassedBy: parent) == nil
    }

    /// The first entry of `self` that `parent` does not encompass (see `isSubset(of:)`).
    public func firstEntry(notEncompassedBy parent: TNAuthList) -> TNEntry? {
        let parentSPCs = Set(parent.entries.compactMap { if case .spc(let s) = $0 { s } else { nil } })
        let intervals = Self.mergedIntervals(parent.entries)
        return entries.first { entry in
            switch entry {
            case .spc(let s):
                return !parentSPCs.contains(s)
            case .one, .range:
                if !parentSPCs.isEmpty { return false }
                return !Self.encompassed(entry, by: parent.entries, intervals: intervals)
            }
        }
    }

    /// Numeric span of a TN entry, keyed by digit count (lengths are distinct number spaces).
    private struct Interval { var length: Int; var low: Int64; var high: Int64 }

    private static func interval(_ entry: TNEntry) -> Interval? {
        switch entry {
        case .spc: return nil
        case .one(let tn):
            guard let v = digitsValue(tn) else { return nil }
            return Interval(length: tn.utf8.count, low: v, high: v)
        case .range(let start, let count):
            guard let v = digitsValue(start) else { return nil }
            // Clamp at the largest number of that length: the range cannot leave it.
            let maxOfLength = Int64(String(repeating: "9", count: start.utf8.count)) ?? v
            let (sum, overflow) = v.addingReportingOverflow(Int64(count) - 1)
            return Interval(length: start.utf8.count, low: v, high: overflow ? maxOfLength : min(sum, maxOfLength))
        }
    }

    private static func mergedIntervals(_ entries: [TNEntry]) -> [Interval] {
        let sorted = entries.compactMap(interval).sorted { ($0.length, $0.low) < ($1.length, $1.low) }
        var merged: [Interval] = []
        for iv in sorted {
            if var last = merged.last, last.length == iv.length, iv.low <= last.high || iv.low - 1 == last.high {
                last.high = max(last.high, iv.high)
                merged[merged.count - 1] = last
            } else {
                merged.append(iv)
            }
        }
        return merged
    }

    private static func encompassed(_ entry: TNEntry, by parentEntries: [TNEntry], intervals: [Interval]) -> Bool {
        guard let iv = interval(entry) else {
            // '#'/'*' numbers: only an identical entry (or a parent range with the same start and no smaller count).
            return parentEntries.contains { p in
                switch (entry, p) {
                case (.one(let a), .one(let b)): a == b
                case (.range(let s, let c), .range(let ps, let pc)): s == ps && c <= pc
                default: false
                }
            }
        }
        return intervals.contains { $0.length == iv.length && $0.low <= iv.low && iv.high <= $0.high }
    }

    private static func rangeContains(start: String, count: Int, tn: String) -> Bool {
        guard tn.utf8.count == start.utf8.count, let s = digitsValue(start), let t = digitsValue(tn), t >= s else { return false }
        return t - s < Int64(count)
    }

    /// Value of an all-digit string of at most 15 digits (fits Int64), else nil.
    private static func digitsValue(_ s: String) -> Int64? {
        guard !s.isEmpty, s.utf8.count <= 15, s.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(s)
    }
}

// MARK: swift-certificates integration

extension TNAuthList: CertificateExtensionConvertible {
    /// Non-critical, as deployed SHAKEN certificates carry it (RFC 8226 leaves criticality open).
    public func makeCertificateExtension() throws -> Certificate.Extension {
        try Certificate.Extension(self, critical: false)
    }
}

extension Certificate.Extension {
    public init(_ list: TNAuthList, critical: Bool) throws {
        self.init(oid: TNAuthList.oid, critical: critical, value: try list.derEncoded()[...])
    }
}

extension Certificate {
    /// The certificate's TNAuthList, nil when absent; a present but malformed one throws.
    public func tnAuthList() throws(TNAuthListError) -> TNAuthList? {
        guard let ext = extensions[oid: TNAuthList.oid] else { return nil }
        return try TNAuthList(ext)
    }
}
