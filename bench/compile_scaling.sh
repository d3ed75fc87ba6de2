#!/usr/bin/env bash
# Compile time and peak memory against policy size, for the shapes that
# used to blow up (issue 20, items 17-20). For each shape and each scale
# factor S it writes a policy set, then runs `tenet check` (parse + check +
# warnings) and `tenet eval DIR /dev/null` (the same, then compile) under
# /usr/bin/time -v and prints the policy's size, wall time and max RSS.
# Near-linear growth reads as: time and memory roughly double when S does.
#
#   bench/compile_scaling.sh [TENET_BINARY] [SHAPE...]     (default: build/tenet, all shapes)
#
# Shapes:
#   rules      40S types, 10S roles, 40S actions, 1200S permits `permit aX on tY for rZ`
#              (S=8 is the 270 KB policy of item 17)
#   actypes    100S actions x 100S types, 100S permits, 10 roles (a dense table is S²)
#   roles      1000S roles and one permit (item 18)
#   templates  25S chains of 50 templates, one rule each, a tenant on each chain (item 19)
#   chain      one chain of 1000S templates: over the depth limit, refused at once (item 19)
#   permits    12500S `permit a on d;` (item 20)
# Set TIMEOUT (seconds, default 300) to give up on a run; SCALES (default "1 2 4 8").
set -euo pipefail

tenet=${1:-build/tenet}
shift || true
shapes=("$@")
[[ ${#shapes[@]} -eq 0 ]] && shapes=(rules actypes roles templates chain permits)
scales=${SCALES:-1 2 4 8}
limit=${TIMEOUT:-300}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Every shape declares the (action, type) pairs its rules name, and only
# those (docs/LANGUAGE.md §3): the declarations grow with the rules.
schema() {  # $1: directory, $2: number of resource types; stdin: the `actions` lines
  {
    awk -v n="$2" 'BEGIN {
      print "schema {\n  principal { level: int; }";
      for (i = 0; i < n; ++i) printf "  resource t%d { owner: string; }\n", i }'
    cat
    echo "}"
  } >"$1/schema.tenet"
}

actions() {  # the `actions` line of $1 actions a0, a1... on type t0
  awk -v n="$1" 'BEGIN {
    printf "  actions a0";
    for (i = 1; i < n; ++i) printf ", a%d", i;
    print " on t0;" }'
}

generate() {  # $1: shape, $2: scale, $3: directory
  local shape=$1 s=$2 dir=$3
  mkdir -p "$dir"
  case $shape in
    rules)
      # Rule i names a(7i mod n) on t(13i mod n), n = 40S: n distinct pairs.
      awk -v n=$((40 * s)) 'BEGIN {
        for (i = 0; i < n; ++i) printf "  actions a%d on t%d;\n", (i * 7) % n, (i * 13) % n }' |
        schema "$dir" $((40 * s))
      awk -v s="$s" 'BEGIN {
        print "tenant acme {";
        for (r = 0; r < 10 * s; ++r) printf "  role r%d;\n", r;
        for (i = 0; i < 1200 * s; ++i)
          printf "  permit a%d on t%d for r%d when principal.level > %d;\n",
                 (i * 7) % (40 * s), (i * 13) % (40 * s), i % (10 * s), i % 5;
        print "}" }' >"$dir/acme.tenet" ;;
    actypes)
      awk -v n=$((100 * s)) 'BEGIN { for (i = 0; i < n; ++i) printf "  actions a%d on t%d;\n", i, i }' |
        schema "$dir" $((100 * s))
      awk -v s="$s" 'BEGIN {
        print "tenant acme {";
        for (r = 0; r < 10; ++r) printf "  role r%d;\n", r;
        for (i = 0; i < 100 * s; ++i) printf "  permit a%d on t%d;\n", i, i;
        print "}" }' >"$dir/acme.tenet" ;;
    roles)
      echo "  actions read on t0;" | schema "$dir" 1
      awk -v s="$s" 'BEGIN {
        print "tenant acme {";
        for (r = 0; r < 1000 * s; ++r) printf "  role r%d;\n", r;
        print "  permit read on t0;\n}" }' >"$dir/acme.tenet" ;;
    templates)
      actions 50 | schema "$dir" 1
      awk -v s="$s" 'BEGIN {
        print "tenant acme { role r; }";
        for (c = 0; c < 25 * s; ++c) {
          for (d = 0; d < 50; ++d) {
            printf "template c%d_%d%s { permit a%d on t0 when principal.level > %d; }\n",
                   c, d, d == 0 ? "" : sprintf(" extends c%d_%d", c, d - 1), d, c;
          }
          printf "tenant x%d extends c%d_49 { role r; }\n", c, c;
        } }' >"$dir/templates.tenet" ;;
    chain)
      actions $((1000 * s)) | schema "$dir" 1
      awk -v s="$s" 'BEGIN {
        for (d = 0; d < 1000 * s; ++d)
          printf "template c%d%s { permit a%d on t0; }\n", d, d == 0 ? "" : sprintf(" extends c%d", d - 1), d;
        printf "tenant acme extends c%d { role r; }\n", 1000 * s - 1 }' >"$dir/chain.tenet" ;;
    permits)
      echo "  actions a on t0;" | schema "$dir" 1
      awk -v s="$s" 'BEGIN {
        print "tenant acme {\n  role r;";
        for (i = 0; i < 12500 * s; ++i) print "  permit a on t0;";
        print "}" }' >"$dir/acme.tenet" ;;
    *) echo "unknown shape $shape" >&2; exit 2 ;;
  esac
}

measure() {  # $1: label, then the command; prints "seconds  max-RSS-MB  exit"
  local out=$work/time.txt status=0
  timeout "$limit" /usr/bin/time -v "${@:2}" >/dev/null 2>"$out" || status=$?
  if [[ $status -eq 124 ]]; then
    printf '  %-6s %10s %10s\n' "$1" ">${limit}s" "-"
    return
  fi
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); t = 0;
                      for (i = 1; i <= n; ++i) t = t * 60 + p[i]; printf "%.2f", t }' "$out")
  rss=$(awk -F': ' '/Maximum resident set size/ { printf "%.0f", $2 / 1024 }' "$out")
  printf '  %-6s %9ss %8s MB  (exit %d)\n' "$1" "$wall" "$rss" "$status"
}

for shape in "${shapes[@]}"; do
  for s in $scales; do
    dir=$work/$shape-$s
    generate "$shape" "$s" "$dir"
    size=$(cat "$dir"/*.tenet | wc -c)
    printf '%-9s S=%-2s %8d bytes\n' "$shape" "$s" "$size"
    measure check "$tenet" check "$dir"
    measure eval "$tenet" eval "$dir" /dev/null
    rm -rf "$dir"
  done
done
