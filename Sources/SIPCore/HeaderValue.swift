/// A typed view of one header value (one element, for list headers).
public protocol HeaderValue: Sendable, CustomStringConvertible {
    /// The header fields that carry this type; the first is used when writing.
    static var headers: [KnownHeader] { get }
    /// Parses one value from its text.
    init(parsing text: String) throws(HeaderSyntaxError)
}

/// The fast path: parse straight from the message bytes.
protocol ScannableHeaderValue: HeaderValue {
    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> Self
}

extension ScannableHeaderValue {
    public init(parsing text: String) throws(HeaderSyntaxError) {
        self = try ByteScanner.over(text) { (s) throws(HeaderSyntaxError) -> Self in
            s.skipLWS()
            let v = try Self.scan(&s)
            s.skipLWS()
            guard s.atEnd else { throw s.error("unexpected text after the \(Self.headers.first?.name ?? "header") value") }
            return v
        }
    }
}

extension ByteScanner {
    /// Parses a whole field value: one element, or a comma-separated list of them.
    mutating func fieldValues<H: ScannableHeaderValue>(_ type: H.Type, list: Bool, name: String) throws(HeaderSyntaxError) -> HeaderValues<H> {
        var out = HeaderValues<H>()
        skipLWS()
        if list && atEnd { return out }
        while true {
            if list, peek == ASCII.comma { throw error("empty element in the \(name) list") }
            out.append(try H.scan(&self))
            skipLWS()
            if atEnd { return out }
            if list, consume(ASCII.comma) {
                skipLWS()
                if atEnd { throw error("trailing ',' in the \(name) list") }
                continue
            }
            throw error(list ? "expected ',' or end of the \(name) value, found '\(Self.printable(peek ?? 0))'"
                             : "unexpected text after the \(name) value")
        }
    }
}

extension SIPMessage {
    /// Every value of `type` in the message (across fields of `header`, list elements split).
    /// Throws the first syntax error, located in the message.
    public func headerValues<H: HeaderValue>(_ type: H.Type, _ header: KnownHeader? = nil) throws(SIPParseError) -> [H] {
        let h = header ?? H.headers.first ?? .other
        var out: [H] = []
        for i in fields.indices where fields[i].header == h {
            out += try parseField(i, as: type)
        }
        return out
    }

    /// The first value of `type`, or nil when absent or malformed.
    public func headerValue<H: HeaderValue>(_ type: H.Type, _ header: KnownHeader? = nil) -> H? {
        let h = header ?? H.headers.first ?? .other
        guard let i = fields.firstIndex(where: { $0.header == h }) else { return nil }
        return (try? parseField(i, as: type))?.first
    }

    /// `headerValues` for the types that scan straight from the buffer. Inside this module
    /// overload resolution picks these for them, so no dynamic cast (`parseField`) is paid.
    func headerValues<H: ScannableHeaderValue>(_ type: H.Type, _ header: KnownHeader? = nil) throws(SIPParseError) -> [H] {
        let h = header ?? H.headers.first ?? .other
        var out: [H] = []
        for i in fields.indices where fields[i].header == h {
            out += try scanField(i, type)
        }
        return out
    }

    /// `headerValue` for the types that scan straight from the buffer (see above).
    func headerValue<H: ScannableHeaderValue>(_ type: H.Type, _ header: KnownHeader? = nil) -> H? {
        let h = header ?? H.headers.first ?? .other
        guard let i = fields.firstIndex(where: { $0.header == h }) else { return nil }
        return (try? scanField(i, type))?.first
    }

    /// `headerValues(AddressValue.self, header)` without generics at the call site: the
    /// identity checks run these per request, and a generic call from another module pays
    /// for metadata lookups that a specialisation compiled here does not.
    public func addressValues(_ header: KnownHeader) throws(SIPParseError) -> [AddressValue] {
        try headerValues(AddressValue.self, header)
    }

    /// The first address of `header` (From, To, P-Asserted-Identity, ...), nil when absent or malformed.
    public func addressValue(_ header: KnownHeader) -> AddressValue? { headerValue(AddressValue.self, header) }

    /// The Date header, nil when absent or malformed.
    public var dateValue: SIPDate? { headerValue(SIPDate.self) }

    /// Writes `values` as the fields of `header` (one field per value), replacing any there.
    public mutating func setHeaderValues<H: HeaderValue>(_ values: [H], _ header: KnownHeader? = nil) {
        let h = header ?? H.headers.first ?? .other
        // A closure, not the key path `\.description`: from a generic context a key path is
        // built and applied at run time for every value.
        setHeader(h.name, values: values.map { $0.description })
    }

    public mutating func setHeaderValue<H: HeaderValue>(_ value: H?, _ header: KnownHeader? = nil) {
        setHeaderValues(value.map { [$0] } ?? [], header)
    }

    func fieldName(_ i: Int) -> String {
        fields[i].header == .other ? text(fields[i].name) : fields[i].header.name
    }

    /// Typed parse straight from the buffer; specialised per type, no dynamic casts.
    @inline(__always)
    func scanField<H: ScannableHeaderValue>(_ i: Int, _ type: H.Type) throws(SIPParseError) -> HeaderValues<H> {
        let f = fields[i]
        return try storage.withUnsafeBufferPointer { (p) throws(SIPParseError) -> HeaderValues<H> in
            var s = ByteScanner(p, f.value)
            s.owner = storage
            do throws(HeaderSyntaxError) {
                return try s.fieldValues(type, list: f.header.isList, name: f.header.name)
            } catch {
                let name = fieldName(i)
                throw RawError("\(name): \(error.rule)", f.value.lowerBound + error.offset, header: name)
                    .located(in: p, from: messageStart)
            }
        }
    }

    /// One value of a single-valued header, without building an array.
    @inline(__always)
    func scanSingle<H: ScannableHeaderValue>(_ i: Int, _ type: H.Type) throws(SIPParseError) -> H {
        let f = fields[i]
        return try storage.withUnsafeBufferPointer { (p) throws(SIPParseError) -> H in
            var s = ByteScanner(p, f.value)
            s.owner = storage
            do throws(HeaderSyntaxError) {
                let v = try H.scan(&s)
                s.skipLWS()
                guard s.atEnd else { throw s.error("unexpected text after the \(f.header.name) value") }
                return v
            } catch {
                let name = fieldName(i)
                throw RawError("\(name): \(error.rule)", f.value.lowerBound + error.offset, header: name)
                    .located(in: p, from: messageStart)
            }
        }
    }

    /// `T` is `H` at run time; the array cast only changes the static type.
    private func scanAs<T: ScannableHeaderValue, H>(_ i: Int, _ type: T.Type, _ as: H.Type) throws(SIPParseError) -> [H] {
        Array(try scanField(i, type)) as? [H] ?? []
    }

    func parseField<H: HeaderValue>(_ i: Int, as type: H.Type) throws(SIPParseError) -> [H] {
        if let scannable = type as? any ScannableHeaderValue.Type {
            return try scanAs(i, scannable, H.self)
        }
        let f = fields[i]
        let name = fieldName(i)
        let raw = valueText(f.value)
        let parts = f.header.isList ? splitHeaderList(raw) : [raw]
        var out: [H] = []
        for part in parts {
            do throws(HeaderSyntaxError) { out.append(try H(parsing: part)) } catch {
                throw located("\(name): \(error.rule)", f.value.lowerBound, header: name)
            }
        }
        return out
    }
}
