import FoundationEssentials
import JSON

/// Reads one JSON object of a config file, remembering its path (`server.port`) for messages, collecting
/// every problem rather than stopping at the first, and reporting keys nobody asked for.
struct JSONObjectReader {
    let path: String
    private let object: [String: JSONValue]
    private var read: Set<String> = []
    private(set) var problems: [String] = []

    init(_ object: [String: JSONValue], path: String) {
        self.object = object
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func string(_ key: String) -> String? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.string else {
            problems.append("\(name(key)): must be a string")
            return nil
        }
        return text
    }

    mutating func integer(_ key: String, in range: ClosedRange<Int>) -> Int? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        guard let int = value.integer else {
            problems.append("\(name(key)): must be a whole number")
            return nil
        }
        guard range.contains(int) else {
            problems.append("\(name(key)): must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return int
    }

    /// A whole number of seconds, range-checked as written, as a timeout.
    mutating func duration(_ key: String, in range: ClosedRange<Int>) -> Duration? {
        integer(key, in: range).map { .seconds($0) }
    }

    /// A whole number of `unit`s (seconds, hours, days), range-checked as written, as an age in seconds.
    mutating func timeInterval(_ key: String, in range: ClosedRange<Int>, unit: TimeInterval = 1) -> TimeInterval? {
        integer(key, in: range).map { TimeInterval($0) * unit }
    }

    /// The raw value of a key that may take several shapes (`min`: a number or a date); marks it read.
    mutating func value(_ key: String) -> JSONValue? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    /// A list of objects (`forms.ID.questions`), each with its path (`questions[0]`).
    mutating func objectList(_ key: String) -> [JSONObjectReader]? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        guard case .array(let array) = value else {
            problems.append("\(name(key)): must be a list of objects")
            return nil
        }
        var result: [JSONObjectReader] = []
        for (index, element) in array.enumerated() {
            guard case .object(let nested) = element else {
                problems.append("\(name(key))[\(index)]: must be an object")
                continue
            }
            result.append(JSONObjectReader(nested, path: "\(name(key))[\(index)]"))
        }
        return result
    }

    mutating func bool(_ key: String) -> Bool? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        guard let flag = value.bool else {
            problems.append("\(name(key)): must be true or false")
            return nil
        }
        return flag
    }

    mutating func stringArray(_ key: String) -> [String]? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        guard case .array(let array) = value, array.allSatisfy({ $0.string != nil }) else {
            problems.append("\(name(key)): must be a list of strings")
            return nil
        }
        return array.compactMap(\.string)
    }

    /// Every key of this object whose value is a string (others are reported), marking them all read.
    mutating func allStrings() -> [(String, String)] {
        var result: [(String, String)] = []
        for key in object.keys.sorted() {
            if let value = string(key) { result.append((key, value)) }
        }
        return result
    }

    /// A nested object; nil (and a problem) when it is something else.
    mutating func object(_ key: String) -> JSONObjectReader? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        guard case .object(let nested) = value else {
            problems.append("\(name(key)): must be an object")
            return nil
        }
        return JSONObjectReader(nested, path: name(key))
    }

    /// A feature that is off (`false` or absent: nil), on with its defaults (`true`: an empty object) or on with
    /// settings (an object).
    mutating func feature(_ key: String) -> JSONObjectReader? {
        read.insert(key)
        guard let value = object[key], !value.isNull else { return nil }
        if let flag = value.bool { return flag ? JSONObjectReader([:], path: name(key)) : nil }
        guard case .object(let nested) = value else {
            problems.append("\(name(key)): must be true, false or an object")
            return nil
        }
        return JSONObjectReader(nested, path: name(key))
    }

    /// Every key of a map-like object (`forms`), in sorted order so messages are stable.
    mutating func objects(_ key: String) -> [(String, JSONObjectReader)]? {
        guard let map = object(key) else { return nil }
        var result: [(String, JSONObjectReader)] = []
        for entryKey in map.object.keys.sorted() {
            guard case .object(let nested)? = map.object[entryKey] else {
                problems.append("\(name(key)).\(entryKey): must be an object")
                continue
            }
            result.append((entryKey, JSONObjectReader(nested, path: "\(name(key)).\(entryKey)")))
        }
        return result
    }

    /// A problem with this object itself rather than one of its keys.
    mutating func problemAtPath(_ message: String) {
        problems.append("\(path): \(message)")
    }

    mutating func problem(_ key: String, _ message: String) {
        problems.append("\(name(key)): \(message)")
    }

    /// Call last: the problems found, plus one for every key that was never read.
    func finish() -> [String] {
        problems + object.keys.filter { !read.contains($0) }.sorted().map { "\(name($0)): unknown key" }
    }

    mutating func absorb(_ nested: JSONObjectReader) {
        problems += nested.finish()
    }
}
