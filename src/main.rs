use clap::Parser;

fn main() {
    let _cli = ofscope::cli::Cli::parse();
}
