/// SDP offer/answer (RFC 3264) for the simulated calls: one audio stream, and optionally the
/// IMS data channel bootstrap m-lines (TS 26.114 §6.2.10).
enum SessionDescription {
    static func offer(host: String, dataChannel: Bool) -> String {
        let ip = host.contains(":") ? "IP6" : "IP4"
        var s = "v=0\r\no=- 1 1 IN \(ip) \(host)\r\ns=-\r\nc=IN \(ip) \(host)\r\nt=0 0\r\n"
        s += "m=audio 49170 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
        if dataChannel {
            s += "m=application 52718 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\na=max-message-size:1024\r\n"
            s += "a=setup:actpass\r\na=dcmap:0 subprotocol=\"http\"\r\na=dcmap:10 subprotocol=\"http\"\r\n"
        }
        return s
    }

    /// Accepts the offer's audio and, with port 0, refuses any other stream (RFC 3264 §6).
    static func answer(to offer: String, host: String) -> String {
        let ip = host.contains(":") ? "IP6" : "IP4"
        var s = "v=0\r\no=- 2 1 IN \(ip) \(host)\r\ns=-\r\nc=IN \(ip) \(host)\r\nt=0 0\r\n"
        for line in lines(offer) where line.hasPrefix("m=") {
            if line.hasPrefix("m=audio") {
                s += "m=audio 3456 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
            } else {
                let parts = line.split(separator: " ")
                if parts.count >= 3 { s += "\(parts[0]) 0 \(parts[2...].joined(separator: " "))\r\n" }
            }
        }
        return s
    }

    /// `text.split` on the Characters "\r" and "\n". CR LF is one Character, neither of the
    /// two, so it does not split: a CRLF-terminated offer is one line here. ASCII text is cut on
    /// its bytes by the same rule (lone CR, lone LF); other text takes the Character path.
    static func lines(_ text: String) -> [Substring] {
        let u = text.utf8
        guard u.allSatisfy({ $0 < 0x80 }) else { return text.split(whereSeparator: { $0 == "\r" || $0 == "\n" }) }
        var out: [Substring] = []
        var start = u.startIndex, i = u.startIndex, previous: UInt8 = 0
        while i != u.endIndex {
            let b = u[i]
            let next = u.index(after: i)
            let lone = (b == 0x0D && (next == u.endIndex || u[next] != 0x0A)) || (b == 0x0A && previous != 0x0D)
            if lone {
                if start != i { out.append(text[start..<i]) }
                start = next
            }
            previous = b
            i = next
        }
        if start != u.endIndex { out.append(text[start..<u.endIndex]) }
        return out
    }
}
