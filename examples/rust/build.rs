// With LLAMASWIFT_LIB_DIR (an uninstalled build, e.g. .build/release) the program gets an
// rpath to it, so it runs without LD_LIBRARY_PATH; llamaswift-sys links from there too.
// Without it the installed library is used (pkg-config, or the default paths).
fn main() {
    println!("cargo:rerun-if-env-changed=LLAMASWIFT_LIB_DIR");
    if let Ok(dir) = std::env::var("LLAMASWIFT_LIB_DIR") {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
}
