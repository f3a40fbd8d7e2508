import Testing
@testable import Sockets

@Suite struct IPRangeTests {
    @Test func matchesCIDRRanges() throws {
        let v4 = try #require(IPRange("10.0.0.0/8"))
        #expect(v4.contains(try #require(IPRange.parseAddress("10.255.1.2"))))
        #expect(!v4.contains(try #require(IPRange.parseAddress("11.0.0.1"))))
        let narrow = try #require(IPRange("192.168.1.128/25"))
        #expect(narrow.contains(try #require(IPRange.parseAddress("192.168.1.200"))))
        #expect(!narrow.contains(try #require(IPRange.parseAddress("192.168.1.100"))))
        let v6 = try #require(IPRange("2001:db8::/32"))
        #expect(v6.contains(try #require(IPRange.parseAddress("2001:db8:1::5"))))
        #expect(!v6.contains(try #require(IPRange.parseAddress("2001:db9::1"))))
        let single = try #require(IPRange("127.0.0.1"))
        #expect(single.contains(try #require(IPRange.parseAddress("::ffff:127.0.0.1"))), "IPv4-mapped IPv6 matches IPv4")
        #expect(!single.contains(try #require(IPRange.parseAddress("::1"))))
        #expect(try #require(IPRange("0.0.0.0/0")).contains(try #require(IPRange.parseAddress("8.8.8.8"))))
    }

    @Test func refusesWhatIsNotAnAddress() {
        for bad in ["", "localhost", "10.0.0.0/33", "::1/129", "1.2.3.4/-1", "1.2.3", "10.0.0.0/x"] {
            #expect(IPRange(bad) == nil, "\(bad)")
        }
    }
}
