//! Embeds every built-in catalog under `controls/` in the binary, so a new catalog file is
//! picked up without editing a list, and the binary needs no files at run time.
use std::{env, fs, path::Path};

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
    for f in &files {
        println!("cargo:rerun-if-changed={}", f.display());
        let abs = fs::canonicalize(f).expect("canonical path");
        out.push_str(&format!(
            "    ({:?}, include_str!({:?})),\n",
            f.display().to_string(),
            abs.display().to_string()
        ));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("builtin.rs"),
        out,
    )
    .unwrap();
}
