#!/bin/sh
# The Debian packages Vicinato needs beyond Python, installed when missing (nothing is done when all are there).
#
# Usage: scripts/system-packages.sh NEED...   where NEED is one of
#   run     gettext (msgfmt) and Node.js with npm: what `make run` needs
#   test    what `run` needs, plus Chromium for the browser tests: what `make test` needs
#   bench   wrk, the load generator of the benchmarks
#   ci      what `test` needs, plus PostgreSQL (the second database CI runs the suite on) and Redis (the shared
#           cache of the two-server check)
# As root it installs what is missing with apt-get; otherwise it stops with one line giving the command to run.
set -eu

packages=""
want() { # want COMMAND PACKAGE...: add the packages when the command is not on the PATH
  cmd=$1
  shift
  command -v "$cmd" >/dev/null 2>&1 || packages="$packages $*"
}

for need in "$@"; do
  case "$need" in
    run) want msgfmt gettext; want node nodejs; want npm npm ;;
    test) want msgfmt gettext; want node nodejs; want npm npm; want chromium chromium ;;
    bench) want wrk wrk ;;
    ci) want msgfmt gettext; want node nodejs; want npm npm; want chromium chromium
        want pg_ctlcluster postgresql; want redis-server redis-server ;;
    *) echo "system-packages.sh: unknown need '$need'; use run, test, bench or ci." >&2; exit 2 ;;
  esac
done

# One name once, in a stable order.
packages=$(printf '%s\n' $packages | sort -u | tr '\n' ' ' | sed 's/ *$//')
[ -z "$packages" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: $packages. Install them with: sudo apt-get install -y $packages" >&2
  exit 1
fi
echo "Installing Debian packages: $packages" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # one word per package
apt-get install -y -qq $packages >/dev/null
