/// The values of one header field: most fields carry one, so it is kept inline and an
/// array is allocated only for a second.
public struct HeaderValues<Element: Sendable>: RandomAccessCollection, Sendable, ExpressibleByArrayLiteral {
    private enum Storage: Sendable {
        case none
        case one(Element)
        case many([Element])
    }
    private var storage = Storage.none

    public init() {}
    public init(arrayLiteral elements: Element...) { for e in elements { append(e) } }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .none: return 0
        case .one: return 1
        case .many(let a): return a.count
        }
    }

    public subscript(position: Int) -> Element {
        switch storage {
        case .one(let e) where position == 0: return e
        case .many(let a): return a[position]
        default: preconditionFailure("HeaderValues index \(position) out of range")
        }
    }

    /// The first value, read from the storage (the collection's `first` goes through its indices).
    public var first: Element? {
        switch storage {
        case .none: return nil
        case .one(let e): return e
        case .many(let a): return a.first
        }
    }

    mutating func append(_ e: Element) {
        switch storage {
        case .none:
            storage = .one(e)
        case .one(let first):
            storage = .many([first, e])
        case .many(var a):
            storage = .none  // keep the array uniquely referenced while it grows
            a.append(e)
            storage = .many(a)
        }
    }
}

extension HeaderValues: Equatable where Element: Equatable {
    public static func == (a: HeaderValues, b: HeaderValues) -> Bool { a.elementsEqual(b) }
}
