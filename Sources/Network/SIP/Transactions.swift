import SIPCore

/// RFC 3261 §17 timer base values (Table 4), in virtual milliseconds.
public enum SIPTimers {
    public static let t1: Int64 = 500
    public static let t2: Int64 = 4_000
    public static let t4: Int64 = 5_000
    /// Timers B, F, H, J, L, M: 64*T1.
    public static let long: Int64 = 64 * t1
}

/// The transaction user above a `TransactionLayer` (UA core or proxy core).
protocol TransactionUser: AnyObject {
    /// A new request; `transaction` is nil for ACK (which never creates a server transaction).
    func handleRequest(_ request: SIPMessage, transaction: ServerTransaction?, from peer: String)
    /// A response that matches no client transaction (2xx retransmissions after it ended).
    func handleStrayResponse(_ response: SIPMessage, from peer: String)
}

/// What a client transaction reports to, as one object: a proxy keeps what it relays responses
/// with in it (one allocation, where two closures would each copy it).
protocol ClientTransactionOwner: AnyObject {
    /// A response passed up by the transaction (provisional, then final ones).
    func transactionReceived(_ response: SIPMessage)
    /// Timer B / F fired before a final response.
    func transactionTimedOut()
}

/// What matches a message to its transaction (§17.1.3, §17.2.3): top Via branch, method
/// (CSeq method for responses; ACK matches INVITE) and, server side, the peer it came from.
/// Two keys match when all three are equal Strings (the branch as the String it stands for);
/// `TransactionTable` finds them.
struct TransactionKey: Equatable {
    var branch: TransactionBranch
    var method: String
    var peer: String

    init(branch: TransactionBranch, method: String, peer: String = "") {
        self.branch = branch
        self.method = method
        self.peer = peer
    }

    init(branch: String, method: String, peer: String = "") {
        self.init(branch: TransactionBranch(branch), method: method, peer: peer)
    }
}

/// A transaction held in a `TransactionTable`.
protocol KeyedTransaction: AnyObject {
    var key: TransactionKey { get }
}

/// A client transaction (§17.1): INVITE (timers A, B, D; RFC 6026 accepted state, timer M)
/// or non-INVITE (timers E, F, K). Retransmits only over unreliable transports. It is the
/// handle of its own timers: they are only ever cancelled together, when it terminates.
final class ClientTransaction: TimerHandle, KeyedTransaction, TimerTarget {
    enum State { case calling, proceeding, completed, accepted, terminated }
    let key: TransactionKey
    /// What is sent and retransmitted. (The request itself is not kept as well: an edited one
    /// would keep its old storage alive beside the serialisation.)
    let wire: WireMessage
    let peer: String
    let isInvite: Bool
    let reliable: Bool
    var state: State = .calling
    var interval = SIPTimers.t1
    var ack: WireMessage?
    /// Whom responses and the timeout go to.
    enum Callbacks {
        case closures(onResponse: (SIPMessage) -> Void, onTimeout: () -> Void)
        case owner(ClientTransactionOwner)
    }
    let callbacks: Callbacks
    /// Strong, and cleared when the transaction terminates or the layer is torn down
    /// (`TransactionLayer.detachAll`): a weak reference would give the layer a side table,
    /// which puts every retain and release of it on the slow path.
    var layer: TransactionLayer?

    /// `method`: the request's (read once by the layer).
    init(key: TransactionKey, request: consuming SIPMessage, method: String?, peer: String, reliable: Bool, callbacks: Callbacks) {
        self.key = key
        self.wire = request.intoWire()
        self.peer = peer
        self.isInvite = method == "INVITE"
        self.reliable = reliable
        self.callbacks = callbacks
        super.init()
    }

    func onResponse(_ response: SIPMessage) {
        switch callbacks {
        case .closures(let onResponse, _): onResponse(response)
        case .owner(let owner): owner.transactionReceived(response)
        }
    }

    func onTimeout() {
        switch callbacks {
        case .closures(_, let onTimeout): onTimeout()
        case .owner(let owner): owner.transactionTimedOut()
        }
    }

    func timerFired(_ code: Int) {
        guard let timer = TransactionLayer.ClientTimer(rawValue: code) else { return }
        TransactionLayer.fire(timer, self, layer)
    }
}

/// A server transaction (§17.2): INVITE (timers G, H, I; accepted state, timer L) or
/// non-INVITE (timer J). Absorbs retransmitted requests by resending the last response.
final class ServerTransaction: KeyedTransaction, TimerTarget {
    enum State { case proceeding, completed, confirmed, accepted, terminated }
    let key: TransactionKey
    let request: SIPMessage
    let peer: String
    let isInvite: Bool
    let reliable: Bool
    var state: State = .proceeding
    var lastResponse: WireMessage?
    var interval = SIPTimers.t1
    /// Strong, cleared like a client transaction's.
    var layer: TransactionLayer?
    /// Set for a request matched the RFC 2543 way (no magic-cookie branch): what it is matched by.
    var legacyID: LegacyRequestID?
    /// The To tag of the final response sent, which an RFC 2543 ACK is matched against.
    var legacyResponseToTag: String?

    /// `method`: the request's (read once by the layer).
    init(key: TransactionKey, request: SIPMessage, method: String?, peer: String, reliable: Bool) {
        self.key = key
        self.request = request
        self.peer = peer
        self.isInvite = method == "INVITE"
        self.reliable = reliable
    }

    /// Sends a response through the transaction (to the peer the request came from).
    func respond(_ response: consuming SIPMessage, note: String = "") {
        layer?.send(response, in: self, note: note)
    }

    func timerFired(_ code: Int) {
        guard let timer = TransactionLayer.ServerTimer(rawValue: code) else { return }
        layer?.fire(timer, self)
    }
}

/// The transaction layer of one actor.
final class TransactionLayer {
    let owner: String
    let scheduler: Scheduler
    let transport: Transport
    /// Not counted: the user owns this layer and is only called while it hands the layer a
    /// message (`receive`), so it is alive then. (A weak reference would put every retain of
    /// the user on the slow side-table path; a checked unowned one costs two atomic updates a
    /// message.)
    unowned(unsafe) var user: TransactionUser?
    private var clients = TransactionTable<ClientTransaction>()
    private var servers = TransactionTable<ServerTransaction>()
    /// Server transactions of requests without a magic-cookie branch (§17.2.3).
    private var legacyServers = LegacyTransactions()
    /// Called for bytes that do not parse (traced by the actor).
    var onUnparsable: ((_ bytes: [UInt8], _ peer: String, _ error: String) -> Void)?

    /// `peers`: the actors linked to `owner`, whose hops' reliability is read once here.
    init(owner: String, scheduler: Scheduler, transport: Transport, peers: [String] = []) {
        self.owner = owner
        self.scheduler = scheduler
        self.transport = transport
        var reliability = ActorNameMap<Bool>()
        for p in peers { reliability[p] = Self.reliable(transport, from: owner, to: p) }
        self.reliability = reliability
    }

    var activeCount: Int { clients.count + servers.count + legacyServers.count }

    /// Whether the hop to each linked peer is reliable, asked once (links are fixed for a run;
    /// a constant needs no exclusivity check on each lookup).
    private let reliability: ActorNameMap<Bool>

    private func reliable(_ peer: String) -> Bool {
        reliability[peer] ?? Self.reliable(transport, from: owner, to: peer)
    }

    /// No hop (no link) counts as reliable: nothing is retransmitted into the void.
    private static func reliable(_ transport: Transport, from owner: String, to peer: String) -> Bool {
        transport.transportKind(from: owner, to: peer)?.isReliable ?? true
    }

    /// The key of a request this layer sends: top Via branch and CSeq method.
    static func clientKey(_ m: SIPMessage) -> TransactionKey? {
        guard let method = m.cseqMethodName else { return nil }
        var key: TransactionKey?
        m.withTopViaBranch { b in key = b.map { TransactionKey(branch: TransactionBranch(bytes: $0), method: method) } }
        return key
    }

    /// The method a request's server transaction is keyed by: ACK matches INVITE.
    static func serverMethod(_ method: String) -> String { method == "ACK" ? "INVITE" : method }

    /// A received message's transaction in `table`, if its key (branch from the top Via) has one.
    private enum Match<Tx> {
        /// The message has no key (no branch, or no method).
        case none
        case found(Tx)
        /// No transaction has the key; a new one would. (Its branch: the method and peer are
        /// the caller's, and a smaller payload keeps copies of a match cheap.)
        case absent(TransactionBranch)
        /// Only with `legacy`: a request whose top Via has no branch or one without the magic
        /// cookie, matched by §17.2.3's RFC 2543 rules instead.
        case legacy
    }

    private static func match<Tx>(_ m: SIPMessage, method: String?, peer: String, in table: TransactionTable<Tx>,
                                  legacy: Bool = false) -> Match<Tx> {
        // The parts, set in the closure and put together once: a `Match` assigned there would
        // be copied and destroyed (with the key it may hold) on each assignment.
        var isLegacy = false, found: Tx?, branch: TransactionBranch?
        m.withTopViaBranch { b in
            if legacy, b.map({ !Self.hasMagicCookie($0) }) ?? (m.topVia != nil) {
                isLegacy = true
                return
            }
            guard let b, let method else { return }
            found = table.find(branch: b, method: method, peer: peer)
            if found == nil { branch = TransactionBranch(bytes: b) }
        }
        if isLegacy { return .legacy }
        if let found { return .found(found) }
        return branch.map(Match.absent) ?? .none
    }

    /// Whether a branch starts with `z9hG4bK` (§8.1.1.7), compared in place.
    private static func hasMagicCookie(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let cookie: StaticString = "z9hG4bK"
        guard b.count >= cookie.utf8CodeUnitCount else { return false }
        for k in 0..<cookie.utf8CodeUnitCount where b[k] != cookie.utf8Start[k] { return false }
        return true
    }

    // MARK: Client side

    /// Starts a client transaction for `request` (which must carry its own top Via).
    /// (`request` is taken over: its wire form is made without a copy.)
    func sendRequest(_ request: consuming SIPMessage, to peer: String, note: String = "",
                     onResponse: @escaping (SIPMessage) -> Void, onTimeout: @escaping () -> Void) {
        sendRequest(request, to: peer, note: note, .closures(onResponse: onResponse, onTimeout: onTimeout))
    }

    /// `sendRequest` reporting to `owner`.
    func sendRequest(_ request: consuming SIPMessage, to peer: String, note: String = "", owner: ClientTransactionOwner) {
        sendRequest(request, to: peer, note: note, .owner(owner))
    }

    private func sendRequest(_ request: consuming SIPMessage, to peer: String, note: String, _ callbacks: ClientTransaction.Callbacks) {
        let method = request.method
        if method == "ACK" {
            transport.send(request.intoWire(), from: owner, to: peer, note: note)
            return
        }
        guard let key = Self.clientKey(request) else {
            transport.send(request.intoWire(), from: owner, to: peer, note: note)
            return
        }
        let tx = ClientTransaction(key: key, request: consume request, method: method, peer: peer, reliable: reliable(peer),
                                   callbacks: callbacks)
        tx.layer = self
        clients.set(tx)
        transport.send(tx.wire, from: owner, to: peer, note: note)
        if !tx.reliable { armRetransmit(tx) }
        after(SIPTimers.long, tx, .noFinalResponse)
    }

    /// What a client transaction timer does when it fires.
    enum ClientTimer: Int { case retransmit, noFinalResponse, terminate }

    /// A timer armed on the transaction itself (no closure to allocate). The transaction is
    /// held strongly by its timers, as they are cancelled when it terminates; it holds the
    /// layer weakly.
    private func after(_ ms: Int64, _ tx: ClientTransaction, _ timer: ClientTimer) {
        scheduler.schedule(afterMs: ms, cancelledBy: tx, target: tx, code: timer.rawValue)
    }

    static func fire(_ timer: ClientTimer, _ tx: ClientTransaction, _ layer: TransactionLayer?) {
        // Detached (its actor is gone): nothing to report to.
        guard let layer else { return }
        switch timer {
        case .retransmit: layer.retransmit(tx)
        case .noFinalResponse:
            // Timer B / F: no final response in time.
            guard tx.state == .calling || (!tx.isInvite && tx.state == .proceeding) else { return }
            layer.terminate(tx)
            tx.onTimeout()
        case .terminate: layer.terminate(tx)
        }
    }

    /// Timer A (INVITE, doubling) or E (non-INVITE, doubling up to T2).
    private func armRetransmit(_ tx: ClientTransaction) {
        after(tx.interval, tx, .retransmit)
    }

    private func retransmit(_ tx: ClientTransaction) {
        let active = tx.isInvite ? tx.state == .calling : (tx.state == .calling || tx.state == .proceeding)
        guard active else { return }
        transport.send(tx.wire, from: owner, to: tx.peer,
                       note: "retransmission (Timer \(tx.isInvite ? "A" : "E"), \(tx.interval) ms)")
        if tx.isInvite {
            tx.interval *= 2
        } else {
            tx.interval = tx.state == .proceeding ? SIPTimers.t2 : min(tx.interval * 2, SIPTimers.t2)
        }
        armRetransmit(tx)
    }

    private func terminate(_ tx: ClientTransaction) {
        tx.state = .terminated
        tx.cancel()
        clients.remove(key: tx.key)
        tx.layer = nil
    }

    private func receiveResponse(_ m: SIPMessage, from peer: String) {
        guard let method = m.cseqMethodName, let code = m.statusCode,
              case .found(let tx) = Self.match(m, method: method, peer: "", in: clients) else {
            user?.handleStrayResponse(m, from: peer)
            return
        }
        switch code {
        case 100..<200:
            guard tx.state == .calling || tx.state == .proceeding else { return }
            tx.state = .proceeding
            tx.onResponse(m)
        case 200..<300:
            guard tx.state != .completed else { return }
            if tx.isInvite {
                if tx.state != .accepted {
                    tx.state = .accepted
                    after(SIPTimers.long, tx, .terminate)  // Timer M
                }
                tx.onResponse(m)
            } else {
                guard tx.state != .accepted else { return }
                complete(tx)
                tx.onResponse(m)
            }
        default:
            if tx.isInvite {
                if tx.state == .completed {
                    if let ack = tx.ack { transport.send(ack, from: owner, to: tx.peer, note: "ACK retransmitted for repeated final response") }
                    return
                }
                guard tx.state == .calling || tx.state == .proceeding else { return }
                let ack = (tx.wire.parsed ?? (try? SIPMessage(parsing: tx.wire.bytes))).flatMap { Self.ackForNon2xx($0, response: m) }
                tx.ack = ack?.wire
                if let ack = tx.ack { transport.send(ack, from: owner, to: tx.peer, note: "ACK for non-2xx (in the transaction)") }
                complete(tx)
                tx.onResponse(m)
            } else {
                guard tx.state == .calling || tx.state == .proceeding else { return }
                complete(tx)
                tx.onResponse(m)
            }
        }
    }

    /// Completed: Timer D (INVITE, 32 s unreliable) or K (non-INVITE, T4 unreliable); 0 if reliable.
    private func complete(_ tx: ClientTransaction) {
        tx.state = .completed
        let wait: Int64 = tx.reliable ? 0 : (tx.isInvite ? 32_000 : SIPTimers.t4)
        after(wait, tx, .terminate)
    }

    /// §17.1.1.3: same Request-URI, Call-ID, From, top Via and Route; To from the response.
    static func ackForNon2xx(_ request: SIPMessage, response: SIPMessage) -> SIPMessage? {
        guard let uri = request.requestURIText, let via = request.values(.via).first,
              let cseq = request.cseqValue else { return nil }
        var text = "ACK \(uri) SIP/2.0\r\nVia: \(via)\r\n"
        for r in request.values(.route) { text += "Route: \(r)\r\n" }
        text += "Max-Forwards: 70\r\n"
        text += "From: \(request.value(.from) ?? "")\r\nTo: \(response.value(.to) ?? request.value(.to) ?? "")\r\n"
        text += "Call-ID: \(request.value(.callID) ?? "")\r\nCSeq: \(cseq.sequence) ACK\r\nContent-Length: 0\r\n\r\n"
        return try? SIPMessage(parsing: text)
    }

    // MARK: Server side

    private func receiveRequest(_ m: SIPMessage, from peer: String) {
        let method = m.method
        var match = Self.match(m, method: method.map(Self.serverMethod), peer: peer, in: servers, legacy: true)
        var legacyID: LegacyRequestID?
        if case .legacy = match {
            legacyID = LegacyRequestID(m)
            match = legacyMatch(legacyID, method: method, peer: peer)
        }
        // One switch over the match: each `if case` on it would copy the branch it may hold.
        switch match {
        case .none, .legacy:
            // No branch: still hand it up (the TU answers 400 or ignores it).
            user?.handleRequest(m, transaction: nil, from: peer)
        case .found(let tx):
            guard method == "ACK" else {
                // A retransmission: resend the last response, never bother the TU.
                if let last = tx.lastResponse, tx.state != .accepted {
                    transport.send(last, from: owner, to: peer, note: "response retransmitted for repeated request")
                }
                return
            }
            if tx.isInvite {
                if tx.state == .completed {
                    tx.state = .confirmed
                    let wait = tx.reliable ? 0 : SIPTimers.t4  // Timer I
                    after(wait, tx, .terminate)
                }
                if tx.state == .confirmed { return }
            }
            user?.handleRequest(m, transaction: nil, from: peer)
        case .absent(let branch):
            guard let method, method != "ACK" else {
                user?.handleRequest(m, transaction: nil, from: peer)
                return
            }
            let key = TransactionKey(branch: branch, method: Self.serverMethod(method), peer: peer)
            let tx = ServerTransaction(key: key, request: m, method: method, peer: peer, reliable: reliable(peer))
            tx.layer = self
            if let legacyID {
                tx.legacyID = legacyID
                legacyServers.add(tx, legacyID)
            } else {
                servers.add(tx)
            }
            user?.handleRequest(m, transaction: tx, from: peer)
        }
    }

    /// §17.2.3 for a request without a magic-cookie branch: its transaction, if one matches;
    /// none when the request lacks what it is matched by (then it gets no transaction).
    private func legacyMatch(_ id: LegacyRequestID?, method: String?, peer: String) -> Match<ServerTransaction> {
        guard let id, let method else { return .none }
        if let tx = legacyServers.find(id, peer: peer) { return .found(tx) }
        // Never in the branch table: the key only names the method and peer.
        return .absent(TransactionBranch(""))
    }

    /// `response` is taken over: it becomes the wire form's parse without a copy.
    func send(_ response: consuming SIPMessage, in tx: ServerTransaction, note: String) {
        guard let code = response.statusCode, tx.state == .proceeding || (tx.state == .accepted && (200..<300).contains(code)) else { return }
        // Read before the response is handed over: an RFC 2543 ACK is matched against it.
        if tx.legacyID != nil, code >= 200 { tx.legacyResponseToTag = response.addressValue(.to)?.tag }
        let wire = response.intoWire()
        transport.send(wire, from: owner, to: tx.peer, note: note)
        tx.lastResponse = wire  // last: the local is moved in, not copied
        if code < 200 { return }
        if tx.isInvite {
            if code < 300 {
                if tx.state != .accepted {
                    tx.state = .accepted
                    after(SIPTimers.long, tx, .terminate)  // Timer L
                }
            } else {
                tx.state = .completed
                if !tx.reliable { armTimerG(tx) }
                after(SIPTimers.long, tx, .terminateIfCompleted)  // Timer H
            }
        } else {
            tx.state = .completed
            let wait = tx.reliable ? 0 : SIPTimers.long  // Timer J
            after(wait, tx, .terminate)
        }
    }

    /// What a server transaction timer does when it fires.
    enum ServerTimer: Int { case terminate, terminateIfCompleted, retransmitFinal }

    /// Server timers are never cancelled: no handle.
    private func after(_ ms: Int64, _ tx: ServerTransaction, _ timer: ServerTimer) {
        scheduler.schedule(afterMs: ms, cancelledBy: nil, target: tx, code: timer.rawValue)
    }

    func fire(_ timer: ServerTimer, _ tx: ServerTransaction) {
        switch timer {
        case .terminate: terminate(tx)  // Timers I, J, L
        case .terminateIfCompleted:  // Timer H
            if tx.state == .completed { terminate(tx) }
        case .retransmitFinal:  // Timer G
            guard tx.state == .completed, let last = tx.lastResponse else { return }
            transport.send(last, from: owner, to: tx.peer, note: "final response retransmitted (Timer G, \(tx.interval) ms)")
            tx.interval = min(tx.interval * 2, SIPTimers.t2)
            armTimerG(tx)
        }
    }

    private func armTimerG(_ tx: ServerTransaction) {
        after(tx.interval, tx, .retransmitFinal)
    }

    /// Also what a timer of a transaction already terminated does: nothing more (it is no
    /// longer in the table), so timers may hold their transaction strongly (no side table).
    private func terminate(_ tx: ServerTransaction) {
        tx.state = .terminated
        if tx.legacyID != nil { legacyServers.remove(tx) } else { servers.remove(tx) }
        tx.layer = nil
    }

    /// Lets go of every transaction (the layer's owner is gone): each holds the layer until it
    /// terminates, and one whose timer is still queued must not reach it any more.
    func detachAll() {
        clients.removeAll { tx in
            tx.layer = nil
            tx.cancel()  // its queued timers are skipped
        }
        servers.removeAll { $0.layer = nil }
        legacyServers.removeAll { $0.layer = nil }
    }

    // MARK: Input

    func receive(_ bytes: [UInt8], from peer: String) {
        let m: SIPMessage
        do { m = try SIPMessage(parsing: bytes) } catch {
            onUnparsable?(bytes, peer, String(describing: error))
            return
        }
        receive(m, from: peer)
    }

    /// A message already parsed from the bytes that arrived.
    func receive(_ m: SIPMessage, from peer: String) {
        if m.isRequest { receiveRequest(m, from: peer) } else { receiveResponse(m, from: peer) }
    }
}
