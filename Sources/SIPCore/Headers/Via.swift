/// Via (RFC 3261 §20.42; `rport` RFC 3581). LWS is allowed around the '/' of sent-protocol.
public struct Via: ScannableHeaderValue, Hashable {
    public static let headers: [KnownHeader] = [.via]
    public static let magicCookie = "z9hG4bK"

    // Kept as message bytes until read: most Vias are only passed along.
    private var _protocolName: SharedText
    private var _protocolVersion: SharedText
    private var _transport: SharedText
    private var _host: SharedText
    public var port: Int?
    public var parameters: Parameters

    public var protocolName: String {
        get { _protocolName.string }
        set { _protocolName.string = newValue }
    }
    public var protocolVersion: String {
        get { _protocolVersion.string }
        set { _protocolVersion.string = newValue }
    }
    public var transport: String {
        get { _transport.string }
        set { _transport.string = newValue }
    }
    /// Host as written; an IPv6 reference keeps its brackets.
    public var host: String {
        get { _host.string }
        set { _host.string = newValue }
    }

    public init(transport: String, host: String, port: Int? = nil, branch: String? = nil, parameters: Parameters = []) {
        self._protocolName = SharedText("SIP")
        self._protocolVersion = SharedText("2.0")
        self._transport = SharedText(transport)
        self._host = SharedText(host)
        self.port = port
        self.parameters = parameters
        if let branch { self.parameters.set("branch", branch) }
    }

    public var branch: String? {
        get { parameters["branch"] }
        set { parameters.set("branch", newValue) }
    }
    public var received: String? {
        get { parameters["received"] }
        set { parameters.set("received", newValue) }
    }
    /// `rport` with a value; see `hasRport` for the valueless request form.
    public var rport: Int? { parameters["rport"].flatMap { Int($0) } }
    public var hasRport: Bool { parameters.contains("rport") }
    public var maddr: String? { parameters["maddr"] }
    public var ttl: Int? { parameters["ttl"].flatMap { Int($0) } }

    /// RFC 3261 §8.1.1.7: a branch starting with the magic cookie.
    public var hasMagicCookie: Bool { branch?.hasPrefix(Self.magicCookie) ?? false }

    public var description: String {
        var s = "\(protocolName)/\(protocolVersion)/\(transport) \(host)"
        if let port { s += ":\(port)" }
        return s + parameters.serialized
    }

    static func scan(_ s: inout ByteScanner) throws(HeaderSyntaxError) -> Via {
        let name = try s.requireToken("sent-protocol name (SIP)")
        guard s.consumeSeparator(ASCII.slash) else { throw s.error("expected '/' in Via sent-protocol") }
        let version = try s.requireToken("sent-protocol version")
        guard s.consumeSeparator(ASCII.slash) else { throw s.error("expected '/' in Via sent-protocol") }
        let transport = try s.requireToken("transport")
        let afterProtocol = s.pos
        s.skipLWS()
        guard s.pos > afterProtocol else { throw s.error("expected LWS before the Via sent-by") }
        let hostStart = s.pos
        if s.peek == ASCII.lbracket {
            s.skip { $0 != ASCII.rbracket }
            guard s.consume(ASCII.rbracket) else { throw s.error("unterminated IPv6 reference in Via", at: hostStart) }
        } else {
            let f = s.flags
            s.skip { f[Int($0)] & ByteClass.hostFlag != 0 }
        }
        guard s.pos > hostStart else { throw s.error("expected the Via sent-by host") }
        let host = s.slice(hostStart..<s.pos)
        var port: Int?
        if s.consumeSeparator(ASCII.colon) {
            port = Int(try s.number("Via port", max: 65535))
        }
        let params = try s.headerParameters("Via")
        var via = Via(transport: "", host: "", port: port, parameters: params)
        via._transport = SharedText(s.slice(transport))
        via._host = SharedText(host)
        via._protocolName = SharedText(s.slice(name))
        via._protocolVersion = SharedText(s.slice(version))
        guard equalsLowercased(s.bytes, name, "sip") else { throw s.error("Via protocol must be SIP", at: name.lowerBound) }
        return via
    }
}
