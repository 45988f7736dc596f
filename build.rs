//! Embeds the built-in rule packs and templates into the binary.

use std::fmt::Write as _;
use std::path::Path;

fn embed(dir: &str, exts: &[&str], name: &str, out: &mut String) {
    println!("cargo:rerun-if-changed={dir}");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&root)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        exts.iter().any(|e| n.ends_with(e))
    });
    files.sort();
    let _ = writeln!(out, "pub static {name}: &[(&str, &str)] = &[");
    for p in files {
        let file = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let _ = writeln!(
            out,
            "    ({file:?}, include_str!({:?})),",
            p.display().to_string()
        );
    }
    let _ = writeln!(out, "];");
}

fn main() {
    let out_dir = std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into());
    let mut rules = String::new();
    embed("rules", &[".yaml", ".yml"], "RULE_FILES", &mut rules);
    let _ = std::fs::write(Path::new(&out_dir).join("embedded_rules.rs"), rules);
    let mut templates = String::new();
    embed("templates", &[".tera"], "TEMPLATE_FILES", &mut templates);
    let _ = std::fs::write(Path::new(&out_dir).join("embedded_templates.rs"), templates);
}
