//! The validation report: `report.md` (readable on its own), `report.json`
//! (the same figures for scripts) and `manifest.json`, each written
//! atomically so that an interrupted suite leaves no report that looks
//! complete.

use super::Check;
use crate::error::OutputError;
use crate::io::output::{write_atomic, write_json};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::Path;

#[derive(Serialize)]
pub struct Manifest {
    pub senesim_version: &'static str,
    pub threads: usize,
    pub started_unix_s: u64,
    pub wall_time_s: f64,
    pub checks: usize,
    pub passed: usize,
    pub failed: Vec<&'static str>,
}

/// Writes report.md, report.json and manifest.json into `out`.
pub fn write_report(out: &Path, checks: &[Check], m: &Manifest) -> Result<(), OutputError> {
    write_json(&out.join(crate::io::folder::REPORT_JSON), &checks)?;
    write_atomic(
        &out.join(crate::io::folder::REPORT_MD),
        markdown(checks, m).as_bytes(),
    )?;
    write_json(&out.join(crate::io::folder::MANIFEST), m)
}

fn verdict(passed: bool) -> &'static str {
    if passed {
        "PASS"
    } else {
        "**FAIL**"
    }
}

/// Escapes a table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

pub fn markdown(checks: &[Check], m: &Manifest) -> String {
    let mut s = String::new();
    let failed = checks.iter().filter(|c| !c.passed).count();
    let _ = writeln!(s, "# senesim validation report\n");
    let _ = writeln!(
        s,
        "senesim {} · {} checks · **{} passed, {} failed** · {:.0} s on {} threads.\n",
        m.senesim_version,
        checks.len(),
        checks.len() - failed,
        failed,
        m.wall_time_s,
        m.threads
    );
    let _ = writeln!(
        s,
        "Each check below says what it tests, its tolerance and why, and the figure \
         measured. Every check uses fixed seeds, so rerunning `senesim validate` \
         reproduces these figures exactly. Units: lattice sites (1 site = 10 µm \
         by default), hours, arbitrary concentration units (au). The model is \
         specified in docs/model.md; scenario keys in docs/scenario-reference.md.\n"
    );
    let _ = writeln!(s, "| | check | measured | tolerance | time |");
    let _ = writeln!(s, "|---|---|---|---|---|");
    for c in checks {
        let _ = writeln!(
            s,
            "| {} | [{}](#{}) | {} | {} | {:.1} s |",
            verdict(c.passed),
            cell(c.title),
            c.id,
            cell(&c.measured),
            cell(&c.tolerance),
            c.seconds
        );
    }
    let mut group = "";
    for c in checks {
        if c.group != group {
            group = c.group;
            let _ = writeln!(s, "\n## {group}");
        }
        let _ = writeln!(
            s,
            "\n<a id=\"{}\"></a>\n### {} — {}\n",
            c.id,
            c.title,
            verdict(c.passed)
        );
        let _ = writeln!(s, "**What it tests.** {}\n", c.tests);
        let _ = writeln!(s, "**Tolerance.** {} **Why:** {}\n", c.tolerance, c.why);
        let _ = writeln!(s, "**Measured.** {}\n", c.measured);
        if let Some(t) = &c.table {
            let _ = writeln!(s, "| {} |", t.header.join(" | "));
            let _ = writeln!(s, "|{}", "---|".repeat(t.header.len()));
            for r in &t.rows {
                let r: Vec<String> = r.iter().map(|x| cell(x)).collect();
                let _ = writeln!(s, "| {} |", r.join(" | "));
            }
            s.push('\n');
        }
        if let Some(p) = &c.plot {
            let _ = writeln!(s, "![{}]({p})\n", c.title);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_is_marked_and_counted() {
        let mut ok = Check::new("a", "G", "first");
        ok.passed = true;
        ok.measured = "0.1%".into();
        let mut bad = Check::new("b", "G", "second");
        bad.measured = "3% | over".into();
        let m = Manifest {
            senesim_version: "x",
            threads: 1,
            started_unix_s: 0,
            wall_time_s: 1.0,
            checks: 2,
            passed: 1,
            failed: vec!["b"],
        };
        let md = markdown(&[ok, bad], &m);
        assert!(md.contains("**1 passed, 1 failed**"));
        assert!(
            md.contains("| **FAIL** | [second](#b) | 3% \\| over |"),
            "{md}"
        );
        assert!(md.contains("### first — PASS"));
        assert!(md.contains("### second — **FAIL**"));
    }
}
