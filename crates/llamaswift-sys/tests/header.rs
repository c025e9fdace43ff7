//! Checks the crate against `include/llamaswift.h` as it is now, so that a header that
//! gains (or changes) a function, struct field, enum value or `#define` fails this test
//! until `generate-bindings.sh` is rerun:
//!
//! - `header_items_are_all_bound`: a small parser of the header's own regular style
//!   (one declaration per statement, comments stripped) against the Rust source of the
//!   crate: names, parameter names and types, return types, struct fields in order,
//!   enum values, `#define` values.
//! - `struct_layouts_equal_the_c_compilers`: sizes, alignments and field offsets of every
//!   struct, from the C compiler (`cc`, compiling a program made from the header's
//!   struct list) and from Rust.
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use llamaswift_sys::*;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn header_path() -> PathBuf {
    match std::env::var_os("LLAMASWIFT_HEADER") {
        Some(p) => PathBuf::from(p),
        None => crate_dir().join("../../include/llamaswift.h"),
    }
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

// ------------------------------------------------------------------------------------
// The header
// ------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Header {
    /// name → (parameters as (name, Rust type), Rust return type or "")
    functions: BTreeMap<String, (Vec<(String, String)>, String)>,
    /// `static inline` helpers: name → Rust return type
    inline_functions: BTreeMap<String, String>,
    opaque: Vec<String>,
    /// name → fields as (name, Rust type), in order
    structs: BTreeMap<String, Vec<(String, String)>>,
    /// name → enumerators as (name, value)
    enums: BTreeMap<String, Vec<(String, i64)>>,
    /// callback typedefs: name → (parameters, return type)
    callbacks: BTreeMap<String, (Vec<(String, String)>, String)>,
    /// `#define LLAMASWIFT_*`: name → value text
    defines: BTreeMap<String, String>,
}

/// Removes `/* */` and `//` comments (the header has no comment markers in strings).
fn strip_c_comments(src: &str) -> String {
    let mut out = String::with_capacity(src.len());
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"/*") {
            let end = src[i + 2..].find("*/").expect("unterminated comment") + i + 4;
            // Keep line structure for the preprocessor pass.
            out.extend(src[i..end].chars().filter(|&c| c == '\n'));
            out.push(' ');
            i = end;
        } else if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else {
            let c = src[i..].chars().next().unwrap();
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

fn normalize(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A C type (tokens such as `const char * const *`) as the Rust type bindgen writes,
/// with `std::os::raw::` left out.
fn c_type_to_rust(tokens: &[&str]) -> String {
    let first_star = tokens.iter().position(|t| *t == "*").unwrap_or(tokens.len());
    let base: Vec<&str> = tokens[..first_star].iter().copied().filter(|t| *t != "const").collect();
    let mut pointee_const = tokens[..first_star].contains(&"const");
    assert_eq!(base.len(), 1, "unexpected C type {tokens:?}");
    let mut ty = match base[0] {
        "char" => "c_char".to_string(),
        "void" => "c_void".to_string(),
        "bool" => "bool".to_string(),
        "float" => "f32".to_string(),
        "double" => "f64".to_string(),
        "size_t" => "usize".to_string(),
        "int32_t" => "i32".to_string(),
        "uint32_t" => "u32".to_string(),
        "int64_t" => "i64".to_string(),
        "uint64_t" => "u64".to_string(),
        "int" => "c_int".to_string(),
        "unsigned" => "c_uint".to_string(),
        other if other.starts_with("llamaswift_") => other.to_string(),
        other => panic!("no Rust mapping for C type {other:?}: extend c_type_to_rust"),
    };
    let rest = &tokens[first_star..];
    let mut i = 0;
    while i < rest.len() {
        assert_eq!(rest[i], "*", "unexpected C type {tokens:?}");
        ty = format!("*{} {ty}", if pointee_const { "const" } else { "mut" });
        pointee_const = rest.get(i + 1) == Some(&"const");
        i += if pointee_const { 2 } else { 1 };
    }
    ty
}

/// Splits `type name` (e.g. `const char *const *stop_strings`) into (name, Rust type).
fn c_declaration(decl: &str) -> (String, String) {
    let spaced = decl.replace('*', " * ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let (name, ty) = tokens.split_last().expect("empty declaration");
    (name.to_string(), c_type_to_rust(ty))
}

fn c_parameters(list: &str) -> Vec<(String, String)> {
    let list = list.trim();
    if list == "void" || list.is_empty() {
        return vec![];
    }
    list.split(',').map(c_declaration).collect()
}

fn c_return_type(tokens: &str) -> String {
    let spaced = tokens.replace('*', " * ");
    let t: Vec<&str> = spaced.split_whitespace().collect();
    if t == ["void"] {
        String::new()
    } else {
        c_type_to_rust(&t)
    }
}

fn parse_header(src: &str) -> Header {
    let src = strip_c_comments(src);
    let mut h = Header::default();
    // Preprocessor lines: collect LLAMASWIFT_ defines (with continuations); drop the
    // __cplusplus guard and its `extern "C" {` / `}`.
    let mut code = String::new();
    let mut lines = src.lines();
    let mut in_cplusplus = false;
    while let Some(line) = lines.next() {
        let t = line.trim();
        if in_cplusplus {
            in_cplusplus = !t.starts_with("#endif");
            continue;
        }
        if t.starts_with("#ifdef __cplusplus") {
            in_cplusplus = true;
            continue;
        }
        if let Some(def) = t.strip_prefix("#define") {
            let mut text = def.to_string();
            while text.trim_end().ends_with('\\') {
                text = text.trim_end().trim_end_matches('\\').to_string() + " " + lines.next().unwrap_or("");
            }
            let text = normalize(&text);
            let (name, value) = text.split_once(' ').unwrap_or((&text, ""));
            if name.starts_with("LLAMASWIFT_") && name != "LLAMASWIFT_H" {
                h.defines.insert(name.to_string(), value.to_string());
            }
            continue;
        }
        if t.starts_with('#') {
            continue;
        }
        code.push_str(line);
        code.push('\n');
    }
    // Top-level statements: up to a `;` at brace depth 0, or a `static inline` body's `}`.
    let mut items = Vec::new();
    let mut cur = String::new();
    let mut depth = 0;
    for c in code.chars() {
        cur.push(c);
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 && normalize(&cur).starts_with("static inline") {
                    items.push(normalize(&cur));
                    cur.clear();
                }
            }
            ';' if depth == 0 => {
                items.push(normalize(&cur[..cur.len() - 1]));
                cur.clear();
            }
            _ => {}
        }
    }
    assert!(cur.trim().is_empty(), "unparsed header text: {cur:?}");
    for item in items {
        if let Some(rest) = item.strip_prefix("static inline ") {
            let open = rest.find('(').unwrap();
            let (ret, name) = rest[..open].trim().rsplit_once(' ').unwrap();
            h.inline_functions.insert(name.to_string(), c_return_type(ret));
        } else if let Some(rest) = item.strip_prefix("typedef struct ") {
            let name = rest.split_whitespace().next().unwrap().to_string();
            match (rest.find('{'), rest.rfind('}')) {
                (Some(open), Some(close)) => {
                    let fields =
                        rest[open + 1..close].split(';').filter(|f| !f.trim().is_empty()).map(c_declaration).collect();
                    h.structs.insert(name, fields);
                }
                _ => h.opaque.push(name),
            }
        } else if let Some(rest) = item.strip_prefix("typedef enum ") {
            let name = rest.split_whitespace().next().unwrap().to_string();
            let body = &rest[rest.find('{').unwrap() + 1..rest.rfind('}').unwrap()];
            let values = body
                .split(',')
                .filter(|e| !e.trim().is_empty())
                .map(|e| {
                    let (n, v) = e.split_once('=').expect("enumerators carry explicit values");
                    (n.trim().to_string(), v.trim().parse::<i64>().unwrap())
                })
                .collect();
            h.enums.insert(name, values);
        } else if let Some(rest) = item.strip_prefix("typedef ") {
            // typedef RET (*NAME)(PARAMS)
            let star = rest.find("(*").unwrap_or_else(|| panic!("unknown typedef: {item}"));
            let close = rest[star..].find(')').unwrap() + star;
            let name = rest[star + 2..close].trim().to_string();
            let params = &rest[rest[close..].find('(').unwrap() + close + 1..rest.rfind(')').unwrap()];
            h.callbacks.insert(name, (c_parameters(params), c_return_type(&rest[..star])));
        } else {
            let open = item.find('(').unwrap_or_else(|| panic!("unknown header item: {item}"));
            let (ret, name) = item[..open].trim().rsplit_once(' ').unwrap();
            let (ret, name) =
                if let Some(n) = name.strip_prefix('*') { (format!("{ret} *"), n) } else { (ret.to_string(), name) };
            let params = &item[open + 1..item.rfind(')').unwrap()];
            h.functions.insert(name.to_string(), (c_parameters(params), c_return_type(&ret)));
        }
    }
    h
}

// ------------------------------------------------------------------------------------
// The crate (its Rust source, as bindgen and the hand-written lib.rs spell it)
// ------------------------------------------------------------------------------------

#[derive(Debug, Default)]
struct Crate {
    functions: BTreeMap<String, (Vec<(String, String)>, String)>,
    structs: BTreeMap<String, Vec<(String, String)>>,
    consts: BTreeMap<String, (String, String)>,
    types: BTreeMap<String, String>,
}

fn normalize_rust_type(t: &str) -> String {
    let t = normalize(t)
        .replace("::std::os::raw::", "")
        .replace("std::os::raw::", "")
        .replace("::std::option::Option", "Option")
        .replace("::core::ffi::", "")
        .replace("core::ffi::", "");
    let t = t.replace("< ", "<").replace(" >", ">").replace("( ", "(").replace(" )", ")");
    let t = t.replace(",)", ")").replace(",>", ">");
    t.trim_end_matches(',').trim().to_string()
}

/// Splits at `sep` outside (), <> and [].
fn split_top(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![];
    let mut depth = 0i32;
    let mut cur = String::new();
    let mut prev = ' ';
    for c in s.chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '>' if prev != '-' => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 {
            out.push(cur.clone());
            cur.clear();
        } else {
            cur.push(c);
        }
        prev = c;
    }
    out.push(cur);
    out.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

fn rust_parameters(list: &str) -> Vec<(String, String)> {
    split_top(list, ',')
        .iter()
        .map(|p| {
            let (n, t) = p.split_once(':').unwrap_or_else(|| panic!("parameter without a type: {p}"));
            (n.trim().to_string(), normalize_rust_type(t))
        })
        .collect()
}

/// Index just past the parenthesis matching the one at `open`.
fn matching(s: &str, open: usize, (o, c): (char, char)) -> usize {
    let mut depth = 0;
    for (i, ch) in s[open..].char_indices() {
        if ch == o {
            depth += 1;
        } else if ch == c {
            depth -= 1;
            if depth == 0 {
                return open + i + 1;
            }
        }
    }
    panic!("unbalanced {o}{c}");
}

fn parse_crate(src: &str) -> Crate {
    let src: String = src
        .lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut k = Crate::default();
    let mut at = 0;
    while let Some(i) = src[at..].find("pub fn ") {
        let start = at + i + 7;
        let open = start + src[start..].find('(').unwrap();
        let name = src[start..open].trim().to_string();
        let close = matching(&src, open, ('(', ')'));
        let params = rust_parameters(&src[open + 1..close - 1]);
        let end = close + src[close..].find([';', '{']).unwrap();
        let ret = src[close..end].trim().strip_prefix("->").map(normalize_rust_type).unwrap_or_default();
        k.functions.insert(name, (params, ret));
        at = end;
    }
    at = 0;
    while let Some(i) = src[at..].find("pub struct ") {
        let start = at + i + 11;
        let open = start + src[start..].find('{').unwrap();
        let name = src[start..open].trim().to_string();
        let close = matching(&src, open, ('{', '}'));
        let fields = split_top(&src[open + 1..close - 1], ',')
            .iter()
            .filter_map(|f| f.strip_prefix("pub "))
            .map(|f| {
                let (n, t) = f.split_once(':').unwrap();
                (n.trim().to_string(), normalize_rust_type(t))
            })
            .collect();
        k.structs.insert(name, fields);
        at = close;
    }
    at = 0;
    while let Some(i) = src[at..].find("pub const ") {
        let start = at + i + 10;
        let eq = start + src[start..].find('=').unwrap();
        let end = eq + src[eq..].find(';').unwrap();
        let (name, rest) = src[start..end].split_once(':').unwrap();
        let (ty, value) = rest.split_once('=').unwrap();
        k.consts.insert(name.trim().to_string(), (normalize_rust_type(ty), normalize(value)));
        at = end;
    }
    at = 0;
    while let Some(i) = src[at..].find("pub type ") {
        let start = at + i + 9;
        let end = start + src[start..].find(';').unwrap();
        let (name, ty) = src[start..end].split_once('=').unwrap();
        k.types.insert(name.trim().to_string(), normalize_rust_type(ty));
        at = end;
    }
    k
}

fn the_crate() -> Crate {
    let src = crate_dir().join("src");
    parse_crate(&(read(&src.join("bindings.rs")) + "\n" + &read(&src.join("lib.rs"))))
}

fn the_header() -> Header {
    parse_header(&read(&header_path()))
}

// ------------------------------------------------------------------------------------
// Tests
// ------------------------------------------------------------------------------------

#[test]
fn header_items_are_all_bound() {
    let h = the_header();
    let k = the_crate();
    let mut missing = Vec::new();

    for (name, (params, ret)) in &h.functions {
        match k.functions.get(name) {
            None => missing.push(format!("function {name}")),
            Some((p, r)) => {
                if p != params {
                    missing.push(format!("function {name}: parameters {p:?}, header {params:?}"));
                }
                if r != ret {
                    missing.push(format!("function {name}: returns {r:?}, header {ret:?}"));
                }
            }
        }
    }
    for (name, ret) in &h.inline_functions {
        match k.functions.get(name) {
            Some((p, r)) if p.is_empty() && r == ret => {}
            other => missing.push(format!("static inline {name} (crate has {other:?})")),
        }
    }
    for name in &h.opaque {
        if !k.structs.contains_key(name) {
            missing.push(format!("opaque struct {name}"));
        }
    }
    for (name, fields) in &h.structs {
        match k.structs.get(name) {
            None => missing.push(format!("struct {name}")),
            Some(f) if f != fields => missing.push(format!("struct {name}: fields {f:?}, header {fields:?}")),
            _ => {}
        }
    }
    for (name, values) in &h.enums {
        match k.types.get(name).map(String::as_str) {
            Some("c_uint" | "u32" | "c_int" | "i32") => {}
            other => missing.push(format!("enum type {name} (crate has {other:?})")),
        }
        for (v, value) in values {
            match k.consts.get(v) {
                Some((ty, val)) if ty == name && val.parse::<i64>().ok() == Some(*value) => {}
                other => missing.push(format!("enum value {v} = {value} of {name} (crate has {other:?})")),
            }
        }
    }
    for (name, (params, ret)) in &h.callbacks {
        let params = params.iter().map(|(n, t)| format!("{n}: {t}")).collect::<Vec<_>>().join(", ");
        let ret = if ret.is_empty() { String::new() } else { format!(" -> {ret}") };
        let want = format!("Option<unsafe extern \"C\" fn({params}){ret}>");
        match k.types.get(name) {
            Some(t) if *t == want => {}
            other => missing.push(format!("callback {name}: want {want}, crate has {other:?}")),
        }
    }
    for (name, value) in &h.defines {
        let Some((_, rust)) = k.consts.get(name) else {
            missing.push(format!("#define {name}"));
            continue;
        };
        let want = if let Some(int) = value.strip_suffix('u').or(Some(value)).filter(|v| v.parse::<u64>().is_ok()) {
            Some(int.to_string())
        } else if value == "UINT64_MAX" {
            Some("u64::MAX".to_string())
        } else if value.starts_with('"') {
            Some(format!("b{}\\0\"", &value[..value.len() - 1]))
        } else {
            None // an expression (LLAMASWIFT_VERSION_NUMBER): checked by value below
        };
        if let Some(want) = want {
            if *rust != want {
                missing.push(format!("#define {name} {value}: crate has {rust}"));
            }
        }
    }
    assert_eq!(
        LLAMASWIFT_VERSION_NUMBER,
        LLAMASWIFT_VERSION_MAJOR * 10000 + LLAMASWIFT_VERSION_MINOR * 100 + LLAMASWIFT_VERSION_PATCH
    );
    assert!(
        missing.is_empty(),
        "llamaswift-sys lacks or differs from {} in:\n  {}\nrun crates/llamaswift-sys/generate-bindings.sh",
        header_path().display(),
        missing.join("\n  ")
    );
    // Sanity: the parser saw the header (not an empty file).
    assert!(h.functions.len() >= 37 && h.structs.len() >= 7 && h.enums.len() >= 5, "{h:?}");
    println!(
        "header: {} functions + {} static inline, {} structs + {} opaque, {} enums ({} values), {} callback type, {} defines: all bound",
        h.functions.len(),
        h.inline_functions.len(),
        h.structs.len(),
        h.opaque.len(),
        h.enums.len(),
        h.enums.values().map(Vec::len).sum::<usize>(),
        h.callbacks.len(),
        h.defines.len()
    );
}

/// The header's function list equals what Tests/capi/header-functions.sh (the list the C
/// tests and the export check use) prints: both parsers read the same header alike.
#[test]
fn function_list_agrees_with_the_c_tests() {
    let script = crate_dir().join("../../Tests/capi/header-functions.sh");
    let Ok(out) = Command::new("bash").arg(&script).arg(header_path()).output() else {
        println!("skipped: no bash");
        return;
    };
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let listed: Vec<String> = String::from_utf8(out.stdout).unwrap().lines().map(String::from).collect();
    let parsed: Vec<String> = the_header().functions.keys().cloned().collect();
    assert_eq!(parsed, listed);
}

macro_rules! rust_layouts {
    ($($s:ident { $($f:ident),* $(,)? })*) => {
        vec![$(
            (
                stringify!($s).to_string(),
                std::mem::size_of::<$s>(),
                std::mem::align_of::<$s>(),
                vec![$((stringify!($f).to_string(), std::mem::offset_of!($s, $f))),*],
            )
        ),*]
    };
}

type Layout = (String, usize, usize, Vec<(String, usize)>);

fn rust_layouts() -> Vec<Layout> {
    rust_layouts! {
        llamaswift_model_params { struct_size, vocab_only, progress_callback, progress_callback_user_data, use_mlock, weight_type }
        llamaswift_model_info {
            struct_size, n_vocab, n_ctx_train, n_embd, n_layer, n_head, n_head_kv, n_ff, n_rot,
            rope_freq_base, rope_scaling_type, rope_scaling_factor, rope_original_ctx, rms_norm_eps,
            file_type, n_params, size_bytes, vocab_only,
        }
        llamaswift_session_params {
            struct_size, n_ctx, n_batch, n_threads, logits_all, kv_type, rope_scaling_type,
            rope_freq_base, rope_scaling_factor, rope_original_ctx, embeddings, pooling_type, embd_normalize,
            kv_type_v,
        }
        llamaswift_sampler_params {
            struct_size, temperature, top_k, top_p, min_p, repeat_penalty, frequency_penalty,
            presence_penalty, penalty_last_n, seed, temperature_order,
        }
        llamaswift_generate_params {
            struct_size, max_tokens, tokenize_flags, stop_strings, n_stop_strings, reuse_cache, n_keep,
            context_shift, append, token_callback, token_callback_user_data, n_probs,
        }
        llamaswift_generate_result {
            struct_size, stop_reason, n_prompt_tokens, n_prompt_evaluated, n_generated,
            prefill_seconds, decode_seconds, prefill_tokens_per_second, decode_tokens_per_second,
            n_context_shifts,
        }
        llamaswift_chat_message { role, content }
        llamaswift_batch_item { session, tokens, n_tokens }
        llamaswift_batch_params { struct_size, n_batch }
        llamaswift_token_logprob { token, logprob }
        llamaswift_generated_token { token, logprob, piece, piece_len, top, n_top }
        llamaswift_logit_bias { token, bias }
    }
}

#[test]
fn struct_layouts_equal_the_c_compilers() {
    let h = the_header();
    let rust = rust_layouts();
    // The table above must list every struct and field of the header.
    let table: BTreeMap<String, Vec<String>> =
        rust.iter().map(|(s, _, _, f)| (s.clone(), f.iter().map(|(n, _)| n.clone()).collect())).collect();
    let header: BTreeMap<String, Vec<String>> =
        h.structs.iter().map(|(s, f)| (s.clone(), f.iter().map(|(n, _)| n.clone()).collect())).collect();
    assert_eq!(table, header, "extend rust_layouts! in tests/header.rs with the header's structs");

    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let dir = std::env::temp_dir().join(format!("llamaswift-sys-layout-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut c = String::from("#include <stdio.h>\n#include <stddef.h>\n#include \"llamaswift.h\"\nint main(void) {\n");
    for (s, fields) in &h.structs {
        c += &format!("    printf(\"{s} %zu %zu\\n\", sizeof({s}), _Alignof({s}));\n");
        for (f, _) in fields {
            c += &format!("    printf(\"{s}.{f} %zu\\n\", offsetof({s}, {f}));\n");
        }
    }
    c += "    return 0;\n}\n";
    std::fs::write(dir.join("layout.c"), c).unwrap();
    let include = header_path().parent().unwrap().to_path_buf();
    let built = Command::new(&cc)
        .args(["-std=c11", "-o"])
        .arg(dir.join("layout"))
        .arg(dir.join("layout.c"))
        .arg(format!("-I{}", include.display()))
        .status();
    match built {
        Err(e) => {
            println!("skipped: no C compiler ({cc}: {e})");
            return;
        }
        Ok(s) => assert!(s.success(), "{cc} failed on the layout program"),
    }
    let out = Command::new(dir.join("layout")).output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let c_text = String::from_utf8(out.stdout).unwrap();
    let mut r_text = String::new();
    let mut sorted = rust;
    sorted.sort();
    for (s, size, align, fields) in &sorted {
        r_text += &format!("{s} {size} {align}\n");
        for (f, off) in fields {
            r_text += &format!("{s}.{f} {off}\n");
        }
    }
    assert_eq!(r_text, c_text);
}

/// A few calls into the library itself: it links and answers as the header says.
#[test]
fn library_answers() {
    use std::ffi::CStr;
    // Safety: static strings; status_string accepts any value.
    unsafe {
        let v = CStr::from_ptr(llamaswift_version()).to_str().unwrap();
        assert_eq!(v.as_bytes(), &LLAMASWIFT_VERSION_STRING[..LLAMASWIFT_VERSION_STRING.len() - 1]);
        let s = CStr::from_ptr(llamaswift_status_string(LLAMASWIFT_ERR_IO)).to_str().unwrap();
        assert!(s.starts_with("LLAMASWIFT_ERR_IO"), "{s}");
        let mut out = std::ptr::NonNull::<llamaswift_model>::dangling().as_ptr();
        let st = llamaswift_model_load(c"/nonexistent/model.gguf".as_ptr(), std::ptr::null(), &mut out);
        assert_eq!(st, LLAMASWIFT_ERR_IO);
        assert!(out.is_null());
        let msg = CStr::from_ptr(llamaswift_last_error()).to_string_lossy();
        assert!(msg.contains("/nonexistent/model.gguf"), "{msg}");
    }
    let p = llamaswift_sampler_default_params();
    assert_eq!(p.struct_size as usize, std::mem::size_of::<llamaswift_sampler_params>());
    assert_eq!((p.temperature, p.top_k, p.seed), (0.8, 40, LLAMASWIFT_SEED_RANDOM));
    let g = llamaswift_generate_default_params();
    assert_eq!(g.max_tokens, 256);
    assert!(g.stop_strings.is_null() && g.reuse_cache);
    assert_eq!(llamaswift_session_default_params().n_ctx, 0);
    assert!(!llamaswift_model_default_params().vocab_only);
}
