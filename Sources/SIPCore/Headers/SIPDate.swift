import Foundation

/// Date (RFC 3261 §20.17): an RFC 1123 date that must be in GMT, e.g.
/// `Sat, 13 Nov 2010 23:29:00 GMT`. Kept as seconds since 1970 so a virtual clock can
/// compare it without touching the wall clock.
public struct SIPDate: ScannableHeaderValue, Hashable, Comparable {
    public static let headers: [KnownHeader] = [.date]
    public var secondsSince1970: Int64

    public init(secondsSince1970: Int64) { self.secondsSince1970 = secondsSince1970 }
    public init(_ date: Date) { self.secondsSince1970 = Int64(date.timeIntervalSince1970.rounded(.down)) }

    public var date: Date { Date(timeIntervalSince1970: TimeInterval(secondsSince1970)) }

    public static func < (a: SIPDate, b: SIPDate) -> Bool { a.secondsSince1970 < b.secondsSince1970 }

    static let weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public var description: String {
        let days = Int64((Double(secondsSince1970) / 86400).rounded(.down))
        let secs = secondsSince1970 - days * 86400
        let (y, m, d) = Self.civil(fromDays: days)
        // 1970-01-01 was a Thursday (index 3 in Mon-first order).
        let wd = Int(((days % 7) + 7 + 3) % 7)
        // Padded by hand: String(format:) goes through Foundation's locale machinery, and the
        // signer writes a Date on every call.
        guard (0...9999).contains(y) else {
            return String(format: "%@, %02d %@ %04lld %02lld:%02lld:%02lld GMT", Self.weekdays[wd], d, Self.months[m - 1], y,
                          secs / 3600, secs % 3600 / 60, secs % 60)
        }
        // Every field has a fixed width here (year 0-9999, the rest two digits): written as
        // digits into one buffer, with no String per field.
        var out: [UInt8] = []
        out.reserveCapacity(29)
        func digits(_ v: Int64, _ width: Int) {
            var divisor: Int64 = width == 4 ? 1000 : 10
            while divisor > 0 {
                out.append(UInt8(ascii: "0") + UInt8(truncatingIfNeeded: v / divisor % 10))
                divisor /= 10
            }
        }
        out += Self.weekdays[wd].utf8
        out += ", ".utf8
        digits(Int64(d), 2)
        out.append(UInt8(ascii: " "))
        out += Self.months[m - 1].utf8
        out.append(UInt8(ascii: " "))
        digits(Int64(y), 4)
        out.append(UInt8(ascii: " "))
        digits(secs / 3600, 2)
        out.append(UInt8(ascii: ":"))
        digits(secs % 3600 / 60, 2)
        out.append(UInt8(ascii: ":"))
        digits(secs % 60, 2)
        out += " GMT".utf8
        return String(decoding: out, as: UTF8.self)
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> SIPDate {
        let wd = try s.requireToken("weekday")
        guard weekdays.contains(s.string(wd)) else { throw s.error("unknown weekday '\(s.string(wd))' in Date", at: wd.lowerBound) }
        guard s.consumeSeparator(ASCII.comma) else { throw s.error("expected ',' after the weekday in Date") }
        let day = try s.number("Date day", max: 31)
        s.skipLWS()
        let mon = try s.requireToken("month")
        guard let month = months.firstIndex(of: s.string(mon)) else {
            throw s.error("unknown month '\(s.string(mon))' in Date", at: mon.lowerBound)
        }
        s.skipLWS()
        let ys = s.pos
        let year = try s.number("Date year", max: 9999)
        guard s.pos - ys == 4 else { throw s.error("Date year must have four digits", at: ys) }
        s.skipLWS()
        let hh = try s.number("Date hour", max: 23)
        try s.expect(ASCII.colon, "':' in the Date time")
        let mm = try s.number("Date minute", max: 59)
        try s.expect(ASCII.colon, "':' in the Date time")
        let ss = try s.number("Date second", max: 60)
        s.skipLWS()
        let zs = s.pos
        let zone = s.token().map { s.string($0) } ?? ""
        guard zone == "GMT" else {
            throw s.error("Date time zone must be GMT (RFC 1123), found '\(zone)'", at: zs)
        }
        guard day >= 1, Int(day) <= daysIn(month: month + 1, year: Int64(year)) else {
            throw s.error("Date day \(day) does not exist in \(months[month]) \(year)")
        }
        let days = Self.days(fromCivil: Int64(year), month + 1, Int(day))
        return SIPDate(secondsSince1970: days * 86400 + Int64(hh) * 3600 + Int64(mm) * 60 + Int64(ss))
    }

    static func daysIn(month: Int, year: Int64) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days: exact proleptic Gregorian.
    static func days(fromCivil y0: Int64, _ m: Int, _ d: Int) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = Int64(m > 2 ? m - 3 : m + 9)
        let doy = (153 * mp + 2) / 5 + Int64(d) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = Int(doy - (153 * mp + 2) / 5 + 1)
        let m = Int(mp < 10 ? mp + 3 : mp - 9)
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }
}
