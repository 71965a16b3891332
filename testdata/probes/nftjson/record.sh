#!/bin/bash
# Records nft-j.json (the kernel's `nft -j list ruleset`) for each folder here from its ruleset.nft, each in a
# fresh network namespace so that handles start at 1. Needs root and nft. Usage: record.sh [FOLDER...]
set -euo pipefail
cd "$(dirname "$0")"
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=(*/)
for d in "${dirs[@]}"; do
    d=${d%/}
    ns="c4j-nftjson-rec-$$"
    ip netns add "$ns"
    trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
    ip netns exec "$ns" nft -f "$d/ruleset.nft"
    ip netns exec "$ns" nft -j list ruleset > "$d/nft-j.json"
    ip netns del "$ns"
    trap - EXIT
    echo "$d: $(wc -c < "$d/nft-j.json") bytes"
done
