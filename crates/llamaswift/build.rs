//! Gives this crate's own tests, examples and doctests an rpath to the library directory
//! llamaswift-sys found (`DEP_LLAMASWIFT_LIB_DIR`), so they run against an uninstalled
//! build without LD_LIBRARY_PATH. Link arguments do not reach dependents: a program
//! using this crate sets its own rpath (see examples/rust/build.rs) or installs the
//! library.
fn main() {
    println!("cargo:rerun-if-env-changed=DEP_LLAMASWIFT_LIB_DIR");
    if let Ok(dir) = std::env::var("DEP_LLAMASWIFT_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
