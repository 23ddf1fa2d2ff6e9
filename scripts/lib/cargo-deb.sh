# cargo-deb, which builds the Debian package: the version the package is tested with, and
# how to get it. Sourced by scripts/package-deb and scripts/deps.
# 3.8.0 builds with Rust 1.85 and newer (its rust-version), as netsync does.
CARGO_DEB_VERSION=3.8.0

# The installed cargo-deb's version, or nothing when there is none.
cargo_deb_installed() {
    cargo deb --version 2>/dev/null | awk '{ print $2 }'
}

cargo_deb_install() {
    echo "installing cargo-deb $CARGO_DEB_VERSION (cargo install cargo-deb --version $CARGO_DEB_VERSION --locked)" >&2
    cargo install --quiet cargo-deb --version "$CARGO_DEB_VERSION" --locked
}
