import SIPCore

/// A stateful proxy (RFC 3261 §16) whose behaviour is its rule list: P-CSCF, S-CSCF, I-CSCF,
/// IBCF and the application servers. Adds Via and Record-Route, decrements Max-Forwards,
/// forwards through a client transaction and relays responses through the server transaction.
class ProxyElement: Element {
    /// The rules, each boxed once as its concrete type (see `RuleCall`).
    private var pipeline: [RuleCall] = []

    /// The rule list of this role; subclasses provide it.
    func makeRules() -> [any ProxyRule] { [] }

    func setUp() { pipeline = makeRules().map { RuleCall.make($0) } }

    /// `record_route`, read once (policies are fixed for a run).
    private lazy var recordsRoute = policy.bool("record_route")

    /// Record-Route value of this element (its host is fixed for a run, like the Via prefixes).
    private(set) lazy var recordRouteValue = ctx.looseRoute(to: name)

    override func handleRequest(_ request: SIPMessage, transaction tx: ServerTransaction?, from peer: String) {
        if request.method == "INVITE", let tx { respond(to: request, tx, peer: peer, status: 100, reason: "Trying") }
        var x = ProxyExchange(request: request, in: tx, peer: peer, traced: ctx.trace.enabled)
        guard process(&x, request, tx, peer: peer) else { return }
        forward(consume x, tx)
    }

    /// Max-Forwards, Route pre-processing and the request rules, applied to `x` (made from
    /// `request`); false when the request was answered here instead. (In place: an exchange
    /// returned as an optional was copied on its way to `forward`.)
    private func process(_ x: inout ProxyExchange, _ request: SIPMessage, _ tx: ServerTransaction?, peer: String) -> Bool {
        // Max-Forwards (§16.3 step 3).
        let hops = request.maxForwardsValue?.hops ?? 70
        if hops == 0 {
            respond(to: request, tx, peer: peer, status: 483, reason: "Too Many Hops", note: "\(name): Max-Forwards reached 0")
            return false
        }
        x.request.setHeader("Max-Forwards", String(hops - 1))
        // Route pre-processing (§16.4): the top Route naming this element is removed.
        // An element passed several times (S-CSCF around its ASs) finds itself several times.
        if actorOfTopRoute(request) == name {
            x.routedHere = true
            // The top entry is still x.request's first (only Max-Forwards changed): drop it,
            // then any further entries naming this element.
            x.request.dropFirstListValue(.route)
            while actorOfTopRoute(x.request) == name { x.request.dropFirstListValue(.route) }
        }
        for rule in pipeline {
            rule.onRequest(&x, self)
            if x.stopped { break }
        }
        if let r = x.response {
            if let tx { tx.respond(r, note: x.changes.joined(separator: "; ")) }
            return false
        }
        if let (status, reason, extra) = x.rejection {
            respond(to: request, tx, peer: peer, status: status, reason: reason, extra: extra,
                    note: x.changes.joined(separator: "; "))
            return false
        }
        return true
    }

    /// Picks the next hop, runs egress rules, adds Via / Record-Route and sends.
    func forward(_ x: consuming ProxyExchange, _ tx: ServerTransaction?) {
        let next = x.nextHop ?? actorOfTopRoute(x.request) ?? actorOfRequestURI(x.request)
        guard let next, next != name else {
            note("Routing", "no next hop for \(x.request.summary)")
            respond(to: x.request, tx, peer: x.peer, status: 404, reason: "Not Found")
            return
        }
        for rule in pipeline { rule.onEgress(&x, self, next: next) }
        x.request.prependHeader("Via", via(to: next))
        if recordsRoute, x.method == "INVITE", x.isInitial {
            x.request.prependHeader("Record-Route", recordRouteValue)
        }
        let note = x.changes.joined(separator: "; ")
        guard let tx else {
            layer.sendRequest(x.request, to: next, note: note, onResponse: { _ in }, onTimeout: {})
            return
        }
        let forwarded = Forwarded(x, tx, next: next, by: self)
        layer.sendRequest(forwarded.exchange.request, to: next, note: note, owner: forwarded)
    }

    /// No final response from `next` in time: 408 upstream.
    fileprivate func timedOut(_ x: ProxyExchange, _ tx: ServerTransaction, next: String) {
        note("Transaction", "no final response from \(next) for \(x.request.summary): 408")
        respond(to: tx.request, tx, peer: tx.peer, status: 408, reason: "Request Timeout")
    }

    /// Passes a response back upstream: top Via removed, response rules applied.
    func relay(_ response: SIPMessage, _ x: ProxyExchange, _ tx: ServerTransaction) {
        guard let code = response.statusCode, code != 100 else { return }
        var r = response
        r.dropFirstListValue(.via)
        for rule in pipeline { rule.onResponse(&r, request: x, self) }
        tx.respond(consume r)
    }
}

/// A rule boxed once, at set-up, as its concrete type: a call through the box borrows the rule
/// in place, where a call on an `any ProxyRule` read from an array copies its existential.
private class RuleCall {
    static func make(_ rule: some ProxyRule) -> RuleCall { Boxed(rule) }
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {}
    func onEgress(_ x: inout ProxyExchange, _ e: ProxyElement, next: String) {}
    func onResponse(_ response: inout SIPMessage, request: ProxyExchange, _ e: ProxyElement) {}
}

private final class Boxed<Rule: ProxyRule>: RuleCall {
    let rule: Rule
    init(_ rule: Rule) { self.rule = rule }
    override func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) { rule.onRequest(&x, e) }
    override func onEgress(_ x: inout ProxyExchange, _ e: ProxyElement, next: String) { rule.onEgress(&x, e, next: next) }
    override func onResponse(_ response: inout SIPMessage, request: ProxyExchange, _ e: ProxyElement) {
        rule.onResponse(&response, request: request, e)
    }
}

/// A request forwarded through a client transaction, with what its responses are relayed
/// with (held by reference: the exchange is not copied again for each callback).
private final class Forwarded: ClientTransactionOwner {
    let exchange: ProxyExchange
    let tx: ServerTransaction
    let next: String
    /// Unowned, as the transaction that holds this is the element's own (a weak reference
    /// would put every retain of the element on the slow side-table path).
    unowned let element: ProxyElement

    init(_ exchange: consuming ProxyExchange, _ tx: ServerTransaction, next: String, by element: ProxyElement) {
        self.exchange = exchange
        self.tx = tx
        self.next = next
        self.element = element
    }

    func transactionReceived(_ response: SIPMessage) { element.relay(response, exchange, tx) }
    func transactionTimedOut() { element.timedOut(exchange, tx, next: next) }
}
