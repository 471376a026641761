//! `senesim`: parses the command line and hands over to the library.

use clap::Parser;
use std::io::Write;

/// Printing to a closed pipe (`senesim check s.toml | head`) or a full disk
/// makes `println!` panic; such a failure ends the program with a one-line
/// message instead of a panic report: quietly with 141 (128 + SIGPIPE, as
/// a shell tool killed by the closed pipe) for a closed pipe, else with an
/// error and `EXIT_RUN`. Outputs are written atomically, so nothing half
/// written is left either way. Every other panic keeps the default report.
fn exit_on_console_failure() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.starts_with("failed printing to") {
            if msg.contains("Broken pipe") {
                std::process::exit(141);
            }
            let _ = writeln!(std::io::stderr(), "error: {msg}");
            std::process::exit(senesim::cli::EXIT_RUN);
        }
        default(info);
    }));
}

fn main() {
    exit_on_console_failure();
    let cli = senesim::cli::Cli::parse();
    std::process::exit(senesim::cli::main_with(cli));
}
