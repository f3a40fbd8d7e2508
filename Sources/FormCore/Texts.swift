import FoundationEssentials
import Glibc

/// Every user-facing text, one instance per language, so translations live in exactly one place.
///
/// Templates contain `{placeholder}`s; use the helper methods to fill them so callers
/// can't forget one. Values are plain text: the caller HTML-escapes them.
package struct Texts: Sendable, Equatable {
    /// One `<option>` of the salutation select: the value sent to HERO is always German.
    package struct SalutationOption: Sendable, Equatable {
        package var value: String
        package var label: String

        package init(value: String, label: String) {
            self.value = value
            self.label = label
        }
    }

    /// One `<option>` of the country select.
    package struct CountryName: Sendable, Equatable {
        package var code: String
        package var name: String

        package init(code: String, name: String) {
            self.code = code
            self.name = name
        }
    }

    package var language: Language

    // Form page
    package var fieldLabels: [Field: String]
    package var salutationOptions: [SalutationOption]
    /// Label of the empty first option of a select.
    package var pleaseChoose: String
    package var submit: String
    package var requiredMarker: String
    /// Contains `{privacy}`, replaced by the privacy policy link.
    package var consentTemplate: String
    package var privacyLinkText: String
    package var projectAddressDiffers: String
    /// Page title when the form's config gives none.
    package var defaultTitle: String
    /// The sentence above the fields explaining the required marker.
    package var requiredNote: String
    /// Countries offered in the country selects, in this order; any other valid ISO code is still accepted.
    package var countryNames: [CountryName]

    // Result and error pages
    package var thankYouTitle: String
    /// Contains `{reference}`.
    package var thankYouTemplate: String
    package var thankYouWithoutReference: String
    package var backToForm: String
    package var notFoundTitle: String
    package var notFoundText: String
    package var unknownForm: String
    /// A site allowed to send to other forms sent to this one (`forms.ID.allowed_origins`).
    package var notAllowedTitle: String
    package var originNotAllowed: String
    /// The lead could not be taken right now (the visitor keeps their input and may send again).
    package var unavailable: String
    /// The body could not be decoded (HTTP 400/415).
    package var invalidRequestTitle: String
    package var invalidRequestText: String
    /// The signed time token was missing, too old or too young: the page is shown again with a fresh one.
    package var tokenRetry: String
    package var rateLimitedTitle: String
    package var rateLimitedText: String
    /// Label of the honeypot field, which people never see (it is hidden from assistive technology too).
    package var honeypotLabel: String
    /// Proof of work missing or wrong: the page's script was not done yet (or JavaScript is off).
    package var proofOfWorkRetry: String
    /// The form's script could not reach the server.
    package var networkError: String
    /// The iframe's accessible name when the form is embedded.
    package var embedTitle: String

    // Validation
    package var errorSummary: String
    package var requiredField: String
    package var consentRequired: String
    /// Contains `{max}`.
    package var tooLongTemplate: String
    package var invalidEmail: String
    package var invalidPostcode: String
    package var invalidPhone: String
    package var invalidCountry: String
    package var invalidSalutation: String
    package var invalidName: String

    package static func forLanguage(_ language: Language) -> Texts {
        switch language {
        case .de: german
        case .en: english
        }
    }

    /// One text of a language without copying the whole table, which is large: refusals under a flood need a few.
    package static func pick<Text>(_ language: Language, _ text: (borrowing Texts) -> Text) -> Text {
        switch language {
        case .de: text(german)
        case .en: text(english)
        }
    }

    /// Falls back to the raw field name so a missing translation is visible but harmless.
    package func label(for field: Field) -> String {
        fieldLabels[field] ?? field.rawValue
    }

    /// The display label for a stored (German) salutation value; unknown values are shown as they are.
    package func salutationLabel(for value: String) -> String {
        salutationOptions.first { $0.value == value }?.label ?? value
    }

    package func consentSentence(privacy: String) -> String {
        consentTemplate.replacing("{privacy}", with: privacy)
    }

    package func thankYouText(reference: String) -> String {
        thankYouTemplate.replacing("{reference}", with: reference)
    }

    package func tooLong(max: Int) -> String {
        tooLongTemplate.replacing("{max}", with: String(max))
    }

    static let german = Texts(
        language: .de,
        fieldLabels: [
            .form: "Formular",
            .salutation: "Anrede",
            .firstName: "Vorname",
            .lastName: "Nachname",
            .companyName: "Firma",
            .email: "E-Mail",
            .phone: "Telefon",
            .street: "Straße und Hausnummer",
            .zipcode: "PLZ",
            .city: "Ort",
            .countryCode: "Land",
            .projectStreet: "Straße (Objekt)",
            .projectZipcode: "PLZ (Objekt)",
            .projectCity: "Ort (Objekt)",
            .projectCountryCode: "Land (Objekt)",
            .message: "Ihre Nachricht",
            .consent: "Einwilligung",
        ],
        salutationOptions: [
            SalutationOption(value: "Herr", label: "Herr"),
            SalutationOption(value: "Frau", label: "Frau"),
            SalutationOption(value: "Divers", label: "Divers"),
        ],
        pleaseChoose: "Bitte wählen",
        submit: "Anfrage senden",
        requiredMarker: "Pflichtfeld",
        consentTemplate: "Ich bin einverstanden, dass meine Angaben zur Bearbeitung meiner Anfrage "
            + "verarbeitet werden. Weitere Informationen finden Sie in der {privacy}.",
        privacyLinkText: "Datenschutzerklärung",
        projectAddressDiffers: "Die Adresse des Objekts weicht von meiner Anschrift ab",
        defaultTitle: "Ihre Anfrage",
        requiredNote: "Felder mit „Pflichtfeld“ müssen ausgefüllt werden.",
        countryNames: [
            ("DE", "Deutschland"), ("AT", "Österreich"), ("CH", "Schweiz"), ("LI", "Liechtenstein"),
            ("LU", "Luxemburg"),
            ("NL", "Niederlande"), ("BE", "Belgien"), ("FR", "Frankreich"), ("IT", "Italien"), ("DK", "Dänemark"),
            ("PL", "Polen"), ("CZ", "Tschechien"),
        ].map { CountryName(code: $0.0, name: $0.1) },
        thankYouTitle: "Vielen Dank!",
        thankYouTemplate: "Ihre Anfrage ist bei uns eingegangen. Ihre Referenz: {reference}",
        thankYouWithoutReference: "Ihre Anfrage ist bei uns eingegangen.",
        backToForm: "Zurück zum Formular",
        notFoundTitle: "Seite nicht gefunden",
        notFoundText: "Dieses Formular gibt es nicht. Bitte prüfen Sie die Adresse.",
        unknownForm: "Dieses Formular gibt es nicht.",
        notAllowedTitle: "Nicht erlaubt",
        originNotAllowed: "Diese Website darf nicht an dieses Formular senden.",
        unavailable: "Ihre Anfrage konnte gerade nicht übermittelt werden. Ihre Eingaben sind noch da – "
            + "bitte senden Sie sie in ein paar Minuten noch einmal.",
        invalidRequestTitle: "Anfrage nicht lesbar",
        invalidRequestText: "Die gesendeten Daten konnten nicht gelesen werden. Bitte nutzen Sie das Formular.",
        tokenRetry: "Bitte senden Sie das Formular noch einmal – Ihre Eingaben sind noch da.",
        rateLimitedTitle: "Zu viele Anfragen",
        rateLimitedText:
            "Von Ihrem Anschluss kamen gerade sehr viele Anfragen. "
            + "Bitte versuchen Sie es in einigen Minuten noch einmal.",
        honeypotLabel: "Website (bitte leer lassen)",
        proofOfWorkRetry: "Das Formular war noch nicht bereit. Bitte warten Sie einen Moment und senden Sie es erneut "
            + "(JavaScript muss dafür eingeschaltet sein).",
        networkError:
            "Die Verbindung ist fehlgeschlagen. Ihre Eingaben sind noch da – bitte versuchen Sie es noch einmal.",
        embedTitle: "Kontaktformular",
        errorSummary: "Bitte prüfen Sie die markierten Felder.",
        requiredField: "Bitte füllen Sie dieses Feld aus.",
        consentRequired: "Bitte stimmen Sie der Datenschutzerklärung zu.",
        tooLongTemplate: "Bitte höchstens {max} Zeichen eingeben.",
        invalidEmail: "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
        invalidPostcode: "Bitte geben Sie eine gültige Postleitzahl ein.",
        invalidPhone: "Bitte geben Sie eine gültige Telefonnummer ein.",
        invalidCountry: "Bitte wählen Sie ein gültiges Land aus.",
        invalidSalutation: "Bitte wählen Sie eine der angebotenen Anreden aus.",
        invalidName: "Bitte geben Sie einen gültigen Namen ein."
    )

    static let english = Texts(
        language: .en,
        fieldLabels: [
            .form: "Form",
            .salutation: "Salutation",
            .firstName: "First name",
            .lastName: "Last name",
            .companyName: "Company",
            .email: "Email",
            .phone: "Phone",
            .street: "Street and number",
            .zipcode: "Postcode",
            .city: "City",
            .countryCode: "Country",
            .projectStreet: "Street (project site)",
            .projectZipcode: "Postcode (project site)",
            .projectCity: "City (project site)",
            .projectCountryCode: "Country (project site)",
            .message: "Your message",
            .consent: "Consent",
        ],
        salutationOptions: [
            SalutationOption(value: "Herr", label: "Mr"),
            SalutationOption(value: "Frau", label: "Ms"),
            SalutationOption(value: "Divers", label: "Mx"),
        ],
        pleaseChoose: "Please choose",
        submit: "Send request",
        requiredMarker: "required",
        consentTemplate: "I agree that my details will be processed to handle my request. "
            + "For more information, please see our {privacy}.",
        privacyLinkText: "privacy policy",
        projectAddressDiffers: "The project site address differs from my address",
        defaultTitle: "Your request",
        requiredNote: "Fields marked “required” must be filled in.",
        countryNames: [
            ("DE", "Germany"), ("AT", "Austria"), ("CH", "Switzerland"), ("LI", "Liechtenstein"), ("LU", "Luxembourg"),
            ("NL", "Netherlands"), ("BE", "Belgium"), ("FR", "France"), ("IT", "Italy"), ("DK", "Denmark"),
            ("PL", "Poland"), ("CZ", "Czechia"),
        ].map { CountryName(code: $0.0, name: $0.1) },
        thankYouTitle: "Thank you!",
        thankYouTemplate: "We have received your request. Your reference: {reference}",
        thankYouWithoutReference: "We have received your request.",
        backToForm: "Back to the form",
        notFoundTitle: "Page not found",
        notFoundText: "This form does not exist. Please check the address.",
        unknownForm: "This form does not exist.",
        notAllowedTitle: "Not allowed",
        originNotAllowed: "This website may not send to this form.",
        unavailable:
            "Your request could not be sent just now. "
            + "Your input is still here – please send it again in a few minutes.",
        invalidRequestTitle: "Request not readable",
        invalidRequestText: "The data sent could not be read. Please use the form.",
        tokenRetry: "Please send the form again – your input is still here.",
        rateLimitedTitle: "Too many requests",
        rateLimitedText:
            "We received a lot of requests from your connection just now. Please try again in a few minutes.",
        honeypotLabel: "Website (please leave empty)",
        proofOfWorkRetry:
            "The form was not ready yet. Please wait a moment and send it again (JavaScript needs to be on).",
        networkError: "The connection failed. Your input is still here – please try again.",
        embedTitle: "Contact form",
        errorSummary: "Please check the highlighted fields.",
        requiredField: "Please fill in this field.",
        consentRequired: "Please agree to the privacy policy.",
        tooLongTemplate: "Please enter at most {max} characters.",
        invalidEmail: "Please enter a valid email address.",
        invalidPostcode: "Please enter a valid postcode.",
        invalidPhone: "Please enter a valid phone number.",
        invalidCountry: "Please choose a valid country.",
        invalidSalutation: "Please choose one of the offered salutations.",
        invalidName: "Please enter a valid name."
    )
}
