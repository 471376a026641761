//! A Slurm job-array script for a sweep: task K of N runs `--shard K/N` into
//! the one sweep folder (on a shared file system); `senesim merge` then
//! builds the tables.

use super::plan::Plan;
use std::path::Path;

pub struct SlurmOptions<'a> {
    pub tasks: u64,
    pub cpus_per_task: usize,
    /// `--time` of each task (HH:MM:SS), if given.
    pub time: Option<&'a str>,
    pub partition: Option<&'a str>,
}

/// Quotes a string as one word for a POSIX shell (`shlex`; a string the
/// shell could not take as one word, with a NUL, is refused before this).
fn sh(s: &str) -> String {
    shlex::try_quote(s).map_or_else(|_| "''".into(), |q| q.into_owned())
}

/// A value that would be written into the script, refused if it could
/// break out of its place there.
fn plain(option: &str, value: &str) -> Result<(), String> {
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(format!(
            "{option} {}: holds the control character {} (rule: values written into a Slurm script hold no control characters)",
            crate::text::printable(value),
            c.escape_default()
        ));
    }
    Ok(())
}

/// Checks the values a Slurm script is made from: no control characters
/// anywhere; `--partition` a comma-separated list of partition names,
/// `--slurm-time` one of Slurm's time formats (these two are `#SBATCH`
/// directives, which sbatch reads itself: no shell quoting applies there).
pub fn check_values(exe: &Path, sweep: &Path, out: &Path, o: &SlurmOptions) -> Result<(), String> {
    plain("the senesim executable's path", &exe.display().to_string())?;
    plain("the sweep file's path", &sweep.display().to_string())?;
    plain("--out", &out.display().to_string())?;
    if let Some(p) = o.partition {
        plain("--partition", p)?;
        if p.is_empty()
            || !p
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.,-".contains(c))
        {
            return Err(format!(
                "--partition {}: must be partition names of letters, digits, `_`, `.` and `-`, separated by commas",
                crate::text::printable(p)
            ));
        }
    }
    if let Some(t) = o.time {
        plain("--slurm-time", t)?;
        let ok = !t.is_empty()
            && t.len() <= 16
            && t.chars()
                .all(|c| c.is_ascii_digit() || c == ':' || c == '-')
            && t.starts_with(|c: char| c.is_ascii_digit());
        if !ok {
            return Err(format!(
                "--slurm-time {}: must be a Slurm time limit: MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS",
                crate::text::printable(t)
            ));
        }
    }
    Ok(())
}

/// Whether `p` can stand in an `#SBATCH --output=` directive as it is (no
/// quoting there, and `%` would be read as a file-name pattern).
fn directive_safe(p: &str) -> bool {
    p.chars()
        .all(|c| c.is_ascii_alphanumeric() || "/_.+,=@-".contains(c))
}

/// The sbatch script. Paths should be absolute: tasks start in their own
/// working directory on the compute nodes. Every value is checked
/// (`check_values`) and quoted for the shell, in the commands and in the
/// comments that suggest them alike.
pub fn script(plan: &Plan, exe: &Path, sweep: &Path, out: &Path, o: &SlurmOptions) -> String {
    let rec = &plan.record;
    let name: String = rec
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let (exe, sweep, out_s) = (
        sh(&exe.display().to_string()),
        sh(&sweep.display().to_string()),
        sh(&out.display().to_string()),
    );
    let script = sh(&out.join("submit.sbatch").display().to_string());
    let log = out.join("slurm").display().to_string();
    let merge = format!("{exe} merge {out_s}");
    let mut s = format!(
        "#!/bin/bash\n\
         # senesim sweep \"{name}\": {runs} runs ({points} points × {arms} arms × {reps} replicates)\n\
         # in {tasks} array tasks; task K runs shard K/{tasks} into one folder.\n\
         # Made by senesim {version} (sweep fingerprint {fp}).\n\
         #\n\
         # Submit, then merge the shards into results.csv and points.csv when all tasks are done:\n\
         #   sbatch {script}\n\
         #   {merge}\n\
         # or chain the merge:\n\
         #   jid=$(sbatch --parsable {script}) && sbatch --dependency=afterok:$jid --wrap {wrap}\n\
         # A failed or cancelled task is rerun by resubmitting (completed runs are skipped):\n\
         #   sbatch --array=K {script}\n\
         #SBATCH --job-name=senesim-{name}\n\
         #SBATCH --array=1-{tasks}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task={cpus}\n",
        runs = rec.runs(),
        points = rec.points.len(),
        arms = rec.arms.len(),
        reps = rec.replicates,
        tasks = o.tasks,
        version = env!("CARGO_PKG_VERSION"),
        fp = rec.fingerprint,
        wrap = sh(&merge),
        cpus = o.cpus_per_task,
    );
    let safe_log = directive_safe(&log);
    if safe_log {
        s.push_str(&format!("#SBATCH --output={log}/%A_%a.out\n"));
    }
    if let Some(t) = o.time {
        s.push_str(&format!("#SBATCH --time={t}\n"));
    }
    if let Some(p) = o.partition {
        s.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    s.push_str("\nset -euo pipefail\n");
    if !safe_log {
        // The folder's name cannot stand in a directive: the task sends
        // its own output to the log instead.
        s.push_str(&format!(
            "exec >>{}/\"${{SLURM_ARRAY_JOB_ID:-job}}_${{SLURM_ARRAY_TASK_ID}}.out\" 2>&1\n",
            sh(&log)
        ));
    }
    let sets: String = rec
        .command_line_sets
        .iter()
        .map(|kv| format!(" --set {}", sh(kv)))
        .collect();
    s.push_str(&format!(
        "exec {exe} sweep {sweep} --out {out_s}{sets} \\\n    \
         --shard \"${{SLURM_ARRAY_TASK_ID}}/{tasks}\" --threads \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\" --quiet\n",
        tasks = o.tasks,
        cpus = o.cpus_per_task,
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::sh;

    #[test]
    fn shell_quoting_gives_the_value_back_through_a_real_shell() {
        for v in [
            "a b",
            "it's",
            "$(touch x)",
            "`id`",
            "\"q\"",
            "a\\b",
            "plain",
            "~user",
            "*",
        ] {
            let o = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", sh(v)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&o.stdout), v, "quoted as {}", sh(v));
        }
    }
}
