/// Non-optional navigation over MiniJSON's values for the fixture-heavy forward tests:
/// a missing key or index reads as null, so a test states its expectations instead of
/// unwrapping every level.
struct JSON {
    let value: JSONValue?

    static func parse(file path: String) throws -> JSON {
        JSON(value: try MiniJSON.parse(TestData.read(path)))
    }

    subscript(key: String) -> JSON { JSON(value: value?[key]) }
    subscript(index: Int) -> JSON {
        guard let a = value?.array, index >= 0, index < a.count else { return JSON(value: nil) }
        return JSON(value: a[index])
    }
    var array: [JSON] { (value?.array ?? []).map { JSON(value: $0) } }
    var double: Double? { value?.number }
    var int: Int? { value?.number.map { Int($0) } }
    var string: String? { value?.string }
    var bool: Bool? { value?.bool }
    var isNull: Bool { value == nil || value == .null }
    var ints: [Int] { array.compactMap { $0.int } }
    var floats: [Float] { array.compactMap { $0.double.map(Float.init) } }
}
