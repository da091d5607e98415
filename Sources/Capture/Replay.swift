import Foundation
internal import NIOCore
internal import NIOPosix
import SIPCore

/// Where `replay` sends: `udp:HOST:PORT` or `tcp:HOST:PORT` (IPv6 host in brackets).
public struct ReplayTarget: Sendable, Equatable, CustomStringConvertible {
    public var transport: TransportProtocol
    public var host: String
    public var port: Int

    public init?(parsing text: String) {
        let parts = text.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let t = TransportProtocol(rawValue: String(parts[0]).lowercased()) else { return nil }
        let rest = String(parts[1])
        guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]), (1...65535).contains(port) else { return nil }
        var host = String(rest[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        transport = t
        self.host = host
        self.port = port
    }

    public var description: String { "\(transport.rawValue):\(host.contains(":") ? "[\(host)]" : host):\(port)" }
}

public struct ReplayOptions: Sendable {
    public enum Speed: Sendable, Equatable { case realtime, max }
    public var speed: Speed = .max
    public var callID: String?
    /// Only requests sent from this address (any port) are replayed; default: the sender of the first request.
    public var from: IPAddress?
    /// Fresh Call-ID, branch and From tag, and Via/Contact pointing at the local socket.
    public var rewrite = false
    /// Seed for the fresh identifiers (the CLI passes the wall clock; tests a constant).
    public var seed: UInt64 = 1
    /// How long to wait for responses after the last request.
    public var waitSeconds: Double = 2
    /// With `rewrite`, how long an in-dialog request (captured To has a tag) waits for the
    /// reply that tells the peer's real To tag before it is sent anyway.
    public var dialogWaitSeconds: Double = 2
    public init() {}
}

public struct ReplayResult: Sendable {
    public var sent: [String] = []
    /// Start lines (and Call-ID) of what came back, in arrival order.
    public var received: [String] = []
    public var receivedMessages: [SIPMessage] = []
    public var malformedReplies = 0
}

public struct ReplayError: Error, CustomStringConvertible {
    public var description: String
}

/// Re-sends the requests one side of a capture sent, to a live target over SwiftNIO.
public enum CaptureReplayer {
    /// The requests to replay, read from the capture (bounded: at most `limit`).
    public static func requests(path: String, options: ReplayOptions, limit: Int = 100_000) throws(CaptureError) -> [CapturedMessage] {
        let reader = try SIPCaptureReader(path: path)
        var out: [CapturedMessage] = []
        var sender = options.from
        while let e = try reader.next(), out.count < limit {
            guard case .message(let m) = e, m.message.isRequest else { continue }
            if let c = options.callID, m.message.value(.callID) != c { continue }
            if sender == nil { sender = m.src.address }
            if m.src.address != sender { continue }
            out.append(m)
        }
        return out
    }

    /// Sends `messages` to `target`, waits for replies, and reports them. Throws on a
    /// transport failure (cannot resolve, connect or send).
    public static func run(_ messages: [CapturedMessage], to target: ReplayTarget, options: ReplayOptions) async throws -> ReplayResult {
        let group = MultiThreadedEventLoopGroup.singleton
        let collector = ReplyCollector(stream: target.transport == .tcp)
        let remote: SocketAddress
        do { remote = try SocketAddress.makeAddressResolvingHost(target.host, port: target.port) } catch {
            throw ReplayError(description: "cannot resolve \(target.host): \(error)")
        }
        let channel: Channel
        do {
            switch target.transport {
            case .udp:
                let local = remote.protocol == .inet6 ? "::" : (target.host == "127.0.0.1" || target.host == "localhost" ? "127.0.0.1" : "0.0.0.0")
                channel = try await DatagramBootstrap(group: group)
                    .channelInitializer { $0.pipeline.addHandler(DatagramReplyHandler(collector)) }
                    .bind(host: local, port: 0).get()
            case .tcp:
                channel = try await ClientBootstrap(group: group)
                    .connectTimeout(.seconds(5))
                    .channelInitializer { $0.pipeline.addHandler(StreamReplyHandler(collector)) }
                    .connect(to: remote).get()
            }
        } catch {
            throw ReplayError(description: "cannot \(target.transport == .tcp ? "connect to" : "open a socket for") \(target): \(error)")
        }
        defer { channel.close(promise: nil) }
        let localText: String = {
            guard let a = channel.localAddress, let ip = a.ipAddress, let p = a.port else { return "127.0.0.1:5060" }
            return a.protocol == .inet6 ? "[\(ip)]:\(p)" : "\(ip):\(p)"
        }()
        var rewriter = Rewriter(seed: options.seed, local: localText, transport: target.transport)
        var result = ReplayResult()
        var previous: Int64?
        for m in messages {
            if options.speed == .realtime, let prev = previous, m.time > prev {
                // Capture gaps are replayed as they were, capped so a stray hour-long pause cannot hang the run.
                try await Task.sleep(nanoseconds: UInt64(min(m.time - prev, 10_000_000_000)))
            }
            previous = m.time
            if options.rewrite, let c = m.message.value(.callID), let newID = rewriter.callIDs[c],
               m.message.value(.to).flatMap(DialogTracker.tag) != nil {
                // At max speed the ACK/BYE would otherwise overtake the 2xx that carries the tag.
                var waited = 0.0
                while collector.toTags[newID] == nil, waited < options.dialogWaitSeconds {
                    try await Task.sleep(nanoseconds: 5_000_000)
                    waited += 0.005
                }
            }
            var msg = m.message
            if options.rewrite { msg = rewriter.rewrite(msg, learned: collector.toTags) }
            let bytes = msg.bytes
            var buffer = channel.allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            do {
                switch target.transport {
                case .udp: try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: buffer)).get()
                case .tcp: try await channel.writeAndFlush(buffer).get()
                }
            } catch {
                throw ReplayError(description: "sending \(msg.summary) to \(target) failed: \(error)")
            }
            result.sent.append(msg.summary)
        }
        try await Task.sleep(nanoseconds: UInt64(max(0, options.waitSeconds) * 1_000_000_000))
        let (replies, malformed, failure) = collector.snapshot()
        if let failure { throw ReplayError(description: "transport failure from \(target): \(failure)") }
        result.receivedMessages = replies
        result.received = replies.map { "\($0.summary) (Call-ID \($0.value(.callID) ?? "?"))" }
        result.malformedReplies = malformed
        return result
    }

    /// Fresh identifiers, consistent across one replay (the same captured Call-ID or tag
    /// always maps to the same new one). To-tags learned from replies replace captured ones.
    struct Rewriter {
        var state: UInt64
        let local: String
        let transport: TransportProtocol
        var callIDs: [String: String] = [:]
        var tags: [String: String] = [:]

        init(seed: UInt64, local: String, transport: TransportProtocol) {
            state = seed
            self.local = local
            self.transport = transport
        }

        mutating func random() -> String {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return String(z ^ (z >> 31), radix: 16)
        }

        mutating func rewrite(_ m: SIPMessage, learned: [String: String]) -> SIPMessage {
            var msg = m
            var newCallID: String?
            if let c = msg.value(.callID) {
                let n = callIDs[c] ?? "\(random())@\(local)"
                callIDs[c] = n
                newCallID = n
                msg.setHeader("Call-ID", n)
            }
            if let from = msg.value(.from), let tag = DialogTracker.tag(from) {
                let n = tags[tag] ?? random()
                tags[tag] = n
                msg.setHeader("From", from.replacingOccurrences(of: "tag=" + tag, with: "tag=" + n))
            }
            if let to = msg.value(.to), let tag = DialogTracker.tag(to), let c = newCallID, let real = learned[c] {
                msg.setHeader("To", to.replacingOccurrences(of: "tag=" + tag, with: "tag=" + real))
            }
            msg.setHeader("Via", "SIP/2.0/\(transport.rawValue.uppercased()) \(local);branch=z9hG4bK\(random());rport")
            if msg.contains(.contact) { msg.setHeader("Contact", "<sip:replay@\(local);transport=\(transport.rawValue)>") }
            return msg
        }
    }
}

/// Replies gathered on NIO's thread, read after the run.
final class ReplyCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var framer = SIPStreamFramer()
    private var messages: [SIPMessage] = []
    private var malformed = 0
    private var failure: String?
    private var tags: [String: String] = [:]
    let stream: Bool

    init(stream: Bool) { self.stream = stream }

    func datagram(_ bytes: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        if let m = try? SIPMessage(parsing: bytes) { add(m) } else { malformed += 1 }
    }

    func streamBytes(_ bytes: [UInt8]) {
        lock.lock(); defer { lock.unlock() }
        framer.append(bytes)
        while let e = framer.next() {
            switch e {
            case .message(let m): add(m)
            case .error: malformed += 1
            }
        }
    }

    private func add(_ m: SIPMessage) {
        guard messages.count < 10_000 else { return }
        messages.append(m)
        if let c = m.value(.callID), let to = m.value(.to), let t = DialogTracker.tag(to), tags[c] == nil { tags[c] = t }
    }

    func fail(_ why: String) {
        lock.lock(); defer { lock.unlock() }
        if failure == nil { failure = why }
    }

    var toTags: [String: String] {
        lock.lock(); defer { lock.unlock() }
        return tags
    }

    func snapshot() -> ([SIPMessage], Int, String?) {
        lock.lock(); defer { lock.unlock() }
        return (messages, malformed, failure)
    }
}

final class DatagramReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let collector: ReplyCollector
    init(_ c: ReplyCollector) { collector = c }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var env = unwrapInboundIn(data)
        if let bytes = env.data.readBytes(length: env.data.readableBytes) { collector.datagram(bytes) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        collector.fail("\(error)")
    }
}

final class StreamReplyHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    let collector: ReplyCollector
    init(_ c: ReplyCollector) { collector = c }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buf = unwrapInboundIn(data)
        if let bytes = buf.readBytes(length: buf.readableBytes) { collector.streamBytes(bytes) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        collector.fail("\(error)")
        context.close(promise: nil)
    }
}
