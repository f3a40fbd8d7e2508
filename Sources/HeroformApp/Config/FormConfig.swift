import FormCore
import FoundationEssentials
import Glibc

/// Reads one entry of `forms` into a FormDefinition, naming every problem with its key.
enum FormConfig {
    /// `hero` gives the form's account its document type: without one a form takes no PDFs (HERO files them under a
    /// type).
    static func read(
        id: String, _ reader: inout JSONObjectReader, hero: AppConfig.Hero = AppConfig.Hero(), notes: inout [String]
    ) -> (FormDefinition, Theme)? {
        var valid = true
        func problem(_ key: String, _ message: String) {
            reader.problem(key, message)
            valid = false
        }
        if !isValidID(id) {
            reader.problemAtPath("form ids use a-z, 0-9, '-' and '_' (up to 64), starting with a letter or digit")
            valid = false
        }
        let measure = reader.string("measure")
        if measure == nil { problem("measure", "missing (HERO's trade code, e.g. \"DOG\")") }
        if let measure, !isValidMeasure(measure) { problem("measure", "must be 1 to 20 letters, digits, '-' or '_'") }
        let source = reader.string("partner_source")
        if source == nil { problem("partner_source", "missing (the project source shown in HERO)") }
        if let source, source.trimmingWhitespaceAndNewlines().isEmpty || source.count > 100 {
            problem("partner_source", "must be 1 to 100 characters")
        }
        let title = reader.string("title")
        var language = Language.de
        if let text = reader.string("language") {
            if let parsed = Language(rawValue: text) {
                language = parsed
            } else {
                problem("language", "must be \"de\" or \"en\"")
            }
        }
        let privacy = reader.string("privacy_url")
        if let privacy, !isSafeLink(privacy) {
            problem("privacy_url", "must be an http(s) URL or a path starting with /")
        }
        let success = reader.string("success_url")
        if let success, !isSafeLink(success) {
            problem("success_url", "must be an http(s) URL or a path starting with /")
        }

        var shown = FormDefinition.defaultShownFields
        if let names = reader.stringArray("fields") {
            let fields = parseFields(names, key: "fields", problem: problem)
            for mandatory in Field.allCases
            where FormDefinition.mandatoryFields.contains(mandatory) && !fields.contains(mandatory) {
                problem("fields", "must include \(mandatory.rawValue) (HERO needs it)")
            }
            shown = fields
        }
        var required = FormDefinition.defaultRequiredFields.filter { shown.contains($0) }
        if let names = reader.stringArray("required") {
            let fields = parseFields(names, key: "required", problem: problem)
            for field in fields where !shown.contains(field) {
                problem("required", "\(field.rawValue) is required but not in fields")
            }
            for mandatory in Field.allCases
            where FormDefinition.mandatoryFields.contains(mandatory) && !fields.contains(mandatory) {
                problem("required", "must include \(mandatory.rawValue) (HERO needs it)")
            }
            required = Set(fields)
        }
        let questions = QuestionConfig.read(&reader, shown: shown)
        if questions == nil { valid = false }
        var theme = Theme()
        if var nested = reader.object("theme") {
            theme = Theme.read(&nested)
            let before = nested.finish().count
            reader.absorb(nested)
            if before > 0 { valid = false }
        }
        let account = reader.string("hero_account") // checked against hero.accounts by AppConfig
        var attachments: AttachmentPolicy?
        if var settings = reader.feature("attachments") {
            attachments = readAttachments(
                &settings, documentTypeID: hero.documentTypeID(forAccount: account),
                keys: AppConfig.Hero.documentTypeKeys(forAccount: account), notes: &notes)
            let before = settings.finish().count
            reader.absorb(settings)
            if before > 0 || attachments == nil { valid = false }
        }
        let origins = AppConfig.readOrigins(&reader)
        let attribution = reader.bool("attribution")
        guard valid, let measure, let source else { return nil }
        var form = FormDefinition(
            id: id, measure: measure, partnerSource: source, title: title, language: language,
            privacyURL: privacy, successURL: success, shownFields: shown, requiredFields: required)
        form.attachments = attachments
        form.heroAccount = account
        form.allowedOrigins = origins ?? []
        if let questions {
            form.questions = questions.questions
            form.questionsTo = questions.to
        }
        form.attribution = attribution ?? true
        return (form, theme)
    }

    /// `forms.ID.attachments`; nil after naming a problem.
    private static func readAttachments(
        _ settings: inout JSONObjectReader, documentTypeID: Int?, keys: String, notes: inout [String]
    ) -> AttachmentPolicy? {
        var policy = AttachmentPolicy()
        var valid = true
        policy.maxFiles = settings.integer("max_files", in: 1...20) ?? policy.maxFiles
        if let megabytes = settings.integer("max_file_mb", in: 1...100) {
            policy.maxFileBytes = megabytes * 1024 * 1024
        }
        policy.resizeMaxPixels = settings.integer("resize_max_px", in: 320...10_000)
        if let names = settings.stringArray("types") {
            var types: [AttachmentType] = []
            for name in names {
                guard let type = AttachmentType(rawValue: name.lowercased()) else {
                    let known = AttachmentType.allCases.map(\.rawValue).joined(separator: ", ")
                    settings.problem("types", "unknown type \"\(name)\" (known: \(known))")
                    valid = false
                    continue
                }
                if !types.contains(type) { types.append(type) }
            }
            if names.isEmpty {
                settings.problem("types", "must name at least one type (or leave attachments out to take no files)")
                valid = false
            }
            if types.contains(.pdf) && documentTypeID == nil {
                settings.problem(
                    "types", "pdf needs \(keys) (the HERO document type PDFs are filed under)")
                valid = false
            }
            policy.types = types
        } else if documentTypeID == nil {
            policy.types.removeAll { $0 == .pdf }
            notes.append(
                "\(settings.path): PDFs are not taken until \(keys) is set "
                    + "(the HERO document type PDFs are filed under; photos are taken)")
        }
        return valid ? policy : nil
    }

    private static func parseFields(_ names: [String], key: String, problem: (String, String) -> Void) -> [Field] {
        var fields: [Field] = []
        for name in names {
            guard let field = Field(rawValue: name), field != .form else {
                let known = Field.allCases.filter { $0 != .form }.map(\.rawValue).joined(separator: ", ")
                problem(key, "unknown field \"\(name)\" (known: \(known))")
                continue
            }
            if !fields.contains(field) { fields.append(field) }
        }
        return fields
    }

    static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.unicodeScalars.count <= 64 else { return false }
        let allowed = "abcdefghijklmnopqrstuvwxyz0123456789-_".unicodeScalars
        return id.unicodeScalars.allSatisfy(allowed.contains) && first != "-" && first != "_"
    }

    static func isValidMeasure(_ measure: String) -> Bool {
        let allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".unicodeScalars
        return (1...20).contains(measure.unicodeScalars.count) && measure.unicodeScalars.allSatisfy(allowed.contains)
    }

    /// Links the config puts into pages or redirects: absolute http(s), or a local path (not `//host`, which a
    /// browser would read as another site).
    static func isSafeLink(_ link: String) -> Bool {
        if link.hasPrefix("/") {
            return !link.hasPrefix("//") && !link.contains("\\") && !link.contains(where: \.isWhitespace)
        }
        guard let url = URL(string: link), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https"
        else { return false }
        return url.host?.isEmpty == false
    }
}
