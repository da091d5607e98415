/// Cuts a byte stream (TCP/TLS) into SIP messages: bytes in, complete messages out.
///
/// Content-Length frames each body (RFC 3261 §18.3). CRLF keep-alives between messages are
/// skipped (RFC 5626 §3.5.1). Bytes that cannot start a message are dropped up to the next
/// line that parses as a start line, and reported once per run of garbage. Memory stays
/// bounded by the limits whatever the peer sends.
public struct SIPStreamFramer: Sendable {
    public enum Event: Sendable {
        case message(SIPMessage)
        /// Bytes were skipped, or a framed message was malformed; framing goes on after it.
        case error(SIPParseError, skipped: Int)
    }

    public let limits: ParseLimits
    private var buffer: [UInt8] = []
    private var head = 0
    private var streamOffset = 0   // bytes consumed before `head`, for error offsets
    public private(set) var keepAlives = 0

    public init(limits: ParseLimits = .default) { self.limits = limits }

    /// Bytes received but not yet returned as a message.
    public var bufferedByteCount: Int { buffer.count - head }

    public mutating func append<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if head > 0, head >= buffer.count / 2 {
            buffer.removeSubrange(0..<head)
            head = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message or error; nil when more bytes are needed.
    public mutating func next() -> Event? {
        var skipped = 0
        let skipStart = streamOffset + head
        while true {
            // Keep-alives.
            var crlfs = 0
            while head < buffer.count, buffer[head] == ASCII.cr || buffer[head] == ASCII.lf { head += 1; crlfs += 1 }
            if crlfs >= 2 { keepAlives += 1 }
            guard head < buffer.count else { return finishSkip(skipped, skipStart) }

            guard let lineEnd = findLF(from: head, limit: limits.maxLineLength + 2) else {
                if buffer.count - head > limits.maxLineLength {
                    // A "line" longer than allowed: drop it and look further.
                    let drop = buffer.count - head
                    skipped += drop
                    head = buffer.count
                    continue
                }
                return finishSkip(skipped, skipStart)
            }
            if !looksLikeStartLine(head, lineEnd) {
                skipped += lineEnd + 1 - head
                head = lineEnd + 1
                continue
            }
            if skipped > 0 { return finishSkip(skipped, skipStart) }

            switch frame(from: head) {
            case .needMore:
                return nil
            case .tooLarge(let why):
                let err = SIPParseError(rule: why, offset: streamOffset + head, line: 1)
                let drop = lineEnd + 1 - head
                head = lineEnd + 1
                return .error(err, skipped: drop)
            case .complete(let end):
                let bytes = Array(buffer[head..<end])
                let start = streamOffset + head
                head = end
                do {
                    return .message(try MessageParser.parse(bytes, limits: limits, stream: true))
                } catch {
                    var e = error
                    e.offset += start
                    return .error(e, skipped: bytes.count)
                }
            }
        }
    }

    /// Every event available now.
    public mutating func drain() -> [Event] {
        var out: [Event] = []
        while let e = next() { out.append(e) }
        return out
    }

    private mutating func finishSkip(_ skipped: Int, _ at: Int) -> Event? {
        if head == buffer.count {
            streamOffset += buffer.count
            buffer.removeAll(keepingCapacity: true)
            head = 0
        }
        guard skipped > 0 else { return nil }
        return .error(SIPParseError(rule: "\(skipped) bytes of garbage before a start line skipped", offset: at, line: 1),
                      skipped: skipped)
    }

    private enum Framing { case needMore, tooLarge(String), complete(Int) }

    private func frame(from start: Int) -> Framing {
        let maxEnd = min(buffer.count, start + limits.maxMessageSize)
        var lineStart = start
        var contentLength: Int?
        var lines = 0
        while true {
            guard let lf = findLF(from: lineStart, limit: maxEnd - lineStart) else {
                if buffer.count - start >= limits.maxMessageSize {
                    return .tooLarge("header section exceeds the \(limits.maxMessageSize)-byte message limit")
                }
                return .needMore
            }
            let isEmpty = lf == lineStart || (lf == lineStart + 1 && buffer[lineStart] == ASCII.cr)
            if isEmpty, lines > 0 {
                let bodyStart = lf + 1
                let end = bodyStart + (contentLength ?? 0)
                if end - start > limits.maxMessageSize {
                    return .tooLarge("message of \(end - start) bytes exceeds the \(limits.maxMessageSize)-byte limit")
                }
                return end <= buffer.count ? .complete(end) : .needMore
            }
            lines += 1
            if contentLength == nil, let v = contentLengthValue(lineStart, lf) { contentLength = v }
            lineStart = lf + 1
        }
    }

    /// The value of a Content-Length line; nil if the line is another header. A malformed
    /// value frames as 0 and the message parser reports it.
    private func contentLengthValue(_ s: Int, _ lf: Int) -> Int? {
        buffer.withUnsafeBufferPointer { p -> Int? in
            var i = s
            while i < lf, ByteClass.isToken(p[i]) { i += 1 }
            guard KnownHeader.lookup(p, s..<i) == .contentLength else { return nil }
            while i < lf, ByteClass.isSpace(p[i]) || p[i] == ASCII.colon { i += 1 }
            var v = 0, any = false
            while i < lf, ByteClass.isDigit(p[i]), v < Int(Int32.max) { v = v * 10 + Int(p[i] - 0x30); i += 1; any = true }
            return any ? v : 0
        }
    }

    private func looksLikeStartLine(_ s: Int, _ lf: Int) -> Bool {
        let e = lf > s && buffer[lf - 1] == ASCII.cr ? lf - 1 : lf
        return buffer.withUnsafeBufferPointer { p in (try? StartLine.parse(p, s..<e)) != nil }
    }

    private func findLF(from: Int, limit: Int) -> Int? {
        buffer.withUnsafeBufferPointer { MessageParser.nextLF($0, from, min($0.count, from + max(limit, 0))) }
    }
}
