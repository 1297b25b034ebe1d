#!/bin/bash
# Resource names: names outside the project's set are refused (exit 2)
# with the nearest valid name suggested, change nothing, and are
# case-sensitive; a project's .locks/config extends the set; an entry with
# an unknown name that another writer left can still be released.
. "$(dirname "$0")/lib.sh"

expect 0 "$LOCKFS" -C "$P" init
before=$(store_json "$P")

suggest() {
	expect 2 as CLI-A acquire "$1"
	contains "$ERR" "\"$1\" is not a resource name of this project; did you mean $2\?"
}
suggest chapter_03 Chapter_03
suggest Chapter_3 Chapter_03
suggest frontmatter FrontMatter
suggest Style_System StyleSystem
suggest ImageRegistry_Chapter_07 ImageRegistry
# Nothing close, nothing suggested; a long name is cut with an ellipsis.
for far in .. "" ../x ../../etc/passwd; do
	expect 2 as CLI-A acquire "$far"
	contains "$ERR" "^lockfs acquire: \"$far\" is not a resource name of this project$"
done
long=$(printf 'x%.0s' $(seq 300))
expect 2 as CLI-A acquire "$long"
contains "$ERR" "^lockfs acquire: \"$(printf 'x%.0s' $(seq 80))\.\.\.\" is not a resource name of this project$"
expect 2 as CLI-A release "Chapter_07$long"
contains "$ERR" "\"Chapter_07x{70}\.\.\.\" is not a resource name of this project$"
expect 2 as CLI-A check "$long" 1
contains "$ERR" "\"x{80}\.\.\.\" is not a resource name"
[ "$before" = "$(store_json "$P")" ] || fail "an invalid name changed the store"

# Per-chapter image registries through the project's config.
write_config "$P/.locks/config" 'resource = ImageRegistry_Chapter_[0-9][0-9]'
expect 0 as CLI-A acquire ImageRegistry_Chapter_07 Chapter_07
suggest ImageRegistry_Chapter_7 ImageRegistry_Chapter_07
expect 0 as CLI-A release ImageRegistry_Chapter_07 Chapter_07

# A config error is reported with its line.
write_config "$P/.locks/config" 'stale_seconds = soon'
expect 2 as CLI-A acquire Chapter_01
contains "$ERR" 'line 1'
write_config "$P/.locks/config" ''

# A hand-written entry with a name outside the set: listed, releasable
# (locks.json is the file store's).
if [ "${LOCKFS_TEST_BACKEND:-file}" = file ]; then
	jq '.locks += [{"resource": "Appendix_Z", "timestamp": "2001-01-01T00:00:00Z",
			"instance": "hand"}]' "$P/.locks/locks.json" >"$T/s"
	cat "$T/s" >"$P/.locks/locks.json"
	expect 0 as CLI-A status
	contains "$OUT" 'Appendix_Z'
	expect 0 as CLI-A release Appendix_Z
	contains "$OUT" '^Appendix_Z released: it was a stale lock of hand'
fi
echo ok
