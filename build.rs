//! Embeds every built-in catalog under `controls/` in the binary, so a new catalog file is
//! picked up without editing a list, and the binary needs no files at run time.
//!
//! The catalogs are also parsed and validated here, with the crate's own loading code (its
//! modules are compiled into this script), and embedded in compiled form (`src/model/catalog/compiled.rs`):
//! a run decodes them instead of parsing their YAML, and a built-in catalog with an error
//! fails the build with the error's file:line:column (issue 17).
use std::{env, fs, path::Path};

// The loading code and what it needs. Only part of each module is used here.
#[allow(dead_code, unused_imports)]
#[path = "src/model/arrangement.rs"]
mod arrangement;
#[allow(dead_code, unused_imports)]
#[path = "src/model/capability.rs"]
mod capability;
#[allow(dead_code, unused_imports)]
#[path = "src/model/catalog.rs"]
mod catalog;
#[allow(dead_code, unused_imports, unused_macros)]
#[path = "src/input/decode.rs"]
mod decode;
#[allow(dead_code, unused_imports)]
#[path = "src/input/diag.rs"]
mod diag;
#[allow(dead_code, unused_imports)]
#[path = "src/support/parallel.rs"]
mod parallel;
#[allow(dead_code, unused_imports)]
#[path = "src/input/pattern.rs"]
mod pattern;
#[allow(dead_code, unused_imports)]
#[path = "src/input/regular.rs"]
mod regular;
#[allow(dead_code, unused_imports)]
#[path = "src/model/service.rs"]
mod service;
#[allow(dead_code, unused_imports)]
#[path = "src/model/system.rs"]
mod system;
#[allow(dead_code, unused_imports)]
#[path = "src/support/term.rs"]
mod term;
#[allow(dead_code, unused_imports)]
#[path = "src/input/yaml.rs"]
mod yaml;

/// Stands in for `src/model/embedded.rs`, which includes this script's output.
#[allow(dead_code)]
mod embedded {
    pub const BUILTIN_CATALOGS: &[(&str, &str)] = &[];
    pub const BUILTIN_COMPILED: &[u8] = &[];
}

/// The same digest as the library's `sha256_hex`.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn main() {
    println!("cargo:rerun-if-changed=controls");
    let mut files: Vec<_> = fs::read_dir("controls")
        .expect("controls/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "yaml")
                && p.file_name().is_some_and(|n| n != "capabilities.yaml")
        })
        .collect();
    files.sort();
    let mut out = String::from(
        "/// Built-in catalog files: (path as shown to users, contents).\npub const BUILTIN_CATALOGS: &[(&str, &str)] = &[\n",
    );
    let mut texts = Vec::new();
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        // Resolved against the manifest directory at compile time rather than baked in as
        // an absolute path, so a moved checkout sharing a target directory still builds.
        let shown = f.display().to_string();
        out.push_str(&format!(
            "    ({shown:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{shown}\"))),\n"
        ));
        let text = fs::read_to_string(f).unwrap_or_else(|e| panic!("cannot read {shown}: {e}"));
        texts.push((shown, text));
    }
    out.push_str("];\n");
    let inputs: Vec<(&str, &str)> = texts
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    let compiled = match catalog::compile_builtin(&inputs) {
        Ok(bytes) => bytes,
        Err(diags) => {
            for d in &diags {
                println!("cargo:warning={}", d.to_string().replace('\n', " | "));
            }
            let all: Vec<String> = diags.iter().map(ToString::to_string).collect();
            panic!("the built-in catalogs do not validate:\n{}", all.join("\n"));
        }
    };
    let out_dir = env::var("OUT_DIR").unwrap();
    fs::write(Path::new(&out_dir).join("builtin.bin"), compiled).unwrap();
    out.push_str(
        "/// The built-in catalogs, validated and compiled by build.rs (see `compiled`).\npub const BUILTIN_COMPILED: &[u8] = include_bytes!(concat!(env!(\"OUT_DIR\"), \"/builtin.bin\"));\n",
    );
    fs::write(Path::new(&out_dir).join("builtin.rs"), out).unwrap();
}
