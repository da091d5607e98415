/// SDP offer/answer (RFC 3264) for the simulated calls: one audio stream, and optionally the
/// IMS data channel bootstrap m-lines (TS 26.114 §6.2.10).
enum SessionDescription {
    static func offer(host: String, dataChannel: Bool) -> String {
        let ip = addressType(of: host)
        var s: ValueBytes = "v=0\r\no=- 1 1 IN \(ip) \(host)\r\ns=-\r\nc=IN \(ip) \(host)\r\nt=0 0\r\n"
        s.bytes += "m=audio 49170 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n".utf8
        if dataChannel {
            s.bytes += "m=application 52718 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\na=max-message-size:1024\r\n".utf8
            s.bytes += "a=setup:actpass\r\na=dcmap:0 subprotocol=\"http\"\r\na=dcmap:10 subprotocol=\"http\"\r\n".utf8
        }
        return s.string
    }

    /// "IP6" for a host with a colon, else "IP4". Only a host whose bytes hold a colon can
    /// contain one as a Character (no other Character is equivalent to ":"), so the
    /// Foundation search runs only for those.
    static func addressType(of host: String) -> String {
        host.utf8.contains(0x3A) && host.contains(":") ? "IP6" : "IP4"
    }

    /// Accepts the offer's audio and, with port 0, refuses any other stream (RFC 3264 §6).
    static func answer(to offer: String, host: String) -> String {
        let ip = addressType(of: host)
        var s: ValueBytes = "v=0\r\no=- 2 1 IN \(ip) \(host)\r\ns=-\r\nc=IN \(ip) \(host)\r\nt=0 0\r\n"
        var offer = offer
        let answered = offer.withUTF8 { appendASCIIMediaAnswers($0, to: &s.bytes) }
        if !answered { appendMediaAnswers(offer, to: &s.bytes) }
        return s.string
    }

    private static let audioAnswer = Array("m=audio 3456 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n".utf8)

    /// The answer's m-lines for any offer, read Character by Character.
    static func appendMediaAnswers(_ offer: String, to out: inout [UInt8]) {
        for line in lines(offer) where startsWithMEquals(line) && line.hasPrefix("m=") {
            if line.hasPrefix("m=audio") {
                out += audioAnswer
            } else {
                let parts = line.split(separator: " ")
                if parts.count >= 3 {
                    let refused: ValueBytes = "\(String(parts[0])) 0 \(parts[2...].joined(separator: " "))\r\n"
                    out += refused.bytes
                }
            }
        }
    }

    /// `appendMediaAnswers` for an all-ASCII offer (every offer the simulated UEs make), cut
    /// on the bytes: there each byte is one Character, so byte prefixes and splits are the
    /// Character ones. False (nothing written) for any other offer.
    static func appendASCIIMediaAnswers(_ p: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        guard isASCII(p) else { return false }
        let audio = Array("m=audio".utf8)
        var start = 0
        for i in 0...p.count where i == p.count || p[i] == 0x0D || p[i] == 0x0A {
            defer { start = i + 1 }
            let line = UnsafeBufferPointer(rebasing: p[start..<i])
            guard line.count >= 2, line[0] == UInt8(ascii: "m"), line[1] == UInt8(ascii: "=") else { continue }
            if line.starts(with: audio) {
                out += audioAnswer
                continue
            }
            let parts = line.split(separator: UInt8(ascii: " "))
            guard parts.count >= 3 else { continue }
            out += parts[0]
            out += " 0".utf8
            for part in parts[2...] {
                out.append(UInt8(ascii: " "))
                out += part
            }
            out += "\r\n".utf8
        }
        return true
    }

    /// Whether every byte is below 0x80, eight at a time (an offer is a few hundred bytes).
    static func isASCII(_ p: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = p.baseAddress else { return true }
        var i = 0, high: UInt64 = 0
        while i + 8 <= p.count {
            high |= UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self)
            i += 8
        }
        while i < p.count {
            high |= UInt64(p[i])
            i += 1
        }
        return high & 0x8080_8080_8080_8080 == 0
    }

    /// Whether the line's bytes start with "m=". A line whose Characters start with "m=" does
    /// (no other Character is equivalent to "m" or "="), so the slower Character test
    /// (`hasPrefix`, which a combining mark after the "=" fails) runs only on these.
    private static func startsWithMEquals(_ line: Substring) -> Bool {
        var u = line.utf8.makeIterator()
        return u.next() == 0x6D && u.next() == 0x3D
    }

    /// The text's lines, ended by CR LF (RFC 8866 §5), or a lone CR or LF; empty lines dropped.
    /// Cut on the UTF-8 bytes: CR and LF never occur inside a multi-byte character, and a
    /// Character split would not do (CR LF is one Character, equal to neither "\r" nor "\n").
    /// The bytes are scanned in place and each line made from its offsets.
    static func lines(_ text: String) -> [Substring] {
        let u = text.utf8
        var ranges: [Range<Int>] = []
        let scanned: Void? = u.withContiguousStorageIfAvailable { p in
            var start = 0
            for i in 0..<p.count where p[i] == 0x0D || p[i] == 0x0A {
                if start != i { ranges.append(start..<i) }
                start = i + 1
            }
            if start != p.count { ranges.append(start..<p.count) }
        }
        if scanned == nil { return lines(String(decoding: Array(u), as: UTF8.self)) }  // bridged text: made native
        return ranges.map { r in text[u.index(u.startIndex, offsetBy: r.lowerBound)..<u.index(u.startIndex, offsetBy: r.upperBound)] }
    }
}
