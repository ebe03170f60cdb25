//! Percentiles, and each section's output: a markdown table printed and written next to the
//! JSON the plots are drawn from.

use std::path::Path;
use std::time::Duration;

use serde_json::Value;

use crate::scenarios::BenchError;

/// The `q`-quantile (nearest rank) of `samples`, in milliseconds.
pub fn quantile_ms(samples: &[Duration], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1].as_secs_f64() * 1000.0
}

pub struct Table {
    pub title: String,
    pub intro: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    pub fn new(title: &str, intro: &str, header: &[&str]) -> Self {
        Self {
            title: title.into(),
            intro: intro.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// A row of `first` and a note instead of figures (the other cells left empty).
    pub fn note_row(&mut self, first: String, note: &str) {
        let mut cells = vec![first, note.to_owned()];
        cells.resize(self.header.len().max(2), String::new());
        self.rows.push(cells);
    }

    pub fn markdown(&self) -> String {
        let mut out = format!("## {}\n\n{}\n\n", self.title, self.intro);
        out += &format!("| {} |\n", self.header.join(" | "));
        out += &format!(
            "|{}\n",
            self.header.iter().map(|_| "---|").collect::<String>()
        );
        for row in &self.rows {
            out += &format!("| {} |\n", row.join(" | "));
        }
        out
    }
}

/// Prints the table and writes `<name>.md` and `<name>.json` under `out`.
pub fn write(out: &Path, name: &str, table: &Table, data: &Value) -> Result<(), BenchError> {
    write_tables(out, name, &[table], data)
}

/// As `write`, for a section of several tables (one markdown file).
pub fn write_tables(
    out: &Path,
    name: &str,
    tables: &[&Table],
    data: &Value,
) -> Result<(), BenchError> {
    std::fs::create_dir_all(out)?;
    let md = tables
        .iter()
        .map(|t| t.markdown())
        .collect::<Vec<_>>()
        .join("\n");
    println!("{md}");
    std::fs::write(out.join(format!("{name}.md")), md)?;
    std::fs::write(
        out.join(format!("{name}.json")),
        serde_json::to_string_pretty(data)? + "\n",
    )?;
    Ok(())
}

pub fn ms(v: f64) -> String {
    format!("{v:.2}")
}

pub fn ratio(v: f64) -> String {
    format!("{v:.2}×")
}

/// ✅ or ❌ against a goal.
pub fn verdict(ok: bool) -> String {
    if ok { "✅".into() } else { "❌".into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_use_the_nearest_rank() {
        let s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(quantile_ms(&s, 0.5), 50.0);
        assert_eq!(quantile_ms(&s, 0.99), 99.0);
        assert_eq!(quantile_ms(&s[..1], 0.99), 1.0);
    }
}
