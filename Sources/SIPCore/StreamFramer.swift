/// Cuts a byte stream (TCP/TLS) into SIP messages: bytes in, complete messages out.
///
/// Content-Length frames each body (RFC 3261 §18.3), read by the same rules as the
/// datagram parser, so the two never disagree on where a message ends. CRLF keep-alives
/// between messages are skipped (RFC 5626 §3.5.1). Bytes that cannot start a message are
/// dropped up to the next line that parses as a start line, and reported once per run of
/// garbage. Memory stays bounded by the limits whatever the peer sends, and the result
/// does not depend on how the bytes were segmented.
public struct SIPStreamFramer: Sendable {
    public enum Event: Sendable {
        case message(SIPMessage)
        /// Bytes were skipped, or a framed message was malformed; framing goes on after it.
        case error(SIPParseError, skipped: Int)
    }

    public let limits: ParseLimits
    private var buffer: [UInt8] = []
    private var head = 0
    /// Stream position of `buffer[0]`, so errors carry stream offsets.
    private var base = 0
    /// Inside a garbage line longer than the limit: drop bytes until its LF.
    private var discardingLine = false
    /// Garbage skipped so far in the current run, and where the run began.
    private var garbage = 0
    private var garbageStart = 0
    /// Line ends seen since the last message (two make a keep-alive ping).
    private var lineEnds = 0

    /// RFC 5626 keep-alive pings (CRLFCRLF) skipped between messages.
    public private(set) var keepAlives = 0

    public init(limits: ParseLimits = .default) { self.limits = limits }

    /// Bytes received but not yet returned as a message or skipped.
    public var bufferedByteCount: Int { buffer.count - head }

    public mutating func append<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        if head > 0, head >= buffer.count / 2 {
            buffer.removeSubrange(0..<head)
            base += head
            head = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete message or error; nil when more bytes are needed.
    public mutating func next() -> Event? {
        while true {
            if discardingLine {
                guard let lf = findLF(from: head, limit: buffer.count - head) else {
                    drop(buffer.count - head)
                    return nil
                }
                drop(lf + 1 - head)
                discardingLine = false
                continue
            }
            // Line ends between messages: keep-alives, or part of a garbage run.
            while head < buffer.count, buffer[head] == ASCII.cr || buffer[head] == ASCII.lf {
                if garbage > 0 {
                    garbage += 1
                } else if buffer[head] == ASCII.lf {
                    lineEnds += 1
                    if lineEnds == 2 { keepAlives += 1; lineEnds = 0 }
                }
                head += 1
            }
            guard head < buffer.count else { return nil }

            guard let lineEnd = findLF(from: head, limit: limits.maxLineLength + 2) else {
                if buffer.count - head > limits.maxLineLength {
                    discardingLine = true
                    continue
                }
                return nil
            }
            if !looksLikeStartLine(head, lineEnd) {
                drop(lineEnd + 1 - head)
                continue
            }
            if let event = finishGarbage() { return event }

            switch frame(from: head) {
            case .needMore:
                return nil
            case .failed(let error, let end):
                // Malformed yet framed (or unframeable): report it, resume after it.
                let skipped = end - head
                var e = error
                e.offset += base + head
                head = end
                lineEnds = 0
                return .error(e, skipped: skipped)
            case .complete(let end):
                let bytes = Array(buffer[head..<end])
                let start = base + head
                head = end
                lineEnds = 0
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

    /// Skips `n` bytes of garbage, starting or extending the current run.
    private mutating func drop(_ n: Int) {
        if garbage == 0 { garbageStart = base + head }
        garbage += n
        head += n
        lineEnds = 0
    }

    private mutating func finishGarbage() -> Event? {
        guard garbage > 0 else { return nil }
        let n = garbage
        garbage = 0
        return .error(SIPParseError(rule: "\(n) bytes of garbage before a start line skipped", offset: garbageStart, line: 1),
                      skipped: n)
    }

    private enum Framing { case needMore, failed(SIPParseError, end: Int), complete(Int) }

    /// Finds the empty line, then lets the message parser read the header section.
    private func frame(from start: Int) -> Framing {
        let maxEnd = min(buffer.count, start + limits.maxMessageSize)
        var lineStart = start
        while true {
            guard let lf = findLF(from: lineStart, limit: maxEnd - lineStart) else {
                if buffer.count - start >= limits.maxMessageSize {
                    // No empty line within the limit: drop the start line and resynchronise.
                    let end = (findLF(from: start, limit: buffer.count - start) ?? start) + 1
                    return .failed(SIPParseError(rule: "header section exceeds the \(limits.maxMessageSize)-byte message limit",
                                                 offset: 0, line: 1), end: end)
                }
                return .needMore
            }
            let isEmpty = lf == lineStart || (lf == lineStart + 1 && buffer[lineStart] == ASCII.cr)
            if isEmpty, lineStart > start {
                let headerEnd = lf + 1
                let length: Int
                do {
                    length = try MessageParser.declaredContentLength(Array(buffer[start..<headerEnd]), limits: limits) ?? 0
                } catch {
                    // Malformed header section: still skip its body if a length can be read,
                    // so the body is not mistaken for garbage or for the next message.
                    let body = lenientContentLength(start, headerEnd) ?? 0
                    let end = headerEnd + body <= buffer.count ? headerEnd + body : headerEnd
                    if headerEnd + body > buffer.count, body <= limits.maxMessageSize { return .needMore }
                    return .failed(error, end: end)
                }
                let end = headerEnd + length
                if end - start > limits.maxMessageSize {
                    return .failed(SIPParseError(rule: "message of \(end - start) bytes exceeds the \(limits.maxMessageSize)-byte limit",
                                                 offset: 0, line: 1), end: headerEnd)
                }
                return end <= buffer.count ? .complete(end) : .needMore
            }
            lineStart = lf + 1
        }
    }

    /// Content-Length (or `l`) read line by line, folding included, ignoring any other
    /// defect; only for skipping past a message that failed to parse.
    private func lenientContentLength(_ start: Int, _ headerEnd: Int) -> Int? {
        buffer.withUnsafeBufferPointer { p -> Int? in
            guard var line = MessageParser.nextLF(p, start, headerEnd).map({ $0 + 1 }) else { return nil }
            while line < headerEnd {
                let lf = MessageParser.nextLF(p, line, headerEnd) ?? headerEnd
                var i = line
                while i < lf, ByteClass.isToken(p[i]) { i += 1 }
                let name = line..<i
                while i < lf, ByteClass.isSpace(p[i]) { i += 1 }
                if !name.isEmpty, i < lf, p[i] == ASCII.colon, KnownHeader.lookup(p, name) == .contentLength {
                    var v = 0, digits = 0
                    var k = i + 1
                    while k < headerEnd {
                        let b = p[k]
                        if ByteClass.isDigit(b) {
                            v = v * 10 + Int(b - 0x30)
                            digits += 1
                            if v > Int(Int32.max) { return nil }
                        } else if b == ASCII.lf {
                            // Folded value: continue only onto a continuation line.
                            guard k + 1 < headerEnd, ByteClass.isSpace(p[k + 1]) else { break }
                        } else if !ByteClass.isLWS(b) {
                            break
                        }
                        k += 1
                    }
                    return digits > 0 ? v : nil
                }
                line = lf + 1
            }
            return nil
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
