import Crypto
import Foundation
import Identity
import Network

// Simulated signed calls per second: REGISTER (digest) + INVITE/180/200/ACK + BYE through
// UE -> P-CSCF -> S-CSCF -> STI-AS -> S-CSCF -> STI-VS -> S-CSCF -> P-CSCF -> UE, each call
// signed (ES256) and verified. One network for the run; the trace keeps no bytes.
// After the calls it times what no implementation can skip: one ES256 signature and one
// verification a call (the same Identity calls the STI-AS and STI-VS make), the floor of the CPU
// per call on this machine, so that figures from different machines can be compared.
// Usage: call-bench [--calls N] [--seconds S]

var calls = 0
var seconds = 3.0
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    switch a {
    case "--calls": calls = Int(args.popFirst() ?? "") ?? 0
    case "--seconds": seconds = Double(args.popFirst() ?? "") ?? 3
    default:
        FileHandle.standardError.write(Data("usage: call-bench [--calls N] [--seconds S]\n".utf8))
        exit(2)
    }
}

let subscribers = (0..<2).map { i in
    SubscriberSpec(name: "u\(i)", impus: ["sip:u\(i)@ims.example", "tel:+120255501\(10 + i)"], tn: "120255501\(10 + i)",
                   password: "pw\(i)", thirdParty: [AuthorisedIdentity(tn: "120255501\(10 + i)", name: "Acme \(i)")])
}
let spec = NetworkSpec(
    actors: [
        ActorSpec(name: "ue0", role: .ue, subscriber: "u0"), ActorSpec(name: "ue1", role: .ue, subscriber: "u1"),
        ActorSpec(name: "pcscf", role: .pcscf), ActorSpec(name: "scscf", role: .scscf),
        ActorSpec(name: "sti-as", role: .stiAS), ActorSpec(name: "sti-vs", role: .stiVS),
    ],
    trustDomains: ["op": ["pcscf", "scscf", "sti-as", "sti-vs"]],
    links: [LinkSpec("ue0", "pcscf"), LinkSpec("ue1", "pcscf"), LinkSpec("pcscf", "scscf"),
            LinkSpec("scscf", "sti-as"), LinkSpec("scscf", "sti-vs")],
    subscribers: subscribers)

/// One network for the whole run (the PKI, chains and keys are per process anyway). Both UEs
/// register once before timing; every call then re-registers its caller (digest challenge and
/// response) and alternates direction, so each UE's binding stays fresh on the virtual clock.
func makeNetwork(trace: Bool) throws -> SimulatedNetwork {
    let net = try SimulatedNetwork(spec: spec, seed: 1)
    net.recordsTrace = trace
    try net.register(ue: "ue0")
    try net.register(ue: "ue1")
    net.runUntilIdle()
    return net
}

/// One complete call n: REGISTER of the caller, INVITE .. ACK, BYE; false when it did not go as
/// expected (established, the callee shows TN-Validation-Passed, BYE answered 200).
func oneCall(_ net: SimulatedNetwork, _ n: Int) throws -> Bool {
    let (caller, callee) = n % 2 == 0 ? ("ue0", "ue1") : ("ue1", "ue0")
    let id = "c\(n)"
    try net.register(ue: caller)
    net.runUntilIdle()
    guard net.registrationState(of: caller) == .registered else { return false }
    try net.call(from: caller, to: callee, id: id, options: CallOptions(displayName: caller == "ue0" ? "Acme 0" : "Acme 1"))
    net.runUntilIdle()
    guard let state = net.callState(id), state.phase == .established,
          net.display(of: callee, callID: state.sipCallID)?.verstat == "TN-Validation-Passed" else { return false }
    try net.hangup(id)
    net.runUntilIdle()
    guard net.callState(id)?.byeStatus == 200 else { return false }
    net.forgetEndedCalls()
    return true
}

/// Prints a traced run of the first calls (for a failing warm-up).
func printTrace(calls: Int) throws {
    let net = try makeNetwork(trace: true)
    for n in 0..<calls { _ = try oneCall(net, n) }
    for e in net.trace { print(e.line) }
}

// Warm-up (not timed): both directions, so every path has run once.
let net = try makeNetwork(trace: false)
guard net.registrationState(of: "ue0") == .registered, net.registrationState(of: "ue1") == .registered,
      try oneCall(net, 0), try oneCall(net, 1) else {
    try printTrace(calls: 2)
    FileHandle.standardError.write(Data("call-bench: the warm-up calls did not complete\n".utf8))
    exit(1)
}
/// CPU time of this process (user + system), seconds: steadier than wall time on a shared machine.
func cpuSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

var done = 0
let cpuStart = cpuSeconds()
let start = DispatchTime.now().uptimeNanoseconds
var elapsed = 0.0
repeat {
    guard try oneCall(net, done + 2) else {
        FileHandle.standardError.write(Data("call-bench: call \(done + 2) did not complete\n".utf8))
        exit(1)
    }
    done += 1
    elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
} while calls > 0 ? done < calls : elapsed < seconds
let cpuPerCall = (cpuSeconds() - cpuStart) / Double(max(done, 1))
let target = 5_000.0
print("completed \(done) signed calls (register + call + bye) in \(String(format: "%.3f", elapsed)) s")
print("cpu per call \(String(format: "%.1f", cpuPerCall * 1e6)) us (\(Int(1 / cpuPerCall)) calls per CPU-second); "
      + "target \(Int(target)) calls/s, ratio \(String(format: "%.2f", Double(done) / elapsed / target))")

/// CPU seconds per ES256 sign + verify of a PASSporT-sized signing input, over about `budget`
/// CPU seconds (at least 20 pairs).
func es256Floor(budget: Double) throws -> Double {
    // A fixed key (any valid scalar): the same work in every run.
    let key = try P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x5A, count: 32))
    let input = Array("eyJhbGciOiJFUzI1NiIsInBwdCI6InNoYWtlbiIsInR5cCI6InBhc3Nwb3J0IiwieDV1IjoiaHR0cHM6Ly9jZXJ0cy5leGFtcGxlL3NwLnBlbSJ9.eyJhdHRlc3QiOiJBIiwiZGVzdCI6eyJ0biI6WyIxMjAyNTU1MDExMSJdfSwiaWF0IjoxODAwMDAwMDAwLCJvcmlnIjp7InRuIjoiMTIwMjU1NTAxMTAifSwib3JpZ2lkIjoiNDA5YzRiMDktZDQ0Mi00YzYxLWFjNGEtN2ZkZGE3NGFmNzBlIn0".utf8)
    let start = cpuSeconds()
    var n = 0
    repeat {
        let sig = try ES256.sign(input, key: key)
        try ES256.verify(signature: sig, over: input, key: key.publicKey)
        n += 1
    } while n < 20 || cpuSeconds() - start < budget
    return (cpuSeconds() - start) / Double(n)
}

/// Messages delivered in one call of each direction, on a traced network (not timed).
func messagesPerCall() throws -> Double {
    let net = try makeNetwork(trace: true)
    let before = net.trace.count { $0.kind == .delivered }
    for n in 0..<2 { _ = try oneCall(net, n) }
    return Double(net.trace.count { $0.kind == .delivered } - before) / 2
}

print("messages per call \(String(format: "%.1f", try messagesPerCall())) (each delivered over one link)")
// With --calls, a fixed number of pairs: runs under callgrind then differ only by their calls.
let floor = try es256Floor(budget: calls > 0 ? 0 : max(0.2, min(seconds, 10) / 3))
print("es256 sign + verify alone \(String(format: "%.1f", floor * 1e6)) us a call (at most \(Int(1 / floor)) calls per CPU-second "
      + "on this machine); the rest of a call \(String(format: "%.1f", (cpuPerCall - floor) * 1e6)) us")
print("calls \(Int(Double(done) / elapsed)) calls/s")
