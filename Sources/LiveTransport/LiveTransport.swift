import Network
import NIOCore
import NIOPosix
import NIOSSL
import SIPCore

public enum LiveTransportError: Error, CustomStringConvertible {
    case bind(String, LiveEndpoint, String)
    case tlsNotConfigured(String)
    case alreadyListening(String)

    public var description: String {
        switch self {
        case .bind(let a, let e, let why): "\(a): cannot listen on \(e): \(why)"
        case .tlsNotConfigured(let a): "\(a): a TLS endpoint needs LiveTransport(tls:)"
        case .alreadyListening(let a): "\(a) already listens"
        }
    }
}

/// `Transport` over real sockets (SwiftNIO): UDP datagrams, TCP and TLS streams framed by
/// `SIPStreamFramer`, IPv4 and IPv6. Harness actors `listen`; external actors (a SUT, SIPp)
/// are `addPeer`s. A sender the transport does not know is named by its address
/// (`udp:127.0.0.1:40123`), and that name routes replies back to it (same socket or
/// connection). Everything runs on the driver's single event loop: call `send` there.
public final class LiveTransport: Transport, @unchecked Sendable {
    public let driver: LiveDriver
    /// Contexts for TLS endpoints; set before the first TLS `listen` or send.
    public var tls: LiveTLS?
    public let limits: ParseLimits
    /// Stream bytes queued for a connection not yet up; beyond this the send fails.
    public var maxPendingBytes = 1 << 20
    public var connectTimeoutMs: Int64 = 3_000

    private var receivers: [String: MessageReceiver] = [:]
    private var listening: [String: LiveEndpoint] = [:]
    private var udpChannels: [String: Channel] = [:]
    private var servers: [Channel] = []
    private var peers: [String: LiveEndpoint] = [:]
    private var peerNames: [LiveEndpoint: String] = [:]
    /// "sender|actor" -> where that sender reaches the external actor (see `addPeer(_:at:for:)`).
    private var perSender: [String: LiveEndpoint] = [:]
    /// Stream connections by "actor|remote endpoint".
    private var connections: [String: StreamConnection] = [:]
    let recorder: LiveTraceRecorder

    public init(driver: LiveDriver, tls: LiveTLS? = nil, limits: ParseLimits = .default, traceLimit: Int = 100_000) {
        self.driver = driver
        self.tls = tls
        self.limits = limits
        recorder = LiveTraceRecorder(limit: traceLimit)
    }

    // MARK: Set-up (from any thread)

    /// Opens a listening socket for a harness actor. Port 0 picks a free port; the bound
    /// endpoint is returned (and used in that actor's Via/Contact).
    @discardableResult
    public func listen(_ actor: String, on endpoint: LiveEndpoint) throws -> LiveEndpoint {
        let loop = driver.loop
        let limits = self.limits
        let addr: NIOCore.SocketAddress
        do { addr = try NIOCore.SocketAddress(ipAddress: endpoint.address.host, port: endpoint.address.port) } catch {
            throw LiveTransportError.bind(actor, endpoint, "\(error)")
        }
        let me = UncheckedBox(self)
        let channel: Channel
        do {
            switch endpoint.transport {
            case .udp:
                channel = try DatagramBootstrap(group: loop)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
                    .channelInitializer { ch in
                        ch.eventLoop.makeCompletedFuture {
                            try ch.pipeline.syncOperations.addHandler(DatagramHandler(transport: me.value, actor: actor, limits: limits))
                        }
                    }
                    .bind(to: addr).wait()
            case .tcp, .tls:
                let ssl: NIOSSLContext?
                if endpoint.transport == .tls {
                    guard let tls else { throw LiveTransportError.tlsNotConfigured(actor) }
                    ssl = tls.server
                } else {
                    ssl = nil
                }
                let kind = endpoint.transport
                channel = try ServerBootstrap(group: loop)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { ch in
                        ch.eventLoop.makeCompletedFuture {
                            let t = me.value
                            if let ssl { try ch.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: ssl)) }
                            let remote = LiveEndpoint(kind, Self.address(ch.remoteAddress))
                            let conn = StreamConnection(transport: t, actor: actor, remote: remote, kind: kind, limits: limits)
                            conn.channel = ch
                            try ch.pipeline.syncOperations.addHandler(conn)
                            t.register(conn, inbound: true)
                        }
                    }
                    .bind(to: addr).wait()
            }
        } catch let e as LiveTransportError {
            throw e
        } catch {
            throw LiveTransportError.bind(actor, endpoint, "\(error)")
        }
        let bound = LiveEndpoint(endpoint.transport, Self.address(channel.localAddress))
        try driver.sync {
            if endpoint.transport == .udp { self.udpChannels[actor] = channel } else { self.servers.append(channel) }
            if self.listening[actor] == nil { self.listening[actor] = bound }
        }
        return bound
    }

    /// Names an external actor (SUT, SIPp) so traffic from its address carries its name.
    /// With `sender`, only that harness actor reaches it there (a SUT's second socket); traffic
    /// from the endpoint still carries the external actor's name.
    public func addPeer(_ actor: String, at endpoint: LiveEndpoint, for sender: String? = nil) {
        _ = try? driver.sync {
            if let sender { self.perSender[sender + "|" + actor] = endpoint } else { self.peers[actor] = endpoint }
            self.peerNames[endpoint] = actor
        }
    }

    /// Closes every socket (bounded wait).
    public func close() {
        let chans: [Channel] = (try? driver.sync {
            Array(self.udpChannels.values) + self.servers + self.connections.values.compactMap(\.channel)
        }) ?? []
        for c in chans { _ = try? c.close().wait() }
    }

    // MARK: Queries (on the loop, or after the run)

    public var trace: [LiveTraceEvent] { (try? driver.sync { self.recorder.events }) ?? [] }
    public var traceEventCount: Int { (try? driver.sync { self.recorder.count }) ?? 0 }
    /// Keep message bytes in the trace (off for load).
    public var recordsBytes: Bool {
        get { (try? driver.sync { self.recorder.keepBytes }) ?? true }
        set { _ = try? driver.sync { self.recorder.keepBytes = newValue } }
    }
    /// Called on the loop for every trace event (progress, evidence collection).
    public func onEvent(_ body: @escaping (LiveTraceEvent) -> Void) {
        _ = try? driver.sync { self.recorder.onEvent = body }
    }
    public func endpoint(of actor: String) -> LiveEndpoint? { listening[actor] ?? peers[actor] }
    public var openConnectionCount: Int { (try? driver.sync { self.connections.count }) ?? 0 }

    // MARK: Transport

    public func attach(_ receiver: MessageReceiver, as name: String) { receivers[name] = receiver }

    public func transportKind(from: String, to: String) -> TransportKind? {
        if let e = destination(from: from, to: to) { return e.transport }
        return listening[from]?.transport
    }

    public func address(of actor: String) -> Network.SocketAddress? {
        (listening[actor] ?? peers[actor] ?? LiveEndpoint(parsing: actor))?.address
    }

    @discardableResult
    public func send(_ bytes: [UInt8], from: String, to: String, note: String) -> Bool {
        let now = driver.nowMs
        guard let dest = destination(from: from, to: to) else {
            recorder.record(now, .dropped, from: from, to: to, transport: nil, bytes: bytes, note: "no address for \(to)")
            return false
        }
        switch dest.transport {
        case .udp:
            guard let ch = udpChannels[from] else {
                recorder.record(now, .dropped, from: from, to: to, transport: .udp, bytes: bytes, note: "\(from) has no UDP socket")
                return false
            }
            guard let remote = try? NIOCore.SocketAddress(ipAddress: dest.address.host, port: dest.address.port) else {
                recorder.record(now, .dropped, from: from, to: to, transport: .udp, bytes: bytes, note: "bad address \(dest)")
                return false
            }
            recorder.record(now, .sent, from: from, to: to, transport: .udp, bytes: bytes, note: note)
            var buf = ch.allocator.buffer(capacity: bytes.count)
            buf.writeBytes(bytes)
            ch.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buf), promise: nil)
            return true
        case .tcp, .tls:
            let key = from + "|" + dest.description
            let conn: StreamConnection
            if let c = connections[key] {
                conn = c
            } else {
                if dest.transport == .tls, tls == nil {
                    recorder.record(now, .dropped, from: from, to: to, transport: .tls, bytes: bytes, note: "TLS not configured")
                    return false
                }
                conn = connect(from: from, to: dest)
            }
            recorder.record(now, .sent, from: from, to: to, transport: dest.transport, bytes: bytes, note: note)
            if !conn.write(bytes) {
                recorder.record(now, .dropped, from: from, to: to, transport: dest.transport, bytes: bytes,
                                note: "more than \(maxPendingBytes) bytes queued for a connection not up")
                return false
            }
            return true
        }
    }

    // MARK: Internals (on the loop)

    private func destination(from: String, to: String) -> LiveEndpoint? {
        (perSender.isEmpty ? nil : perSender[from + "|" + to]) ?? peers[to] ?? listening[to] ?? LiveEndpoint(parsing: to)
    }

    static func address(_ a: NIOCore.SocketAddress?) -> Network.SocketAddress {
        Network.SocketAddress(host: a?.ipAddress ?? "?", port: a?.port ?? 0)
    }

    func name(of remote: LiveEndpoint) -> String { peerNames[remote] ?? remote.description }

    func register(_ c: StreamConnection, inbound: Bool) {
        connections[c.key] = c
        recorder.record(driver.nowMs, .connection, from: name(of: c.remote), to: c.actor, transport: c.kind,
                        note: inbound ? "accepted from \(c.remote)" : "connecting to \(c.remote)")
    }

    func unregister(_ c: StreamConnection, note: String) {
        if connections[c.key] === c { connections[c.key] = nil }
        recorder.record(driver.nowMs, .connection, from: name(of: c.remote), to: c.actor, transport: c.kind, note: note)
    }

    func recordError(_ actor: String, from remote: LiveEndpoint, kind: TransportKind, bytes: [UInt8], _ note: String) {
        recorder.record(driver.nowMs, .error, from: name(of: remote), to: actor, transport: kind, bytes: bytes, note: note)
    }

    /// Hands a received message to the actor (runs on the loop).
    func deliver(_ bytes: [UInt8], to actor: String, from remote: LiveEndpoint) {
        let peer = name(of: remote)
        recorder.record(driver.nowMs, .delivered, from: peer, to: actor, transport: remote.transport, bytes: bytes)
        guard let r = receivers[actor] else {
            recorder.record(driver.nowMs, .dropped, from: peer, to: actor, transport: remote.transport, bytes: bytes,
                            note: "no receiver attached for \(actor)")
            return
        }
        r.receive(bytes, from: peer)
    }

    private func connect(from actor: String, to dest: LiveEndpoint) -> StreamConnection {
        let conn = StreamConnection(transport: self, actor: actor, remote: dest, kind: dest.transport, limits: limits)
        conn.maxPending = maxPendingBytes
        register(conn, inbound: false)
        let me = UncheckedBox(self)
        let c = UncheckedBox(conn)
        let ssl = dest.transport == .tls ? tls?.client : nil
        let host = dest.address.host
        let bootstrap = ClientBootstrap(group: driver.loop)
            .connectTimeout(.milliseconds(connectTimeoutMs))
            .channelInitializer { ch in
                ch.eventLoop.makeCompletedFuture {
                    if let ssl {
                        // An IP literal is checked against the certificate's IP SANs.
                        let isIP = host.allSatisfy { $0.isNumber || $0 == "." || $0 == ":" }
                        try ch.pipeline.syncOperations.addHandler(
                            try NIOSSLClientHandler(context: ssl, serverHostname: isIP ? nil : host))
                    }
                    c.value.channel = ch
                    try ch.pipeline.syncOperations.addHandler(c.value)
                }
            }
        bootstrap.connect(host: host, port: dest.address.port).whenComplete { result in
            let t = me.value, conn = c.value
            if case .failure(let e) = result {
                t.recordError(conn.actor, from: conn.remote, kind: conn.kind, bytes: [], "connect to \(conn.remote) failed: \(e)")
                conn.failPending()
                t.unregister(conn, note: "connection to \(conn.remote) failed")
            }
        }
        return conn
    }
}

/// UDP socket of one actor: datagrams in, bounded by the parser's size limit.
final class DatagramHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let transport: LiveTransport
    let actor: String
    let limits: ParseLimits

    init(transport: LiveTransport, actor: String, limits: ParseLimits) {
        self.transport = transport
        self.actor = actor
        self.limits = limits
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let env = unwrapInboundIn(data)
        let remote = LiveEndpoint(.udp, LiveTransport.address(env.remoteAddress))
        let bytes = Array(env.data.readableBytesView)
        if bytes.count > limits.maxMessageSize {
            transport.recordError(actor, from: remote, kind: .udp, bytes: Array(bytes.prefix(256)),
                                  "datagram of \(bytes.count) bytes exceeds the \(limits.maxMessageSize)-byte limit; dropped")
            return
        }
        transport.deliver(bytes, to: actor, from: remote)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port unreachable and the like: recorded, the socket stays open.
        transport.recordError(actor, from: LiveEndpoint(.udp, host: "?", port: 0), kind: .udp, bytes: [], "UDP socket error: \(error)")
    }
}

/// One TCP/TLS connection of an actor: bytes framed into messages by `SIPStreamFramer`.
/// A framing error closes the connection (the stream cannot be trusted after it); the
/// framer's limits bound what is buffered whatever the peer sends.
final class StreamConnection: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    unowned let transport: LiveTransport
    let actor: String
    var remote: LiveEndpoint
    let kind: TransportKind
    var framer: SIPStreamFramer
    var channel: Channel?
    var isActive = false
    var pending: [[UInt8]] = []
    var pendingBytes = 0
    var maxPending = 1 << 20
    var closed = false
    /// Bytes other than CR/LF received, and those that were part of delivered messages.
    var textIn = 0
    var textInMessages = 0
    var key: String { actor + "|" + remote.description }

    init(transport: LiveTransport, actor: String, remote: LiveEndpoint, kind: TransportKind, limits: ParseLimits) {
        self.transport = transport
        self.actor = actor
        self.remote = remote
        self.kind = kind
        framer = SIPStreamFramer(limits: limits)
    }

    /// Queues until the connection is up. False when the queue limit is hit or it is closed.
    func write(_ bytes: [UInt8]) -> Bool {
        if closed { return false }
        if isActive, let ch = channel {
            var buf = ch.allocator.buffer(capacity: bytes.count)
            buf.writeBytes(bytes)
            ch.writeAndFlush(buf, promise: nil)
            return true
        }
        guard pendingBytes + bytes.count <= maxPending else { return false }
        pending.append(bytes)
        pendingBytes += bytes.count
        return true
    }

    func failPending() {
        for b in pending {
            transport.recorder.record(transport.driver.nowMs, .dropped, from: actor, to: transport.name(of: remote),
                                      transport: kind, bytes: b, note: "connection never came up")
        }
        pending = []
        pendingBytes = 0
        closed = true
    }

    func channelActive(context: ChannelHandlerContext) {
        isActive = true
        let queued = pending
        pending = []
        pendingBytes = 0
        for b in queued { _ = write(b) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buf = unwrapInboundIn(data)
        textIn += Self.nonLineEnds(buf.readableBytesView)
        framer.append(buf.readableBytesView)
        while !closed, let event = framer.next() {
            switch event {
            case .message(let m):
                let bytes = m.bytes
                textInMessages += Self.nonLineEnds(bytes)
                transport.deliver(bytes, to: actor, from: remote)
            case .error(let e, let skipped):
                transport.recordError(actor, from: remote, kind: kind, bytes: [],
                                      "stream framing error (\(skipped) bytes skipped): \(e); connection closed")
                closed = true
                context.close(promise: nil)
            }
        }
        // The framer drops lines that cannot start a message and reports them only when a
        // message follows: with nothing buffered, any text not delivered was garbage.
        if !closed, framer.bufferedByteCount == 0, textIn > textInMessages {
            transport.recordError(actor, from: remote, kind: kind, bytes: [],
                                  "stream framing error: \(textIn - textInMessages) bytes that start no SIP message; connection closed")
            closed = true
            context.close(promise: nil)
        }
    }

    static func nonLineEnds<C: Collection>(_ c: C) -> Int where C.Element == UInt8 {
        var n = 0
        for b in c where b != 13 && b != 10 { n += 1 }
        return n
    }

    func channelInactive(context: ChannelHandlerContext) {
        isActive = false
        closed = true
        let left = framer.bufferedByteCount
        if left > 0 {
            transport.recordError(actor, from: remote, kind: kind, bytes: [],
                                  "connection closed with \(left) bytes of an incomplete message (truncated stream)")
        }
        transport.unregister(self, note: "closed")
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        transport.recordError(actor, from: remote, kind: kind, bytes: [], "connection error: \(error); closed")
        closed = true
        context.close(promise: nil)
    }
}
