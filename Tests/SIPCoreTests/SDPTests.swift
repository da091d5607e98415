import Testing
import TestSupport
@testable import SIPCore

/// An IMS offer: audio, a local bootstrap DC, a remote bootstrap DC and an application DC.
private let fingerprintHex =
    "4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB:3E:4B:A2:86:9D:2E:5B:F3:4D:73:C4:E1"

private let imsOfferLines = [
    "v=0",
    "o=- 1027 1027 IN IP6 2001:db8::1",
    "s=-",
    "c=IN IP6 2001:db8::1",
    "t=0 0",
    "a=fingerprint:sha-256 \(fingerprintHex)",
    "m=audio 49170 RTP/AVP 116 100",
    "b=AS:38",
    "a=rtpmap:116 AMR-WB/16000/1",
    "a=rtpmap:100 telephone-event/16000",
    "a=sendrecv",
    "m=application 52718 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP6 2001:db8::2",
    "a=sctp-port:5000",
    "a=max-message-size:1024",
    "a=setup:actpass",
    "a=tls-id:abc3de65cddef001be82",
    "a=dcmap:0 subprotocol=\"http\"",
    "a=dcmap:10 subprotocol=\"http\"",
    "m=application 52720 UDP/DTLS/SCTP webrtc-datachannel",
    "a=sctp-port:5002",
    "a=max-message-size:2048",
    "a=setup:active",
    "a=tls-id:0123456789abcdef0123",
    "a=dcmap:100 subprotocol=\"http\"",
    "a=dcmap:110 subprotocol=\"http\"",
    "a=3gpp-bdc-used-by:sender",
    "m=application 52722 UDP/DTLS/SCTP webrtc-datachannel",
    "a=sctp-port:5004",
    "a=setup:actpass",
    "a=fingerprint:sha-1 4A:AD:B9:B1:3F:82:18:3B:54:02:12:DF:3E:5D:49:6B:19:E5:7C:AB",
    "a=dcmap:1000 label=\"chat\";subprotocol=\"http\";ordered=true;max-retr=3;priority=256",
    "a=3gpp-req-app:urn:example:app:chat;ver=2",
]

private func joined(_ lines: [String], _ ending: String = "\r\n") -> String {
    lines.map { $0 + ending }.joined()
}

private func parseError(_ text: String) -> SDPError? {
    do {
        _ = try SDP(parsing: text)
        return nil
    } catch {
        return error
    }
}

@Suite struct SDPTests {
    // MARK: Parsing an IMS offer

    @Test func sessionLevel() throws {
        let sdp = try SDP(parsing: joined(imsOfferLines))
        #expect(sdp.lines.count == 6)
        #expect(sdp.origin == SDPOrigin(username: "-", sessionID: "1027", sessionVersion: "1027",
                                        netType: "IN", addrType: "IP6", address: "2001:db8::1"))
        #expect(sdp.sessionName == "-")
        #expect(sdp.connection == SDPConnection(netType: "IN", addrType: "IP6", address: "2001:db8::1"))
        #expect(sdp.media.count == 4)
        #expect(sdp.attributes("fingerprint") == ["sha-256 \(fingerprintHex)"])
        #expect(sdp.attributes("setup").isEmpty)
        #expect(sdp.trailingBlankLines.isEmpty)
    }

    @Test func fingerprints() throws {
        let sdp = try SDP(parsing: joined(imsOfferLines))
        let fp = try #require(sdp.fingerprints.first)
        #expect(sdp.fingerprints.count == 1)
        #expect(fp.hashFunction == "sha-256")
        #expect(fp.value == fingerprintHex)
        let bytes = try #require(fp.bytes)
        #expect(bytes.count == 32)
        #expect(bytes.first == 0x4A)
        #expect(bytes.last == 0xE1)
        #expect(fp.attributeValue == "sha-256 \(fingerprintHex)")

        let mediaFP = try #require(sdp.media.last?.fingerprints.first)
        #expect(mediaFP.hashFunction == "sha-1")
        #expect(mediaFP.bytes?.count == 20)

        #expect(SDPFingerprint(attributeValue: "sha-256") == nil)
        #expect(SDPFingerprint(attributeValue: "sha-256 4A:AD:B")?.bytes == nil)
        #expect(SDPFingerprint(attributeValue: "sha-256 4A:ZZ")?.bytes == nil)
        #expect(SDPFingerprint(attributeValue: "sha-256 4A::AD")?.bytes == nil)
        #expect(SDPFingerprint(attributeValue: "sha-256 4a:ad")?.bytes == [0x4A, 0xAD])
    }

    @Test func audioMedia() throws {
        let sdp = try SDP(parsing: joined(imsOfferLines))
        let audio = sdp.media[0]
        #expect(audio.media == "audio")
        #expect(audio.port == 49170)
        #expect(audio.portCount == nil)
        #expect(audio.proto == "RTP/AVP")
        #expect(audio.formats == ["116", "100"])
        #expect(audio.lines.map(\.type) == ["b", "a", "a", "a"])
        #expect(audio.attributes("rtpmap") == ["116 AMR-WB/16000/1", "100 telephone-event/16000"])
        #expect(audio.attributes("sendrecv") == [""])
        #expect(audio.hasAttribute("sendrecv"))
        #expect(!audio.hasAttribute("sendonly"))
        #expect(!audio.isDataChannel)
        #expect(audio.dataChannels.isEmpty)
        #expect(audio.connection == nil)
        #expect(audio.sctpPort == nil)
    }

    @Test func localBootstrapDataChannel() throws {
        let sdp = try SDP(parsing: joined(imsOfferLines))
        let dc = sdp.media[1]
        #expect(dc.isDataChannel)
        #expect(dc.media == "application")
        #expect(dc.port == 52718)
        #expect(dc.proto == "UDP/DTLS/SCTP")
        #expect(dc.formats == ["webrtc-datachannel"])
        #expect(dc.connection?.address == "2001:db8::2")
        #expect(dc.sctpPort == 5000)
        #expect(dc.maxMessageSize == 1024)
        #expect(dc.setup == "actpass")
        #expect(dc.tlsID == "abc3de65cddef001be82")
        #expect(dc.dataChannels.map(\.streamID) == [0, 10])
        #expect(dc.dataChannels.map(\.subprotocol) == ["http", "http"])
        #expect(dc.dataChannels.allSatisfy { $0.label == nil })
        #expect(dc.bdcUsedBy == nil)
        #expect(dc.requestedApps.isEmpty)
    }

    @Test func remoteBootstrapDataChannel() throws {
        let sdp = try SDP(parsing: joined(imsOfferLines))
        let dc = sdp.media[2]
        #expect(dc.isDataChannel)
        #expect(dc.dataChannels.map(\.streamID) == [100, 110])
        #expect(dc.dataChannels.map(\.subprotocol) == ["http", "http"])
        #expect(dc.bdcUsedBy == "sender")
        #expect(dc.sctpPort == 5002)
        #expect(dc.maxMessageSize == 2048)
        #expect(dc.setup == "active")
    }

    @Test func applicationDataChannel() throws {
        let sdp = try SDP(parsing: joined(imsOfferLines))
        let dc = sdp.media[3]
        #expect(dc.isDataChannel)
        #expect(dc.requestedApps == ["urn:example:app:chat;ver=2"])
        let map = try #require(dc.dataChannels.first)
        #expect(dc.dataChannels.count == 1)
        #expect(map.streamID == 1000)
        #expect(map.label == "chat")
        #expect(map.subprotocol == "http")
        #expect(map.ordered == true)
        #expect(map.maxRetransmits == 3)
        #expect(map.maxTime == nil)
        #expect(map.priority == 256)
        #expect(map.parameters.map(\.name) == ["label", "subprotocol", "ordered", "max-retr", "priority"])
        #expect(map.attributeValue == "1000 label=\"chat\";subprotocol=\"http\";ordered=true;max-retr=3;priority=256")
    }

    @Test func tcpDataChannelAndNonDataChannel() throws {
        let tcp = try SDP(parsing: "v=0\r\nm=application 9 TCP/DTLS/SCTP webrtc-datachannel\r\n")
        #expect(tcp.media.first?.isDataChannel == true)
        let other = try SDP(parsing: "v=0\r\nm=application 9 UDP/DTLS/SCTP something-else\r\n")
        #expect(other.media.first?.isDataChannel == false)
        let msrp = try SDP(parsing: "v=0\r\nm=message 7394 TCP/MSRP *\r\n")
        #expect(msrp.media.first?.isDataChannel == false)
        #expect(msrp.media.first?.formats == ["*"])
    }

    // MARK: dcmap

    @Test func dcmapForms() throws {
        let bare = try DataChannelMap(parsing: "7")
        #expect(bare.streamID == 7)
        #expect(bare.parameters.isEmpty)
        #expect(bare.subprotocol == nil)
        #expect(bare.attributeValue == "7")

        let timed = try DataChannelMap(parsing: "2 ordered=false;max-time=150")
        #expect(timed.ordered == false)
        #expect(timed.maxTime == 150)
        #expect(timed.maxRetransmits == nil)

        // Labels are quoted and percent-encoded; a ';' inside the quotes is not a separator.
        let odd = try DataChannelMap(parsing: "3 label=\"a;b%22c%zz\";subprotocol=\"bfcp\"")
        #expect(odd.label == "a;b\"c%zz")
        #expect(odd.subprotocol == "bfcp")
        #expect(odd.parameters.count == 2)

        let spaced = try DataChannelMap(parsing: "4 label=\"x\" ; priority=1 ")
        #expect(spaced.label == "x")
        #expect(spaced.priority == 1)

        #expect(try DataChannelMap(parsing: "5 ").parameters.isEmpty)

        var built = DataChannelMap(streamID: 9)
        built.parameters.setRaw("subprotocol", "\"http\"")
        #expect(built.attributeValue == "9 subprotocol=\"http\"")
    }

    @Test(arguments: [
        "", "x", "-1", "+1", "65536", "123456", "0subprotocol=\"http\"",
        "0 subprotocol", "0 =\"http\"", "0 label=\"open", "0 label=;ordered=true", "0 a=1;;b=2",
        "0 label=\"x", "0 bad name=1",
    ])
    func dcmapErrors(_ value: String) {
        #expect(throws: SDPError.self) { try DataChannelMap(parsing: value) }
    }

    @Test func malformedDcmapIsSkippedInConvenienceList() throws {
        let sdp = try SDP(parsing: joined([
            "v=0", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
            "a=dcmap:x subprotocol=\"http\"", "a=dcmap:1 subprotocol=\"http\"",
        ]))
        #expect(sdp.media[0].dataChannels.map(\.streamID) == [1])
        #expect(sdp.media[0].attributes("dcmap").count == 2)
    }

    // MARK: Round trip

    @Test func roundTripCRLF() throws {
        let text = joined(imsOfferLines)
        let sdp = try SDP(parsing: text)
        #expect(sdp.serialized == text)
        #expect(sdp.serializedBytes == Array(text.utf8))
        #expect(try SDP(parsing: Array(text.utf8)) == sdp)
    }

    @Test func roundTripLF() throws {
        let text = joined(imsOfferLines, "\n")
        let sdp = try SDP(parsing: text)
        #expect(sdp.serialized == text)
        #expect(sdp.media.count == 4)
        #expect(sdp.media[1].dataChannels.count == 2)
    }

    @Test func roundTripMixedEndingsAndOddSpacing() throws {
        let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\ns=\r\nt=0 0\nm=audio  49170/2 RTP/AVP 0\r\na=x:  y \r\nk=clear:secret"
        let sdp = try SDP(parsing: text)
        #expect(sdp.serialized == text)
        #expect(sdp.sessionName == "")
        #expect(sdp.media[0].port == 49170)
        #expect(sdp.media[0].portCount == 2)
        #expect(sdp.media[0].attributes("x") == ["  y "])
        #expect(sdp.media[0].lines.last?.ending == SDPLine.Ending.none)
    }

    @Test func trailingBlankLinesAreKept() throws {
        let text = "v=0\r\ns=-\r\n\r\n\n"
        let sdp = try SDP(parsing: text)
        #expect(sdp.lines.count == 2)
        #expect(sdp.trailingBlankLines == "\r\n\n")
        #expect(sdp.serialized == text)
    }

    @Test func utf8ValuesRoundTrip() throws {
        let text = "v=0\r\ns=Réunion ☎\r\ni=日本語\r\n"
        let sdp = try SDP(parsing: text)
        #expect(sdp.sessionName == "Réunion ☎")
        #expect(sdp.serialized == text)
    }

    // MARK: Editing

    @Test func refuseDataChannelChangesOnlyItsMediaLine() throws {
        let text = joined(imsOfferLines, "\n") // LF input: an edited line shows up as CRLF
        var sdp = try SDP(parsing: text)
        sdp.media[2].setPort(0)
        #expect(sdp.media[2].port == 0)
        #expect(sdp.media[2].mediaLine.text == "m=application 0 UDP/DTLS/SCTP webrtc-datachannel")

        let out = sdp.serialized
        var expected = imsOfferLines.map { $0 + "\n" }
        expected[19] = "m=application 0 UDP/DTLS/SCTP webrtc-datachannel\r\n"
        #expect(out == expected.joined())
        // And it still parses to the same thing.
        let again = try SDP(parsing: out)
        #expect(again.media[2].port == 0)
        #expect(again.media[2].dataChannels.map(\.streamID) == [100, 110])
    }

    @Test func setPortToSameValueKeepsOriginalLine() throws {
        let text = joined(imsOfferLines, "\n")
        var sdp = try SDP(parsing: text)
        sdp.media[1].setPort(52718)
        #expect(sdp.serialized == text)
    }

    @Test func portCountAndFormatsRebuildTheMediaLine() throws {
        var sdp = try SDP(parsing: "v=0\r\nm=video 49170/2 RTP/AVP 31 32\r\n")
        sdp.media[0].formats.removeLast()
        #expect(sdp.serialized == "v=0\r\nm=video 49170/2 RTP/AVP 31\r\n")
        sdp.media[0].portCount = nil
        #expect(sdp.serialized == "v=0\r\nm=video 49170 RTP/AVP 31\r\n")
    }

    @Test func removeAttributeChangesOnlyThoseLines() throws {
        let text = joined(imsOfferLines)
        var sdp = try SDP(parsing: text)
        sdp.media[2].removeAttributes("3gpp-bdc-used-by")
        #expect(sdp.media[2].bdcUsedBy == nil)
        var expected = imsOfferLines
        expected.remove(at: 26)
        #expect(sdp.serialized == joined(expected))

        sdp.media[1].removeAttributes("dcmap")
        expected.removeAll { $0 == "a=dcmap:0 subprotocol=\"http\"" || $0 == "a=dcmap:10 subprotocol=\"http\"" }
        #expect(sdp.serialized == joined(expected))
        #expect(sdp.media[3].dataChannels.count == 1) // other sections untouched

        sdp.removeAttributes("fingerprint")
        #expect(sdp.fingerprints.isEmpty)
        #expect(sdp.media[3].fingerprints.count == 1)
    }

    @Test func addAttributeAppendsCanonicalLine() throws {
        var sdp = try SDP(parsing: "v=0\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\na=sctp-port:5000")
        sdp.media[0].addAttribute("dcmap", "0 subprotocol=\"http\"")
        sdp.media[0].addAttribute("3gpp-bdc-used-by", "sender")
        sdp.addAttribute("ice-lite")
        // The unterminated last line gets a CRLF now that something follows it.
        #expect(sdp.serialized == """
            v=0\na=ice-lite\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\na=sctp-port:5000\r\n\
            a=dcmap:0 subprotocol="http"\r\na=3gpp-bdc-used-by:sender\r\n
            """)
        #expect(sdp.hasAttribute("ice-lite"))
        #expect(sdp.media[0].dataChannels.first?.subprotocol == "http")
        #expect(sdp.media[0].bdcUsedBy == "sender")
    }

    @Test func editingAValueReEndsTheLineWithCRLF() throws {
        var sdp = try SDP(parsing: "v=0\ns=old\nt=0 0\n")
        sdp.lines[1].value = "new"
        #expect(sdp.serialized == "v=0\ns=new\r\nt=0 0\n")
        sdp.lines[2].value = "0 0" // unchanged value: untouched
        #expect(sdp.serialized == "v=0\ns=new\r\nt=0 0\n")
    }

    @Test func originSetterBumpsVersion() throws {
        var sdp = try SDP(parsing: joined(imsOfferLines))
        var o = try #require(sdp.origin)
        o.sessionVersion = "1028"
        sdp.origin = o
        var expected = imsOfferLines
        expected[1] = "o=- 1027 1028 IN IP6 2001:db8::1"
        #expect(sdp.serialized == joined(expected))

        var bare = try SDP(parsing: "v=0\r\ns=-\r\n")
        bare.origin = SDPOrigin(username: "u", sessionID: "1", sessionVersion: "2", addrType: "IP4", address: "192.0.2.1")
        #expect(bare.serialized == "v=0\r\no=u 1 2 IN IP4 192.0.2.1\r\ns=-\r\n")
        bare.origin = nil
        #expect(bare.serialized == "v=0\r\ns=-\r\n")
    }

    @Test func removeMedia() throws {
        var sdp = try SDP(parsing: joined(imsOfferLines))
        let outOfRange = sdp.removeMedia(at: 4)
        let negative = sdp.removeMedia(at: -1)
        #expect(outOfRange == nil && negative == nil)
        let removed = try #require(sdp.removeMedia(at: 0) as SDPMedia?)
        #expect(removed.media == "audio")
        #expect(sdp.media.count == 3)
        var expected = imsOfferLines
        expected.removeSubrange(6...10)
        #expect(sdp.serialized == joined(expected))
    }

    @Test func buildFromScratch() {
        var m = SDPMedia(media: "application", port: 9, proto: "UDP/DTLS/SCTP", formats: ["webrtc-datachannel"])
        m.addAttribute("sctp-port", "5000")
        let sdp = SDP(lines: [SDPLine(type: "v", value: "0"), SDPLine(type: "s", value: "-")], media: [m])
        #expect(sdp.serialized == "v=0\r\ns=-\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=sctp-port:5000\r\n")
        #expect(sdp.media[0].isDataChannel)
    }

    // MARK: Errors

    @Test func missingVersion() {
        #expect(parseError("o=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n") == SDPError("SDP must start with v=0", line: 1))
        #expect(parseError("v=1\r\n") == SDPError("SDP must start with v=0", line: 1))
        #expect(parseError("") == SDPError("SDP must start with v=0", line: 1))
        #expect(parseError("\r\nv=0\r\n") == SDPError("SDP must start with v=0", line: 1))
    }

    @Test func badMediaPort() {
        let base = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0"]
        func err(_ m: String) -> SDPError? { parseError(joined(base + [m, "a=sendrecv"])) }
        #expect(err("m=audio abc RTP/AVP 0") == SDPError("malformed m= line: port is not a number", line: 5))
        #expect(err("m=audio -1 RTP/AVP 0") == SDPError("malformed m= line: port is not a number", line: 5))
        #expect(err("m=audio +1 RTP/AVP 0") == SDPError("malformed m= line: port is not a number", line: 5))
        #expect(err("m=audio 65536 RTP/AVP 0") == SDPError("malformed m= line: port out of range", line: 5))
        #expect(err("m=audio 99999999999999999999999 RTP/AVP 0") == SDPError("malformed m= line: port out of range", line: 5))
        #expect(err("m=audio 4/0 RTP/AVP 0")?.rule == "malformed m= line: port count is not a number from 1 to 65535")
        #expect(err("m=audio 4/ RTP/AVP 0")?.line == 5)
        #expect(err("m=audio") == SDPError("malformed m= line: missing port", line: 5))
        #expect(err("m=") == SDPError("malformed m= line: no media type", line: 5))
        #expect(err("m=audio 4") == SDPError("malformed m= line: missing transport protocol", line: 5))
        #expect(err("m=audio 4 RTP/AVP") == SDPError("malformed m= line: no formats", line: 5))
        #expect(err("m=audio 65535 RTP/AVP 0") == nil)
    }

    @Test func garbageLines() {
        let bad = "line is not <type>=<value>"
        #expect(parseError("v=0\r\ns=-\r\nhello world\r\n") == SDPError(bad, line: 3))
        #expect(parseError("v=0\ns=-\nt=0 0\nm=audio 1 RTP/AVP 0\n=x\n") == SDPError(bad, line: 5))
        #expect(parseError("v=0\r\ns =-\r\n") == SDPError(bad, line: 2))
        #expect(parseError("v=0\r\ns\r\n") == SDPError(bad, line: 2))
        #expect(parseError("v=0\r\n1=x\r\n") == SDPError(bad, line: 2))
        #expect(parseError("v=0\r\n s=-\r\n") == SDPError(bad, line: 2))
        #expect(parseError("hello\r\n") == SDPError(bad, line: 1))
        #expect(parseError("v=0\r\ns=-\r\n\r\nt=0 0\r\n") == SDPError("empty line inside SDP", line: 3))
        #expect(parseError("v=0\r\ns=a\u{0}b\r\n") == SDPError("line contains a NUL byte", line: 2))
        #expect(parseError("v=0\r\ns=a\rb\r\n") == SDPError("line contains a bare CR", line: 2))
        #expect(parseError("v=0\r\ns=-\r") == SDPError("line contains a bare CR", line: 2))
    }

    @Test func invalidUTF8() {
        let bytes: [UInt8] = Array("v=0\r\ns=".utf8) + [0xC3, 0x28] + Array("\r\n".utf8)
        #expect(throws: SDPError("line is not valid UTF-8", line: 2)) { try SDP(parsing: bytes) }
    }

    @Test func limits() throws {
        let big = "v=0\r\ns=" + String(repeating: "x", count: SDP.maxBytes) + "\r\n"
        #expect(parseError(big)?.rule == "SDP larger than 65536 bytes")

        let many = "v=0\n" + String(repeating: "a=x\n", count: SDP.maxLines)
        #expect(parseError(many) == SDPError("SDP has more than 10000 lines", line: 10_001))
        let justEnough = "v=0\n" + String(repeating: "a=x\n", count: SDP.maxLines - 1)
        #expect(try SDP(parsing: justEnough).lines.count == SDP.maxLines)
    }

    @Test func errorDescription() {
        #expect(SDPError("line is not <type>=<value>", line: 3).description == "line is not <type>=<value> at line 3")
        #expect(SDPError("SDP larger than 65536 bytes", line: 0).description == "SDP larger than 65536 bytes")
    }

    @Test func numericAttributesRejectOddForms() throws {
        let sdp = try SDP(parsing: joined([
            "v=0", "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
            "a=sctp-port:+5000", "a=max-message-size:99999999999999999999",
        ]))
        #expect(sdp.media[0].sctpPort == nil)
        #expect(sdp.media[0].maxMessageSize == nil)
        #expect(parseUnsigned("0"[...], max: 10) == .value(0))
        #expect(parseUnsigned("11"[...], max: 10) == .tooLarge)
        #expect(parseUnsigned("1a"[...], max: 10) == .notNumber)
        #expect(parseUnsigned(""[...], max: 10) == .notNumber)
        #expect(parseUnsigned("99999999999999999999999x"[...], max: Int.max) == .notNumber)
    }

    /// Mutated inputs must give a value or an error, never a trap, and whatever parses must round-trip.
    @Test func mutatedInputsNeverTrap() {
        let seed = Array(joined(imsOfferLines).utf8)
        var rng = SplitMix64(seed: 0x5D9)
        let specials: [UInt8] = [0x00, 0x0D, 0x0A, 0x3D, 0x20, 0x2F, 0x3A, 0x3B, 0x22, 0xFF, 0x6D, 0x30]
        for _ in 0..<2000 {
            var b = seed
            for _ in 0..<(1 + Int(rng.next() % 4)) {
                guard !b.isEmpty else { break }
                let i = Int(rng.next() % UInt64(b.count))
                switch rng.next() % 3 {
                case 0: b[i] = specials[Int(rng.next() % UInt64(specials.count))]
                case 1: b.remove(at: i)
                default: b.insert(specials[Int(rng.next() % UInt64(specials.count))], at: i)
                }
            }
            if let sdp = try? SDP(parsing: b) {
                #expect(sdp.serializedBytes == b)
                for m in sdp.media { _ = (m.dataChannels, m.fingerprints, m.sctpPort, m.maxMessageSize) }
            }
        }
    }
}
