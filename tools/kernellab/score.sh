#!/bin/bash
# usage: tools/kernellab/score.sh NAME...
# Replays testdata/recorded/NAME (with the tick phase its case.json records) into out/recorded/NAME and scores it
# with the oracle's compare.py.
top=$(cd "$(dirname "$0")/../.." && pwd)
for n in "$@"; do
  c=$top/testdata/recorded/$n; o=$top/out/recorded/$n
  rm -rf "$o"; mkdir -p "$top/out/recorded"
  (cd "$top" && ./conntrack4j replay "$c" --out "$o" --quiet >/dev/null 2>"$o.err") || echo "replay exit $? (see $o.err)"
  echo "== $n"
  python3 "$top/testdata/oracle/compare.py" "$c" "$o"
done
