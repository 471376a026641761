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

/// Quotes a string for a POSIX shell.
fn sh(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The sbatch script. Paths should be absolute: tasks start in their own
/// working directory on the compute nodes.
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
    let mut s = format!(
        "#!/bin/bash\n\
         # senesim sweep \"{name}\": {runs} runs ({points} points × {arms} arms × {reps} replicates)\n\
         # in {tasks} array tasks; task K runs shard K/{tasks} into one folder.\n\
         # Made by senesim {version} (sweep fingerprint {fp}).\n\
         #\n\
         # Submit, then merge the shards into results.csv and points.csv when all tasks are done:\n\
         #   sbatch {script}\n\
         #   {exe} merge {out_s}\n\
         # or chain the merge:\n\
         #   jid=$(sbatch --parsable {script}) && sbatch --dependency=afterok:$jid --wrap \"{exe} merge {out_s}\"\n\
         # A failed or cancelled task is rerun by resubmitting (completed runs are skipped):\n\
         #   sbatch --array=K {script}\n\
         #SBATCH --job-name=senesim-{name}\n\
         #SBATCH --array=1-{tasks}\n\
         #SBATCH --ntasks=1\n\
         #SBATCH --cpus-per-task={cpus}\n\
         #SBATCH --output={log}/%A_%a.out\n",
        runs = rec.runs(),
        points = rec.points.len(),
        arms = rec.arms.len(),
        reps = rec.replicates,
        tasks = o.tasks,
        version = env!("CARGO_PKG_VERSION"),
        fp = rec.fingerprint,
        script = sh(&out.join("submit.sbatch").display().to_string()),
        cpus = o.cpus_per_task,
        log = out.join("slurm").display(),
    );
    if let Some(t) = o.time {
        s.push_str(&format!("#SBATCH --time={t}\n"));
    }
    if let Some(p) = o.partition {
        s.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    s.push_str(&format!(
        "\nset -euo pipefail\n\
         exec {exe} sweep {sweep} --out {out_s} \\\n    \
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
    fn shell_quoting_survives_quotes_and_spaces() {
        assert_eq!(sh("a b"), "'a b'");
        assert_eq!(sh("it's"), r"'it'\''s'");
    }
}
