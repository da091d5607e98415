import Identity
import SIPCore

/// Originating or terminating handling (TS 24.229 session cases).
enum SessionCase: String { case originating, terminating, unknown }

/// What a proxy rule works on while one request passes the element.
struct ProxyExchange {
    var request: SIPMessage
    /// The previous hop (actor name).
    let peer: String
    let method: String
    /// The request as it arrived, whose To `isInitial` reads on first use: its server
    /// transaction holds it (no copy is kept here); one without (an ACK) is copied.
    private let arrivedIn: ServerTransaction?
    private let arrivedCopy: SIPMessage?
    private var initial: Bool?
    /// Whether the top Route entry of the arrived request named this element (it was removed).
    var routedHere = false {
        didSet { parsedOwnRoute = nil }
    }
    /// The Route entry that addressed this element (removed from the request), if any: read
    /// from the arrived request when asked (only the S-CSCF's rules ask).
    var ownRoute: String? {
        guard routedHere else { return nil }
        return arrivedIn.map { $0.request.firstListValue(.route) } ?? arrivedCopy?.firstListValue(.route)
    }
    private var parsedOwnRoute: Parameters?
    var sessionCase: SessionCase = .unknown
    /// Set by routing rules; else the top Route, else the Request-URI host.
    var nextHop: String?
    /// Respond instead of forwarding.
    var rejection: (status: Int, reason: String, extra: [(String, String)])?
    /// A complete response built by the rule (registrar).
    var response: SIPMessage?
    /// PASSporT payloads the STI-VS decoded from this request's full-form Identity JWSs, with
    /// their text: a payload is a function of its JWS, so a later rule reads it from here.
    var decodedPayloads: [(jws: String, payload: JSONValue)] = []
    /// What the rules changed, for the trace of the forwarded message.
    var changes: ChangeLog

    /// `request` borrowed (it arrived in `transaction`, if any): the copy kept is all it costs.
    init(request: borrowing SIPMessage, in transaction: ServerTransaction?, peer: String, traced: Bool = true) {
        self.request = copy request
        self.peer = peer
        arrivedIn = transaction
        arrivedCopy = transaction == nil ? copy request : nil
        method = request.method ?? ""
        changes = ChangeLog(enabled: traced)
    }

    /// Parameters of `ownRoute` (`orig`, `odi`), parsed when a rule first asks: only the
    /// S-CSCF's rules do, so the other hops never parse their Route entry.
    var ownRouteParameters: Parameters {
        mutating get {
            if let parsedOwnRoute { return parsedOwnRoute }
            var value: Parameters = []
            if let ownRoute, let addr = try? NameAddress(parsing: ownRoute), case .sip(let s) = addr.uri { value = s.parameters }
            parsedOwnRoute = value
            return value
        }
    }

    /// No To tag: dialog-creating or out-of-dialog. Parsed once, when a rule first asks (most
    /// REGISTER and ACK hops never do, and the To parse is the cost).
    var isInitial: Bool {
        mutating get {
            if let initial { return initial }
            let to = arrivedIn.map { $0.request.addressValue(.to) } ?? arrivedCopy?.addressValue(.to)
            let value = to?.tag == nil
            initial = value
            return value
        }
    }

    var stopped: Bool { rejection != nil || response != nil }

    mutating func reject(_ status: Int, _ reason: String, extra: [(String, String)] = []) {
        rejection = (status, reason, extra)
    }
}

/// Texts for the trace note of a forwarded message; built only when the trace is recorded.
struct ChangeLog {
    let enabled: Bool
    private(set) var items: [String] = []

    init(enabled: Bool) { self.enabled = enabled }

    mutating func append(_ text: @autoclosure () -> String) { if enabled { items.append(text()) } }
    func joined(separator: String) -> String { items.joined(separator: separator) }
}

/// One small named step of a network element (DESIGN.md "pipelines of rules"). A rule is
/// present or absent according to its policy switch; the element runs the present ones in order.
protocol ProxyRule {
    var name: String { get }
    /// The request arrived and is being processed (order matters: routing rules come late).
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement)
    /// The next hop is known; last changes before the request leaves (trust-boundary rules).
    func onEgress(_ x: inout ProxyExchange, _ e: ProxyElement, next: String)
    /// A response to a forwarded request, before it is passed back.
    func onResponse(_ response: inout SIPMessage, request: ProxyExchange, _ e: ProxyElement)
}

extension ProxyRule {
    func onRequest(_ x: inout ProxyExchange, _ e: ProxyElement) {}
    func onEgress(_ x: inout ProxyExchange, _ e: ProxyElement, next: String) {}
    func onResponse(_ response: inout SIPMessage, request: ProxyExchange, _ e: ProxyElement) {}
}

/// Rules enabled by a boolean switch, in order: `[("switch", rule), ...]`.
func rules(_ policy: Policy, _ list: [(String?, any ProxyRule)]) -> [any ProxyRule] {
    list.compactMap { sw, rule in (sw.map { policy.bool($0) } ?? true) ? rule : nil }
}
