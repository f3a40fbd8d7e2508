/// One value per `Field`, in a fixed array: cheaper than a dictionary for the few lookups of one submission.
struct FieldTable<Value> {
    private var storage: [Value]

    init(repeating value: Value) {
        storage = Array(repeating: value, count: Field.allCases.count)
    }

    subscript(field: Field) -> Value {
        get { storage[field.ordinal] }
        set { storage[field.ordinal] = newValue }
    }
}

extension Field {
    /// The fields by their names (raw values).
    static let named: [String: Field] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    /// The position in `allCases`, without searching it.
    var ordinal: Int {
        switch self {
        case .form: 0
        case .salutation: 1
        case .firstName: 2
        case .lastName: 3
        case .companyName: 4
        case .email: 5
        case .phone: 6
        case .street: 7
        case .zipcode: 8
        case .city: 9
        case .countryCode: 10
        case .projectStreet: 11
        case .projectZipcode: 12
        case .projectCity: 13
        case .projectCountryCode: 14
        case .message: 15
        case .consent: 16
        }
    }
}
