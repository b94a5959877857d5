//! The crate's dependency direction, checked from the source: ffi → wire → session/provisioning
//! → (store | entra) → runtime → model/cloud/requirements → error/secret. A module may use its
//! own layer and the layers below it, never one above. The check reads every `crate::<module>`
//! path (and `crate::{...}` group) in `src/` outside comments, so a new top-level module must be
//! given a layer here before it passes. The README's layout table must name every folder of
//! `src/`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Layer of each top-level module of `src/`; higher layers may use lower ones.
const LAYERS: &[(&str, u8)] = &[
    ("error", 0),
    ("secret", 0),
    ("scrub", 0),
    ("cloud", 1),
    ("model", 1),
    ("requirements", 1),
    ("proxy", 1),
    ("files", 1),
    ("runtime", 2),
    ("store", 3),
    ("entra", 3),
    ("site", 3),
    ("session", 4),
    ("provisioning", 4),
    ("wire", 5),
    ("ffi", 6),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The source without `//` comments (doc links to higher layers are fine).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every top-level module named after `crate::`, including the members of `crate::{a, b::c}`.
fn used_modules(code: &str) -> Vec<String> {
    let mut used = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                used.push(name);
            }
        } else {
            used.push(
                rest.chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect(),
            );
        }
    }
    used.retain(|m| !m.is_empty() && m.chars().next().is_some_and(|c| c.is_lowercase()));
    used
}

#[test]
fn no_module_uses_a_layer_above_it() {
    let layers: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut problems = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative.components().next().unwrap().as_os_str();
        let module = top.to_string_lossy().trim_end_matches(".rs").to_string();
        if module == "lib" {
            continue;
        }
        let Some(&own) = layers.get(module.as_str()) else {
            problems.push(format!(
                "src/{} is in module '{module}', which has no layer in tests/layers.rs",
                relative.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(&file).unwrap();
        for used in used_modules(&code(&text)) {
            match layers.get(used.as_str()) {
                Some(&layer) if layer > own => problems.push(format!(
                    "src/{} ({module}, layer {own}) uses crate::{used} (layer {layer})",
                    relative.display()
                )),
                // Items of the crate root (`crate::VERSION`, re-exports) are not modules.
                _ => {}
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_reader_sees_grouped_and_plain_paths() {
    let used =
        used_modules("use crate::{model::App, error::Error};\nlet x = crate::wire::apps::app;");
    assert_eq!(used, vec!["model", "error", "wire"]);
    assert!(used_modules(&code("// see crate::ffi\nuse crate::model::App;")) == vec!["model"]);
}

#[test]
fn the_readme_layout_names_every_folder_of_src() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let mut missing = Vec::new();
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                let shown = format!("`{}/`", path.strip_prefix(root).unwrap().display());
                if !readme.contains(&shown) {
                    missing.push(shown);
                }
                dirs.push(path);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "README.md's layout table lacks {}",
        missing.join(", ")
    );
}
