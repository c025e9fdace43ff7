//! Finds libllamaswift and tells Cargo how to link it. No crates: `pkg-config` is run as
//! a program. In order:
//!
//! 1. `LLAMASWIFT_LIB_DIR`: a directory holding `libllamaswift.so` (an uninstalled build,
//!    `.build/release`). Its own tests get an rpath to it.
//! 2. `pkg-config --libs llamaswift` (honours `PKG_CONFIG_PATH`): an installed build
//!    (`make install`, the Debian package `libllamaswift-dev`).
//! 3. Neither: `-lllamaswift` from the linker's default paths.
//!
//! The directory found is passed to dependents as `DEP_LLAMASWIFT_LIB_DIR` (and the
//! header's as `DEP_LLAMASWIFT_INCLUDE` when known), so a binary's build script can
//! set its own rpath.
use std::env;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=LLAMASWIFT_LIB_DIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_PATH");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_LIBDIR");
    println!("cargo:rerun-if-env-changed=PKG_CONFIG_SYSROOT_DIR");
    println!("cargo:rerun-if-changed=build.rs");

    if let Some(dir) = env::var_os("LLAMASWIFT_LIB_DIR").filter(|d| !d.is_empty()) {
        let dir = dir.to_string_lossy().into_owned();
        link_dir(&dir);
        println!("cargo:rustc-link-lib=dylib=llamaswift");
        return;
    }
    if let Some(flags) = pkg_config(&["--libs", "llamaswift"]) {
        let mut linked = false;
        for flag in flags.split_whitespace() {
            if let Some(dir) = flag.strip_prefix("-L") {
                link_dir(dir);
            } else if let Some(lib) = flag.strip_prefix("-l") {
                println!("cargo:rustc-link-lib=dylib={lib}");
                linked |= lib == "llamaswift";
            }
        }
        if let Some(inc) = pkg_config(&["--variable=includedir", "llamaswift"]) {
            println!("cargo:include={}", inc.trim());
        }
        if linked {
            return;
        }
    }
    println!("cargo:rustc-link-lib=dylib=llamaswift");
}

fn link_dir(dir: &str) {
    println!("cargo:rustc-link-search=native={dir}");
    println!("cargo:lib_dir={dir}");
    // Only this package's own tests and examples: link arguments do not reach dependents.
    println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
}

/// Output of `pkg-config ARGS`, or None when it is missing or fails (no such package).
fn pkg_config(args: &[&str]) -> Option<String> {
    let program = env::var("PKG_CONFIG").unwrap_or_else(|_| "pkg-config".into());
    let out = Command::new(program).args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8(out.stdout).ok()
}
