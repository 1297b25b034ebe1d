#!/bin/bash
# The load test (scripts/soak) in short: twelve agents through the mount
# and the command line for FAULT_SOAK_SECONDS (default 25): no violation
# of mutual exclusion, no unexpected error, no lock left, no growth of the
# daemon's memory or descriptors.  scripts/soak alone runs 300 s.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
: "${LOCKFS_SRC:?LOCKFS_SRC must name the source tree}"
need_fuse

rc=0
LOCKFS=$LOCKFS "$LOCKFS_SRC/scripts/soak" "${FAULT_SOAK_SECONDS:-25}" || rc=$?
case $rc in
0) ;;
77) skip_or_fail "the soak could not mount" ;;
*) fail "the soak failed (exit $rc)" ;;
esac
