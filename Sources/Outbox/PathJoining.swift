extension String {
    /// This folder path with `name` appended, one `/` between (what `NSString.appendingPathComponent` did, without
    /// Foundation). A relative folder stays relative.
    package func joiningPath(_ name: String) -> String {
        isEmpty ? name : hasSuffix("/") ? self + name : self + "/" + name
    }
}
