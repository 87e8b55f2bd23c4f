//! `nyckel`: everything is in the library, [`nyckel_cli::run`].

fn main() {
    nyckel_cli::run()
}
