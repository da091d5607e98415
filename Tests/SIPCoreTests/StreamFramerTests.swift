import Testing
import TestSupport
@testable import SIPCore

/// SIPStreamFramer: cutting a TCP/TLS byte stream into messages (RFC 3261 §18.3,
/// RFC 5626 §3.5.1 keep-alives), recovering from garbage, and staying bounded.
@Suite struct StreamFramerTests {
    // MARK: Fixtures (all built inline)
    /// A message with CRLF line endings and a correct Content-Length (written with
    /// `lengthName`, so compact "l" can be used).
    static func build(_ startLine: String, _ headers: [String], body: String = "",
                      lengthName: String = "Content-Length") -> [UInt8] {
        let b = Array(body.utf8)
        var text = startLine + "\r\n"
        for h in headers { text += h + "\r\n" }
        text += "\(lengthName): \(b.count)\r\n\r\n"
        return Array(text.utf8) + b
    }

    static let sdp = [
        "v=0",
        "o=alice 2890844526 2890844526 IN IP4 192.0.2.101",
        "s=-",
        "c=IN IP4 192.0.2.101",
        "t=0 0",
        "m=audio 49172 RTP/AVP 0 8",
        "a=rtpmap:0 PCMU/8000",
        "",
    ].joined(separator: "\r\n")

    static let invite = build("INVITE sip:bob@ims.example.com SIP/2.0", [
        "Via: SIP/2.0/TCP pc33.ims.example.com:5060;branch=z9hG4bK776asdhds",
        "Max-Forwards: 70",
        "To: Bob <sip:bob@ims.example.com>",
        "From: Alice <sip:alice@ims.example.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710@pc33.ims.example.com",
        "CSeq: 314159 INVITE",
        "Contact: <sip:alice@pc33.ims.example.com;transport=tcp>",
        "Content-Type: application/sdp",
    ], body: sdp)

    static let register = build("REGISTER sip:ims.example.com SIP/2.0", [
        "Via: SIP/2.0/TCP 192.0.2.4:5060;branch=z9hG4bKnashds7",
        "Max-Forwards: 70",
        "To: <sip:alice@ims.example.com>",
        "From: <sip:alice@ims.example.com>;tag=456248",
        "Call-ID: 843817637684230@998sdasdh09",
        "CSeq: 1826 REGISTER",
        "Contact: <sip:alice@192.0.2.4;transport=tcp>",
        "Authorization: Digest username=\"alice@ims.example.com\", realm=\"ims.example.com\", nonce=\"dcd98b7102dd2f0e\", uri=\"sip:ims.example.com\", response=\"6629fae49393a05397450978507c4ef1\"",
        "Expires: 7200",
    ])

    static let ok200 = build("SIP/2.0 200 OK", [
        "Via: SIP/2.0/TCP pc33.ims.example.com:5060;branch=z9hG4bK776asdhds;received=192.0.2.1",
        "To: Bob <sip:bob@ims.example.com>;tag=a6c85cf",
        "From: Alice <sip:alice@ims.example.com>;tag=1928301774",
        "Call-ID: a84b4c76e66710@pc33.ims.example.com",
        "CSeq: 314159 INVITE",
        "Contact: <sip:bob@192.0.2.4;transport=tcp>",
        "Content-Type: application/sdp",
    ], body: sdp)

    /// Compact header names; the body holds text that looks like a blank line and a new message.
    static let compact = build("MESSAGE sip:bob@ims.example.com SIP/2.0", [
        "v: SIP/2.0/TCP pc33.ims.example.com;branch=z9hG4bKcompact1",
        "Max-Forwards: 70",
        "t: <sip:bob@ims.example.com>",
        "f: <sip:alice@ims.example.com>;tag=77",
        "i: compact-1@pc33.ims.example.com",
        "CSeq: 2 MESSAGE",
        "c: text/plain",
    ], body: "hello\r\n\r\nINVITE sip:evil@attacker.example SIP/2.0\r\nContent-Length: 0\r\n\r\n", lengthName: "l")

    static let stream = invite + register + ok200 + compact
    static let streamParts = [invite, register, ok200, compact]

    // MARK: Helpers

    struct Collected {
        var messages: [SIPMessage] = []
        var errors: [(error: SIPParseError, skipped: Int)] = []
        /// Events in order: "m" for a message, "e" for an error.
        var order = ""
        var messageBytes: [[UInt8]] { messages.map(\.bytes) }
        /// Short description of what came out, for failure messages.
        var summary: String {
            "events \(order); messages " + messages.map { "[\($0.summary) Call-ID \($0.value(.callID) ?? "-"), \($0.bytes.count) bytes]" }
                .joined(separator: " ") + "; errors " + errors.map { "[\($0.error.rule) skipped \($0.skipped)]" }.joined(separator: " ")
        }
        /// True when exactly `expected` came out as messages.
        func delivered(_ expected: [[UInt8]]) -> Bool { messageBytes == expected }
    }

    /// Pulls events until the framer wants more bytes; bounded so a framer that never
    /// stops producing events fails the test instead of hanging it.
    static func pull(_ f: inout SIPStreamFramer, into c: inout Collected, bound: Int = 100_000,
                     sourceLocation: SourceLocation = #_sourceLocation) {
        var n = 0
        while let e = f.next() {
            n += 1
            if n > bound {
                Issue.record("framer produced more than \(bound) events without new input", sourceLocation: sourceLocation)
                return
            }
            switch e {
            case .message(let m):
                c.messages.append(m)
                c.order += "m"
            case .error(let err, let skipped):
                c.errors.append((err, skipped))
                c.order += "e"
            }
        }
    }

    /// Feeds `bytes` in chunks of the given sizes (the last chunk takes the rest), pulling
    /// events after each append.
    static func feed(_ bytes: [UInt8], chunks: [Int], limits: ParseLimits = .default) -> (Collected, SIPStreamFramer) {
        var f = SIPStreamFramer(limits: limits)
        var c = Collected()
        var i = 0
        var k = 0
        while i < bytes.count {
            let size = k < chunks.count ? max(1, chunks[k]) : bytes.count - i
            k += 1
            let end = min(bytes.count, i + size)
            f.append(bytes[i..<end])
            pull(&f, into: &c)
            i = end
        }
        pull(&f, into: &c)
        return (c, f)
    }

    static func oneShot(_ bytes: [UInt8], limits: ParseLimits = .default) -> (Collected, SIPStreamFramer) {
        feed(bytes, chunks: [bytes.count], limits: limits)
    }

    static func callID(_ m: SIPMessage) -> String? { m.value(.callID) }

    // MARK: Basic framing

    @Test func fixturesAreValidMessages() throws {
        for part in Self.streamParts {
            let m = try SIPMessage(parsing: part)
            #expect(m.bytes == part)
            #expect(m.trailingByteCount == 0)
            _ = try m.validate()
        }
    }

    @Test func twoMessagesInOneAppend() throws {
        var f = SIPStreamFramer()
        f.append(Self.invite + Self.register)
        var c = Collected()
        Self.pull(&f, into: &c)
        #expect(c.errors.isEmpty)
        #expect(c.delivered([Self.invite, Self.register]), "\(c.summary)")
        #expect(c.messages.map(\.method) == ["INVITE", "REGISTER"])
        #expect(c.messages.first?.bodyText == Self.sdp)
        #expect(c.messages.last?.bodyCount == 0)
        #expect(f.bufferedByteCount == 0)
        #expect(f.next().isNoEventForStreamFramerTests)
        #expect(f.keepAlives == 0)
    }

    @Test func drainReturnsEveryAvailableEvent() {
        var f = SIPStreamFramer()
        f.append(Self.stream)
        let events = f.drain()
        #expect(events.count == 4)
        var bytes: [[UInt8]] = []
        for e in events {
            if case .message(let m) = e { bytes.append(m.bytes) }
        }
        #expect(bytes == Self.streamParts)
        #expect(f.drain().isEmpty)
        #expect(f.bufferedByteCount == 0)
    }

    @Test func incompleteMessageWaitsForMoreBytes() {
        var f = SIPStreamFramer()
        // Everything but the last body byte.
        f.append(Self.invite.dropLast())
        #expect(f.next().isNoEventForStreamFramerTests)
        #expect(f.bufferedByteCount == Self.invite.count - 1)
        f.append([Self.invite.last!])
        guard case .message(let m)? = f.next() else {
            Issue.record("no message after the last byte arrived")
            return
        }
        #expect(m.bytes == Self.invite)
        #expect(f.bufferedByteCount == 0)
    }

    // MARK: Splits

    @Test func byteByByteYieldsTheSameMessages() {
        let (c, f) = Self.feed(Self.stream, chunks: Array(repeating: 1, count: Self.stream.count))
        #expect(c.errors.isEmpty)
        #expect(c.delivered(Self.streamParts), "\(c.summary)")
        #expect(f.bufferedByteCount == 0)
    }

    @Test func everySplitPointYieldsTheSameMessages() {
        let stream = Self.stream
        var failures: [Int] = []
        for k in 0...stream.count {
            let (c, f) = Self.feed(stream, chunks: [k, stream.count - k])
            if !c.errors.isEmpty || c.messageBytes != Self.streamParts || f.bufferedByteCount != 0 {
                failures.append(k)
            }
        }
        #expect(failures.isEmpty, "split points that changed the result: \(failures.prefix(20))")
    }

    @Test func everyPairOfSplitPointsAroundTheHeaderEnd() {
        // Two cuts near the blank line and the body of the compact message (where the
        // CR/LF of the separator and body text that looks like a separator sit).
        let stream = Self.invite + Self.compact
        let sepStart = Self.invite.count + (Self.compact.firstRange(of: Array("\r\n\r\n".utf8))?.lowerBound ?? 0)
        let window = max(0, sepStart - 8)...min(stream.count, sepStart + 40)
        var failures: [(Int, Int)] = []
        for a in window {
            for b in a...window.upperBound {
                let (c, _) = Self.feed(stream, chunks: [a, b - a, stream.count - b])
                if !c.errors.isEmpty || c.messageBytes != [Self.invite, Self.compact] { failures.append((a, b)) }
            }
        }
        #expect(failures.isEmpty, "cut pairs that changed the result: \(failures.prefix(10))")
    }

    @Test func seededRandomChunksYieldTheSameMessages() {
        var rng = SplitMix64(seed: 0x5EED_F4A3)
        let stream = Self.stream
        for trial in 0..<300 {
            let maxChunk = [1, 3, 7, 16, 64, 300, 2000][trial % 7]
            var chunks: [Int] = []
            var total = 0
            while total < stream.count {
                let n = rng.int(1...maxChunk)
                chunks.append(n)
                total += n
            }
            let (c, f) = Self.feed(stream, chunks: chunks)
            #expect(c.errors.isEmpty, "trial \(trial) chunks \(chunks.prefix(12))")
            #expect(c.delivered(Self.streamParts), "trial \(trial) chunks \(chunks.prefix(12)): \(c.summary)")
            #expect(f.bufferedByteCount == 0)
            if c.messageBytes != Self.streamParts { break }
        }
    }

    // MARK: Content-Length framing

    @Test func bodyThatLooksLikeAMessageIsNotSplit() throws {
        let (c, _) = Self.oneShot(Self.compact + Self.register)
        #expect(c.errors.isEmpty)
        try #require(c.messages.count == 2)
        let m = c.messages[0]
        #expect(m.bytes == Self.compact)
        #expect(m.bodyText == "hello\r\n\r\nINVITE sip:evil@attacker.example SIP/2.0\r\nContent-Length: 0\r\n\r\n")
        #expect(m.value(.contentLength) == String(m.bodyCount))
        #expect(c.messages[1].bytes == Self.register)
        #expect(!c.messages.contains { $0.requestURIText == "sip:evil@attacker.example" })
    }

    @Test func compactContentLengthFramesTheBody() throws {
        let (c, _) = Self.feed(Self.compact + Self.invite, chunks: Array(repeating: 5, count: 400))
        #expect(c.errors.isEmpty)
        #expect(c.delivered([Self.compact, Self.invite]), "\(c.summary)")
    }

    // MARK: Keep-alives

    @Test func crlfKeepAlivesAreSkippedAndCounted() {
        let ka: [UInt8] = Array("\r\n\r\n".utf8)
        let stream = ka + Self.invite + ka + Self.register + ka
        let (c, f) = Self.oneShot(stream)
        #expect(c.errors.isEmpty)
        #expect(c.delivered([Self.invite, Self.register]), "\(c.summary)")
        #expect(f.keepAlives == 3)
        #expect(f.bufferedByteCount == 0)
    }

    @Test func keepAliveCountDoesNotDependOnChunking() {
        // The same bytes must give the same count however TCP happens to segment them.
        let ka: [UInt8] = Array("\r\n\r\n".utf8)
        let stream = ka + Self.invite + ka + Self.register + ka
        let (whole, f1) = Self.oneShot(stream)
        let (single, f2) = Self.feed(stream, chunks: Array(repeating: 1, count: stream.count))
        // Cut in the middle of the keep-alive after the INVITE.
        let cut = ka.count + Self.invite.count + 2
        let (halves, f3) = Self.feed(stream, chunks: [cut, stream.count - cut])
        #expect(whole.delivered([Self.invite, Self.register]), "\(whole.summary)")
        #expect(single.delivered([Self.invite, Self.register]), "\(single.summary)")
        #expect(halves.delivered([Self.invite, Self.register]), "\(halves.summary)")
        #expect(f1.keepAlives == 3)
        #expect(f2.keepAlives == f1.keepAlives, "byte-by-byte delivery counted \(f2.keepAlives) keep-alives")
        #expect(f3.keepAlives == f1.keepAlives, "a keep-alive split in two was counted \(f3.keepAlives - 2) times")
    }

    // MARK: Garbage

    @Test func garbageBeforeAMessageIsReportedOnceAndSkipped() throws {
        var rng = SplitMix64(seed: 42)
        var printable: [UInt8] = (0..<57).map { _ in UInt8(rng.int(0x20...0x7E)) }
        printable += [0x0D, 0x0A]
        var binary: [UInt8] = (0..<200).map { _ in
            var b: UInt8
            repeat { b = UInt8(rng.int(0...255)) } while b == 0x0D || b == 0x0A
            return b
        }
        binary += [0x0D, 0x0A]
        let cases: [(String, [UInt8])] = [
            ("random printable", printable),
            ("half line", Array("ch=z9hG4bK776asdhds;received=192.0.2.4\r\n".utf8)),
            ("binary junk", binary),
            ("several garbage lines", Array("GARBAGE\r\nVia: SIP/2.0/TCP x;branch=z9hG4bKjunk\r\n\u{1}\u{2}\u{3}\n".utf8)),
            ("HTTP request line", Array("GET / HTTP/1.1\r\n".utf8)),
            ("NUL bytes", [0, 0, 0, 0, 0x0D, 0x0A]),
        ]
        for (name, junk) in cases {
            // Before the first message.
            let (c, f) = Self.oneShot(junk + Self.invite)
            #expect(c.order == "em", "\(name): events \(c.order)")
            #expect(c.errors.map(\.skipped) == [junk.count], "\(name)")
            #expect(c.errors.first?.error.offset == 0, "\(name)")
            #expect((c.errors.first?.error.line ?? 0) >= 1, "\(name)")
            #expect(c.delivered([Self.invite]), "\(name): \(c.summary)")
            #expect(f.bufferedByteCount == 0, "\(name)")

            // Between two messages: the offset is where the garbage starts in the stream.
            let (c2, _) = Self.oneShot(Self.register + junk + Self.invite)
            #expect(c2.order == "mem", "\(name): events \(c2.order)")
            #expect(c2.errors.map(\.skipped) == [junk.count], "\(name)")
            #expect(c2.errors.first?.error.offset == Self.register.count, "\(name)")
            #expect(c2.delivered([Self.register, Self.invite]), "\(name): \(c2.summary)")

            // Byte by byte: the message still comes out intact and nothing else does.
            let (c3, _) = Self.feed(junk + Self.invite, chunks: Array(repeating: 1, count: junk.count + Self.invite.count))
            #expect(c3.delivered([Self.invite]), "\(name) byte by byte: \(c3.summary)")
            #expect(c3.errors.reduce(0) { $0 + $1.skipped } == junk.count, "\(name) byte by byte")
        }
    }

    @Test func errorOffsetsAreStreamPositionsWhateverTheSegmentation() {
        // Error offsets count from the first byte of the stream; the framer's internal
        // buffer housekeeping must not shift them.
        let junk = Array("garbage line\r\n".utf8)
        let bad = Self.build("MESSAGE sip:bob@ims.example.com SIP/2.0", ["Not a header line"], body: "hi")
        let stream = Self.invite + Self.register + junk + Self.ok200 + bad + Self.compact
        let junkAt = Self.invite.count + Self.register.count
        let badAt = junkAt + junk.count + Self.ok200.count
        var failures: [String] = []
        for k in stride(from: 0, through: stream.count, by: 7) {
            let (c, _) = Self.feed(stream, chunks: [k, stream.count - k])
            guard c.delivered([Self.invite, Self.register, Self.ok200, Self.compact]), c.errors.count == 2 else {
                failures.append("split \(k): \(c.summary)")
                continue
            }
            let garbage = c.errors[0].error.offset, malformed = c.errors[1].error.offset
            if garbage != junkAt || !(badAt..<badAt + bad.count).contains(malformed) {
                failures.append("split \(k): garbage at \(garbage) (expected \(junkAt)), malformed message at \(malformed) (expected \(badAt)..<\(badAt + bad.count))")
            }
        }
        #expect(failures.isEmpty, "\(failures.count) split points misplace errors, e.g. \(failures.prefix(5))")
    }

    @Test func garbageWithABlankLineInsideIsCountedInFull() {
        // Every byte dropped before the start line belongs to the one garbage report; a
        // blank line inside garbage is not a keep-alive between messages.
        let junk = Array("abc\r\n\r\ndef\r\n".utf8)
        let (c, f) = Self.oneShot(junk + Self.invite)
        #expect(c.order == "em")
        #expect(c.delivered([Self.invite]), "\(c.summary)")
        #expect(c.errors.map(\.skipped) == [junk.count], "skipped \(c.errors.map(\.skipped)) of \(junk.count) garbage bytes")
        #expect(f.keepAlives == 0)
    }

    @Test func overlongGarbageLineDoesNotSwallowTheNextMessage() {
        // A garbage line longer than maxLineLength is dropped, but the complete message
        // after it, already buffered in the same read, must still be delivered.
        let junk = Array(repeating: UInt8(ascii: "x"), count: 9000) + [0x0D, 0x0A]
        let stream = junk + Self.invite
        let (chunked, _) = Self.feed(stream, chunks: Array(repeating: 1000, count: 20))
        #expect(chunked.delivered([Self.invite]), "1000-byte chunks: \(chunked.summary)")
        let (c, _) = Self.oneShot(stream)
        #expect(c.delivered([Self.invite]), "one append: skipped \(c.errors.map(\.skipped)) of \(stream.count) bytes: \(c.summary)")
    }

    // MARK: Limits

    @Test func headerSectionWithoutEndStaysBounded() {
        let limits = ParseLimits(maxMessageSize: 4096, maxHeaderCount: 256, maxLineLength: 1024)
        let chunkSize = 1000
        var f = SIPStreamFramer(limits: limits)
        var c = Collected()
        f.append(Array("INVITE sip:bob@ims.example.com SIP/2.0\r\n".utf8))
        Self.pull(&f, into: &c)
        let line = Array("X-Filler: abcdefghijklmnopqrstuvwxyz0123456789;p=1\r\n".utf8)
        var pending: [UInt8] = []
        var fed = 0
        var maxBuffered = 0
        var firstErrorAt: Int?
        while fed < 1_000_000 {
            while pending.count < chunkSize { pending += line }
            let chunk = Array(pending.prefix(chunkSize))
            pending.removeFirst(chunkSize)
            f.append(chunk)
            fed += chunk.count
            Self.pull(&f, into: &c)
            maxBuffered = max(maxBuffered, f.bufferedByteCount)
            if firstErrorAt == nil, !c.errors.isEmpty { firstErrorAt = fed }
        }
        #expect(c.messages.isEmpty)
        #expect(!c.errors.isEmpty)
        #expect(maxBuffered < 2 * limits.maxMessageSize + chunkSize, "buffer grew to \(maxBuffered) bytes")
        // Reported as soon as the limit is passed, not at the end of the flood.
        #expect((firstErrorAt ?? .max) <= limits.maxMessageSize + chunkSize)
        // The stream recovers: a proper message after the flood comes out.
        f.append(pending)
        f.append(Array("\r\n".utf8) + Self.register)
        Self.pull(&f, into: &c)
        #expect(c.delivered([Self.register]), "\(c.summary)")
    }

    @Test func endlessHeaderLineWithoutLFStaysBounded() {
        let limits = ParseLimits(maxMessageSize: 4096, maxHeaderCount: 256, maxLineLength: 1024)
        let chunkSize = 512
        var f = SIPStreamFramer(limits: limits)
        var c = Collected()
        f.append(Array("INVITE sip:bob@ims.example.com SIP/2.0\r\nX-Long: ".utf8))
        var maxBuffered = 0
        for _ in 0..<2000 {
            f.append(Array(repeating: UInt8(ascii: "a"), count: chunkSize))
            Self.pull(&f, into: &c)
            maxBuffered = max(maxBuffered, f.bufferedByteCount)
        }
        #expect(c.messages.isEmpty)
        #expect(!c.errors.isEmpty)
        #expect(maxBuffered < 2 * limits.maxMessageSize + chunkSize, "buffer grew to \(maxBuffered) bytes")
    }

    @Test func hugeContentLengthIsAnErrorNotAWait() throws {
        let head = Array(("INVITE sip:bob@ims.example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/TCP pc33.ims.example.com;branch=z9hG4bKhuge\r\n"
            + "Call-ID: huge@pc33.ims.example.com\r\n"
            + "CSeq: 1 INVITE\r\n"
            + "Content-Length: 999999999\r\n\r\n").utf8)
        var f = SIPStreamFramer()
        f.append(head)
        guard case .error(let err, let skipped)? = f.next() else {
            Issue.record("a 999999999-byte Content-Length did not give an error at once")
            return
        }
        #expect(skipped > 0)
        #expect(err.line >= 1)
        #expect(f.bufferedByteCount < head.count)

        // With a message behind it, that message is still delivered and nothing is
        // framed out of the oversize one.
        for value in ["999999999", "2147483648", "99999999999999999999999999", "65537"] {
            let h = Array(("INVITE sip:bob@ims.example.com SIP/2.0\r\n"
                + "Call-ID: huge@pc33.ims.example.com\r\n"
                + "Content-Length: \(value)\r\n\r\n").utf8)
            let (c, _) = Self.oneShot(h + Self.register)
            #expect(c.order.first == "e", "Content-Length \(value): events \(c.order)")
            #expect(c.delivered([Self.register]), "Content-Length \(value): \(c.summary)")
        }
    }

    // MARK: Messages without Content-Length, malformed messages

    @Test func missingContentLengthOnAStreamMeansEmptyBody() throws {
        let noLength = Array(("OPTIONS sip:bob@ims.example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/TCP pc33.ims.example.com;branch=z9hG4bKnolen\r\n"
            + "Max-Forwards: 70\r\n"
            + "To: <sip:bob@ims.example.com>\r\n"
            + "From: <sip:alice@ims.example.com>;tag=1\r\n"
            + "Call-ID: nolength@pc33.ims.example.com\r\n"
            + "CSeq: 1 OPTIONS\r\n\r\n").utf8)
        let (c, _) = Self.oneShot(noLength + Self.register)
        #expect(c.errors.isEmpty)
        try #require(c.messages.count == 2)
        let m = c.messages[0]
        #expect(m.bytes == noLength)
        #expect(m.bodyCount == 0)
        #expect(m.trailingByteCount == 0)
        #expect(m.framingNotes.contains { $0.contains("no Content-Length on a stream transport") })
        #expect(m.findings().contains { $0.message.contains("no Content-Length on a stream transport") })
        #expect(c.messages[1].bytes == Self.register)
    }

    @Test func malformedMessageIsAnErrorAndTheNextOneParses() throws {
        let bad = Self.build("MESSAGE sip:bob@ims.example.com SIP/2.0", [
            "Via: SIP/2.0/TCP pc33.ims.example.com;branch=z9hG4bKbad",
            "This line is not a header field",
            "Call-ID: bad@pc33.ims.example.com",
        ], body: "hello")
        let (c, _) = Self.oneShot(Self.invite + bad + Self.register)
        #expect(c.order == "mem")
        #expect(c.delivered([Self.invite, Self.register]), "\(c.summary)")
        let e = try #require(c.errors.first)
        // The whole framed message (body included) is skipped, nothing more.
        #expect(e.skipped == bad.count)
        #expect(e.error.line >= 1)
        #expect(e.error.offset >= Self.invite.count && e.error.offset < Self.invite.count + bad.count)
    }

    @Test func bareCRInHeaderSectionIsAnErrorAndTheNextOneParses() {
        var bad = Self.build("MESSAGE sip:bob@ims.example.com SIP/2.0", ["Call-ID: cr@x"], body: "hi")
        // "\rX: y\r\n" as a header line: a CR not followed by LF at the start of a line.
        let at = Array("MESSAGE sip:bob@ims.example.com SIP/2.0\r\n".utf8).count
        bad.insert(contentsOf: Array("\rX: y\r\n".utf8), at: at)
        let (c, _) = Self.oneShot(bad + Self.register)
        let registerLast = c.messageBytes.last == Self.register
        #expect(registerLast, "\(c.summary)")
        #expect(!c.errors.isEmpty)
    }

    // MARK: Framer and parser must agree on where a message ends

    @Test func foldedContentLengthIsHonoured() throws {
        // RFC 3261 §7.3.1 allows folding in any header value; the datagram parser honours
        // it. The framer must too, or the body is re-read as a message (smuggling).
        let inner = Self.build("OPTIONS sip:victim@ims.example.com SIP/2.0", [
            "Via: SIP/2.0/TCP attacker.example;branch=z9hG4bKinner",
            "Call-ID: smuggled@attacker.example",
            "CSeq: 1 OPTIONS",
        ])
        let outer = Array(("MESSAGE sip:bob@ims.example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/TCP pc33.ims.example.com;branch=z9hG4bKouter\r\n"
            + "Call-ID: outer@pc33.ims.example.com\r\n"
            + "CSeq: 1 MESSAGE\r\n"
            + "Content-Type: message/sip\r\n"
            + "Content-Length:\r\n \(inner.count)\r\n\r\n").utf8) + inner
        let datagram = try SIPMessage(parsing: outer)
        #expect(datagram.body == inner)

        let (c, _) = Self.oneShot(outer)
        #expect(c.errors.isEmpty, "errors: \(c.errors.map(\.error.rule))")
        #expect(c.messages.map(Self.callID) == ["outer@pc33.ims.example.com"])
        let innerIsBody = c.messages.first?.body == inner
        #expect(innerIsBody, "\(c.summary)")
        #expect(!c.messages.contains { Self.callID($0) == "smuggled@attacker.example" },
                "the body was framed as a separate message")
    }

    @Test func startLineIsNotReadAsAContentLengthHeader() throws {
        // "l" and "Content-Length" are valid extension-method tokens; the Request-Line is
        // not a header field, so it must not set the framing length.
        for method in ["l", "L", "Content-Length"] {
            let m = Self.build("\(method) sip:bob@ims.example.com SIP/2.0", [
                "Via: SIP/2.0/TCP pc33.ims.example.com;branch=z9hG4bKmeth",
                "Call-ID: method-\(method)@pc33.ims.example.com",
                "CSeq: 1 \(method)",
            ], body: "hello")
            let datagram = try SIPMessage(parsing: m)
            #expect(datagram.bodyText == "hello")
            let (c, _) = Self.oneShot(m + Self.register)
            #expect(c.errors.isEmpty, "method \(method): \(c.errors.map(\.error.rule))")
            #expect(c.delivered([m, Self.register]), "method \(method): \(c.summary)")
        }
    }

    @Test func duplicateContentLengthUsesTheFirstLikeTheParser() throws {
        let m = Array(("MESSAGE sip:bob@ims.example.com SIP/2.0\r\n"
            + "Call-ID: dup@x\r\n"
            + "Content-Length: 2\r\n"
            + "Content-Length: 5\r\n\r\nhi").utf8)
        let (c, _) = Self.oneShot(m + Self.register)
        #expect(c.delivered([m, Self.register]), "\(c.summary)")
        let first = try #require(c.messages.first)
        #expect(first.findings().contains { $0.message.contains("Content-Length header fields where one is allowed") })
    }
}

private extension Optional where Wrapped == SIPStreamFramer.Event {
    var isNoEventForStreamFramerTests: Bool { if case .none = self { return true } else { return false } }
}
