package import FoundationEssentials
import Glibc

/// Maps a validated lead onto HERO's fields. Pure: the reference and consent time come from the caller.
package enum HeroMapping: Sendable {
    /// `photos` and `documents` count the files that came with the lead; they follow the project in steps of their
    /// own, so the notes say they belong to it.
    package static func payload(
        for lead: Lead, form: FormDefinition, reference: String,
        consentAt: Date, photos: Int = 0, documents: Int = 0
    ) -> HeroPayload {
        let customer = HeroPayload.Customer(
            email: lead.value(.email),
            title: lead.value(.salutation),
            firstName: lead.value(.firstName),
            lastName: lead.value(.lastName),
            companyName: lead.value(.companyName),
            phoneHome: lead.value(.phone)
        )
        let address = HeroPayload.Address(
            street: lead.value(.street),
            city: lead.value(.city),
            zipcode: lead.value(.zipcode),
            countryCode: lead.value(.countryCode)
        )
        let hasProjectAddress =
            lead.value(.projectStreet) != nil || lead.value(.projectZipcode) != nil
            || lead.value(.projectCity) != nil
        let projectAddress =
            hasProjectAddress
            ? HeroPayload.Address(
                street: lead.value(.projectStreet),
                city: lead.value(.projectCity),
                zipcode: lead.value(.projectZipcode),
                countryCode: lead.value(.projectCountryCode) ?? lead.value(.countryCode)
            )
            : nil
        var comment = lead.value(.message)
        var notes = partnerNotes(
            for: lead, reference: reference, consentAt: consentAt, photos: photos, documents: documents)
        let answers = QuestionAnswers.lines(lead.answers, form: form)
        if !answers.isEmpty {
            switch form.questionsTo {
            case .comment: comment = appending(answers, to: comment, separator: "\n\n")
            case .notes:
                // Continuation lines indented: a textarea answer cannot pass for one of heroform's own note lines
                // ("Referenz: …", "Einwilligung Datenschutz: …").
                let indented = answers.map {
                    $0.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\n  ")
                }
                notes = appending(indented, to: notes, separator: "\n")
            }
        }
        let projectMatch = HeroPayload.ProjectMatch(
            comment: comment,
            partnerNotes: notes,
            partnerSource: nonEmpty(form.partnerSource)
        )
        return HeroPayload(
            measure: QuestionAnswers.measure(lead.answers, form: form),
            customer: customer.isEmpty ? nil : customer,
            address: address.isEmpty ? nil : address,
            projectAddress: projectAddress,
            projectMatch: projectMatch.isEmpty ? nil : projectMatch
        )
    }

    /// Notes for the craftsman, always in German since HERO is used in German.
    /// The consent line documents when consent was given (GDPR Art. 7(1) accountability).
    static func partnerNotes(
        for lead: Lead, reference: String, consentAt: Date, photos: Int = 0, documents: Int = 0
    ) -> String? {
        var lines: [String] = []
        if let phone = lead.value(.phone) { lines.append("Telefon: \(phone)") }
        if lead.consent { lines.append("Einwilligung Datenschutz: \(utcTimestamp(consentAt)) UTC") }
        if !reference.isEmpty { lines.append("Referenz: \(reference)") }
        if !lead.formID.isEmpty { lines.append("Formular: \(lead.formID)") }
        if let files = filesLine(photos: photos, documents: documents) { lines.append(files) }
        if let source = lead.attribution.notesLine { lines.append(source) }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// `lines` after `text` (set apart by `separator`), or alone.
    static func appending(_ lines: [String], to text: String?, separator: String) -> String {
        let block = lines.joined(separator: "\n")
        guard let text, !text.isEmpty else { return block }
        return text + separator + block
    }

    /// `Dateien: 3 (2 Fotos, 1 PDF)`; nil without files.
    static func filesLine(photos: Int, documents: Int) -> String? {
        guard photos + documents > 0 else { return nil }
        var kinds: [String] = []
        if photos > 0 { kinds.append(photos == 1 ? "1 Foto" : "\(photos) Fotos") }
        if documents > 0 { kinds.append(documents == 1 ? "1 PDF" : "\(documents) PDFs") }
        return "Dateien: \(photos + documents) (\(kinds.joined(separator: ", ")))"
    }

    /// "yyyy-MM-dd HH:mm:ss" in UTC, whatever the server's locale or time zone.
    static func utcTimestamp(_ date: Date) -> String {
        UTCTime(secondsSince1970: date.timeIntervalSince1970).dateTime
    }

    static func nonEmpty(_ value: String) -> String? {
        value.isEmpty ? nil : value
    }
}
