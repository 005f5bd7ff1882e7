#!/usr/bin/env bash
# Compares amq with Apache ActiveMQ 5.17 (Debian's package) on the same STOMP
# (and OpenWire) workloads and rewrites bench/RESULTS.md, bench/results.json
# and bench/results.png.
#
#   bash bench/compare.sh            full run (5 runs per scenario, ~10 min)
#   bash bench/compare.sh QUICK=1    one pass of the core scenarios (a few min;
#                                    writes RESULTS-quick.md and friends)
#
# Other settings (as NAME=value arguments or environment variables):
#   RUNS=N          runs per scenario and broker
#   ONLY=a,b        only these groups: ceiling,grid,latency,java,idle,backlog,cold
#   BENCH_WORK=DIR  work directory (default /tmp/amq-bench; wiped of old data)
#
# Needs root: it installs missing Debian packages (activemq, a JDK,
# librsvg2-bin) and runs ActiveMQ as the activemq user.
set -euo pipefail

cd "$(dirname "$0")/.."

for arg in "$@"; do
	case "$arg" in
	QUICK=* | RUNS=* | ONLY=* | BENCH_WORK=*) export "${arg?}" ;;
	-h | --help)
		sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "compare.sh: unknown argument '$arg' (use QUICK=1, RUNS=N, ONLY=groups)" >&2
		exit 2
		;;
	esac
done

QUICK=${QUICK:-0}
case "$QUICK" in 1 | true | yes) QUICK=1 ;; *) QUICK=0 ;; esac
WORK=${BENCH_WORK:-/tmp/amq-bench}
GO=${GO:-go}

log() { echo "compare.sh: $*" >&2; }
die() {
	log "$*"
	exit 1
}

[ "$(id -u)" = 0 ] || die "run as root: ActiveMQ runs as user activemq and missing packages are installed with apt-get"

# Free disk: backlogs of 200k (both) and 1M (amq) 1 KB messages, 64 KB runs.
need_gb=6
[ "$QUICK" = 1 ] && need_gb=2
mkdir -p "$WORK"
avail_kb=$(df -Pk "$WORK" | awk 'NR==2 {print $4}')
if [ "${avail_kb:-0}" -lt $((need_gb * 1024 * 1024)) ]; then
	die "only $((avail_kb / 1024)) MB free under $WORK; the benchmark needs ${need_gb} GB"
fi

# Packages: Debian's ActiveMQ 5.17, a JDK (javac for the OpenWire client),
# rsvg-convert for the plot.
missing=()
[ -f /usr/share/activemq/bin/activemq.jar ] || missing+=(activemq)
command -v javac >/dev/null 2>&1 || missing+=(default-jdk-headless)
command -v rsvg-convert >/dev/null 2>&1 || missing+=(librsvg2-bin fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
	log "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
fi
[ -f /usr/share/activemq/bin/activemq.jar ] || die "ActiveMQ is still missing after installing Debian's activemq"
id activemq >/dev/null 2>&1 || die "user activemq is missing (Debian's activemq package creates it)"

# The package's own service must not hold the ports or the CPU; the bench
# uses its own ports (617xx) and instance, so only warn.
if pgrep -u activemq -f activemq.jar >/dev/null 2>&1; then
	log "warning: an ActiveMQ owned by user activemq is already running; it will compete for CPU"
fi

# 5,000 idle connections need descriptors on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 12000 ]; then
	ulimit -n 12000 2>/dev/null || log "warning: ulimit -n is $(ulimit -n); 5,000 idle connections may fail"
fi

[ -x bin/amq ] || make build

# Kill whatever broker the harness left running, whatever way it ended.
cleanup() {
	local f pid
	for f in "$WORK"/pids/*.pid; do
		[ -f "$f" ] || continue
		pid=$(cat "$f" 2>/dev/null || true)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			log "stopping leftover process group $pid ($(basename "$f" .pid))"
			kill -TERM -- "-$pid" 2>/dev/null || true
			sleep 2
			kill -KILL -- "-$pid" 2>/dev/null || true
		fi
		rm -f "$f"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

args=(--work "$WORK" --out bench --amq bin/amq)
[ "$QUICK" = 1 ] && args+=(--quick)
[ -n "${RUNS:-}" ] && args+=(--runs "$RUNS")
[ -n "${ONLY:-}" ] && args+=(--only "$ONLY")

log "running the harness (${args[*]})"
"$GO" run ./bench/harness "${args[@]}"
