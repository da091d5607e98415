import Foundation
import Testing
import TestSupport
@testable import SIPCore

/// `SIPDate.description` writes fixed-width digits into one buffer: checked against the
/// String-padded form it replaced, and read back, over seeded instants from 0001 to 9999.
struct SIPDateWritingTests {
    static func reference(_ date: SIPDate) -> String {
        let days = Int64((Double(date.secondsSince1970) / 86400).rounded(.down))
        let secs = date.secondsSince1970 - days * 86400
        let (y, m, d) = SIPDate.civil(fromDays: days)
        let wd = Int(((days % 7) + 7 + 3) % 7)
        func pad(_ v: Int64, _ width: Int) -> String {
            let t = String(v)
            return t.utf8.count >= width ? t : String(repeating: "0", count: width - t.utf8.count) + t
        }
        return "\(SIPDate.weekdays[wd]), \(pad(Int64(d), 2)) \(SIPDate.months[m - 1]) \(pad(Int64(y), 4)) "
            + "\(pad(secs / 3600, 2)):\(pad(secs % 3600 / 60, 2)):\(pad(secs % 60, 2)) GMT"
    }

    @Test func matchesPaddedForm() throws {
        var rng = SplitMix64(seed: 0xDA7E)
        let low: Int64 = -62_135_596_800, high: Int64 = 253_402_300_799  // 0001-01-01 ... 9999-12-31
        for n in 0..<3000 {
            let t = n < 4 ? [low, high, 0, 1_700_000_000][n] : low + Int64(rng.next() % UInt64(high - low + 1))
            let date = SIPDate(secondsSince1970: t)
            #expect(date.description == Self.reference(date), "\(t)")
        }
    }
}
