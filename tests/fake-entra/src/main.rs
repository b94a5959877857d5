//! `fake-entra CONFIG.json [--https CA_OUT.pem]`: serves the local Entra + Graph fake for
//! benchmarks until killed. Prints the base URL on the first line of stdout and, with
//! `--https`, the path of the test CA (PEM) clients must trust on the second.

use cmaad_fake_entra::{Config, FakeEntra};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("fake-entra: {message}\nusage: fake-entra CONFIG.json [--https CA_OUT.pem]");
            ExitCode::from(2)
        }
    }
}

fn run(args: &[String]) -> Result<(), String> {
    let (config_path, ca_out) = match args {
        [config] => (config, None),
        [config, flag, ca] if flag == "--https" => (config, Some(ca)),
        _ => return Err("wrong arguments".into()),
    };
    let text = std::fs::read_to_string(config_path)
        .map_err(|e| format!("cannot read {config_path}: {e}"))?;
    let config: Config = serde_json::from_str(&text)
        .map_err(|e| format!("{config_path} is not a valid config: {e}"))?;
    let fake = match ca_out {
        None => FakeEntra::start(config),
        Some(_) => FakeEntra::start_https(config),
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", fake.base_url()).map_err(|e| e.to_string())?;
    if let (Some(path), Some(pem)) = (ca_out, fake.ca_pem()) {
        std::fs::write(path, pem).map_err(|e| format!("cannot write {path}: {e}"))?;
        writeln!(out, "{path}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())?;
    drop(out);
    loop {
        std::thread::park();
    }
}
