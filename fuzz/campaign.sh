#!/usr/bin/env bash
# A fuzzing campaign with Jazzer on one target of this module (what `./conntrack4j fuzz` runs):
#   fuzz/campaign.sh TARGET [--minutes N] [--runs N] [--jobs N]
# TARGET: packet (the packet path), capture (pcap/pcapng readers), rules (nftables parser and installer),
# sync (conntrackd's messages). Builds the fuzz module's test classes (tests skipped), then fuzzes starting from
# the saved corpus (src/test/resources/.../TARGETInputs/, read only) and writes what it learns to
# fuzz/target/campaign/TARGET/corpus/, findings to fuzz/target/campaign/TARGET/crash-*. A finding is a defect:
# fix it, then copy the input into the saved corpus so that every build replays it. Exit status: 0 nothing
# found, 1 a finding (the stack trace is above), 2 usage.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd -P)

usage() {
  echo "usage: conntrack4j fuzz packet|capture|rules|sync [--minutes N] [--runs N]" >&2
  exit 2
}
[ $# -ge 1 ] || usage
case "$1" in
  packet) class=PacketPathFuzz method=packetPath maxlen=8192 ;;
  capture) class=CaptureFuzz method=captures maxlen=8192 ;;
  rules) class=RulesFuzz method=rules maxlen=4096 ;;
  sync) class=SyncFuzz method=syncMessages maxlen=8192 ;;
  *) usage ;;
esac
target=$1
shift
minutes=10
runs=""
while [ $# -gt 0 ]; do
  case "$1" in
    --minutes) [ $# -ge 2 ] || usage; minutes=$2; shift 2 ;;
    --runs) [ $# -ge 2 ] || usage; runs=$2; shift 2 ;;
    *) usage ;;
  esac
done
case "$minutes" in ''|*[!0-9]*) usage ;; esac

echo "conntrack4j: building the fuzz targets ..." >&2
(cd "$root" && ./mvnw -q -B -DskipTests test-compile -pl fuzz -am) >&2

work="$root/fuzz/target/campaign/$target"
mkdir -p "$work/corpus"
seeds="$root/fuzz/src/test/resources/org/conntrack4j/fuzz/${class}Inputs/$method"
cp="$root/fuzz/target/test-classes:$(cat "$root/fuzz/target/fuzz-classpath.txt")"
# inputs no longer than the seeds need: a packet path input of 8 KB already holds dozens of frames
limit=(-max_total_time=$((minutes * 60)) -max_len=$maxlen)
[ -n "$runs" ] && limit+=(-runs="$runs")
cd "$work"
# coverage of the product only: the targets and the test kit stay uninstrumented
exec java ${JAVA_OPTS:--Xmx768m} -cp "$cp" com.code_intelligence.jazzer.Jazzer \
  --target_class="org.conntrack4j.fuzz.$class" \
  --instrumentation_includes='org.conntrack4j.**' \
  --instrumentation_excludes='org.conntrack4j.fuzz.**:org.conntrack4j.testkit.**:org.conntrack4j.difftest.**' \
  "${limit[@]}" -print_final_stats=1 -artifact_prefix="$work/" \
  "$work/corpus" "$seeds"
