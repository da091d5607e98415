import Testing
import TestSupport
@testable import SIPCore

/// Hostile input: a seeded mutation fuzzer over valid messages, plus a table of edge cases.
/// Parsing, validating, collecting findings, editing and stream framing must never crash or
/// hang; what is accepted must re-serialise byte-exactly; what is rejected must be located.
@Suite struct RobustnessTests {
    // MARK: Seed messages (inline)

    static func crlf(_ lines: [String], body: String = "") -> [UInt8] {
        Array((lines.joined(separator: "\r\n") + "\r\n\r\n" + body).utf8)
    }

    static let sdp = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.101\r\ns=-\r\nc=IN IP4 192.0.2.101\r\n"
        + "t=0 0\r\nm=audio 49172 RTP/AVP 0 8 97\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:97 AMR-WB/16000/1\r\na=sendrecv\r\n"

    static let seeds: [[UInt8]] = [
        // INVITE with SDP.
        crlf([
            "INVITE sip:bob@ims.example.com;user=phone SIP/2.0",
            "Via: SIP/2.0/TCP pc33.ims.example.com:5060;branch=z9hG4bK776asdhds;rport",
            "Max-Forwards: 70",
            "Route: <sip:pcscf.ims.example.com:5060;lr>",
            "To: \"Bob\" <sip:bob@ims.example.com>",
            "From: \"Alice \\\"A\\\"\" <sip:alice@ims.example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.ims.example.com",
            "CSeq: 314159 INVITE",
            "Contact: <sip:alice@[2001:db8::1]:5060;transport=tcp>;+sip.instance=\"<urn:gsma:imei:35209900-176148-0>\";expires=600;q=0.7",
            "P-Preferred-Identity: <tel:+12025550100>",
            "Supported: 100rel, timer, precondition",
            "Allow: INVITE, ACK, BYE, CANCEL, UPDATE, PRACK",
            "Accept: application/sdp, multipart/mixed",
            "Session-Expires: 1800;refresher=uac",
            "Content-Type: application/sdp",
            "Content-Length: \(sdp.utf8.count)",
        ], body: sdp),
        // REGISTER with Authorization.
        crlf([
            "REGISTER sip:ims.example.com SIP/2.0",
            "Via: SIP/2.0/UDP [2001:db8::9]:5060;branch=z9hG4bKnashds7",
            "Max-Forwards: 70",
            "To: <sip:alice@ims.example.com>",
            "From: <sip:alice@ims.example.com>;tag=456248",
            "Call-ID: 843817637684230@998sdasdh09",
            "CSeq: 1826 REGISTER",
            "Contact: <sip:alice@192.0.2.4:5060>;expires=7200",
            "Authorization: Digest username=\"alice@ims.example.com\", realm=\"ims.example.com\", nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\", uri=\"sip:ims.example.com\", response=\"6629fae49393a05397450978507c4ef1\", algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\"",
            "Security-Client: ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;port-c=5062;port-s=5064",
            "Require: sec-agree",
            "Proxy-Require: sec-agree",
            "Expires: 7200",
            "Content-Length: 0",
        ]),
        // 200 OK.
        crlf([
            "SIP/2.0 200 OK",
            "Via: SIP/2.0/TCP pc33.ims.example.com:5060;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5060",
            "Via: SIP/2.0/UDP proxy.ims.example.com;branch=z9hG4bK4b43c2ff8.1",
            "Record-Route: <sip:pcscf.ims.example.com;lr>, <sip:scscf.ims.example.com;lr>",
            "To: Bob <sip:bob@ims.example.com>;tag=a6c85cf",
            "From: Alice <sip:alice@ims.example.com>;tag=1928301774",
            "Call-ID: a84b4c76e66710@pc33.ims.example.com",
            "CSeq: 314159 INVITE",
            "Contact: <sip:bob@192.0.2.4>",
            "P-Asserted-Identity: \"Bob\" <sip:bob@ims.example.com>, <tel:+12025550199>",
            "P-Charging-Vector: icid-value=\"AyretyU0dm+6O2IrT5tAFrbHLso=\";icid-generated-at=192.0.2.1;orig-ioi=home1.net",
            "Warning: 370 devnull \"Choose a bigger pipe\"",
            "Date: Sat, 13 Nov 2010 23:29:00 GMT",
            "Content-Type: application/sdp",
            "Content-Length: \(sdp.utf8.count)",
        ], body: sdp),
        // Folding, compact forms, odd whitespace, bare-LF body lines.
        Array(("MESSAGE sip:bob@ims.example.com SIP/2.0\r\n"
            + "v:  SIP/2.0/UDP pc33.ims.example.com;branch=z9hG4bKfold\r\n"
            + "Via : SIP/2.0/UDP\r\n proxy.ims.example.com\r\n\t;branch=z9hG4bKfold2\r\n"
            + "Max-Forwards:70\r\n"
            + "t:Bob\r\n <sip:bob@ims.example.com>\r\n"
            + "f: <sip:alice@ims.example.com>\r\n  ;tag=77\r\n"
            + "i: fold-1@pc33.ims.example.com\r\n"
            + "CSeq:   7   MESSAGE  \r\n"
            + "Subject: a subject\r\n\tover two lines\r\n"
            + "k: path, gruu\r\n"
            + "c: text/plain; charset=utf-8\r\n"
            + "l: 15\r\n"
            + "\r\n"
            + "line one\nline2\n").utf8),
        // Bare LF everywhere, no Content-Length (datagram: body is the rest).
        Array(("OPTIONS sips:carol@chicago.example.com SIP/2.0\n"
            + "Via: SIP/2.0/TLS client.example.com;branch=z9hG4bKlf\n"
            + "Max-Forwards: 0\n"
            + "To: <sips:carol@chicago.example.com>\n"
            + "From: <sips:alice@example.com>;tag=1\n"
            + "Call-ID: lf@example.com\n"
            + "CSeq: 1 OPTIONS\n"
            + "Accept: application/sdp\n"
            + "\n").utf8),
    ]

    // MARK: Mutations

    static let interestingBytes: [UInt8] = [0x0D, 0x0A, 0x00, 0xFF, 0x20, 0x09, 0x3A, 0x3B, 0x2C, 0x22, 0x3C, 0x3E,
                                            0x5C, 0x25, 0x40, 0x5B, 0x5D, 0x3D, 0x2F, 0x7F, 0x80, 0xC3, 0x30, 0x39]
    static let interestingTexts = ["\r\n", "\r\n\r\n", "\r\n ", "\n", "\r", "%00", "%", "\"", "\\", "<", ">", "<<", ";;",
                                   ";=", "=", ",,", "sip:", "sips:", "tel:", "[", "]", "[::1", "::", "@@", ":", "z9hG4bK",
                                   "SIP/2.0", "SIP/3.0", "\u{0}", "\u{FEFF}", "é", "\u{10FFFF}", "INVITE sip:x SIP/2.0\r\n"]
    static let hugeNumbers = ["0", "1", "-1", "+1", "255", "256", "65535", "65536", "2147483647", "2147483648", "4294967295",
                              "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616",
                              "999999999", "99999999999999999999999999999999999999", "00000000000000000000000000000007",
                              "1e9", "0x10", " ", "", "1 2", "１"]
    static let numericHeaders = ["Content-Length:", "l:", "CSeq:", "Max-Forwards:", "Expires:", "Session-Expires:",
                                 "expires=", "rport=", ":5060", "q=", "nc=", "spi-c=", "370"]

    static func lineRanges(_ b: [UInt8]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        var s = 0
        for i in b.indices where b[i] == 0x0A {
            out.append(s..<i + 1)
            s = i + 1
        }
        if s < b.count { out.append(s..<b.count) }
        return out
    }

    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var b = input
        let ops = rng.int(1...4)
        for _ in 0..<ops {
            switch rng.below(14) {
            case 0 where !b.isEmpty: // bit flip
                let i = rng.below(b.count)
                b[i] ^= UInt8(1) << UInt8(rng.below(8))
            case 1: // insert a byte
                let byte = rng.chance(2) ? rng.pick(interestingBytes) : UInt8(truncatingIfNeeded: rng.next())
                b.insert(byte, at: rng.below(b.count + 1))
            case 2 where !b.isEmpty: // delete a few bytes
                let i = rng.below(b.count)
                b.removeSubrange(i..<min(b.count, i + rng.int(1...8)))
            case 3: // truncate
                b = Array(b.prefix(rng.below(b.count + 1)))
            case 4: // duplicate a header line
                let lines = lineRanges(b)
                guard lines.count > 2 else { break }
                let line = Array(b[lines[rng.int(1...lines.count - 1)]])
                b.insert(contentsOf: line, at: lines[rng.int(1...lines.count - 1)].lowerBound)
            case 5 where !b.isEmpty: // replace a byte with CR/LF/NUL/0xFF/...
                b[rng.below(b.count)] = rng.pick([0x0D, 0x0A, 0x00, 0xFF, 0x20, 0x09, 0x3A, 0x22])
            case 6: // huge or odd numbers where numbers live
                let key = Array(rng.pick(numericHeaders).utf8)
                guard let at = b.firstRange(of: key) else { break }
                var s = at.upperBound
                while s < b.count, b[s] == 0x20 { s += 1 }
                var e = s
                while e < b.count, b[e] >= 0x30, b[e] <= 0x39 { e += 1 }
                b.replaceSubrange(s..<e, with: Array(rng.pick(hugeNumbers).utf8))
            case 7: // delete or swap lines
                var lines = lineRanges(b).map { Array(b[$0]) }
                guard lines.count > 2 else { break }
                if rng.chance(2) {
                    lines.remove(at: rng.below(lines.count))
                } else {
                    lines.swapAt(rng.below(lines.count), rng.below(lines.count))
                }
                b = lines.flatMap { $0 }
            case 8: // insert text that matters to the grammar
                b.insert(contentsOf: Array(rng.pick(interestingTexts).utf8), at: rng.below(b.count + 1))
            case 9: // splice a piece of another seed
                let other = rng.pick(seeds)
                let s = rng.below(other.count)
                let piece = other[s..<min(other.count, s + rng.int(1...80))]
                let at = rng.below(b.count + 1)
                b.replaceSubrange(at..<min(b.count, at + rng.below(40)), with: piece)
            case 10: // damage the header/body separator
                guard let sep = b.firstRange(of: Array("\r\n\r\n".utf8)) ?? b.firstRange(of: Array("\n\n".utf8)) else { break }
                b.replaceSubrange(sep, with: Array(rng.pick(["\r\n", "\n", "\r\r\n", "\r\n\r", "\r\n \r\n", "\n\r\n", ""]).utf8))
            case 11: // leading CRLFs and trailing bytes
                if rng.chance(2) { b.insert(contentsOf: Array(rng.pick(["\r\n", "\r\n\r\n", "\n", "\r"]).utf8), at: 0) }
                else { b += Array(rng.pick(["\r\n", "x", "\r\n\r\nINVITE sip:a@b SIP/2.0\r\n\r\n", "\u{0}"]).utf8) }
            case 12: // repeat a byte run (long tokens, long lines)
                guard !b.isEmpty else { break }
                let i = rng.below(b.count)
                b.insert(contentsOf: repeatElement(b[i], count: rng.int(1...300)), at: i)
            default: // overwrite a few bytes with random ones
                guard !b.isEmpty else { break }
                let i = rng.below(b.count)
                for k in i..<min(b.count, i + rng.int(1...4)) { b[k] = UInt8(truncatingIfNeeded: rng.next()) }
            }
        }
        return b
    }

    // MARK: Checks

    static let tightLimits = ParseLimits(maxMessageSize: 700, maxHeaderCount: 8, maxLineLength: 120)

    /// Seconds on a monotonic clock.
    static func clock() -> Double {
        let d = ContinuousClock.now - epoch
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
    static let epoch = ContinuousClock.now

    static func check(_ e: SIPParseError, within count: Int, _ what: String, _ problems: inout [String]) {
        if e.line < 1 { problems.append("\(what): line \(e.line) < 1 (\(e.rule))") }
        if e.offset < 0 || e.offset > count { problems.append("\(what): offset \(e.offset) outside 0...\(count) (\(e.rule))") }
        if e.rule.isEmpty { problems.append("\(what): empty rule") }
    }

    /// Exercises everything a caller may do with an accepted message.
    static func exercise(_ m: SIPMessage, _ problems: inout [String]) {
        let n = m.bytes.count
        do { _ = try m.validate() } catch { check(error, within: n, "validate", &problems) }
        _ = m.findings()
        _ = m.headerFields
        _ = (m.summary, m.requestURI, m.bodyText, m.version, m.statusCode, m.reasonPhrase, m.kind)
        _ = m.listValues("Via")
        _ = try? m.headerValues(Via.self)
        _ = try? m.headerValues(ContactValue.self)
        _ = m.headerValue(CSeq.self)
        _ = m.headerValue(MaxForwards.self)
        _ = m.headerValue(Credentials.self, .authorization)
        _ = m.headerValue(AddressValue.self, .from)
    }

    /// Datagram parse of one input; returns what went wrong (empty when all is well).
    static func checkDatagram(_ input: [UInt8], limits: ParseLimits = .default) -> (SIPMessage?, [String]) {
        var problems: [String] = []
        do {
            let m = try SIPMessage(parsing: input, limits: limits)
            var lead = 0
            while lead < input.count, input[lead] == 0x0D || input[lead] == 0x0A { lead += 1 }
            let end = input.count - m.trailingByteCount
            if m.trailingByteCount < 0 || end < lead {
                problems.append("trailingByteCount \(m.trailingByteCount) out of range")
                return (m, problems)
            }
            if m.bytes != Array(input[lead..<end]) {
                problems.append("bytes differ from input[\(lead)..<\(end)] (got \(m.bytes.count) bytes)")
            }
            if m.isModified { problems.append("fresh parse is marked modified") }
            exercise(m, &problems)
            if let (s, _) = try? SIPMessage.parseStrict(input, limits: limits), s.bytes != m.bytes {
                problems.append("parseStrict disagrees with the lazy parse")
            }
            return (m, problems)
        } catch {
            check(error, within: input.count, "parse", &problems)
            let lines = input.reduce(1) { $0 + ($1 == 0x0A ? 1 : 0) }
            if error.line > lines { problems.append("error line \(error.line) past the last line \(lines)") }
            return (nil, problems)
        }
    }

    struct FramerRun {
        var messages: [[UInt8]] = []
        var consumed = 0
        var problems: [String] = []
        var keepAlives = 0
    }

    /// Feeds `input` to a stream framer in the given chunks; bounded, so a framer that
    /// keeps producing events without consuming input is reported, not waited for.
    static func runFramer(_ input: [UInt8], chunks: [Int], limits: ParseLimits = .default,
                          exerciseMessages: Bool) -> FramerRun {
        var run = FramerRun()
        var f = SIPStreamFramer(limits: limits)
        var i = 0, k = 0, events = 0
        let bound = input.count + 2
        func pull(_ f: inout SIPStreamFramer, _ run: inout FramerRun) {
            while let e = f.next() {
                events += 1
                if events > bound {
                    run.problems.append("more than \(bound) events for \(input.count) bytes")
                    return
                }
                switch e {
                case .message(let m):
                    run.messages.append(m.bytes)
                    run.consumed += m.bytes.count
                    if m.bytes.count > input.count { run.problems.append("message larger than the input") }
                    if exerciseMessages { exercise(m, &run.problems) }
                case .error(let err, let skipped):
                    run.consumed += skipped
                    if skipped < 1 { run.problems.append("error skipped \(skipped) bytes (\(err.rule))") }
                    check(err, within: input.count, "framer", &run.problems)
                }
            }
        }
        while i < input.count {
            let size = k < chunks.count ? max(1, chunks[k]) : input.count - i
            k += 1
            let end = min(input.count, i + size)
            f.append(input[i..<end])
            i = end
            pull(&f, &run)
            if !run.problems.isEmpty { break }
        }
        pull(&f, &run)
        if run.consumed + f.bufferedByteCount > input.count {
            run.problems.append("accounted \(run.consumed) bytes + \(f.bufferedByteCount) buffered > \(input.count) fed")
        }
        if f.bufferedByteCount > input.count { run.problems.append("buffered more than was fed") }
        run.keepAlives = f.keepAlives
        return run
    }

    /// Seeded chunk sizes: mostly TCP-like reads, sometimes tiny ones, now and then one
    /// byte at a time (the framer rescans a partial header section on every append, so
    /// tiny chunks are the expensive case in debug builds).
    static func randomChunks(_ count: Int, _ rng: inout SplitMix64) -> [Int] {
        if rng.chance(64) { return Array(repeating: 1, count: count) }
        let maxChunk = rng.chance(16) ? 5 : rng.pick([17, 64, 256, 1500, 4096])
        var out: [Int] = []
        var total = 0
        while total < count {
            let n = rng.int(1...maxChunk)
            out.append(n)
            total += n
        }
        return out
    }

    // MARK: Tests

    @Test func seedsAreValid() throws {
        for (i, seed) in Self.seeds.enumerated() {
            let m = try SIPMessage(parsing: seed)
            #expect(m.bytes == seed, "seed \(i)")
            #expect(throws: Never.self, "seed \(i)") { try m.validate() }
            let (_, problems) = Self.checkDatagram(seed)
            #expect(problems.isEmpty, "seed \(i): \(problems)")
        }
    }

    @Test func mutationFuzz() {
        // Every mutant: datagram parse (+ validate, findings, typed access) and a stream
        // framer fed in seeded random chunks.
        let mutants = 20_000
        var rng = SplitMix64(seed: 0xF022_5EED)
        var failures: [String] = []
        var accepted = 0
        var framed = 0
        var slowest = 0.0
        let start = Self.clock()
        for n in 0..<mutants {
            let seed = Self.seeds[n % Self.seeds.count]
            let input = Self.mutate(seed, &rng)
            let limits = n % 7 == 0 ? Self.tightLimits : .default
            let t0 = Self.clock()
            let (m, parseProblems) = Self.checkDatagram(input, limits: limits)
            let chunks = Self.randomChunks(input.count, &rng)
            let run = Self.runFramer(input, chunks: chunks, limits: limits, exerciseMessages: n % 4 == 0)
            slowest = max(slowest, Self.clock() - t0)
            if m != nil { accepted += 1 }
            framed += run.messages.count
            let problems = parseProblems + run.problems
            if !problems.isEmpty, failures.count < 10 {
                failures.append("mutant \(n) \(String(decoding: input, as: UTF8.self).debugDescription): \(problems)")
            }
        }
        let elapsed = Self.clock() - start
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(slowest < 1.0, "one mutant took \(slowest) s")
        // The fuzzer must exercise both outcomes to mean anything.
        #expect(accepted > mutants / 20, "only \(accepted) of \(mutants) mutants parsed")
        #expect(accepted < mutants - mutants / 20, "\(accepted) of \(mutants) mutants parsed")
        #expect(framed > mutants / 20, "only \(framed) messages framed")
        print("mutationFuzz: \(mutants) mutants, \(accepted) parsed, \(framed) framed, \(elapsed) s, slowest \(slowest) s")
    }

    @Test func streamFramingDoesNotDependOnSegmentation() {
        // The same bytes must give the same messages however TCP segments them.
        let mutants = 6_000
        var rng = SplitMix64(seed: 0x57AE_A115)
        var failures: [String] = []
        var messagesOut = 0
        let start = Self.clock()
        for n in 0..<mutants {
            // One or two mutants back to back, sometimes with a keep-alive between.
            var input = Self.mutate(Self.seeds[n % Self.seeds.count], &rng)
            if rng.chance(2) {
                if rng.chance(3) { input += Array("\r\n\r\n".utf8) }
                input += Self.mutate(Self.seeds[rng.below(Self.seeds.count)], &rng)
            }
            let limits = n % 5 == 0 ? Self.tightLimits : .default
            let whole = Self.runFramer(input, chunks: [input.count], limits: limits, exerciseMessages: n % 3 == 0)
            let chunks = Self.randomChunks(input.count, &rng)
            let pieces = Self.runFramer(input, chunks: chunks, limits: limits, exerciseMessages: false)
            messagesOut += whole.messages.count
            var problems = whole.problems + pieces.problems
            // The same bytes give the same messages however they are segmented.
            if whole.messages != pieces.messages {
                problems.append("one append gave \(whole.messages.count) messages, chunks \(chunks.prefix(8)) gave \(pieces.messages.count) (or different bytes)")
            }
            if !problems.isEmpty, failures.count < 10 {
                failures.append("mutant \(n) \(String(decoding: input, as: UTF8.self).debugDescription): \(problems)")
            }
        }
        let elapsed = Self.clock() - start
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
        #expect(messagesOut > mutants / 10, "only \(messagesOut) messages framed")
        print("streamFramingDoesNotDependOnSegmentation: \(mutants) inputs, \(messagesOut) messages, \(elapsed) s")
    }

    @Test func editsOnFuzzedMessagesReparse() {
        // Whatever was accepted can be edited, and the edit reads back with every other
        // field unchanged.
        let mutants = 4_000
        var rng = SplitMix64(seed: 0xED17_5EED)
        var failures: [String] = []
        for n in 0..<mutants {
            let input = Self.mutate(Self.seeds[n % Self.seeds.count], &rng)
            guard var m = try? SIPMessage(parsing: input) else { continue }
            let fields = m.headerFields
            let body = m.body
            m.addHeader("X-Fuzz", "added")
            var problems: [String] = []
            do {
                let again = try SIPMessage(parsing: m.bytes)
                if again.headerFields != fields + [SIPMessage.HeaderField(name: "X-Fuzz", value: "added", known: .other)] {
                    problems.append("fields changed: \(again.headerFields.map(\.name)) vs \(fields.map(\.name)) + X-Fuzz")
                }
                if again.body != body { problems.append("body changed") }
                if again.summary != m.summary { problems.append("start line changed") }
            } catch {
                problems.append("edited message does not reparse: \(error)")
            }
            if !problems.isEmpty, failures.count < 10 {
                failures.append("mutant \(n) \(String(decoding: input, as: UTF8.self).debugDescription) -> \(m.text.debugDescription): \(problems)")
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }

    static let edgeCases: [String] = [
        "", "\r", "\n", "\r\n", "\r\n\r\n\r\n", "\u{0}", "INVITE", "INVITE sip:a@b SIP/2.0", "INVITE sip:a@b SIP/2.0\r",
        "INVITE sip:a@b SIP/2.0\r\n", "INVITE sip:a@b SIP/2.0\r\n\r\n", "INVITE sip:a@b SIP/2.0\n\n",
        "SIP/2.0 200 OK", "SIP/2.0 200 OK\r\n\r\n", "SIP/2.0 200\r\n\r\n", "SIP/2.0 200 \r\n\r\n", "sip/2.0 200 ok\r\n\r\n",
        "SIP/2.0 2000 OK\r\n\r\n", "SIP/2.0 099 Low\r\n\r\n", "SIP/2.0 700 High\r\n\r\n", "SIP/2.0 20 OK\r\n\r\n",
        "SIP/2.0 200 O\u{0}K\r\n\r\n", "SIP/2.0\r\n\r\n", "SIP/", "SIP/2.0 ", "SIP/3.0 200 OK\r\n\r\n",
        "INVITE  sip:a@b SIP/2.0\r\n\r\n", "INVITE sip:a@b  SIP/2.0\r\n\r\n", "INVITE sip:a@b SIP/2.0 \r\n\r\n",
        "INVITE\tsip:a@b SIP/2.0\r\n\r\n", "INVITE <sip:a@b> SIP/2.0\r\n\r\n", " INVITE sip:a@b SIP/2.0\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\n folded-first\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\n:\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\n: v\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nX\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nX:\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nX :\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nX: v\r\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nX: v\r\n\r",
        "INVITE sip:a@b SIP/2.0\r\nX: v\r\n\rY: w\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nX: v",
        "INVITE sip:a@b SIP/2.0\r\nX: v\r\n", "INVITE sip:a@b SIP/2.0\r\nX: v\r\n ", "INVITE sip:a@b SIP/2.0\r\nX: v\r\n \r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nContent-Length: \r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999999999999999\r\n\r\nx",
        "INVITE sip:a@b SIP/2.0\r\nContent-Length: 2147483648\r\n\r\nx", "INVITE sip:a@b SIP/2.0\r\nContent-Length: 1 2\r\n\r\nxy",
        "INVITE sip:a@b SIP/2.0\r\nContent-Length: 0x10\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nl: 3\r\n\r\nabcdef",
        "INVITE sip:a@b SIP/2.0\r\nContent-Length: 5\r\n\r\nabc", "INVITE sip:a@b SIP/2.0\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\nab",
        "INVITE sip:a@b SIP/2.0\r\nCSeq: 99999999999999999999999 INVITE\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nCSeq: 1\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nCSeq: 1 BYE\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nMax-Forwards: 256\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nMax-Forwards: 18446744073709551616\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:99999999999999999999;branch=z9hG4bK1\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP [::1\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=\"\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nVia: ,,,\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nFrom: \"unterminated <sip:a@b>\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nFrom: \"a\\\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nFrom: <sip:a@b\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nTo: <>\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nContact: *\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nContact: <sip:a@b>;q=2;expires=99999999999\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nAuthorization: Digest\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nAuthorization: Digest a=\"\\\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nAuthorization: Digest ,,,=,\"\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nDate: Sat, 99 Foo 0 99:99:99 GMT\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nWarning: 3 x\r\n\r\n", "INVITE sip:a@b SIP/2.0\r\nRetry-After: 5 (unterminated\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nSecurity-Client: ipsec-3gpp;spi-c=99999999999999999999\r\n\r\n",
        "INVITE sip:%zz@[::1]:0 SIP/2.0\r\n\r\n", "INVITE sip:a@b?x=y SIP/2.0\r\n\r\n", "INVITE sip: SIP/2.0\r\n\r\n",
        "INVITE tel:+1;;; SIP/2.0\r\n\r\n", "INVITE x SIP/2.0\r\n\r\n", "INVITE sip:a@b;lr=;=;; SIP/2.0\r\n\r\n",
        "INVITE sip:a@b SIP/2.0\r\nContent-Type: multipart/mixed;boundary=\r\nContent-Length: 4\r\n\r\n--\r\n",
        "INVITE sip:a@b SIP/2.0\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 99999999 RTP/AVP\r\n",
    ]

    @Test func edgeCasesNeitherCrashNorMislocate() {
        var failures: [String] = []
        var inputs = Self.edgeCases.map { Array($0.utf8) }
        inputs.append([0xFF, 0xFE, 0x0D, 0x0A])
        inputs.append(Array("INVITE sip:a@b SIP/2.0\r\nX: ".utf8) + [0xFF, 0xC0, 0x80, 0x00] + Array("\r\n\r\n".utf8))
        inputs.append(Array("INVITE sip:a@b SIP/2.0\r\n".utf8) + Array(repeating: 0x61, count: 9000) + Array(": v\r\n\r\n".utf8))
        inputs.append(Array("INVITE sip:a@b SIP/2.0\r\nX: ".utf8) + Array(repeating: 0x61, count: 9000) + Array("\r\n\r\n".utf8))
        inputs.append(Array("INVITE sip:a@b SIP/2.0\r\n".utf8) + Array(String(repeating: "X: y\r\n", count: 300).utf8) + [0x0D, 0x0A])
        inputs.append(Array("INVITE sip:a@b SIP/2.0\r\nContent-Length: 70000\r\n\r\n".utf8) + Array(repeating: 0x62, count: 70_000))
        inputs.append(Array("INVITE sip:a@b SIP/2.0\r\nTo: ".utf8) + Array(repeating: 0x3C, count: 5000) + Array("\r\n\r\n".utf8))
        inputs.append(Array("INVITE sip:a@b SIP/2.0\r\nFrom: ".utf8) + Array(String(repeating: "\\\"", count: 2000).utf8) + Array("\r\n\r\n".utf8))
        inputs.append(Array("INVITE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h".utf8) + Array(String(repeating: ";a", count: 3000).utf8) + Array("\r\n\r\n".utf8))
        for (i, input) in inputs.enumerated() {
            for limits in [ParseLimits.default, Self.tightLimits] {
                let (_, problems) = Self.checkDatagram(input, limits: limits)
                let framed = Self.runFramer(input, chunks: [input.count], limits: limits, exerciseMessages: true)
                let bytewise = Self.runFramer(input, chunks: Array(repeating: 1, count: min(input.count, 2000)), limits: limits,
                                              exerciseMessages: false)
                let all = problems + framed.problems + bytewise.problems
                if !all.isEmpty {
                    failures.append("edge case \(i) \(String(decoding: input.prefix(120), as: UTF8.self).debugDescription): \(all)")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.joined(separator: "\n"))")
    }
}
