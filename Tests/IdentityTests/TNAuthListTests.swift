import SwiftASN1
import Testing
import X509
@testable import Identity

struct TNAuthListTests {
    static func ascii(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Hand-built from the RFC 8226 module: SEQUENCE { [0] IA5 "TEST1", [1] SEQ { IA5 start, INT 100 }, [2] IA5 tn }.
    static let knownGood: [UInt8] =
        [0x30, 0x2C]
        + [0xA0, 0x07, 0x16, 0x05] + ascii("TEST1")
        + [0xA1, 0x12, 0x30, 0x10, 0x16, 0x0B] + ascii("12025550100") + [0x02, 0x01, 0x64]
        + [0xA2, 0x0D, 0x16, 0x0B] + ascii("12025550123")

    static let knownGoodList: [TNEntry] = [.spc("TEST1"), .range(start: "12025550100", count: 100), .one("12025550123")]

    @Test func encodesKnownGood() throws {
        let list = try TNAuthList(Self.knownGoodList)
        #expect(try list.derEncoded() == Self.knownGood)
    }

    @Test func parsesKnownGood() throws {
        let list = try TNAuthList(derEncoded: Self.knownGood)
        #expect(list.entries == Self.knownGoodList)
    }

    @Test(arguments: [
        [TNEntry.one("1")],
        [.one("123456789012345"), .one("*67#")],
        [.range(start: "2025550100", count: 2), .range(start: "1", count: Int.max)],
        [.spc("0123"), .spc("TEST SPC with spaces")],
    ])
    func roundTrips(_ entries: [TNEntry]) throws {
        let list = try TNAuthList(entries)
        let back = try TNAuthList(derEncoded: try list.derEncoded())
        #expect(back == list)
    }

    @Test func countNeedingLeadingZeroByte() throws {
        // 200 = 0xC8 has its top bit set: DER INTEGER is 02 02 00 C8.
        let der = try TNAuthList([.range(start: "1", count: 200)]).derEncoded()
        #expect(der == [0x30, 0x0B, 0xA1, 0x09, 0x30, 0x07, 0x16, 0x01, 0x31, 0x02, 0x02, 0x00, 0xC8])
    }

    @Test func certificateExtensionConversion() throws {
        let list = try TNAuthList([.one("12025550123")])
        let ext = try list.makeCertificateExtension()
        #expect(ext.oid == TNAuthList.oid)
        #expect(String(describing: ext.oid) == "1.3.6.1.5.5.7.1.26")
        #expect(!ext.critical)
        #expect(try TNAuthList(ext) == list)
        let other = Certificate.Extension(oid: [2, 5, 29, 19], critical: false, value: ext.value)
        #expect(throws: TNAuthListError.wrongExtensionOID("2.5.29.19")) { try TNAuthList(other) }
    }

    // MARK: Rejections

    static func reject(_ der: [UInt8]) -> TNAuthListError? {
        do {
            _ = try TNAuthList(derEncoded: der)
            return nil
        } catch { return error }
    }

    @Test func rejectsEmptyList() {
        #expect(Self.reject([0x30, 0x00]) == .emptyList)
        #expect(throws: TNAuthListError.emptyList) { try TNAuthList([]) }
    }

    @Test func rejectsBadDigits() {
        #expect(Self.reject([0x30, 0x07, 0xA2, 0x05, 0x16, 0x03] + Self.ascii("12a")) == .telephoneNumberCharacter("12a"))
        #expect(Self.reject([0x30, 0x08, 0xA2, 0x06, 0x16, 0x04] + Self.ascii("+120")) == .telephoneNumberCharacter("+120"))
        #expect(throws: TNAuthListError.telephoneNumberCharacter("1-2")) { try TNAuthList([.one("1-2")]) }
        #expect(throws: TNAuthListError.telephoneNumberLength("")) { try TNAuthList([.one("")]) }
        let sixteen = String(repeating: "1", count: 16)
        #expect(throws: TNAuthListError.telephoneNumberLength(sixteen)) { try TNAuthList([.range(start: sixteen, count: 2)]) }
        #expect(Self.reject([0x30, 0x04, 0xA2, 0x02, 0x16, 0x00]) == .telephoneNumberLength(""))
    }

    @Test func rejectsSmallOrHugeCount() {
        func range(_ count: [UInt8]) -> [UInt8] {
            let inner: [UInt8] = [0x16, 0x01, 0x31, 0x02, UInt8(count.count)] + count
            let seq: [UInt8] = [0x30, UInt8(inner.count)] + inner
            let tagged: [UInt8] = [0xA1, UInt8(seq.count)] + seq
            return [0x30, UInt8(tagged.count)] + tagged
        }
        #expect(Self.reject(range([0x01])) == .rangeCount(1))
        #expect(Self.reject(range([0x00])) == .rangeCount(0))
        #expect(Self.reject(range([0xFF])) == .rangeCount(-1))
        #expect(Self.reject(range([0x01] + [UInt8](repeating: 0, count: 9))) == .rangeCount(nil))
        #expect(Self.reject(range([0x02])) == nil)
        #expect(throws: TNAuthListError.rangeCount(1)) { try TNAuthList([.range(start: "1", count: 1)]) }
    }

    @Test func rejectsWrongTags() {
        // [3] explicit is not a TNEntry.
        #expect(Self.reject([0x30, 0x05, 0xA3, 0x03, 0x16, 0x01, 0x31]) == .unexpectedEntryTag("[3]"))
        // Implicit [2] (primitive 0x82) instead of explicit.
        if case .unexpectedEntryTag = Self.reject([0x30, 0x03, 0x82, 0x01, 0x31]) {} else { Issue.record("implicit tag accepted") }
        // A bare IA5String where an entry belongs.
        if case .unexpectedEntryTag = Self.reject([0x30, 0x03, 0x16, 0x01, 0x31]) {} else { Issue.record("untagged entry accepted") }
        // [2] wrapping a UTF8String rather than an IA5String.
        #expect(Self.reject([0x30, 0x05, 0xA2, 0x03, 0x0C, 0x01, 0x31]) == .notIA5String(field: "one"))
        // [1] wrapping an IA5String rather than a SEQUENCE.
        if case .malformedRange = Self.reject([0x30, 0x05, 0xA1, 0x03, 0x16, 0x01, 0x31]) {} else { Issue.record("bad range accepted") }
        // [0] wrapping two values.
        if case .unexpectedEntryTag = Self.reject([0x30, 0x08, 0xA0, 0x06, 0x16, 0x01, 0x31, 0x16, 0x01, 0x32]) {} else {
            Issue.record("two values in one entry accepted")
        }
    }

    @Test func rejectsNonSequenceAndBadDER() {
        // libstirshaken writes a bare IA5String URL.
        #expect(Self.reject([0x16, 0x03] + Self.ascii("abc")) == .notASequence(found: "IA5String"))
        if case .malformedDER = Self.reject(Self.knownGood + [0x00]) {} else { Issue.record("trailing bytes accepted") }
        if case .malformedDER = Self.reject([0x30, 0x05, 0xA2]) {} else { Issue.record("truncated DER accepted") }
        if case .malformedDER = Self.reject([]) {} else { Issue.record("empty input accepted") }
        // Range missing its count.
        #expect(Self.reject([0x30, 0x07, 0xA1, 0x05, 0x30, 0x03, 0x16, 0x01, 0x31]) == .malformedRange("missing start or count"))
    }

    @Test func truncationsAndBitFlipsNeverTrap() {
        // Every prefix and every single-bit flip either parses to a valid list or throws.
        let good = Self.knownGood
        for n in 0..<good.count { #expect(Self.reject(Array(good.prefix(n))) != nil, "prefix \(n)") }
        for i in good.indices {
            for bit in 0..<8 {
                var b = good
                b[i] ^= UInt8(1 << bit)
                if let list = try? TNAuthList(derEncoded: b) {
                    #expect(throws: Never.self) { try TNAuthList(list.entries) }
                }
            }
        }
    }

    // MARK: covers / isSubset

    static let range100 = TNEntry.range(start: "12025550100", count: 100)

    @Test func coversRange() throws {
        let list = try TNAuthList([Self.range100])
        #expect(list.covers(tn: "12025550100"))
        #expect(list.covers(tn: "12025550142"))
        #expect(list.covers(tn: "12025550199"))
        #expect(!list.covers(tn: "12025550200"))
        #expect(!list.covers(tn: "12025550099"))
        #expect(!list.covers(tn: "112025550150"), "different length is a different number")
        #expect(!list.covers(tn: "+12025550150"), "not canonical")
        #expect(!list.covers(tn: ""))
    }

    @Test func coversOneAndNotSPC() throws {
        let list = try TNAuthList([.one("12025550123"), .spc("12025550124"), .one("*67")])
        #expect(list.covers(tn: "12025550123"))
        #expect(!list.covers(tn: "12025550124"))
        #expect(list.covers(tn: "*67"))
        // A range never runs past the largest number of its length.
        let top = try TNAuthList([.range(start: "98", count: 1000)])
        #expect(top.covers(tn: "99") && !top.covers(tn: "100"))
    }

    @Test func subsetOfRanges() throws {
        let parent = try TNAuthList([Self.range100])
        #expect(try TNAuthList([.range(start: "12025550150", count: 50)]).isSubset(of: parent))
        #expect(try TNAuthList([.one("12025550100")]).isSubset(of: parent))
        #expect(try TNAuthList([Self.range100]).isSubset(of: parent))
        let over = try TNAuthList([.one("12025550100"), .range(start: "12025550150", count: 51)])
        #expect(!over.isSubset(of: parent))
        #expect(over.firstEntry(notEncompassedBy: parent) == .range(start: "12025550150", count: 51))
        #expect(try !TNAuthList([.range(start: "13035550100", count: 10)]).isSubset(of: parent))
    }

    @Test func subsetOfUnionOfParentEntries() throws {
        // Adjacent parent entries together cover a child range spanning both.
        let parent = try TNAuthList([.range(start: "12025550100", count: 50), .range(start: "12025550150", count: 49), .one("12025550199")])
        #expect(try TNAuthList([.range(start: "12025550140", count: 60)]).isSubset(of: parent))
        let gapped = try TNAuthList([.range(start: "12025550100", count: 10), .range(start: "12025550111", count: 10)])
        #expect(try !TNAuthList([.range(start: "12025550105", count: 10)]).isSubset(of: gapped))
    }

    @Test func spcRules() throws {
        let spcParent = try TNAuthList([.spc("TEST1")])
        // Documented choice: an SPC parent may delegate any TN or range.
        #expect(try TNAuthList([Self.range100, .one("44")]).isSubset(of: spcParent))
        #expect(try TNAuthList([.spc("TEST1")]).isSubset(of: spcParent))
        #expect(try !TNAuthList([.spc("TEST2")]).isSubset(of: spcParent))
        // A TN-only parent cannot delegate an SPC.
        #expect(try !TNAuthList([.spc("TEST1")]).isSubset(of: TNAuthList([Self.range100])))
        // '#'/'*' numbers need an identical parent entry.
        let star = try TNAuthList([.one("*67")])
        #expect(try star.isSubset(of: TNAuthList([.one("*67")])))
        #expect(try !star.isSubset(of: TNAuthList([.range(start: "1", count: 100)])))
    }
}
