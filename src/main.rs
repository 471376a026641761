//! `senesim`: parses the command line and hands over to the library.

use clap::Parser;

fn main() {
    let cli = senesim::cli::Cli::parse();
    std::process::exit(senesim::cli::main_with(cli));
}
