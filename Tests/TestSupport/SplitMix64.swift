/// SplitMix64: a seeded generator, so every randomised test replays exactly (the seed is in
/// each failure message). Shared by the test targets.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number below `n` (the modulo bias does not matter here).
    public mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    public mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + below(r.count) }
    public mutating func chance(_ oneIn: Int) -> Bool { below(oneIn) == 0 }
    public mutating func pick<T>(_ a: [T]) -> T { a[below(a.count)] }
}
