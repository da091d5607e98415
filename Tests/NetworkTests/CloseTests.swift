@testable import Network
import SIPCore
import Testing

/// Actors and their transport hold each other, and pending events hold transactions: without
/// `close()` every network a long run makes would stay in memory.
@Suite struct CloseTests {
    /// Weak references to every actor of a network left mid-call (timers pending), then closed,
    /// and to their transaction layers (which live transactions hold).
    private func actorsAfterClose(close: Bool) throws -> [Element?] {
        try objectsAfterClose(close: close).actors
    }

    private func objectsAfterClose(close: Bool) throws -> (actors: [Element?], layers: [TransactionLayer?]) {
        final class Weak<T: AnyObject> { weak var o: T?; init(_ o: T) { self.o = o } }
        var actors: [Weak<Element>] = [], layers: [Weak<TransactionLayer>] = []
        do {
            let net = try Fixtures.registered(Fixtures.spec())
            try net.call(from: "alice", to: "bob", id: "c1")
            net.advance(ms: 5)
            #expect(net.scheduler.pendingCount > 0)
            #expect(net.elements.values.contains { $0.layer.activeCount > 0 })
            actors = net.elements.values.map(Weak.init)
            layers = net.elements.values.map { Weak($0.layer) }
            if close { net.close() }
        }
        return (actors.map(\.o), layers.map(\.o))
    }

    @Test func closedNetworkFreesItsActors() throws {
        let after = try actorsAfterClose(close: true)
        #expect(after.count >= 4)
        #expect(after.allSatisfy { $0 == nil })
    }

    /// Live transactions hold their layer; an actor's end lets go of them, so the layer goes too.
    @Test func closedNetworkFreesTransactionLayers() throws {
        let after = try objectsAfterClose(close: true).layers
        #expect(after.count >= 4)
        #expect(after.allSatisfy { $0 == nil })
    }

    /// A transaction left queued when its actor goes is inert: no retransmission, no timeout
    /// reported to an owner that may be gone, and its layer is let go.
    @Test func detachedClientTransactionDoesNothingMore() throws {
        let scheduler = VirtualScheduler()
        let wire = LegacyMatchingTests.Wire()
        var layer: TransactionLayer? = TransactionLayer(owner: "uac", scheduler: scheduler, transport: wire, peers: ["uas"])
        weak let gone = layer
        var timedOut = 0
        let request = try SIPMessage(parsing: LegacyMatchingTests.request("OPTIONS", via: "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKd1",
                                                                          cseq: "1 OPTIONS"))
        layer?.sendRequest(request, to: "uas", onResponse: { _ in }, onTimeout: { timedOut += 1 })
        scheduler.advance(ms: 600)  // Timer E once
        #expect(wire.sent.count == 2)
        layer?.detachAll()
        layer = nil
        #expect(gone == nil)
        #expect(scheduler.runUntilIdle())
        #expect(wire.sent.count == 2)
        #expect(timedOut == 0)
    }

    /// The reason for `close()`: the cycle is real (if this starts failing, the cycle is gone
    /// and `close()` may be simplified).
    @Test func unclosedNetworkKeepsItsActors() throws {
        #expect(try actorsAfterClose(close: false).contains { $0 != nil })
    }
}
