#!/usr/bin/env bash
# The manual pages (fs/*.[157]) render without a single groff warning, and
# they name everything the code knows: every subcommand (fs/main.c), every
# long option (the option tables in fs/*.c), every environment variable the
# code reads, every exit code (fs/commands.h), every .locks/config key
# (core/config.c) and the version (meson.build).  A page that drifts from the code fails here.
set -euo pipefail
: "${LOCKFS_SRC:?set LOCKFS_SRC to the source tree}"
. "$LOCKFS_SRC/tests/common.sh"

cd "$LOCKFS_SRC"
pages=(fs/lockfs.1 fs/lockfs-config.5 fs/lockfs-mount.7 fs/lockfs-agents.7)
command -v groff >/dev/null || fail "groff is missing (Debian: groff-base)"

errors=0
problem() {
	echo "test_man: $*" >&2
	errors=$((errors + 1))
}

# Warnings as errors, for the typesetter and for a terminal.
for page in "${pages[@]}"; do
	[[ -f $page ]] || { problem "$page is missing"; continue; }
	for dev in ps utf8; do
		msg=$(groff -t -man -ww -z -T"$dev" "$page" 2>&1) ||
			problem "$page: groff -T$dev failed"
		[[ -z $msg ]] || problem "$page (-T$dev): $msg"
	done
done

# names PATTERN FILES...: the first quoted word of every line matching
# PATTERN (a table row such as { "mount", cmd_mount, ... }).
names() {
	local pattern=$1
	shift
	grep -ohE "$pattern" "$@" | sed -E 's/^[^"]*"([^"]+)".*/\1/' | sort -u
}

subcommands=$(names '\{ "[a-z]+", cmd_[a-z_]+' fs/main.c)
[[ -n $subcommands ]] || problem "no subcommands found in fs/main.c"
for c in $subcommands; do
	grep -qE "^\.SS \"?lockfs $c( |\"|\$)" fs/lockfs.1 ||
		problem "lockfs.1 has no section '.SS lockfs $c'"
done

options=$(names '\{ "[a-z-]+", (no|required|optional)_argument' fs/*.c)
[[ -n $options ]] || problem "no long options found in fs/*.c"
for o in $options; do
	grep -qF "\\-\\-${o//-/\\-}" fs/lockfs.1 ||
		problem "lockfs.1 does not mention --$o"
done

envs=$(names '(getenv|env_equals|procfs_env_find|session_label)\([^")]*"[A-Z_]+"' \
	core/*.c fs/*.c)
[[ -n $envs ]] || problem "no environment variables found in the code"
for v in $envs; do
	sed -n '/^\.SH ENVIRONMENT/,/^\.SH /p' fs/lockfs.1 | grep -qE "^\.B $v\$" ||
		problem "lockfs.1 ENVIRONMENT lacks $v"
done

codes=$(sed -nE 's/^\s*EXIT_[A-Z]+ = ([0-9]+),.*/\1/p' fs/commands.h)
[[ -n $codes ]] || problem "no exit codes found in fs/commands.h"
for n in $codes; do
	sed -n '/^\.SH EXIT STATUS/,/^\.SH /p' fs/lockfs.1 | grep -qx "\.B $n" ||
		problem "lockfs.1 EXIT STATUS lacks $n"
done

keys=$(names '\{ "[a-z_]+", key_[a-z_]+' core/config.c)
[[ -n $keys ]] || problem "no config keys found in core/config.c"
for k in $keys; do
	grep -qE "^\.(B|BI|BR) \"?$k( |\"|\$)" fs/lockfs-config.5 ||
		problem "lockfs-config.5 does not describe the key $k"
done

# Each page's header names the version meson builds.
version=$(sed -nE "s/^ *version : '([^']+)',.*/\1/p" meson.build)
[[ -n $version ]] || problem "no version found in meson.build"
for page in "${pages[@]}"; do
	grep -qE "^\.TH .* \"lockfs ${version//./\\.}\"" "$page" ||
		problem "$page: .TH does not say \"lockfs $version\""
done

((errors == 0)) || fail "$errors problem(s) in the manual pages"
echo "test_man: ${#pages[@]} pages, $(wc -w <<<"$subcommands") commands," \
	"$(wc -w <<<"$options") options, $(wc -w <<<"$envs") variables," \
	"$(wc -w <<<"$keys") config keys"
