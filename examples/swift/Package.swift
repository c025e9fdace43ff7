// swift-tools-version: 6.1
// A Swift program that streams a chat answer with llamaswift's `LlamaSwift` library
// product, depending on the llamaswift git repository by URL and version — as a package
// of your own would. The URL is LLAMASWIFT_GIT_URL when set (your clone, a mirror, a
// hosted copy), else the git repository this folder sits in (file://, two levels up).
// Either needs a version tag ≥ 0.6.0 (`git tag 0.6.0`): SwiftPM resolves `from:` against
// the repository's tags, not its work tree.
import PackageDescription

let checkout = "/" + Context.packageDirectory.split(separator: "/").dropLast(2).joined(separator: "/")
let llamaswiftURL = Context.environment["LLAMASWIFT_GIT_URL"] ?? "file://\(checkout)"

let package = Package(
    name: "llamaswift-swift-example",
    dependencies: [
        .package(url: llamaswiftURL, from: "0.6.0")
    ],
    targets: [
        .executableTarget(
            name: "chat",
            dependencies: [.product(name: "LlamaSwift", package: "llamaswift")])
    ]
)
