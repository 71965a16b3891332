#!/usr/bin/env bash
# Freezes the current API bundles as the baseline that bnd-baseline-maven-plugin checks exported
# packages against (verify phase). Builds the modules as release VERSION in a temporary copy of the
# project (the working tree is not touched) and deploys their jars into cnf/baseline-repo, the
# file-based Maven repository declared in the parent pom.
#
#   cnf/make-baseline.sh [VERSION [MODULE...]]
#     VERSION  default: <baseline.version> of the parent pom
#     MODULE   default: core.bundle (the modules that export API packages)
#
# Afterwards: if VERSION differs from <baseline.version>, set it in the parent pom; commit cnf/baseline-repo.
# A frozen version is a release: the script refuses to replace one (FORCE=1 overrides; other checkouts
# then still compare against the copy cached in their ~/.m2 until they delete it).
# Extra Maven options go in MAVEN_ARGS (e.g. MAVEN_ARGS=-Dmaven.repo.local=/tmp/repo).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$root"
pom_value() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" pom.xml | head -n 1; }

current=$(pom_value version)          # the root pom has no <parent>: its first <version> is the project's
version=${1:-$(pom_value baseline.version)}
[ $# -gt 0 ] && shift
modules=("$@")
[ ${#modules[@]} -gt 0 ] || modules=(core.bundle)
repo="$root/cnf/baseline-repo"

for m in "${modules[@]}"; do
  if [ -e "$repo/org/conntrack4j/$m/$version" ] && [ "${FORCE:-0}" != 1 ]; then
    echo "baseline: $m $version exists already; freeze a new version, or FORCE=1 to replace it" >&2
    exit 1
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "baseline: building ${modules[*]} as $version (project is at $current)"
tar -C "$root" --exclude=./.git --exclude=./cnf/baseline-repo --exclude=./target --exclude='./*/target' -cf - . | tar -C "$tmp" -xf -
find "$tmp" -name pom.xml -exec sed -i "s:<version>$current</version>:<version>$version</version>:" {} +
(IFS=,; cd "$tmp" && ./mvnw -q -B -DskipTests -Dbnd.baseline.skip=true package -pl "${modules[*]}" -am)

local_repo=$(./mvnw -q -B -N org.apache.maven.plugins:maven-help-plugin:3.5.1:evaluate \
  -Dexpression=settings.localRepository -DforceStdout)
for m in "${modules[@]}"; do
  rm -rf "$repo/org/conntrack4j/$m/$version"
  ./mvnw -q -B -N org.apache.maven.plugins:maven-deploy-plugin:3.1.4:deploy-file \
    -Dfile="$tmp/$m/target/$m-$version.jar" -DgroupId=org.conntrack4j -DartifactId="$m" \
    -Dversion="$version" -Dpackaging=jar -DgeneratePom=true \
    -DrepositoryId=conntrack4j-baseline -Durl="file://$repo"
  # Maven never re-downloads a release it already has: drop the copy of an older baseline
  rm -rf "$local_repo/org/conntrack4j/$m/$version"
  echo "baseline: $repo/org/conntrack4j/$m/$version/$m-$version.jar"
done
