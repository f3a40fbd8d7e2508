import Testing
import WebText

@Suite struct HTTPTokenTests {
    @Test(arguments: ["GET", "POST", "Content-Type", "x-custom_1", "!#$%&'*+-.^_`|~", "a"])
    func tokens(text: String) {
        #expect(HTTPToken.isToken(text.utf8))
    }

    @Test(arguments: ["", "GE T", "a:b", "a/b", "(x)", "\"q\"", "tab\t", "ä", "a\u{0}", "{}", "a,b", "a;b", "@", "\u{7F}"])
    func notTokens(text: String) {
        #expect(!HTTPToken.isToken(text.utf8))
    }

    @Test func exactlyTheTcharBytes() {
        let tchar = (0...255).map(UInt8.init).filter(HTTPToken.isTokenByte)
        #expect(String(decoding: tchar, as: UTF8.self)
            == "!#$%&'*+-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ^_`abcdefghijklmnopqrstuvwxyz|~")
    }
}
