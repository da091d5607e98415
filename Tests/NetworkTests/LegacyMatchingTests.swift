@testable import Network
import SIPCore
import Testing

/// RFC 3261 §17.2.3 server transaction matching for requests whose top Via has no
/// magic-cookie branch (RFC 2543 peers): by Request-URI, tags, Call-ID, CSeq and top Via.
@Suite struct LegacyMatchingTests {
    /// Records what the layer sends.
    final class Wire: Transport {
        var sent: [String] = []
        func send(_ bytes: [UInt8], from: String, to: String, note: String) -> Bool {
            sent.append(String(decoding: bytes, as: UTF8.self))
            return true
        }
        func transportKind(from: String, to: String) -> TransportKind? { .udp }
        func address(of actor: String) -> SocketAddress? { nil }
        func attach(_ receiver: MessageReceiver, as name: String) {}
    }

    /// Answers every request it is handed with `status` (To tag "uas"); counts them.
    final class Answerer: TransactionUser {
        var handed: [(method: String, withTransaction: Bool)] = []
        let status: Int
        init(status: Int) { self.status = status }
        func handleRequest(_ request: SIPMessage, transaction: ServerTransaction?, from peer: String) {
            handed.append((request.method ?? "", transaction != nil))
            if let transaction, let r = MessageText.response(to: request, status: status, reason: "Answer", toTag: "uas") {
                transaction.respond(r)
            }
        }
        func handleStrayResponse(_ response: SIPMessage, from peer: String) {}
    }

    struct Setup {
        let scheduler = VirtualScheduler()
        let wire = Wire()
        let user: Answerer
        let layer: TransactionLayer

        init(status: Int = 486) {
            user = Answerer(status: status)
            layer = TransactionLayer(owner: "uas", scheduler: scheduler, transport: wire, peers: ["uac"])
            layer.user = user
        }

        func receive(_ text: String) { layer.receive(Array(text.utf8), from: "uac") }
        var responsesSent: Int { wire.sent.filter { $0.hasPrefix("SIP/2.0") }.count }
    }

    static func request(_ method: String = "INVITE", uri: String = "sip:bob@example.com",
                        via: String = "SIP/2.0/UDP 192.0.2.1:5060", callID: String = "c1", cseq: String = "1 INVITE",
                        toTag: String? = nil) -> String {
        "\(method) \(uri) SIP/2.0\r\nVia: \(via)\r\nMax-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\n"
            + "To: <sip:bob@example.com>\(toTag.map { ";tag=\($0)" } ?? "")\r\nCall-ID: \(callID)\r\nCSeq: \(cseq)\r\n"
            + "Content-Length: 0\r\n\r\n"
    }

    @Test func retransmittedInviteWithoutBranchIsAbsorbedAndAnsweredAgain() {
        let s = Setup()
        s.receive(Self.request())
        // The same request, written differently where §19.1.4 and §20.42 allow it.
        s.receive(Self.request(uri: "sip:%62ob@Example.COM", via: "sip/2.0/udp 192.0.2.1:5060"))
        #expect(s.user.handed.count == 1)
        #expect(s.responsesSent == 2, "the final response is sent again for the retransmission")
        #expect(s.layer.activeCount == 1)
    }

    @Test func differentRequestsWithoutBranchGetTheirOwnTransactions() {
        let s = Setup()
        s.receive(Self.request())
        s.receive(Self.request(callID: "c2"))
        s.receive(Self.request(cseq: "2 INVITE"))
        s.receive(Self.request(uri: "sip:bob@example.com:5060"))  // an explicit port is another URI
        s.receive(Self.request(via: "SIP/2.0/UDP 192.0.2.9:5060"))
        s.receive(Self.request(toTag: "other"))
        #expect(s.user.handed.count == 6)
        #expect(s.user.handed.allSatisfy { $0.withTransaction })
        #expect(s.layer.activeCount == 6)
    }

    /// A branch without the magic cookie is not unique (RFC 2543): two requests that share it
    /// are told apart by the rest, where branch matching would take the second for a
    /// retransmission of the first and never hand it up.
    @Test func sharedNonCookieBranchDoesNotMergeRequests() {
        let s = Setup()
        s.receive(Self.request(via: "SIP/2.0/UDP 192.0.2.1:5060;branch=1"))
        s.receive(Self.request(via: "SIP/2.0/UDP 192.0.2.1:5060;branch=1", callID: "c2"))
        #expect(s.user.handed.count == 2)
        // With the cookie, the same branch is one transaction (RFC 3261 matching).
        let t = Setup()
        t.receive(Self.request(via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1"))
        t.receive(Self.request(via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1", callID: "c2"))
        #expect(t.user.handed.count == 1)
    }

    @Test func ackForTheFinalResponseIsAbsorbedOnlyWithItsToTag() {
        let s = Setup()
        s.receive(Self.request())
        // An ACK whose To tag is not the response's is not this transaction's: handed up.
        s.receive(Self.request("ACK", cseq: "1 ACK", toTag: "someone-else"))
        #expect(s.user.handed.map(\.method) == ["INVITE", "ACK"])
        s.receive(Self.request("ACK", cseq: "1 ACK", toTag: "UAS"))  // tags compare case-insensitively
        s.receive(Self.request("ACK", cseq: "1 ACK", toTag: "uas"))
        #expect(s.user.handed.map(\.method) == ["INVITE", "ACK"], "the transaction's ACKs never reach the TU")
        // Confirmed: Timer I (T4 on UDP) ends the transaction.
        s.scheduler.advance(ms: SIPTimers.t4)
        #expect(s.layer.activeCount == 0)
    }

    @Test func nonInviteTransactionsEndAfterTimerJ() {
        let s = Setup(status: 200)
        for _ in 0..<3 { s.receive(Self.request("OPTIONS", cseq: "5 OPTIONS")) }
        s.receive(Self.request("OPTIONS", cseq: "5 OPTIONS", toTag: "x"))  // To tag differs: another request
        #expect(s.user.handed.count == 2)
        #expect(s.responsesSent == 4)
        s.scheduler.advance(ms: SIPTimers.long - 1)
        #expect(s.layer.activeCount == 2)
        s.scheduler.advance(ms: 1)
        #expect(s.layer.activeCount == 0)
        // Gone: the same request is new again.
        s.receive(Self.request("OPTIONS", cseq: "5 OPTIONS"))
        #expect(s.user.handed.count == 3)
    }

    @Test func requestsMissingWhatTheyAreMatchedByGetNoTransaction() {
        let s = Setup()
        let noCallID = Self.request().replacingOccurrences(of: "Call-ID: c1\r\n", with: "")
        s.receive(noCallID)
        s.receive(noCallID)
        #expect(s.user.handed.count == 2, "each copy is handed up, as nothing tells it from a new request")
        #expect(s.user.handed.allSatisfy { !$0.withTransaction })
        #expect(s.layer.activeCount == 0)
    }
}
