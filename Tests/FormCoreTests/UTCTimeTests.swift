import Foundation
import Testing
import FormCore

@Suite struct UTCTimeTests {
    @Test(arguments: [
        (0.0, "1970-01-01 00:00:00", "1970-01-01T00:00:00.000Z"),
        (1_700_000_000, "2023-11-14 22:13:20", "2023-11-14T22:13:20.000Z"),
        (951_782_400, "2000-02-29 00:00:00", "2000-02-29T00:00:00.000Z"),
        (1_735_689_599.999, "2024-12-31 23:59:59", "2024-12-31T23:59:59.999Z"),
        (4_107_542_400, "2100-03-01 00:00:00", "2100-03-01T00:00:00.000Z"),
        (-1, "1969-12-31 23:59:59", "1969-12-31T23:59:59.000Z"),
        (253_402_300_799.5, "9999-12-31 23:59:59", "9999-12-31T23:59:59.500Z"),
    ])
    func formats(seconds: Double, dateTime: String, iso8601: String) {
        let time = UTCTime(secondsSince1970: seconds)
        #expect(time.dateTime == dateTime)
        #expect(time.iso8601 == iso8601)
    }

    /// Every day for 500 years against Foundation's Gregorian calendar in UTC.
    @Test func agreesWithFoundationOnEveryDay() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        var mismatches = 0
        for day in stride(from: -36_500, to: 146_000, by: 1) {
            let seconds = Double(day) * 86_400 + 45_296.25  // 12:34:56.250
            let time = UTCTime(secondsSince1970: seconds)
            let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second],
                                                from: Date(timeIntervalSince1970: seconds))
            if (time.year, time.month, time.day) != (parts.year, parts.month, parts.day)
                || (time.hour, time.minute, time.second, time.millisecond) != (12, 34, 56, 250) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
    }
}
