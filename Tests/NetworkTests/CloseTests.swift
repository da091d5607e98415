@testable import Network
import Testing

/// Actors and their transport hold each other, and pending events hold transactions: without
/// `close()` every network a long run makes would stay in memory.
@Suite struct CloseTests {
    /// Weak references to every actor of a network left mid-call (timers pending), then closed.
    private func actorsAfterClose(close: Bool) throws -> [Element?] {
        final class Weak { weak var e: Element?; init(_ e: Element) { self.e = e } }
        var refs: [Weak] = []
        do {
            let net = try Fixtures.registered(Fixtures.spec())
            try net.call(from: "alice", to: "bob", id: "c1")
            net.advance(ms: 5)
            #expect(net.scheduler.pendingCount > 0)
            refs = net.elements.values.map(Weak.init)
            if close { net.close() }
        }
        return refs.map(\.e)
    }

    @Test func closedNetworkFreesItsActors() throws {
        let after = try actorsAfterClose(close: true)
        #expect(after.count >= 4)
        #expect(after.allSatisfy { $0 == nil })
    }

    /// The reason for `close()`: the cycle is real (if this starts failing, the cycle is gone
    /// and `close()` may be simplified).
    @Test func unclosedNetworkKeepsItsActors() throws {
        #expect(try actorsAfterClose(close: false).contains { $0 != nil })
    }
}
