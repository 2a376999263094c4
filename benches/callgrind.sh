#!/usr/bin/env bash
# Instruction counts (valgrind's callgrind) of the probe programs in
# benches/benches/probe.rs: per recorded and per swept node for a unary, a
# binary and a constant-operand op, on tapegrad, on the `reverse` crate and
# on the floor of a tape of stored partials, then whole workloads.
#
#   benches/callgrind.sh          # every table
#   benches/callgrind.sh nodes    # the per-node table only
#   benches/callgrind.sh N        # chains of N nodes (default 1000000)
#
# Counts repeat exactly from run to run, even on a loaded machine.
set -euo pipefail
cd "$(dirname "$0")/.."

only=""
n=1000000
for arg in "$@"; do
    case "$arg" in
        nodes) only=nodes ;;
        *[!0-9]* | "") echo "usage: $0 [nodes] [N]" >&2; exit 2 ;;
        *) n="$arg" ;;
    esac
done
if [ "$n" -lt 1000 ]; then
    echo "error: chains of $n nodes are too short to average over (at least 1000)" >&2
    exit 2
fi
command -v valgrind >/dev/null || { echo "error: valgrind is not installed" >&2; exit 1; }

build_log=$(cargo bench -p tapegrad-benches --bench probe --no-run 2>&1) ||
    { echo "$build_log" >&2; exit 1; }
probe=$(sed -n 's/.*Executable benches\/probe.rs (\(.*\))$/\1/p' <<<"$build_log" | tail -n 1)
[ -x "$probe" ] || { echo "error: no probe binary in cargo's output:" >&2; echo "$build_log" >&2; exit 1; }

# Instructions of one run of the probe with the given arguments.
count() {
    local out
    out=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$probe" "$@" 2>&1) ||
        { echo "$out" >&2; echo "error: the probe failed: $*" >&2; exit 1; }
    sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' <<<"$out"
}

per_node() { awk -v a="$1" -v b="$2" -v n="$n" 'BEGIN { printf "%.1f", (a - b) / n }'; }

echo "Instructions per node, chains of $n nodes on one fresh tape"
echo "(record = (KIND-record N − KIND-record 0) / N; sweep = (KIND-sweep N − KIND-record N) / N;"
echo "reused = recording again on a cleared tape, (KIND-reused N − KIND-record N) / N;"
echo "f64 = the same values in plain f64, which record includes):"
echo
echo "| node | tapegrad record | sweep | record, reused | reverse record | sweep | record, reused | f64 |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
for kind in unary binary const; do
    row="| $kind"
    for system in "" reverse-; do
        base=$(count "${system}$kind-record" 0)
        record=$(count "${system}$kind-record" "$n")
        sweep=$(count "${system}$kind-sweep" "$n")
        reused=$(count "${system}$kind-reused" "$n")
        row="$row | $(per_node "$record" "$base") | $(per_node "$sweep" "$record")"
        row="$row | $(per_node "$reused" "$record")"
    done
    row="$row | $(per_node "$(count "$kind-f64" "$n")" "$(count "$kind-f64" 0)") |"
    echo "$row"
done
echo "(unary: x.sin(); binary: x * y of two nodes; const: x * 2.5)"

echo
echo "The floor of a tape of stored partials (probe.rs, mod floor), the same chains:"
echo "partials and indices alone (24 bytes a node), then with op bytes and values (33):"
echo
echo "| node | floor record | sweep | with op and value, record | sweep |"
echo "|---|---:|---:|---:|---:|"
for kind in unary binary const; do
    row="| $kind"
    for system in floor- floor-full-; do
        base=$(count "${system}$kind-record" 0)
        record=$(count "${system}$kind-record" "$n")
        sweep=$(count "${system}$kind-sweep" "$n")
        row="$row | $(per_node "$record" "$base") | $(per_node "$sweep" "$record")"
    done
    echo "$row |"
done

[ "$only" = nodes ] && exit 0

echo
echo "Whole workloads on fresh tapes, op by op (instructions):"
echo
echo "| workload | tapegrad | reverse | tapegrad / reverse |"
echo "|---|---:|---:|---:|"
for w in w1 w2ops w3ops; do
    ours=$(count "$w")
    theirs=$(count "reverse-$w")
    ratio=$(awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "%.2f", a / b }')
    echo "| $w | $ours | $theirs | $ratio |"
done
echo
echo "| tapegrad only | instructions |"
echo "|---|---:|"
for w in w2api w3api replay kinks hessian; do
    echo "| $w | $(count "$w") |"
done
