import FormCore
import FoundationEssentials
import Glibc
import JSON

/// Renders the contact form from `Public/templates/form.html`: one accessible block per field (label with the
/// required marker in text, the value kept, the error tied to the field with `aria-describedby`), an error
/// summary linking to each field, and the project-address fields behind a checkbox that works without JavaScript
/// (CSS shows them when it is ticked).
struct FormPage: Sendable {
    let template: Template
    /// Adds the `_pow` field and the script that fills it.
    var proofOfWork = false

    /// The visitor's input and what was wrong with it, for showing the form again.
    struct State: Sendable {
        /// The fields sent last; on a fresh page, where the visitor came from (`Attribution`'s fields).
        var values: [String: String] = [:]
        /// Every value of each name: the answers to the form's own questions (`checkboxes` send several).
        var lists: [String: [String]] = [:]
        var errors: [Field: String] = [:]
        /// What was wrong with the answers to the form's own questions, by question name.
        var questionErrors: [String: String] = [:]
        /// What was wrong with the files sent (they must be chosen again: browsers never prefill a file input).
        var attachmentErrors: [String] = []
        var notice: String?
    }

    /// How the page is shown: its look, and — inside an iframe — the embedding page's origin, the only one its
    /// script reports its height and success to.
    struct Presentation: Sendable {
        var theme: Theme?
        var parentOrigin: String?
        /// False when the parent comes from the request's own Host (which the client chooses): such pages are not
        /// cached, so no client can fill the cache.
        var cacheable = true
    }

    func render(
        _ form: FormDefinition, language: Language, token: String, state: State = State(),
        presentation: Presentation = Presentation()
    ) -> String {
        let texts = Texts.forLanguage(language)
        let title = form.title ?? texts.defaultTitle
        var fields = ""
        var project = ""
        // Without JavaScript, the first field with an error takes the focus.
        let firstInvalidName = Self.pageOrder(form).first { item in
            item.field.map { state.errors[$0] != nil } ?? (state.questionErrors[item.name] != nil)
        }?.name
        let firstInvalid = firstInvalidName.flatMap { Field(rawValue: $0) }
        let questions = QuestionMarkup(form: form, language: language, state: state)
        func questionBlocks(after field: Field?) -> String {
            QuestionMarkup.questions(after: field, in: form).map {
                questions.block($0, autofocus: $0.name == firstInvalidName)
            }.joined()
        }
        for field in form.shownFields {
            let block = fieldBlock(field, form: form, texts: texts, state: state, autofocus: field == firstInvalid)
            if field.isProjectAddress {
                project += block
            } else if field == .consent {
                continue
            } else {
                fields += block + questionBlocks(after: field)
            }
        }
        if !project.isEmpty {
            let open =
                state.values["project_differs"] != nil
                || form.shownFields.contains {
                    $0.isProjectAddress && $0 != .projectCountryCode
                        && (!(state.values[$0.rawValue] ?? "").isEmpty || state.errors[$0] != nil)
                }
            fields +=
                "<div class=\"hf-field hf-field--project-toggle\">"
                + "<input type=\"checkbox\" class=\"hf-toggle\" id=\"hf-project-differs\" name=\"project_differs\""
                + " value=\"on\" aria-controls=\"hf-project\"\(open ? " checked" : "")>"
                + "<label for=\"hf-project-differs\">\(HTML.escape(texts.projectAddressDiffers))</label></div>"
                + "<fieldset class=\"hf-project\" id=\"hf-project\">"
                + "<legend>\(HTML.escape(texts.projectAddressDiffers))</legend>"
                + "<div class=\"hf-project-fields\">\(project)</div></fieldset>\n"
        }
        fields += questionBlocks(after: nil)
        if let policy = form.attachments {
            fields += filesBlock(
                policy, language: language, state: state,
                autofocus: firstInvalidName == nil && !state.attachmentErrors.isEmpty)
        }
        if form.shownFields.contains(.consent) {
            fields += fieldBlock(.consent, form: form, texts: texts, state: state, autofocus: firstInvalid == .consent)
        }
        // The honeypot is moved off-screen by CSS and hidden from assistive technology; only bots fill it in.
        let hidden =
            "<input type=\"hidden\" name=\"form\" value=\"\(HTML.escape(form.id))\">"
            + "<input type=\"hidden\" name=\"lang\" value=\"\(language.rawValue)\">"
            + "<input type=\"hidden\" name=\"_token\" value=\"\(HTML.escape(token))\">"
            + "<div class=\"hf-hp\" aria-hidden=\"true\">"
            + "<label for=\"hf-website\">\(HTML.escape(texts.honeypotLabel))</label>"
            + "<input type=\"text\" id=\"hf-website\" name=\"website\" value=\"\" tabindex=\"-1\" autocomplete=\"off\">"
            + "</div>"
            + (proofOfWork ? "<input type=\"hidden\" name=\"_pow\" value=\"\">" : "")
            + (form.attribution ? Self.attributionFields(Attribution(state.values)) : "")
        // Texts the form's script shows come from here too, so each language keeps them in one place.
        var attributes =
            " data-token-url=\"/token?form=\(HTML.escape(form.id))\""
            + " data-success-title=\"\(HTML.escape(texts.thankYouTitle))\""
            + " data-success-text=\"\(HTML.escape(texts.thankYouTemplate))\""
            + " data-network-error=\"\(HTML.escape(texts.networkError))\""
            + " data-error-summary=\"\(HTML.escape(texts.errorSummary))\""
            + " data-field-labels=\"\(HTML.escape(Self.labelsJSON(form: form, texts: texts)))\""
        // Files go as multipart/form-data, with or without the script.
        if form.attachments != nil { attributes += " enctype=\"multipart/form-data\"" }
        if proofOfWork { attributes += " data-pow=\"/challenge?form=\(HTML.escape(form.id))\"" }
        if let parent = presentation.parentOrigin { attributes += " data-parent-origin=\"\(HTML.escape(parent))\"" }
        var links = ""
        if presentation.theme?.css != nil {
            links += "<link rel=\"stylesheet\" href=\"/forms/\(HTML.escape(form.id))/theme.css\">"
        }
        if let sheet = presentation.theme?.stylesheet {
            links += "<link rel=\"stylesheet\" href=\"\(HTML.escape(sheet))\">"
        }
        let logo =
            presentation.theme?.logoURL.map { "<img class=\"hf-logo\" src=\"\(HTML.escape($0))\" alt=\"\">" } ?? ""
        let scripts =
            "<script src=\"/assets/form.js\" defer></script>"
            + (proofOfWork ? "<script src=\"/assets/pow.js\" defer></script>" : "")
        return template.render([
            "lang": language.rawValue,
            "title": HTML.escape(title),
            "form_id": HTML.escape(form.id),
            "form_attributes": attributes,
            "head_links": links,
            "logo": logo,
            "body_class": presentation.parentOrigin != nil ? "hf-embedded" : "",
            "scripts": scripts,
            "summary": summary(form: form, texts: texts, state: state),
            "hidden_fields": hidden,
            "fields": fields,
            "required_note": HTML.escape(texts.requiredNote),
            "submit": HTML.escape(texts.submit),
        ])
    }

    private func summary(form: FormDefinition, texts: Texts, state: State) -> String {
        if let notice = state.notice, state.errors.isEmpty {
            return "<div class=\"hf-summary\" role=\"alert\" tabindex=\"-1\" id=\"hf-summary\">"
                + "<p>\(HTML.escape(notice))</p></div>"
        }
        guard !state.errors.isEmpty || !state.attachmentErrors.isEmpty || !state.questionErrors.isEmpty else {
            return ""
        }
        var items = Self.pageOrder(form).compactMap { item -> String? in
            let message = item.field.map { state.errors[$0] } ?? state.questionErrors[item.name]
            guard let message else { return nil }
            let label = item.label(texts)
            return "<li><a href=\"#hf-\(item.name)\">\(HTML.escape(label)): \(HTML.escape(message))</a></li>"
        }.joined()
        if let policy = form.attachments, !state.attachmentErrors.isEmpty {
            let label = AttachmentTexts.forLanguage(texts.language).label(for: policy.types)
            let message = state.attachmentErrors.joined(separator: " ")
            items += "<li><a href=\"#hf-attachments\">\(HTML.escape(label)): \(HTML.escape(message))</a></li>"
        }
        return "<div class=\"hf-summary\" role=\"alert\" tabindex=\"-1\" id=\"hf-summary\">"
            + "<p>\(HTML.escape(state.notice ?? texts.errorSummary))</p><ul>\(items)</ul></div>"
    }

    /// Where the visitor came from — the page's query (the embedding page's, passed on by embed.js) or the fields
    /// sent last — carried along as hidden fields, so it works without JavaScript. Only values that would be kept.
    static func attributionFields(_ attribution: Attribution) -> String {
        Attribution.Key.allCases.compactMap { key in
            attribution[key].map { "<input type=\"hidden\" name=\"\(key.rawValue)\" value=\"\(HTML.escape($0))\">" }
        }.joined()
    }

    /// `[[name, label], …]` in page order, for the script's error summary and its focus on the first error.
    static func labelsJSON(form: FormDefinition, texts: Texts) -> String {
        var labels = pageOrder(form).map { JSONValue.array([.string($0.name), .string($0.label(texts))]) }
        if let policy = form.attachments {
            let files: JSONValue = [
                .string(AttachmentPolicy.fieldName),
                .string(AttachmentTexts.forLanguage(texts.language).label(for: policy.types)),
            ]
            labels.insert(files, at: form.shownFields.last == .consent ? labels.count - 1 : labels.count)
        }
        return JSONValue.array(labels).serialized()
    }

    /// The file input: label, a hint saying how many files of which kinds and sizes, the refusals of the files
    /// sent last (tied with `aria-describedby`), and what the page's script needs to check files before sending,
    /// show them and scale photos down (limits and texts in data attributes; without the script it is a plain
    /// file input that posts as multipart/form-data).
    private func filesBlock(_ policy: AttachmentPolicy, language: Language, state: State, autofocus: Bool) -> String {
        let texts = AttachmentTexts.forLanguage(language)
        let id = "hf-\(AttachmentPolicy.fieldName)"
        let hint = texts.hint(max: policy.maxFiles, megabytes: policy.maxFileMegabytes, types: policy.typeList)
        let invalid = !state.attachmentErrors.isEmpty
        let megabytes = policy.maxFileMegabytes
        var attributes =
            "type=\"file\" id=\"\(id)\" name=\"\(AttachmentPolicy.fieldName)\" multiple"
            + " accept=\"\(HTML.escape(policy.accept))\""
            + " aria-describedby=\"\(id)-hint\(invalid ? " \(id)-error" : "")\""
            + " data-max-files=\"\(policy.maxFiles)\" data-max-bytes=\"\(policy.maxFileBytes)\""
            + " data-types=\"\(HTML.escape(policy.types.map(\.mimeType).joined(separator: ",")))\""
            + " data-text-too-large=\"\(HTML.escape(texts.tooLarge(name: "{name}", megabytes: megabytes)))\""
            + " data-text-wrong-type=\"\(HTML.escape(texts.wrongType(name: "{name}", allowed: policy.typeList)))\""
            + " data-text-too-many=\"\(HTML.escape(texts.tooMany(name: "{name}", max: policy.maxFiles)))\""
            + " data-text-remove=\"\(HTML.escape(texts.removeTemplate))\""
            + " data-text-sending=\"\(HTML.escape(texts.sending))\""
        if let pixels = policy.resizeMaxPixels { attributes += " data-resize-max-px=\"\(pixels)\"" }
        if invalid { attributes += " aria-invalid=\"true\"" }
        if autofocus { attributes += " autofocus" }
        let message = HTML.escape(state.attachmentErrors.joined(separator: " "))
        let error = invalid ? "<p class=\"hf-error\" id=\"\(id)-error\">\(message)</p>" : ""
        return "<div class=\"hf-field hf-field--attachments\(invalid ? " hf-field--invalid" : "")\">"
            + "<label for=\"\(id)\">\(HTML.escape(texts.label(for: policy.types)))</label>"
            + "<p class=\"hf-hint\" id=\"\(id)-hint\">\(HTML.escape(hint))</p>"
            + "<input \(attributes)>\(error)</div>\n"
    }

    private func fieldBlock(_ field: Field, form: FormDefinition, texts: Texts, state: State, autofocus: Bool) -> String
    {
        let name = field.rawValue
        let id = "hf-\(name)"
        let required = form.requiredFields.contains(field)
        let error = state.errors[field]
        let value = state.values[name] ?? ""
        var attributes = "id=\"\(id)\" name=\"\(name)\""
        if required { attributes += " required aria-required=\"true\"" }
        if error != nil { attributes += " aria-invalid=\"true\" aria-describedby=\"\(id)-error\"" }
        if autofocus { attributes += " autofocus" }
        let marker = required ? " <span class=\"hf-required\">(\(HTML.escape(texts.requiredMarker)))</span>" : ""
        let errorHTML = error.map { "<p class=\"hf-error\" id=\"\(id)-error\">\(HTML.escape($0))</p>" } ?? ""
        let classes =
            "hf-field hf-field--\(name.replacing("_", with: "-"))" + (error != nil ? " hf-field--invalid" : "")

        if field == .consent {
            let checked = ["on", "true", "1", "yes", "ja"].contains(value.lowercased()) ? " checked" : ""
            let link =
                form.privacyURL.map {
                    "<a href=\"\(HTML.escape($0))\" target=\"_blank\" rel=\"noopener\">"
                        + "\(HTML.escape(texts.privacyLinkText))</a>"
                } ?? HTML.escape(texts.privacyLinkText)
            let sentence = HTML.escape(texts.consentTemplate).replacing("{privacy}", with: link)
            return "<div class=\"\(classes)\"><input type=\"checkbox\" value=\"on\" \(attributes)\(checked)>"
                + "<label for=\"\(id)\">\(sentence)\(marker)</label>\(errorHTML)</div>\n"
        }

        let label = "<label for=\"\(id)\">\(HTML.escape(texts.label(for: field)))\(marker)</label>"
        let control: String
        switch field {
        case .salutation:
            let choices = [Texts.SalutationOption(value: "", label: texts.pleaseChoose)] + texts.salutationOptions
            let options = choices.map {
                let selected = $0.value == value ? " selected" : ""
                return "<option value=\"\(HTML.escape($0.value))\"\(selected)>\(HTML.escape($0.label))</option>"
            }.joined()
            control = "<select \(attributes) autocomplete=\"honorific-prefix\">\(options)</select>"
        case .countryCode, .projectCountryCode:
            let selected = value.isEmpty ? Countries.defaultCode : value.uppercased()
            var codes = texts.countryNames.map(\.code)
            if !codes.contains(selected) && Countries.isValid(selected) { codes.append(selected) }
            let options = codes.map { code in
                let label = texts.countryNames.first { $0.code == code }?.name ?? code
                return "<option value=\"\(code)\"\(code == selected ? " selected" : "")>\(HTML.escape(label))</option>"
            }.joined()
            let autocomplete = field == .countryCode ? "country" : "off"
            control = "<select \(attributes) autocomplete=\"\(autocomplete)\">\(options)</select>"
        case .message:
            control =
                "<textarea \(attributes) rows=\"6\" maxlength=\"\(field.maxLength)\">\(HTML.escape(value))</textarea>"
        default:
            let (type, autocomplete) = Self.inputKind(field)
            control =
                "<input type=\"\(type)\" \(attributes) value=\"\(HTML.escape(value))\" maxlength=\"\(field.maxLength)\""
                + " autocomplete=\"\(autocomplete)\">"
        }
        return "<div class=\"\(classes)\">\(label)\(control)\(errorHTML)</div>\n"
    }

    /// Input types and autocomplete tokens (WCAG 1.3.5) so browsers fill the form and phones show the right keyboard.
    static func inputKind(_ field: Field) -> (String, String) {
        switch field {
        case .firstName: return ("text", "given-name")
        case .lastName: return ("text", "family-name")
        case .companyName: return ("text", "organization")
        case .email: return ("email", "email")
        case .phone: return ("tel", "tel")
        case .street: return ("text", "street-address")
        case .zipcode: return ("text", "postal-code")
        case .city: return ("text", "address-level2")
        default: return ("text", "off")
        }
    }
}
