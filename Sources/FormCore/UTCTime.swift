/// A point in time as UTC calendar fields, computed directly from seconds since 1970 (proleptic Gregorian).
///
/// Pure arithmetic instead of `DateFormatter`: creating one (ICU) took a fifth of the time of storing a lead,
/// and the result must not depend on the server's locale or time zone anyway.
package struct UTCTime: Equatable, Sendable {
    package let year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int
    /// Milliseconds into the second, 0...999.
    package let millisecond: Int

    package init(secondsSince1970: Double) {
        let totalMilliseconds = Int((secondsSince1970 * 1000).rounded(.down))
        let (days, millisecondOfDay) = Self.floorDivide(totalMilliseconds, 86_400_000)
        millisecond = millisecondOfDay % 1000
        let secondOfDay = millisecondOfDay / 1000
        hour = secondOfDay / 3600
        minute = secondOfDay % 3600 / 60
        second = secondOfDay % 60
        // Days to civil date (H. Hinnant's algorithm): eras of 400 years, March-based years.
        let shifted = days + 719_468
        let (era, dayOfEra) = Self.floorDivide(shifted, 146_097)
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// "yyyy-MM-dd HH:mm:ss".
    package var dateTime: String {
        "\(date) \(time)"
    }

    /// RFC 3339 with milliseconds: "yyyy-MM-ddTHH:mm:ss.SSSZ".
    package var iso8601: String {
        "\(date)T\(time).\(Self.pad(millisecond, 3))Z"
    }

    private var date: String { "\(Self.pad(year, 4))-\(Self.pad(month))-\(Self.pad(day))" }
    private var time: String { "\(Self.pad(hour)):\(Self.pad(minute)):\(Self.pad(second))" }

    private static func pad(_ value: Int, _ width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Division rounding toward minus infinity, with a non-negative remainder.
    private static func floorDivide(_ value: Int, _ divisor: Int) -> (Int, Int) {
        let quotient = value / divisor
        let remainder = value % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
