import SIPCore

/// Builds a message as bytes; `MessageBuilder` indexes each line as it is written, so the
/// message is exactly a parse of its bytes without parsing them again.
struct MessageText {
    private var builder: MessageBuilder

    init(startLine: ValueBytes) {
        builder = MessageBuilder(startLine: startLine.bytes)
    }

    mutating func add(_ name: String, _ value: String) { builder.add(name, value) }

    mutating func add(_ name: String, _ value: String?) { if let value { add(name, value) } }

    /// A known header under its canonical name (the builder then need not look the name up).
    mutating func add(_ header: KnownHeader, _ value: String) { builder.add(header, value) }

    mutating func add(_ header: KnownHeader, _ value: String?) { if let value { add(header, value) } }

    mutating func add(_ header: KnownHeader, bytes value: ValueBytes) { builder.add(header, bytes: value.bytes) }

    /// `add(header, values.joined(separator: ", "))`, the list written straight into the field;
    /// `bracketed`: each value in angle brackets (`<uri>, <uri>`).
    mutating func add(_ header: KnownHeader, joining values: [String], bracketed: Bool = false) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(values.reduce(4 * values.count) { $0 + $1.utf8.count })
        for i in values.indices {
            if i > 0 { bytes.append(0x2C); bytes.append(0x20) }
            if bracketed { bytes.append(0x3C) }
            if values[i].utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
                bytes.append(contentsOf: values[i].utf8)
            }
            if bracketed { bytes.append(0x3E) }
        }
        builder.add(header, bytes: bytes)
    }

    /// `add(name, value)` for a value written as an interpolation straight into bytes
    /// (`t.add("From", bytes: "<\(impu)>;tag=\(tag)")`): no String is built piece by piece.
    mutating func add(_ name: String, bytes value: ValueBytes) { builder.add(name, bytes: value.bytes) }

    /// Copies every field of `header` from `message`, under the canonical name.
    mutating func copy(_ header: KnownHeader, from message: SIPMessage) {
        builder.copy(header, from: message)
    }

    /// `add(header, message.value(header) ?? "")` without the String: the first field, or an
    /// empty value when there is none.
    mutating func copyFirst(_ header: KnownHeader, from message: SIPMessage) {
        if builder.copy(header, from: message, firstOnly: true) == 0 { add(header, "") }
    }

    /// The message; a builder bug must not crash a run, so failure is an Optional.
    consuming func message(body: String = "", contentType: String? = nil) -> SIPMessage? {
        builder.message(body: body, contentType: contentType)
    }

    /// A response to `request` (§8.2.6): Via, From, To (with `toTag` added when missing),
    /// Call-ID and CSeq copied; Record-Route copied for dialog-creating responses.
    /// `to` replaces the To value (a UAS answering in its dialog).
    static func response(to request: SIPMessage, status: Int, reason: String, toTag: String?,
                         extra: [(String, String)], body: String = "", contentType: String? = nil,
                         to toValue: String? = nil) -> SIPMessage? {
        response(to: request, status: status, reason: reason, toTag: toTag, body: body, contentType: contentType, to: toValue) { t in
            for (n, v) in extra { t.add(n, v) }
        }
    }

    /// `response`, with the fields after the copied ones written by `extra` (typed, or as bytes).
    static func response(to request: SIPMessage, status: Int, reason: String, toTag: String?,
                         body: String = "", contentType: String? = nil, to toValue: String? = nil,
                         extra: (inout MessageText) -> Void = { _ in }) -> SIPMessage? {
        var t = MessageText(startLine: "SIP/2.0 \(status) \(reason)")
        t.copy(.via, from: request)
        t.copyFirst(.from, from: request)
        if let toValue {
            t.add(.to, toValue)
        } else if let toTag, status > 100, request.addressValue(.to)?.tag == nil {
            t.add(.to, bytes: "\(request.value(.to) ?? "");tag=\(toTag)")
        } else {
            t.copyFirst(.to, from: request)
        }
        t.copyFirst(.callID, from: request)
        t.copyFirst(.cseq, from: request)
        if (101..<300).contains(status), request.method == "INVITE" {
            t.copy(.recordRoute, from: request)
        }
        extra(&t)
        return t.message(body: body, contentType: contentType)
    }
}

/// A header value written as a string interpolation into a byte buffer: literal pieces and
/// interpolated Strings and integers are appended as UTF-8, with none of the String growth
/// an interpolated String pays at every piece.
struct ValueBytes: ExpressibleByStringInterpolation {
    var bytes: [UInt8]

    /// Literals are static text: read in place, with nothing to retain.
    init(stringLiteral value: StaticString) { bytes = value.withUTF8Buffer { Array($0) } }
    init(stringInterpolation i: Interpolation) { bytes = i.bytes }

    /// The value as a String (for header lists kept as Strings): one String from the bytes.
    var string: String { String(decoding: bytes, as: UTF8.self) }

    struct Interpolation: StringInterpolationProtocol {
        var bytes: [UInt8] = []

        init(literalCapacity: Int, interpolationCount: Int) {
            bytes.reserveCapacity(literalCapacity + 24 * interpolationCount)
        }

        mutating func appendLiteral(_ s: StaticString) { s.withUTF8Buffer { bytes.append(contentsOf: $0) } }

        mutating func appendInterpolation(_ s: String) {
            // In place from the String's storage (small strings too); a bridged one goes by its view.
            if s.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
                bytes.append(contentsOf: s.utf8)
            }
        }

        /// Decimal, as `String(n)` writes it.
        mutating func appendInterpolation(_ n: Int) { MessageBuilder.appendDecimal(n, to: &bytes) }
        mutating func appendInterpolation(_ n: UInt32) { MessageBuilder.appendDecimal(Int(n), to: &bytes) }
    }
}
