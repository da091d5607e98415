@testable import Network
import XCTest

/// `SessionDescription.lines` (bytes for ASCII) against the Character split it replaces.
final class SessionDescriptionTests: XCTestCase {
    func testLinesMatchTheCharacterSplit() {
        var random = SeededRandom(seed: 0x5344_50)
        let pieces = ["\r", "\n", "\r\n", "\n\r", "\r\r\n", "\n\n", "m=audio 1 RTP/AVP 0", "m=", "a=x", "v=0", " ", "\t", "",
                      "é", "\u{301}", "m=\u{301}x"]
        for n in 0..<3_000 {
            var text = ""
            for _ in 0..<Int(random.next() % 9) { text += pieces[Int(random.next() % UInt64(pieces.count))] }
            let expected = text.split(whereSeparator: { $0 == "\r" || $0 == "\n" })
            let lines = SessionDescription.lines(text)
            XCTAssertEqual(lines, expected, "case \(n): \(text.debugDescription)")
            XCTAssertEqual(lines.map { $0.hasPrefix("m=") }, expected.map { $0.hasPrefix("m=") }, "case \(n)")
        }
    }

    func testAnswerIsUnchangedForTheUsualOffer() {
        // A CRLF offer is one "line" to the split, so the answer carries no m-line (as before).
        let offer = SessionDescription.offer(host: "10.0.0.2", dataChannel: true)
        XCTAssertEqual(SessionDescription.lines(offer).count, 1)
        XCTAssertEqual(SessionDescription.answer(to: offer, host: "10.0.0.3"),
                       "v=0\r\no=- 2 1 IN IP4 10.0.0.3\r\ns=-\r\nc=IN IP4 10.0.0.3\r\nt=0 0\r\n")
        let bare = "v=0\nm=audio 4000 RTP/AVP 0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\n"
        XCTAssertEqual(SessionDescription.answer(to: bare, host: "h"),
                       "v=0\r\no=- 2 1 IN IP4 h\r\ns=-\r\nc=IN IP4 h\r\nt=0 0\r\n"
                       + "m=audio 3456 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
                       + "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n")
    }
}
