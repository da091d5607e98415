import SIPCore

/// Where an actor's messages go. Actors only see this protocol: the simulated links below and
/// the live sockets (a later issue) are two implementations of it.
public protocol Transport: AnyObject {
    /// Sends `bytes` from actor `from` to actor `to`. `note` records which rules changed the
    /// message. Returns false when there is no way to `to` (recorded as a drop).
    @discardableResult
    func send(_ bytes: [UInt8], from: String, to: String, note: String) -> Bool
    /// Sends a message's wire form. A transport within the process may hand its parse to the
    /// receiver along with the bytes; the default sends the bytes alone.
    @discardableResult
    func send(_ wire: WireMessage, from: String, to: String, note: String) -> Bool
    /// The transport of the hop (its name goes into Via), nil when there is no hop.
    func transportKind(from: String, to: String) -> TransportKind?
    /// The actor's address (synthetic in simulation).
    func address(of actor: String) -> SocketAddress?
    /// Registers the receiver for an actor's incoming messages.
    func attach(_ receiver: MessageReceiver, as name: String)
}

extension Transport {
    @discardableResult
    public func send(_ wire: WireMessage, from: String, to: String, note: String) -> Bool {
        send(wire.bytes, from: from, to: to, note: note)
    }
}

/// What a transport hands incoming bytes to.
public protocol MessageReceiver: AnyObject {
    func receive(_ bytes: [UInt8], from peer: String)
    /// Incoming bytes together with their parse (`message` is exactly what parsing `bytes`
    /// gives); the default parses nothing itself and takes the bytes.
    func receive(_ message: SIPMessage, bytes: [UInt8], from peer: String)
}

extension MessageReceiver {
    public func receive(_ message: SIPMessage, bytes: [UInt8], from peer: String) { receive(bytes, from: peer) }
}

public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var isIPv6: Bool { host.contains(":") }
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    /// `10.0.0.2:5060` or `[fd00::2]:5060`.
    public var description: String { isIPv6 ? "[\(host)]:\(port)" : "\(host):\(port)" }
    /// The host as written in a Via or URI.
    public var uriHost: String { isIPv6 ? "[\(host)]" : host }
}
