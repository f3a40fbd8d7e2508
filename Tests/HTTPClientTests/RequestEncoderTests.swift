import Foundation
import Testing
@testable import HTTPClient

private func endpoint(_ url: String) throws -> Endpoint {
    try Endpoint(#require(URL(string: url)))
}

/// The encoded request as text, for exact comparison.
private func encode(_ url: String, method: String = "GET", headers: [(name: String, value: String)] = [],
                    body: String = "") throws -> String {
    let url = try #require(URL(string: url))
    let request = HTTPClientRequest(method: method, url: url, headers: headers, body: Array(body.utf8))
    return String(decoding: try RequestEncoder.encode(request, to: Endpoint(url)), as: UTF8.self)
}

/// The error encoding a request throws, or nil when it encodes.
private func encodingError(_ method: String = "GET",
                           headers: [(name: String, value: String)]) throws -> HTTPClientError? {
    let url = try #require(URL(string: "http://example.com/"))
    let request = HTTPClientRequest(method: method, url: url, headers: headers)
    do throws(HTTPClientError) {
        _ = try RequestEncoder.encode(request, to: Endpoint(url))
        return nil
    } catch {
        return error
    }
}

/// The error `Endpoint` throws for a URL, or nil when it accepts it.
private func endpointError(_ url: String) throws -> HTTPClientError? {
    let url = try #require(URL(string: url))
    do throws(HTTPClientError) {
        _ = try Endpoint(url)
        return nil
    } catch {
        return error
    }
}

// Nested so that a filter on `RequestEncoderTests` runs these too.
extension RequestEncoderTests {
    @Suite struct EndpointTests {
        @Test func httpDefaultsToPort80() throws {
            let endpoint = try endpoint("http://example.com/x")
            #expect(endpoint.secure == false)
            #expect(endpoint.host == "example.com")
            #expect(endpoint.port == 80)
            #expect(endpoint.target == "/x")
            #expect(endpoint.hostHeader == "example.com")
        }

        @Test func httpsDefaultsToPort443() throws {
            let endpoint = try endpoint("https://example.com/x")
            #expect(endpoint.secure)
            #expect(endpoint.host == "example.com")
            #expect(endpoint.port == 443)
            #expect(endpoint.target == "/x")
            #expect(endpoint.hostHeader == "example.com")
        }

        @Test func takesTheSchemeWithoutCase() throws {
            #expect(try endpoint("HTTPS://example.com/").secure)
        }

        @Test func keepsAnExplicitPortAndNamesItInTheHostHeader() throws {
            let endpoint = try endpoint("http://example.com:8080/x")
            #expect(endpoint.port == 8080)
            #expect(endpoint.hostHeader == "example.com:8080")
        }

        @Test func leavesTheDefaultPortOutOfTheHostHeaderEvenWhenWritten() throws {
            #expect(try endpoint("http://example.com:80/").hostHeader == "example.com")
            #expect(try endpoint("https://example.com:443/").hostHeader == "example.com")
        }

        @Test func namesTheOtherSchemesDefaultPortInTheHostHeader() throws {
            #expect(try endpoint("https://example.com:80/").hostHeader == "example.com:80")
            #expect(try endpoint("http://example.com:443/").hostHeader == "example.com:443")
        }

        @Test func stripsTheBracketsOfAnIPv6LiteralAndPutsThemBackInTheHostHeader() throws {
            let endpoint = try endpoint("http://[::1]:8080/x")
            #expect(endpoint.host == "::1")
            #expect(endpoint.port == 8080)
            #expect(endpoint.hostHeader == "[::1]:8080")
        }

        @Test func bracketsAnIPv6LiteralOnTheDefaultPort() throws {
            #expect(try endpoint("https://[2001:db8::1]/").hostHeader == "[2001:db8::1]")
        }

        @Test func keepsTheQueryAsWritten() throws {
            #expect(try endpoint("http://example.com/p/q?a=1&b=x%20y").target == "/p/q?a=1&b=x%20y")
        }

        @Test func keepsPercentEncodingInThePath() throws {
            #expect(try endpoint("http://example.com/a%20b/%C3%A4").target == "/a%20b/%C3%A4")
        }

        @Test func leavesTheFragmentOut() throws {
            #expect(try endpoint("http://example.com/p?q=1#section").target == "/p?q=1")
        }

        @Test func makesAnEmptyPathSlash() throws {
            #expect(try endpoint("http://example.com").target == "/")
            #expect(try endpoint("http://example.com?q=1").target == "/?q=1")
        }

        @Test(arguments: ["ftp://example.com/", "file:///etc/passwd", "ws://example.com/", "example.com/x"])
        func rejectsSchemesOtherThanHTTPAndHTTPS(url: String) throws {
            #expect(try endpointError(url) == .invalidRequest("only http and https URLs are supported"))
        }

        @Test(arguments: ["http:///path", "http:path", "http://:8080/", "https://"])
        func rejectsAURLWithoutHost(url: String) throws {
            #expect(try endpointError(url) == .invalidRequest("the URL has no host"))
        }

        @Test(arguments: ["http://user:pass@example.com/", "http://user@example.com/", "https://:secret@example.com/"])
        func rejectsCredentialsInTheURL(url: String) throws {
            #expect(try endpointError(url) == .invalidRequest("credentials in the URL are not supported"))
        }

        @Test(arguments: ["http://example.com:0/", "http://example.com:65536/", "http://example.com:99999/"])
        func rejectsAPortOutsideOneTo65535(url: String) throws {
            #expect(try endpointError(url) == .invalidRequest("bad port"))
        }

        @Test func acceptsPort65535() throws {
            #expect(try endpoint("http://example.com:65535/").port == 65535)
        }

        @Test(arguments: [
            "http://ex%0D%0Aample.com/", "http://evil.com%0D%0AX-Injected%3A%201/", "http://a%20b/",
            "http://exa%2Fmple.com/", "http://%00/", "http://a%40b/", "http://[::1%25eth0]/", "http://b%C3%BCcher.de/",
        ])
        func rejectsAHostWithCharactersThatDoNotBelongInAHostName(url: String) throws {
            // URLComponents decodes percent-escapes in the host, so a CR LF there would otherwise reach the Host line.
            #expect(try endpointError(url) == .invalidRequest("the host holds characters not allowed in a host name"))
        }

        @Test(arguments: [
            "http://my-host_1.example.com/", "http://192.0.2.1/", "http://[::ffff:192.0.2.1]/", "http://LOCALHOST/",
        ])
        func acceptsOrdinaryHostNamesAndAddresses(url: String) throws {
            #expect(try endpointError(url) == nil)
        }

        @Test func tellsIPAddressesFromNames() throws {
            #expect(try endpoint("http://127.0.0.1/").hostIsIPAddress)
            #expect(try endpoint("http://[::1]/").hostIsIPAddress)
            #expect(try endpoint("http://[2001:db8::1]:8443/").hostIsIPAddress)
            #expect(try endpoint("http://example.com/").hostIsIPAddress == false)
            #expect(try endpoint("http://localhost/").hostIsIPAddress == false)
            #expect(try endpoint("http://1.2.3/").hostIsIPAddress == false)
        }
    }
}

@Suite struct RequestEncoderTests {
    @Test func encodesAGETWithoutBodyAndWithoutContentLength() throws {
        let text = try encode("http://example.com/x?q=1", headers: [("Accept", "*/*"), ("X-Trace", "abc")])
        #expect(text == "GET /x?q=1 HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nX-Trace: abc\r\n\r\n")
    }

    @Test func encodesAPOSTWithItsBodyAndContentLength() throws {
        let text = try encode("https://api.example.com:8443/leads", method: "POST",
                              headers: [("Content-Type", "application/json")], body: #"{"a":1}"#)
        #expect(text == "POST /leads HTTP/1.1\r\nHost: api.example.com:8443\r\nContent-Type: application/json\r\n"
                + "Content-Length: 7\r\n\r\n{\"a\":1}")
    }

    @Test func aBodyOfSeveralByteArraysIsEncodedInOrder() throws {
        let url = try #require(URL(string: "http://example.com/"))
        let request = HTTPClientRequest(
            method: "POST", url: url, body: .init([.bytes([0x61]), .bytes([]), .bytes([0x62])]))
        #expect(try RequestEncoder.encode(request, to: Endpoint(url))
            == Array("POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\nab".utf8))
        // A body with a file is streamed by the client, never encoded into one array.
        let withFile = HTTPClientRequest(method: "POST", url: url, body: .init([.file(path: "/etc/hostname")]))
        #expect(throws: HTTPClientError.invalidRequest("a body with files is streamed")) {
            try RequestEncoder.encode(withFile, to: Endpoint(url))
        }
    }

    @Test func sendsContentLengthZeroForAPOSTWithEmptyBody() throws {
        #expect(try encode("http://example.com/", method: "POST")
            == "POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n")
    }

    @Test(arguments: ["PUT", "PATCH"])
    func sendsContentLengthZeroForOtherMethodsThatCarryABody(method: String) throws {
        #expect(try encode("http://example.com/", method: method)
            == "\(method) / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n\r\n")
    }

    @Test(arguments: ["GET", "HEAD", "DELETE", "OPTIONS"])
    func sendsNoContentLengthForMethodsWithoutBody(method: String) throws {
        #expect(try encode("http://example.com/", method: method)
            == "\(method) / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    }

    @Test func sendsContentLengthForAGETWithABody() throws {
        #expect(try encode("http://example.com/", method: "GET", body: "abc")
            == "GET / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3\r\n\r\nabc")
    }

    @Test func keepsTheCallersHeadersInOrderWithDuplicates() throws {
        let text = try encode("http://example.com/", headers: [("B", "2"), ("A", "1"), ("B", "3"), ("X-Tab", "a\tb"),
                                                               ("X-Empty", "")])
        #expect(text
            == "GET / HTTP/1.1\r\nHost: example.com\r\nB: 2\r\nA: 1\r\nB: 3\r\nX-Tab: a\tb\r\nX-Empty: \r\n\r\n")
    }

    @Test func passesNonASCIIHeaderValuesAsUTF8() throws {
        #expect(try encode("http://example.com/", headers: [("X-Name", "Jürgen")])
            == "GET / HTTP/1.1\r\nHost: example.com\r\nX-Name: Jürgen\r\n\r\n")
    }

    @Test func bracketsAnIPv6HostInTheHostLine() throws {
        #expect(try encode("http://[::1]:8080/x") == "GET /x HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n")
    }

    @Test func sendsTheBodyBytesUnchanged() throws {
        let url = try #require(URL(string: "http://example.com/"))
        let body: [UInt8] = [0, 13, 10, 255, 128]
        let request = HTTPClientRequest(method: "POST", url: url, body: body)
        let bytes = try RequestEncoder.encode(request, to: Endpoint(url))
        #expect(bytes == Array("POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\n".utf8) + body)
    }

    @Test(arguments: ["a\r\nX-Injected: 1", "a\rb", "a\nb", "a\u{0}b", "a\u{7F}b", "a\u{1B}b"])
    func rejectsAHeaderValueWithAControlCharacter(value: String) throws {
        #expect(try encodingError(headers: [("X-Note", value)])
            == .invalidRequest("header X-Note holds a control character"))
    }

    @Test(arguments: ["X Note", "", "X:Note", "X-Note\r\nY", "Ünicode", "(x)", "a/b"])
    func rejectsAHeaderNameThatIsNotAToken(name: String) throws {
        #expect(try encodingError(headers: [(name, "v")]) == .invalidRequest("bad header name"))
    }

    @Test(arguments: ["Host", "host", "Content-Length", "CONTENT-LENGTH", "Transfer-Encoding", "transfer-encoding",
                      "Connection", "connection"])
    func rejectsHeadersTheClientSetsItself(name: String) throws {
        #expect(try encodingError(headers: [(name, "x")]) == .invalidRequest("\(name) is set by the client"))
    }

    @Test(arguments: ["", "GE T", "GET /", "GET\r\n", "G\u{0}T", "PÖST"])
    func rejectsAMethodThatIsNotAToken(method: String) throws {
        #expect(try encodingError(method, headers: []) == .invalidRequest("bad method"))
    }

    @Test func checksTheMethodBeforeTheHeaders() throws {
        #expect(try encodingError("BAD METHOD", headers: [("Host", "x")]) == .invalidRequest("bad method"))
    }

    @Test(arguments: ["GET", "X-Custom_1", "a", "0", "!#$%&'*+-.^_`|~", "Content-Type"])
    func acceptsTokens(text: String) {
        #expect(RequestEncoder.isToken(text))
    }

    @Test(arguments: ["", "a b", "a:b", "a\tb", "(x)", "a/b", "ü", "a\"b", "a,b", "{}", "@", "a=b", "a;b", "[x]",
                      "a\\b", "a?b", "a\u{7F}", "a\u{0}", "a\r\n"])
    func rejectsNonTokens(text: String) {
        #expect(RequestEncoder.isToken(text) == false)
    }
}
