//! Section 4: the size of every function's release binary (the profile strips them), x86_64 as
//! built here and arm64 as cargo-lambda cross-compiles it with zig. Reported, not a goal: the
//! release profile is chosen by cold start and build time (docs/benchmarks.md).

use std::path::Path;

use serde_json::json;

use crate::report::{self, Table};
use crate::scenarios::BenchError;

const MIB: f64 = 1024.0 * 1024.0;

fn size_mib(path: &Path) -> Option<f64> {
    std::fs::metadata(path).ok().map(|m| m.len() as f64 / MIB)
}

fn cell(v: Option<f64>) -> String {
    v.map_or("not built".into(), |v| format!("{v:.2}"))
}

pub fn run(root: &Path, target: &Path, profile: &str, out: &Path) -> Result<(), BenchError> {
    let mut names: Vec<String> = std::fs::read_dir(root.join("functions"))?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names.push("hello-lambda".into());
    let mut table = Table::new(
        "4. Stripped binary size",
        &format!(
            "{profile}. x86_64 from `{target}/release/`, arm64 from `cargo lambda build \
             --release --arm64` (`{target}/lambda/<function>/bootstrap`). `hello-lambda` is the \
             yardstick, not a function.",
            target = target.strip_prefix(root).unwrap_or(target).display()
        ),
        &["binary", "x86_64 MiB", "arm64 MiB"],
    );
    let mut data = Vec::new();
    for name in &names {
        let x86 = size_mib(&target.join("release").join(name));
        let arm = size_mib(&target.join("lambda").join(name).join("bootstrap"));
        table.row(vec![format!("`{name}`"), cell(x86), cell(arm)]);
        data.push(json!({"binary": name, "x86_64_mib": x86, "arm64_mib": arm}));
    }
    report::write(out, "sizes", &table, &json!(data))
}
