import SIPCore

/// Builds a message as bytes and parses it once: SIPMessage is always a parse of real bytes.
/// Lines go straight into one buffer (no per-line Strings to join).
struct MessageText {
    private var bytes: [UInt8] = []

    init(startLine: String) {
        bytes.reserveCapacity(768)
        Self.append(startLine, to: &bytes)
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    mutating func add(_ name: String, _ value: String) {
        Self.append(name, to: &bytes)
        bytes.append(0x3A)
        bytes.append(0x20)
        Self.append(value, to: &bytes)
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    mutating func add(_ name: String, _ value: String?) { if let value { add(name, value) } }

    /// `add(name, value)` for a value written as an interpolation straight into bytes
    /// (`t.add("From", bytes: "<\(impu)>;tag=\(tag)")`): no String is built piece by piece.
    mutating func add(_ name: String, bytes value: ValueBytes) {
        Self.append(name, to: &bytes)
        bytes.append(0x3A)
        bytes.append(0x20)
        bytes.append(contentsOf: value.bytes)
        bytes.append(0x0D)
        bytes.append(0x0A)
    }

    /// Copies every field of `header` from `message` as `name: value` lines.
    mutating func copy(_ header: KnownHeader, as name: String, from message: SIPMessage) {
        message.appendFields(header, as: name, to: &bytes)
    }

    /// `add(name, message.value(header) ?? "")` without the String: the first field, or an
    /// empty value when there is none.
    mutating func copyFirst(_ header: KnownHeader, as name: String, from message: SIPMessage) {
        if message.appendFields(header, as: name, to: &bytes, firstOnly: true) == 0 { add(name, "") }
    }

    /// Parses the text; a builder bug must not crash a run, so failure is an Optional.
    /// Consuming: the lines are completed in place, not in a copy.
    consuming func message(body: String = "", contentType: String? = nil) -> SIPMessage? {
        let count = body.utf8.count
        if count > 0, let contentType {
            Self.append("Content-Type: ", to: &bytes)
            Self.append(contentType, to: &bytes)
            bytes.append(0x0D)
            bytes.append(0x0A)
        }
        Self.append("Content-Length: ", to: &bytes)
        ValueBytes.appendDecimal(count, to: &bytes)
        bytes.append(0x0D)
        bytes.append(0x0A)
        bytes.append(0x0D)
        bytes.append(0x0A)
        Self.append(body, to: &bytes)
        return try? SIPMessage(parsing: bytes)
    }

    @inline(__always)
    private static func append(_ s: String, to out: inout [UInt8]) {
        var s = s
        s.withUTF8 { out.append(contentsOf: $0) }
    }

    /// A response to `request` (§8.2.6): Via, From, To (with `toTag` added when missing),
    /// Call-ID and CSeq copied; Record-Route copied for dialog-creating responses.
    /// `to` replaces the To value (a UAS answering in its dialog).
    static func response(to request: SIPMessage, status: Int, reason: String, toTag: String?,
                         extra: [(String, String)] = [], body: String = "", contentType: String? = nil,
                         to toValue: String? = nil) -> SIPMessage? {
        var t = MessageText(startLine: "SIP/2.0 \(status) \(reason)")
        t.copy(.via, as: "Via", from: request)
        t.copyFirst(.from, as: "From", from: request)
        if let toValue {
            t.add("To", toValue)
        } else if let toTag, status > 100, request.addressValue(.to)?.tag == nil {
            t.add("To", (request.value(.to) ?? "") + ";tag=\(toTag)")
        } else {
            t.copyFirst(.to, as: "To", from: request)
        }
        t.copyFirst(.callID, as: "Call-ID", from: request)
        t.copyFirst(.cseq, as: "CSeq", from: request)
        if (101..<300).contains(status), request.method == "INVITE" {
            t.copy(.recordRoute, as: "Record-Route", from: request)
        }
        for (n, v) in extra { t.add(n, v) }
        return t.message(body: body, contentType: contentType)
    }
}

/// A header value written as a string interpolation into a byte buffer: literal pieces and
/// interpolated Strings and integers are appended as UTF-8, with none of the String growth
/// an interpolated String pays at every piece.
struct ValueBytes: ExpressibleByStringInterpolation {
    var bytes: [UInt8]

    init(stringLiteral value: String) { bytes = Array(value.utf8) }
    init(stringInterpolation i: Interpolation) { bytes = i.bytes }

    struct Interpolation: StringInterpolationProtocol {
        var bytes: [UInt8] = []

        init(literalCapacity: Int, interpolationCount: Int) {
            bytes.reserveCapacity(literalCapacity + 24 * interpolationCount)
        }

        mutating func appendLiteral(_ s: String) { appendInterpolation(s) }

        mutating func appendInterpolation(_ s: String) {
            var s = s
            s.withUTF8 { bytes.append(contentsOf: $0) }
        }

        /// Decimal, as `String(n)` writes it.
        mutating func appendInterpolation(_ n: Int) { ValueBytes.appendDecimal(n, to: &bytes) }
        mutating func appendInterpolation(_ n: UInt32) { ValueBytes.appendDecimal(Int(n), to: &bytes) }
    }

    /// The decimal digits of `n` (with a '-' when negative), as `String(n)` writes them.
    static func appendDecimal(_ n: Int, to out: inout [UInt8]) {
        if n < 0 { out.append(0x2D) }
        var m = n.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits, backwards
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = 0x30 + UInt8(m % 10)
                m /= 10
                count += 1
            } while m > 0
            for i in stride(from: count - 1, through: 0, by: -1) { out.append(d[i]) }
        }
    }
}
