/// Where a live actor listens or an external one is reached: `udp:127.0.0.1:5060`,
/// `tcp:[::1]:5062`, `tls:127.0.0.1:5061`. (LiveTransport calls it `LiveEndpoint`.)
public struct ActorEndpoint: Hashable, Sendable, CustomStringConvertible {
    public var transport: TransportKind
    public var address: SocketAddress

    public init(_ transport: TransportKind, _ address: SocketAddress) {
        self.transport = transport
        self.address = address
    }

    public init(_ transport: TransportKind, host: String, port: Int) {
        self.init(transport, SocketAddress(host: host, port: port))
    }

    /// Parses `proto:host:port` (IPv6 hosts in brackets). Nil when malformed.
    public init?(parsing text: String) {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let proto = text[..<colon].lowercased()
        let rest = text[text.index(after: colon)...]
        let kind: TransportKind
        switch proto {
        case "udp": kind = .udp
        case "tcp": kind = .tcp
        case "tls": kind = .tls
        default: return nil
        }
        let host: Substring, portText: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            guard after.hasPrefix(":") else { return nil }
            portText = after.dropFirst()
        } else {
            guard let c = rest.lastIndex(of: ":") else { return nil }
            host = rest[..<c]
            portText = rest[rest.index(after: c)...]
            if host.contains(":") { return nil }
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else { return nil }
        self.init(kind, host: String(host), port: port)
    }

    /// `udp:127.0.0.1:5060` — also the peer name given to senders the transport does not know.
    public var description: String { "\(transport.rawValue.lowercased()):\(address)" }

    /// The host part of a SIP URI reaching it: `127.0.0.1:5070`, `[::1]:5070`.
    public var uriHostPort: String { "\(address.uriHost):\(address.port)" }
}
