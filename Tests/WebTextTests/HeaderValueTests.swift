import Testing
import WebText

@Suite struct HeaderValueTests {
    @Test(arguments: [
        ("form-data; name=\"first_name\"", "form-data", ["name": "first_name"]),
        ("form-data; name=\"a;b\"; filename=\"x.txt\"", "form-data", ["name": "a;b", "filename": "x.txt"]),
        ("form-data; name=\"say \\\"hi\\\"\"", "form-data", ["name": "say \"hi\""]),
        ("form-data;NAME=plain;  Name=second", "form-data", ["name": "plain"]),
        ("multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW", "multipart/form-data",
         ["boundary": "----WebKitFormBoundary7MA4YWxkTrZu0gW"]),
        ("text/plain;charset=utf-8;;novalue;=x", "text/plain", ["charset": "utf-8"]),
        ("form-data; name=\"\"", "form-data", ["name": ""]),
        ("form-data; name=\"unterminated", "form-data", ["name": "\"unterminated"]),
        ("", "", [:]),
    ] as [(String, String, [String: String])])
    func parsesParameters(header: String, value: String, parameters: [String: String]) {
        let parsed = HeaderValue(header)
        #expect(parsed.value == value)
        #expect(parsed.parameters == parameters)
    }
}
