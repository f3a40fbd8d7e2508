import FormCore
import HTTPServer
import JSON

/// Why a submission to `POST /leads` is turned away. Thrown by the steps of `LeadEndpoint`; it renders itself, as
/// JSON for site JavaScript or as a page for a browser, in the form's language (before the form is known, in the
/// visitor's language from `Accept-Language`), with the status and `Retry-After` where it applies.
struct LeadRefusal: HTTPResponseError {
    enum Reason: Error {
        /// Too many posts from this client; it may send again after this many seconds.
        case rateLimited(retryAfter: Int)
        /// The body cannot be read as its Content-Type says (400), or the type is not one we read (415).
        case unreadableBody(DecodeError)
        /// More text than a form takes, whatever the body's type: files alone may make a multipart body larger.
        case bodyTooLarge(limit: Int)
        case unknownForm
        /// The sending page's site may send to some form, not to this one (`forms.ID.allowed_origins`).
        case originNotAllowed
        /// A spam guard a person gets past by sending again (the form token, the proof of work), and what was
        /// wrong as a machine-readable code (`token_expired`), for JSON answers and the log.
        case sendAgain(SendAgain, code: String)
        case invalid(ValidationFailure)
        case malformedIdempotencyKey
        /// The Idempotency-Key belongs to another submission.
        case idempotencyKeyConflict
        /// The lead could not be stored: the visitor must try again.
        case notStored
    }

    /// The spam guards' send-again refusals, each with its error key.
    enum SendAgain: String, Sendable {
        case token = "_token"
        case proofOfWork = "_pow"

        var field: String { rawValue }

        func message(_ texts: Texts) -> String {
            switch self {
            case .token: texts.tokenRetry
            case .proofOfWork: texts.proofOfWorkRetry
            }
        }
    }

    let reason: Reason
    /// The form once it is known, with the visitor's input to show it again.
    var form: FormDefinition?
    var values: [String: String] = [:]
    /// Every value of each name, for the answers to a `checkboxes` question.
    var lists: [String: [String]] = [:]
    /// The page's language once the form is known; before that, the request's `Accept-Language` decides.
    var language: Language?
    let pages: Pages

    var result: Metrics.LeadResult {
        switch reason {
        case .rateLimited: .rateLimited
        case .sendAgain: .spam
        case .notStored: .error
        case .unreadableBody, .bodyTooLarge, .unknownForm, .originNotAllowed, .invalid, .malformedIdempotencyKey,
            .idempotencyKeyConflict:
            .rejected
        }
    }

    var status: HTTPStatus {
        switch reason {
        case .rateLimited: .tooManyRequests
        case .unreadableBody(let error) where error.statusCode == 415: .unsupportedMediaType
        case .unreadableBody, .malformedIdempotencyKey: .badRequest
        case .bodyTooLarge: .contentTooLarge
        case .originNotAllowed: .forbidden
        case .unknownForm, .sendAgain, .invalid, .idempotencyKeyConflict: .unprocessableContent
        case .notStored: .serviceUnavailable
        }
    }

    /// Why, for the log: no personal data, only kinds and field names.
    var logReason: String {
        switch reason {
        case .rateLimited: "rate limit"
        case .unreadableBody(let error): "\(error.statusCode) \(error)"
        case .bodyTooLarge(let limit): "413 text larger than \(limit) bytes"
        case .unknownForm: "unknown form"
        case .originNotAllowed: "origin not allowed for the form"
        case .sendAgain(_, let code): code
        case .invalid(let failure):
            "validation: " + failure.fieldNames.joined(separator: ", ")
        case .malformedIdempotencyKey: "malformed Idempotency-Key"
        case .idempotencyKeyConflict: "Idempotency-Key reused for a different submission"
        case .notStored: "not stored"
        }
    }

    static func tooLargeMessage(_ limit: Int) -> String {
        "the text of a submission may take at most \(limit) bytes; only multipart/form-data bodies may carry files, "
            + "which may make them larger"
    }

    static let malformedKeyMessage = "Idempotency-Key must be 1 to 200 visible ASCII characters"
    static let keyConflictMessage = "this Idempotency-Key was already used for a different submission"

    func response(to request: HTTPRequest) -> HTTPResponse {
        let language = self.language ?? Negotiation.language(request)
        var response =
            Negotiation.prefersJSON(request)
            ? LeadAnswer.json(jsonBody(Texts.forLanguage(language)), status: status)
            : page(language)
        switch reason {
        case .rateLimited(let seconds): response.headers.set("Retry-After", String(seconds))
        case .notStored: response.headers.set("Retry-After", "60")
        default: break
        }
        return response
    }

    private func jsonBody(_ texts: Texts) -> JSONValue {
        switch reason {
        case .rateLimited: return error(texts.rateLimitedText)
        case .unreadableBody(let decodeError): return error(decodeError.description)
        case .bodyTooLarge(let limit): return error(Self.tooLargeMessage(limit))
        case .unknownForm: return error(texts.unknownForm, field: Field.form.rawValue)
        case .originNotAllowed: return error(texts.originNotAllowed, field: Field.form.rawValue)
        case .sendAgain(let guardian, let code):
            return error(guardian.message(texts), field: guardian.field, code: code)
        case .invalid(let failure):
            var errors = failure.errors.reduce(into: [String: JSONValue]()) { $0[$1.key.rawValue] = .string($1.value) }
            for (name, message) in failure.questions { errors[name] = .string(message) }
            if !failure.attachments.isEmpty {
                errors[AttachmentPolicy.fieldName] = .string(failure.attachments.joined(separator: " "))
            }
            return [
                "status": "error", "message": .string(failure.message(language: texts.language)),
                "errors": .object(errors),
            ]
        case .malformedIdempotencyKey: return error(Self.malformedKeyMessage)
        case .idempotencyKeyConflict: return error(Self.keyConflictMessage)
        case .notStored: return error(texts.unavailable)
        }
    }

    /// `code`: for a developer reading the answer of a spam guard (the message is meant for a person).
    private func error(_ message: String, field: String? = nil, code: String? = nil) -> JSONValue {
        var body: [String: JSONValue] = ["status": "error", "message": .string(message)]
        if let field { body["errors"] = [field: .string(message)] }
        if let code { body["error"] = .string(code) }
        return .object(body)
    }

    /// A message page, or the form again with the input kept where there is a form to show.
    private func page(_ language: Language) -> HTTPResponse {
        let texts = Texts.forLanguage(language)
        switch reason {
        case .rateLimited:
            return pages.messagePage(
                title: texts.rateLimitedTitle, text: texts.rateLimitedText, language: language,
                status: status)
        case .unreadableBody, .bodyTooLarge:
            return pages.messagePage(
                title: texts.invalidRequestTitle, text: texts.invalidRequestText,
                language: language, status: status)
        case .unknownForm:
            return pages.messagePage(
                title: texts.notFoundTitle, text: texts.unknownForm, language: language,
                status: status)
        case .originNotAllowed:
            return pages.messagePage(
                title: texts.notAllowedTitle, text: texts.originNotAllowed, language: language, status: status)
        case .malformedIdempotencyKey:
            return .error(status, Self.malformedKeyMessage)
        case .idempotencyKeyConflict:
            return .error(status, Self.keyConflictMessage)
        case .sendAgain(let guardian, _):
            return formAgain(language, .init(values: values, lists: lists, notice: guardian.message(texts)))
        case .invalid(let failure):
            return formAgain(
                language,
                .init(
                    values: values, lists: lists, errors: failure.errors, questionErrors: failure.questions,
                    attachmentErrors: failure.attachments))
        case .notStored:
            return formAgain(language, .init(values: values, lists: lists, notice: texts.unavailable))
        }
    }

    private func formAgain(_ language: Language, _ state: FormPage.State) -> HTTPResponse {
        guard let form else { return .error(status) }
        return pages.formPage(form, language: language, state: state, status: status)
    }
}
