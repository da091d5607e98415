import Foundation
import Network

// Simulated signed calls per second: REGISTER (digest) + INVITE/180/200/ACK + BYE through
// UE -> P-CSCF -> S-CSCF -> STI-AS -> S-CSCF -> STI-VS -> S-CSCF -> P-CSCF -> UE, each call
// signed (ES256) and verified. One network per batch; the trace keeps no bytes.
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

/// One complete call; returns false when it did not go as expected (with `trace`, prints it).
func oneCall(_ n: Int, trace: Bool = false) throws -> Bool {
    let net = try SimulatedNetwork(spec: spec, seed: UInt64(n))
    net.recordsTrace = trace
    defer { if trace { for e in net.trace { print(e.line) } } }
    try net.register(ue: "ue0")
    try net.register(ue: "ue1")
    net.runUntilIdle()
    try net.call(from: "ue0", to: "ue1", id: "c", options: CallOptions(displayName: "Acme 0"))
    net.runUntilIdle()
    guard net.callState("c")?.phase == .established, net.display(of: "ue1")?.verstat == "TN-Validation-Passed" else { return false }
    try net.hangup("c")
    net.runUntilIdle()
    return net.callState("c")?.byeStatus == 200
}

// Warm-up: the PKI is generated and its chains validated once per process.
guard try oneCall(0) else {
    _ = try oneCall(0, trace: true)
    FileHandle.standardError.write(Data("call-bench: the warm-up call did not complete\n".utf8))
    exit(1)
}
var done = 0
let start = DispatchTime.now().uptimeNanoseconds
var elapsed = 0.0
repeat {
    guard try oneCall(done + 1) else {
        FileHandle.standardError.write(Data("call-bench: call \(done + 1) did not complete\n".utf8))
        exit(1)
    }
    done += 1
    elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
} while calls > 0 ? done < calls : elapsed < seconds
print("completed \(done) signed calls (register + call + bye) in \(String(format: "%.3f", elapsed)) s")
print("calls \(Int(Double(done) / elapsed)) calls/s")
