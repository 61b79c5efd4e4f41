//! The `cascade` command. See `cascade --help`; the program is `cascade_cli::main`.

fn main() -> std::process::ExitCode {
    cascade_cli::main()
}
