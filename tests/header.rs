//! The committed C header must be exactly what cbindgen generates from the sources.
//! `CMAAD_BLESS=1 cargo test --test header` rewrites it.

use std::path::Path;

#[test]
fn committed_header_matches_generated() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut generated = Vec::new();
    cbindgen::Builder::new()
        .with_crate(root)
        .with_config(config)
        .generate()
        .expect("cbindgen generates the header")
        .write(&mut generated);
    let generated = String::from_utf8(generated).expect("header is UTF-8");
    let committed_path = root.join("include/cmaad.h");
    if std::env::var_os("CMAAD_BLESS").is_some() {
        std::fs::write(&committed_path, &generated).expect("write include/cmaad.h");
        return;
    }
    let committed = std::fs::read_to_string(&committed_path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/cmaad.h is stale: run `CMAAD_BLESS=1 cargo test --test header` and commit the result"
    );
    let define = format!(
        "#define CMAAD_ABI_VERSION {}",
        cmaad::ffi::CMAAD_ABI_VERSION
    );
    assert!(
        generated.contains(&define),
        "cbindgen.toml's CMAAD_ABI_VERSION differs from ffi::CMAAD_ABI_VERSION"
    );
    for name in [
        "cmaad_abi_version",
        "cmaad_version",
        "cmaad_session_open",
        "cmaad_session_close",
        "cmaad_import_server_app",
        "cmaad_import_client_app",
        "cmaad_get_apps",
        "cmaad_new_cloud_management_service",
        "cmaad_string_free",
        "CMAAD_INTERNAL = 7",
    ] {
        assert!(generated.contains(name), "{name} missing from the header");
    }
}
