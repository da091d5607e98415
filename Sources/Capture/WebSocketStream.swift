/// One direction of a SIP-over-WebSocket connection (RFC 7118) inside a TCP stream: the HTTP
/// Upgrade handshake (RFC 6455 §4), then frames (§5.2) whose messages each carry one SIP
/// message. A direction is taken for WebSocket when its first bytes are an HTTP request that
/// asks for `Upgrade: websocket` or a `101` response; anything else stays with the SIP framer.
/// Memory is bounded: the handshake by `maxHandshakeBytes`, a message by the SIP size limit.
struct WebSocketStream {
    enum Output {
        /// The payload of one complete text or binary message.
        case message([UInt8])
        /// Something that breaks RFC 6455 or the bounds; decoding stops for this direction.
        case error(String)
    }

    static let maxHandshakeBytes = 16 * 1024

    private enum Phase { case handshake, frames, failed }
    private var phase = Phase.handshake
    private var buffer: [UInt8] = []
    /// Fragments of the message being assembled (RFC 6455 §5.4).
    private var fragments: [UInt8] = []
    private var inMessage = false
    let maxMessageBytes: Int

    init(maxMessageBytes: Int) { self.maxMessageBytes = maxMessageBytes }

    /// Bytes held for an unfinished handshake, frame or message.
    var bufferedByteCount: Int { buffer.count + fragments.count }

    /// Whether a direction starting with `prefix` (its first delivered bytes) opens a
    /// WebSocket handshake: an HTTP request line or an HTTP status line.
    static func startsHandshake(_ prefix: UnsafeRawBufferPointer) -> Bool {
        guard prefix.count >= 5 else { return false }
        return prefix.starts(with: "GET ".utf8) || prefix.starts(with: "HTTP/".utf8)
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer, _ out: (Output) -> Void) {
        guard phase != .failed else { return }
        buffer.append(contentsOf: bytes)
        if phase == .handshake { handshake(out) }
        if phase == .frames { frames(out) }
    }

    private mutating func fail(_ why: String, _ out: (Output) -> Void) {
        abandon()
        out(.error(why))
    }

    /// Stops decoding this direction (a close frame, or a gap: frames cannot be re-found).
    mutating func abandon() {
        phase = .failed
        buffer = []
        fragments = []
    }

    private mutating func handshake(_ out: (Output) -> Void) {
        guard let end = buffer.firstRange(of: Array("\r\n\r\n".utf8))?.upperBound else {
            if buffer.count > Self.maxHandshakeBytes { fail("HTTP handshake longer than \(Self.maxHandshakeBytes) bytes", out) }
            return
        }
        let head = String(decoding: buffer[..<end], as: UTF8.self).lowercased()
        let lines = head.split(separator: "\r\n")
        let first = lines.first ?? ""
        let upgrade = lines.contains { $0.hasPrefix("upgrade:") && $0.dropFirst(8).contains("websocket") }
        let accepted = first.hasPrefix("http/1.1 101")
        guard accepted || (first.hasPrefix("get ") && upgrade) else {
            // Plain HTTP: not SIP; stop looking at this direction.
            phase = .failed
            buffer = []
            return
        }
        buffer.removeFirst(end)
        phase = .frames
    }

    private mutating func frames(_ out: (Output) -> Void) {
        var at = 0
        // A failure has already emptied the buffer.
        defer { if phase == .frames, at > 0 { buffer.removeFirst(at) } }
        while buffer.count - at >= 2 {
            let b0 = buffer[at], b1 = buffer[at + 1]
            let fin = b0 & 0x80 != 0, opcode = b0 & 0x0F, masked = b1 & 0x80 != 0
            var length = UInt64(b1 & 0x7F)
            var header = 2
            if length == 126 || length == 127 {
                let n = length == 126 ? 2 : 8
                guard buffer.count - at >= 2 + n else { return }
                length = 0
                for i in 0..<n { length = length << 8 | UInt64(buffer[at + 2 + i]) }
                header += n
            }
            if masked { header += 4 }
            if b0 & 0x70 != 0 { fail("frame with reserved bits set (no extension was negotiated)", out); return }
            if opcode >= 8, !fin || length > 125 { fail("control frame fragmented or longer than 125 bytes", out); return }
            guard length <= UInt64(maxMessageBytes), fragments.count + Int(length) <= maxMessageBytes else {
                fail("WebSocket message longer than \(maxMessageBytes) bytes", out)
                return
            }
            guard buffer.count - at >= header + Int(length) else { return }
            let start = at + header
            var payload = Array(buffer[start..<(start + Int(length))])
            if masked {
                let key = buffer[(start - 4)..<start].map { $0 }
                for i in payload.indices { payload[i] ^= key[i & 3] }
            }
            at = start + Int(length)
            switch opcode {
            case 0:
                guard inMessage else { fail("continuation frame without a message", out); return }
                fragments += payload
            case 1, 2:
                guard !inMessage else { fail("new message before the last one ended", out); return }
                fragments = payload
                inMessage = true
            case 8:
                // Close: nothing further is a message.
                abandon()
                return
            case 9, 10:
                continue  // ping, pong
            default:
                fail("unknown opcode \(opcode)", out)
                return
            }
            if fin {
                inMessage = false
                let message = fragments
                fragments = []
                out(.message(message))
            }
        }
    }
}
