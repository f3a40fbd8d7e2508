import FormCore
import FoundationEssentials
import Glibc

/// A page template from `Public/templates/` with `{{name}}` slots. Slots are filled with HTML the renderer has
/// already escaped; a slot without a value becomes empty, and text between slots is copied as is.
struct Template: Sendable {
    enum Piece: Sendable, Equatable {
        case text(String)
        case slot(String)
    }

    let pieces: [Piece]

    init(_ source: String) {
        var pieces: [Piece] = []
        var rest = Substring(source)
        while let open = rest.firstRange(of: "{{") {
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { break }
            pieces.append(.text(String(rest[..<open.lowerBound])))
            pieces.append(.slot(rest[open.upperBound..<close.lowerBound].trimmingWhitespaceAndNewlines()))
            rest = rest[close.upperBound...]
        }
        pieces.append(.text(String(rest)))
        self.pieces = pieces
    }

    struct Missing: Error, CustomStringConvertible {
        let path: String
        var description: String { "template '\(path)' is missing or unreadable" }
    }

    static func load(_ path: String) throws -> Template {
        guard let data = FileManager.default.contents(atPath: path) else { throw Missing(path: path) }
        return Template(String(decoding: data, as: UTF8.self))
    }

    var slots: Set<String> {
        Set(pieces.compactMap { if case .slot(let name) = $0 { return name } else { return nil } })
    }

    func render(_ values: [String: String]) -> String {
        pieces.map { piece in
            switch piece {
            case .text(let text): return text
            case .slot(let name): return values[name] ?? ""
            }
        }.joined()
    }
}
