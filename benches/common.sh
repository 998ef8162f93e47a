# Shared set-up of the issue 17 benchmark scripts (sourced, not run): locates the release
# binary and the input generator, makes a scratch directory removed on exit, and prints the
# machine. Each script measures one target; benches/issue17.sh runs them all.

# Builds (unless GAPCHECK names a binary) and sets `scale`, `GAPCHECK` and `work`.
# $1: the calling script's name, for the error message.
bench_setup() {
    scale=$(cargo bench --bench scale --no-run 2>&1 | sed -n 's/.*Executable.*(\(.*\))$/\1/p' | tail -n 1)
    if [ -z "${GAPCHECK:-}" ]; then
        cargo build --release --quiet
        GAPCHECK=$(dirname "$(dirname "$scale")")/gapcheck
    fi
    [ -x "$GAPCHECK" ] && [ -x "$scale" ] || { echo "$1: binaries not found" >&2; exit 1; }
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
}

# The machine the numbers come from: core count, CPU and load.
bench_machine() {
    echo "== machine"
    echo "nproc: $(nproc)"
    grep -m1 'model name' /proc/cpuinfo
    uptime
}
