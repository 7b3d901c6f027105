# shellcheck shell=bash
# Shared by scripts/demo, scripts/test and .ci/run: the pinned virtualenv, the collection
# search path, the ansible-test bootstrap stand-in and the simulator. Source it; do not run it.

GHES_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
GHES_VENV=${GHES_VENV:-$GHES_ROOT/.venv}
GHES_REQUIREMENTS=$GHES_ROOT/requirements/test.txt

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# --- cleanup: every helper that starts something registers how to undo it -------------
GHES_CLEANUP=()
on_exit() { GHES_CLEANUP+=("$1"); }
run_cleanup() {
  local i
  for ((i = ${#GHES_CLEANUP[@]} - 1; i >= 0; i--)); do
    eval "${GHES_CLEANUP[i]}" || true
  done
  GHES_CLEANUP=()
}
trap run_cleanup EXIT
# Make INT/TERM (Ctrl-C, `timeout`) run the EXIT trap too.
trap 'exit 130' INT
trap 'exit 143' TERM

# A temp dir removed on exit. Usage: dir=$(...) is not possible (subshell), so it sets REPLY.
make_tempdir() {
  REPLY=$(mktemp -d "${TMPDIR:-/tmp}/ghes-connect.${1:-tmp}.XXXXXX")
  on_exit "rm -rf '$REPLY'"
}

# --- Python: one virtualenv from requirements/test.txt ------------------------------------
find_python() {
  local candidate
  for candidate in "${GHES_PYTHON:-}" python3.11 python3; do
    [[ -n "$candidate" ]] || continue
    if command -v "$candidate" >/dev/null 2>&1 \
      && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  die "Python 3.11 not found (set GHES_PYTHON)"
}

# Creates $GHES_VENV when missing, rebuilds it when requirements/test.txt (or the Python
# it was made with) changed, then puts it first on PATH.
ensure_venv() {
  local python want stamp pip_log rc
  python=$(find_python)
  want=$({ "$python" --version; cat "$GHES_REQUIREMENTS"; } | sha256sum | cut -d' ' -f1)
  stamp=$GHES_VENV/.requirements.sha256
  if [[ ! -x "$GHES_VENV/bin/python" || ! -f "$stamp" || "$(cat "$stamp")" != "$want" ]]; then
    log "creating $GHES_VENV from requirements/${GHES_REQUIREMENTS##*/} (once; later runs reuse it)"
    rm -rf "$GHES_VENV"
    "$python" -m venv "$GHES_VENV"
    pip_log=$GHES_VENV/pip-install.log
    # GHES_PIP_PROGRESS=1: show each package as pip gets to it (a first run can take a minute).
    { rc=0; "$GHES_VENV/bin/python" -m pip install --disable-pip-version-check -r "$GHES_REQUIREMENTS" 2>&1 || rc=$?
      echo "$rc" >"$pip_log.rc"; } | tee "$pip_log" | if [[ ${GHES_PIP_PROGRESS:-0} == 1 ]]; then
      grep --line-buffered -E '^(Collecting|Successfully installed)' | sed -u 's/^/    /' || true
    else
      cat >/dev/null
    fi
    if [[ $(cat "$pip_log.rc") != 0 ]]; then
      tail -n 30 "$pip_log" >&2
      die "pip install -r requirements/${GHES_REQUIREMENTS##*/} failed (full log: $pip_log)"
    fi
    printf '%s\n' "$want" >"$stamp"
  fi
  export VIRTUAL_ENV=$GHES_VENV
  export PATH=$GHES_VENV/bin:$PATH
}

# --- Where Ansible finds this collection ------------------------------------------------
# Builds ROOT/ansible_collections/ghes/connect -> the checkout and points Ansible at ROOT
# only (not ~/.ansible/collections), so what runs is this checkout.
use_collection_tree() {
  local root=$1
  mkdir -p "$root/ansible_collections/ghes"
  ln -sfn "$GHES_ROOT" "$root/ansible_collections/ghes/connect"
  export ANSIBLE_COLLECTIONS_PATH=$root
}

# Copies the checkout (tracked files plus untracked ones git does not ignore: no venvs, no
# output) to DEST/ansible_collections/ghes/connect, the real path ansible-test insists on.
# Prints the copy's path.
copy_checkout() {
  local dest=$1/ansible_collections/ghes/connect
  mkdir -p "$dest"
  (
    cd "$GHES_ROOT" || exit
    git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' path; do
      # a tracked file deleted in the work tree is not part of what is being tested
      if [[ -e $path || -L $path ]]; then printf '%s\0' "$path"; fi
    done | tar --null --files-from=- -cf - | tar -xf - -C "$dest"
  )
  printf '%s\n' "$dest"
}

# slowest_tests COUNT JUNIT_XML...: the COUNT slowest test cases of these JUnit reports, slowest first.
slowest_tests() {
  python - "$@" <<'PY'
import sys
import xml.etree.ElementTree as ET

count, paths = int(sys.argv[1]), sys.argv[2:]
cases = [(float(case.get("time") or 0), "%s::%s" % (case.get("classname"), case.get("name")))
         for path in paths for case in ET.parse(path).iter("testcase")]
print("=== slowest %d of %d tests" % (min(count, len(cases)), len(cases)))
for seconds, name in sorted(cases, reverse=True)[:count]:
    print("%8.2fs %s" % (seconds, name))
PY
}

# --- ansible-test's pip bootstrap ---------------------------------------------------------
# ansible-test downloads get-pip-<ver>.py from a host this machine cannot reach; without it
# every sanity test that needs requirements fails. Write a stand-in under the name it looks
# for; <ver> is read from the installed ansible-test so an upgrade cannot leave it stale.
install_get_pip_standin() {
  local version cache
  version=$(python - <<'PY'
import importlib.util, pathlib, re
spec = importlib.util.find_spec("ansible_test")
source = pathlib.Path(spec.submodule_search_locations[0], "_internal", "python_requirements.py")
match = re.search(r"default_packages = dict\(\s*pip='([0-9.]+)'", source.read_text())
if not match:
    raise SystemExit(f"pip version not found in {source}")
print(match.group(1))
PY
  )
  cache=$HOME/.ansible/test/cache/get_pip_${version//./_}.py
  mkdir -p "$(dirname "$cache")"
  cat >"$cache.tmp" <<'PY'
"""Offline stand-in for get-pip.py, written by ghes.connect's scripts/lib.sh.

Runs pip from CPython's bundled ensurepip wheel to install what ansible-test asks for
(the pinned pip) from the package index, like get-pip.py would.
"""
import glob
import os
import sys

import ensurepip

wheels = sorted(glob.glob(os.path.join(os.path.dirname(ensurepip.__file__), "_bundled", "pip-*.whl")))
if not wheels:
    sys.exit("get-pip stand-in: no bundled pip wheel in ensurepip")
sys.path.insert(0, wheels[-1])

from pip._internal.cli.main import main  # noqa: E402

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--force-reinstall"] + args))
PY
  mv "$cache.tmp" "$cache"
  log "ansible-test pip bootstrap stand-in: $cache"
}

# --- Debian packages the gates need ----------------------------------------------------------
# apt_install PACKAGE: installs it from Debian where we may (CI runs as root), refreshing the
# package lists once if the first try fails. Returns non-zero when it could not.
apt_install() {
  [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1 || return 1
  log "installing $1 (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1; }
}

# ansible-test's shellcheck sanity test only warns when shellcheck is missing.
ensure_shellcheck() {
  command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck && return 0
  log "shellcheck is not installed and could not be installed"
  return 1
}

# The admin-shell system tests drive Ansible's ssh connection plugin with the OpenSSH client and ssh-keygen.
ensure_openssh_client() {
  { command -v ssh >/dev/null 2>&1 && command -v ssh-keygen >/dev/null 2>&1; } || apt_install openssh-client \
    && return 0
  log "openssh-client is not installed and could not be installed"
  return 1
}

# The HTML report is tested in a real headless browser: Debian's chromium, driven by Playwright
# (which is never allowed to download a browser of its own).
ensure_chromium() {
  [[ -x /usr/bin/chromium ]] || apt_install chromium && return 0
  log "chromium is not installed and could not be installed: the browser test of drift.html will be skipped"
  return 1
}

# --- the simulated fleet ----------------------------------------------------------------------
# start_simulator WORKDIR ARGS... : runs `python -m simulator --workdir WORKDIR ARGS...` in
# the background (stopped on exit) and waits until it has written WORKDIR/simulator.json.
start_simulator() {
  local workdir=$1 pid waited=0
  shift
  mkdir -p "$workdir"
  PYTHONPATH=$GHES_ROOT/tests${PYTHONPATH:+:$PYTHONPATH} \
    python -m simulator --workdir "$workdir" "$@" >"$workdir/simulator.log" 2>&1 &
  pid=$!
  on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
  until python -c 'import json, sys; json.load(open(sys.argv[1]))' "$workdir/simulator.json" 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$workdir/simulator.log" >&2
      die "simulator exited before writing $workdir/simulator.json"
    fi
    if ((waited >= 600)); then
      die "simulator did not write $workdir/simulator.json within 60 s"
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  GHES_SIMULATOR_PID=$pid
  export GHES_SIMULATOR_PID
}
