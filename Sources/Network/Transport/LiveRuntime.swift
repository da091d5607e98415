/// What a live run needs besides the model: real sockets for the actors with a `LiveBinding`,
/// a real-time clock, and one thread on which every actor runs. The scenario engine drives a
/// `SimulatedNetwork` through it; LiveTransport implements it over SwiftNIO.
public protocol LiveRuntime: AnyObject {
    /// Opens the harness actors' sockets and returns the spec to build the network from: bound
    /// ports filled in, the epoch set to the real time (a real peer checks `iat` and Date
    /// against its own clock).
    func bind(_ spec: NetworkSpec) throws -> NetworkSpec
    /// Mixed into the run's seed: a real peer remembers transactions, so every live run needs
    /// fresh Call-IDs and branches.
    var seedSalt: UInt64 { get }
    /// Connects the external actors' sockets and starts the clock.
    func start(_ network: SimulatedNetwork) throws
    /// Runs `body` on the actors' thread and waits for it.
    func perform<T>(_ body: () throws -> T) throws -> T
    /// Waits until no message has moved for `quietMs`, at most `timeoutMs`; false on timeout.
    @discardableResult
    func settle(quietMs: Int64, timeoutMs: Int64) -> Bool
    /// Lets `ms` of real time pass (the `advance` step), timers firing meanwhile.
    func sleep(ms: Int64)
    /// Closes the sockets; safe to call twice.
    func close()
}
