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

    /// The text's lines, ended by CR LF (RFC 8866 §5), or a lone CR or LF; empty lines dropped.
    /// Cut on the UTF-8 bytes: CR and LF never occur inside a multi-byte character, and a
    /// Character split would not do (CR LF is one Character, equal to neither "\r" nor "\n").
    static func lines(_ text: String) -> [Substring] {
        let u = text.utf8
        var out: [Substring] = []
        var start = u.startIndex, i = u.startIndex
        while i != u.endIndex {
            let next = u.index(after: i)
            if u[i] == 0x0D || u[i] == 0x0A {
                if start != i { out.append(text[start..<i]) }
                start = next
            }
            i = next
        }
        if start != u.endIndex { out.append(text[start..<u.endIndex]) }
        return out
    }
}
