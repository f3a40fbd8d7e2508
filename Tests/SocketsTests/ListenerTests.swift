import Testing
@testable import Sockets
@Test func placeholder() {}
