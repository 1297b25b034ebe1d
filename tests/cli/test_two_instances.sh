#!/bin/bash
# Two instances editing different chapters both
# get their locks; on the same chapter the second is refused (exit 1) with
# the holder named, and gets it once the first releases.
. "$(dirname "$0")/lib.sh"

expect 0 as CLI-11111 acquire Chapter_03
contains "$OUT" '^Chapter_03 token [0-9]+ acquired$'
expect 0 as CLI-22222 acquire Chapter_07
contains "$OUT" '^Chapter_07 token [0-9]+ acquired$'
[ "$(holders Chapter_03)" = CLI-11111 ] || fail "Chapter_03 not held by CLI-11111"
[ "$(holders Chapter_07)" = CLI-22222 ] || fail "Chapter_07 not held by CLI-22222"

# Same chapter: refused, and the message says who holds it since when.
expect 1 as CLI-22222 acquire Chapter_03
contains "$ERR" 'Chapter_03 is held by CLI-11111 since [0-9]{2}:[0-9]{2} \([0-9]+ s ago\)'
[ "$(holders Chapter_03)" = CLI-11111 ] || fail "refused acquire changed the store"

# Acquiring again what you hold renews it, same token.
tok=$(store_json "$P" | jq -r '.[] | select(.resource == "Chapter_03") | .token')
expect 0 as CLI-11111 acquire Chapter_03
contains "$OUT" "^Chapter_03 token $tok renewed$"

# The other instance cannot release it either.
expect 1 as CLI-22222 release Chapter_03
contains "$ERR" 'Chapter_03 is held by CLI-11111'

expect 0 as CLI-11111 release Chapter_03
contains "$OUT" '^Chapter_03 released$'
expect 0 as CLI-22222 acquire Chapter_03
expect 0 as CLI-22222 release Chapter_03 Chapter_07
[ "$(store_json "$P" | jq length)" = 0 ] || fail "store not empty"
echo ok
