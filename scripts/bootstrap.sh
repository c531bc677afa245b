# shellcheck shell=bash
# Shared by scripts/test (and later the demo): install what this machine lacks, idempotently.
# Sourced, not run. Uses: apt-get for Debian packages (as root, or through sudo -n), a venv in
# .venv for Python packages, reinstalled only when pyproject.toml changes.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 DEBIAN_FRONTEND=noninteractive

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

# ensure_debian_packages CMD:PACKAGE ...  installs PACKAGE when CMD is not on PATH.
ensure_debian_packages() {
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_python() {
    command -v python3 >/dev/null 2>&1 || ensure_debian_packages python3:python3
    if ! python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
        echo "python3 is $(python3 -V 2>&1); 3.11 or newer is needed" >&2
        return 1
    fi
    # Debian's python3 needs python3-venv for `python3 -m venv` (ensurepip).
    python3 -c 'import ensurepip, venv' 2>/dev/null || ensure_debian_packages :python3-venv
}

# ensure_venv EXTRAS  creates .venv and installs the project with those extras when needed.
ensure_venv() {
    local extras=$1 stamp want
    ensure_python
    [ -x "$VENV/bin/python" ] || { say "creating $VENV"; python3 -m venv "$VENV"; }
    stamp="$VENV/.installed-$extras"
    want=$(sha256sum < "$ROOT/pyproject.toml" | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing Python packages (.[$extras])"
        "$VENV/bin/python" -m pip install -q --upgrade pip
        "$VENV/bin/python" -m pip install -q -e "$ROOT[$extras]"
        echo "$want" > "$stamp"
    fi
}
