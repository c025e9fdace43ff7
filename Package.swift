// swift-tools-version: 6.1
// llamaswift: a LLaMA-family inference engine in Swift, shipped as the C library
// libllamaswift.so with the hand-written header include/llamaswift.h, and as the Swift
// library product LlamaSwift for Swift programs.
import PackageDescription

// SwiftPM refuses a versioned dependency (a package's `.package(url:from:)`) when a target
// the used product reaches has unsafe flags — the whole dependency closure of the product's
// targets, not only the targets it names (tried: a product A → B with B's -Ounchecked is
// refused as "the target 'B' in product 'P' contains unsafe build flags"; a product nobody
// uses is not checked). So every target the LlamaSwift product reaches (LlamaSwift,
// LlamaSwiftEngine, LlamaSwiftKernels, LlamaSwiftFormats, CLlamaSwiftCPU) is built without
// them, and the fast kernel builds live in targets only this package's own products link.

// On x86-64 the kernels are also built from the same files, through the symlinked
// folders Sources/LlamaSwiftKernelsV3 and V4,: for x86-64-v3 (AVX2, FMA, F16C) and for
// x86-64-v4 with AVX512_VNNI (`vpdpbusd` for the byte dot products), -Ounchecked (counted
// loops over pointers whose bounds the callers prove once per matmul). Only
// LlamaSwiftKernelLevels depends on them, and only libllamaswift.so, the programs and the
// tests depend on that; the engine picks a build at load time from CPUID and finds them
// through a weak symbol (LlamaSwiftFormats/KernelLevelBuilds.swift), so the shipped library
// runs on any x86-64 CPU. Elsewhere (aarch64) only the portable build exists.
let kernelDependencies: [Target.Dependency] = ["CLlamaSwiftCPU", "LlamaSwiftFormats"]
// The baseline build once more, -Ounchecked, also through a symlinked folder
// (Sources/LlamaSwiftKernelsBase): what this package's products run on CPUs below
// x86-64-v3 and on aarch64, as fast as before the LlamaSwift product existed.
let baseKernelTarget: Target = .target(
    name: "LlamaSwiftKernelsBase", dependencies: kernelDependencies, path: "Sources/LlamaSwiftKernelsBase",
    swiftSettings: [.unsafeFlags(["-Ounchecked"])])
#if arch(x86_64)
    let kernelLevelTargets: [Target] = [
        baseKernelTarget,
        .target(
            name: "LlamaSwiftKernelsV3", dependencies: kernelDependencies, path: "Sources/LlamaSwiftKernelsV3",
            swiftSettings: [.unsafeFlags(["-Ounchecked", "-Xcc", "-march=x86-64-v3"]), .define("LLAMASWIFT_AVX2")]),
        .target(
            name: "LlamaSwiftKernelsV4", dependencies: kernelDependencies, path: "Sources/LlamaSwiftKernelsV4",
            swiftSettings: [
                .unsafeFlags(["-Ounchecked", "-Xcc", "-march=x86-64-v4", "-Xcc", "-mavx512vnni"]),
                .define("LLAMASWIFT_AVX2"),
                .define("LLAMASWIFT_VNNI"),
            ]),
    ]
#else
    let kernelLevelTargets: [Target] = [baseKernelTarget]
#endif

let package = Package(
    name: "llamaswift",
    products: [
        // The Swift API (`import LlamaSwift`: Model, Session, Sampler, generate, chat) for
        // packages that depend on this one; no unsafe flags in what it reaches.
        .library(name: "LlamaSwift", targets: ["LlamaSwift"]),
        // libllamaswift.so: the Swift stdlib linked in statically, only llamaswift_* exported.
        .library(name: "llamaswift", type: .dynamic, targets: ["llamaswift"]),
        // Installed as `llamaswift`; a SwiftPM product may not share the library's name.
        .executable(name: "llamaswift-cli", targets: ["llamaswift-cli"]),
        // The OpenAI-compatible HTTP server (Hummingbird 2 on SwiftNIO). Only this program
        // links them: the library and the CLI stay dependency-free.
        .executable(name: "llamaswift-server", targets: ["llamaswift-server"]),
    ],
    dependencies: [
        // The program's flag parsing; the library (libllamaswift.so) does not link it.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        // The server's HTTP stack (llamaswift-server only).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // The C header, imported into Swift so the compiler checks every @c function.
        .systemLibrary(name: "CLlamaSwift", path: "Sources/CLlamaSwift"),
        // The bottom module the engine and every kernel build import: the weight type
        // table (WeightType), the WeightLayout value, the kernels' operand structs and the
        // table type every kernel build fills (KernelSet).
        .target(name: "LlamaSwiftFormats"),
        // The kernels' baseline build (x86-64 SSE2, or portable), -O: what the LlamaSwift
        // product runs (the programs and the library run LlamaSwiftKernelsBase's instead).
        .target(name: "LlamaSwiftKernels", dependencies: kernelDependencies),
        .target(name: "CLlamaSwiftCPU"),
        // The -Ounchecked baseline and x86-64-v3/v4 kernel builds, for this package's own
        // products only (see above).
        .target(
            name: "LlamaSwiftKernelLevels",
            dependencies: ["LlamaSwiftFormats", "CLlamaSwiftCPU"] + kernelLevelTargets.map { .target(name: $0.name) }),
        // The engine: GGUF, tokenizer, forward passes, sampling, chat templates.
        .target(name: "LlamaSwiftEngine", dependencies: ["LlamaSwiftKernels", "LlamaSwiftFormats", "CLlamaSwiftCPU"]),
        // The Swift API over the engine (the LlamaSwift product).
        .target(name: "LlamaSwift", dependencies: ["LlamaSwiftEngine"]),
        .target(
            name: "llamaswift",
            dependencies: ["LlamaSwiftEngine", "LlamaSwiftKernelLevels", "CLlamaSwift"],
            exclude: ["exports.map"],
            swiftSettings: [.enableExperimentalFeature("CImplementation")],
            linkerSettings: [
                .unsafeFlags([
                    // lld drops the symbols the version script makes local from .dynsym
                    // entirely (gold kept Swift metadata symbols there as LOCAL entries).
                    "-static-stdlib", "-use-ld=lld",
                    "-Xlinker", "-soname=libllamaswift.so.0",
                    "-Xlinker", "--version-script=Sources/llamaswift/exports.map",
                ])
            ]
        ),
        // The program carries the Swift runtime inside it too (like the library), so
        // it runs on machines without a Swift toolchain (the llamaswift-tools package).
        .executableTarget(
            name: "llamaswift-cli",
            dependencies: [
                "LlamaSwiftEngine", "LlamaSwiftKernelLevels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // ArgumentParser uses FoundationEssentials, whose static archive needs these two
            // (autolinking names neither); lld resolves them in any order.
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-use-ld=lld"]), .linkedLibrary("_FoundationCollections"),
                .linkedLibrary("_FoundationCShims"),
            ]),
        .executableTarget(
            name: "llamaswift-server",
            dependencies: [
                "LlamaSwiftEngine", "LlamaSwiftKernelLevels", .product(name: "Hummingbird", package: "hummingbird"),
            ],
            linkerSettings: [
                .unsafeFlags(["-static-stdlib", "-use-ld=lld"]), .linkedLibrary("_FoundationCollections"),
                .linkedLibrary("_FoundationCShims"), .linkedLibrary("_FoundationICU"), .linkedLibrary("CoreFoundation"),
            ]),
        .testTarget(
            name: "LlamaSwiftTests",
            dependencies: [
                "LlamaSwiftEngine", "LlamaSwiftKernelLevels", "LlamaSwiftKernels", "LlamaSwiftFormats", "LlamaSwift",
            ]),
    ] + kernelLevelTargets,
    // The engine is pointer code whose thread rules are documented per type (models are
    // immutable, sessions single-threaded); Swift 5 mode keeps strict-concurrency
    // diagnostics from forcing @unchecked annotations onto every pointer-holding value.
    swiftLanguageModes: [.v5]
)
