fn main() -> std::process::ExitCode {
    gapcheck::cli::main()
}
