import Foundation

/// Decodes `application/json` bodies: a flat object whose values become strings.
///
/// Foundation's parser checks strings lazily, so a broken string (bad escape, invalid UTF-8) is
/// reported for its field; it also tolerates a trailing comma, which is harmless here.
///
/// Uses `JSONDecoder` with a small value enum instead of `JSONSerialization`, because on Linux
/// the latter yields `NSNumber`, where `true` and `1` can't be told apart reliably.
public enum JSONBodyDecoder: Sendable {
    public static func decode(_ body: [UInt8]) -> Result<[String: String], DecodeError> {
        let object: FlatObject
        do {
            object = try JSONDecoder().decode(FlatObject.self, from: Data(body))
        } catch is NotAnObject {
            return .failure(.malformed("the JSON body must be an object"))
        } catch {
            return .failure(.malformed("the body is not valid JSON"))
        }
        var fields: [String: String] = [:]
        // Sorted, so the error names the same field every time.
        for (key, value) in object.members.sorted(by: { $0.key < $1.key }) {
            switch value {
            case .text(let text):
                fields[key] = text
            case .nested:
                return .failure(.malformed(field: key, "arrays and objects are not accepted, only strings, numbers, booleans or null"))
            case .unreadable:
                return .failure(.malformed(field: key, "invalid string or number out of range"))
            }
        }
        return .success(fields)
    }

    struct NotAnObject: Error {}

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct FlatObject: Decodable {
        var members: [String: Member] = [:]

        init(from decoder: any Decoder) throws {
            let container: KeyedDecodingContainer<AnyKey>
            do {
                container = try decoder.container(keyedBy: AnyKey.self)
            } catch DecodingError.typeMismatch, DecodingError.valueNotFound {
                throw NotAnObject()  // other errors (e.g. a broken key) mean invalid JSON
            }
            for key in container.allKeys {
                members[key.stringValue] = try container.decode(Member.self, forKey: key)
            }
        }
    }

    /// One member value already turned into the text the form fields use.
    enum Member: Decodable, Equatable {
        case text(String)
        case nested
        case unreadable

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .text("")
            } else if let bool = try? container.decode(Bool.self) {
                // The Bool attempt comes first; JSONDecoder refuses to read 1 as a Bool or true as a number.
                self = .text(bool ? "true" : "false")
            } else if let string = try? container.decode(String.self) {
                self = .text(string)
            } else if let integer = try? container.decode(Int64.self) {
                self = .text(String(integer))  // 1.0 and 1e3 arrive here too: "1", "1000"
            } else if let decimal = try? container.decode(Decimal.self), decimal.isFinite {
                // Decimal keeps the written digits (0.1 stays "0.1") and prints without exponent.
                self = .text(decimal.description)
            } else if (try? decoder.unkeyedContainer()) != nil || (try? decoder.container(keyedBy: AnyKey.self)) != nil {
                self = .nested
            } else {
                self = .unreadable
            }
        }
    }
}
