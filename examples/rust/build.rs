// Links libllamaswift: from LLAMASWIFT_LIB_DIR (the build tree) if set, else the system
// (after `make install`, the linker's default paths).
fn main() {
    println!("cargo:rerun-if-env-changed=LLAMASWIFT_LIB_DIR");
    if let Ok(dir) = std::env::var("LLAMASWIFT_LIB_DIR") {
        println!("cargo:rustc-link-search=native={dir}");
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    println!("cargo:rustc-link-lib=dylib=llamaswift");
}
