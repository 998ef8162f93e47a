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
        // Resolved against the manifest directory at compile time rather than baked in as
        // an absolute path, so a moved checkout sharing a target directory still builds.
        let shown = f.display().to_string();
        out.push_str(&format!(
            "    ({shown:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{shown}\"))),\n"
        ));
    }
    out.push_str("];\n");
    fs::write(
        Path::new(&env::var("OUT_DIR").unwrap()).join("builtin.rs"),
        out,
    )
    .unwrap();
}
