#!/usr/bin/env bash
# A single-node SLURM cluster on this machine, to try the workflow's SLURM profile
# (profiles/slurm) without a real cluster. Debian/Ubuntu packages slurm-wlm and munge;
# no systemd needed: the daemons are started here and stopped by PID. Run as root.
#
#   cluster/local-slurm.sh install        apt-get install slurm-wlm munge (if missing)
#   cluster/local-slurm.sh start          write slurm.conf, start munged, slurmctld -D, slurmd -D
#   cluster/local-slurm.sh status         sinfo and squeue --states=all
#   cluster/local-slurm.sh sweep [ARGS]   run the learning-rate sweep through SLURM (extra ARGS go
#                                         to snakemake, e.g. --config cifar10_archive=PATH)
#   cluster/local-slurm.sh stop           stop the daemons (by the PIDs recorded at start)
#
# Clients (sbatch, squeue, the Snakemake plugin) find the cluster through SLURM_CONF:
#   export SLURM_CONF=/tmp/mlp-cifar-slurm/slurm.conf     (printed by `start`)
# There is no slurmdbd, hence no sacct: the profile checks job states with squeue, and MinJobAge
# (how long squeue still lists a finished job) is set to 300 s so that no finished job goes unseen.
set -euo pipefail

STATE=${SLURM_LOCAL_DIR:-/tmp/mlp-cifar-slurm}
CONF=$STATE/slurm.conf
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SNAKEMAKE=${SNAKEMAKE:-$ROOT/.venv/bin/snakemake}
# The sweep's outputs: its three figures need every sweep run (and the prepared data).
SWEEP_TARGETS=(results/figures/sweep/lr_sweep_accuracy.svg
  results/figures/sweep/lr_sweep_epoch_losses.svg
  results/figures/sweep/lr_sweep_batch_losses.svg)

die() { echo "local-slurm: $*" >&2; exit 1; }

need_root() { [ "$(id -u)" = 0 ] || die "run as root (munged and slurmd need it)"; }

install() {
  need_root
  if command -v slurmctld >/dev/null && command -v munged >/dev/null; then
    echo "slurm-wlm and munge are installed"; return
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge
}

write_conf() {
  local host cpus mem_mb
  host=$(hostname -s)
  cpus=$(nproc)
  # All memory but 2 GB for the system; jobs ask for --mem and are scheduled against this.
  mem_mb=$(($(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 2048))
  mkdir -p "$STATE"/{ctld,slurmd,log,run}
  chown munge:munge "$STATE/log" "$STATE/run" 2>/dev/null || true  # munged writes its PID and log there
  cat >"$CONF" <<EOF
# Written by cluster/local-slurm.sh: one node ($host), one partition, no accounting daemon.
ClusterName=local
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/slurmd
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
# squeue keeps finished jobs this long (s); the profile's squeue status checks rely on it.
MinJobAge=300
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
}

start_munge() {
  # munged refuses to start without its key and socket directory.
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown -R munge:munge /etc/munge /run/munge /var/lib/munge /var/log/munge 2>/dev/null || true
  chmod 0400 /etc/munge/munge.key
  chmod 0755 /run/munge
  # As the munge user, in the foreground (no fork); --force: start even if a stale socket of an
  # earlier run is left over. Its own PID file gives the PID to stop (runuser stays its parent).
  rm -f "$STATE/run/munged.pid"
  runuser -u munge -- munged --foreground --force --pid-file="$STATE/run/munged.pid" \
    --log-file="$STATE/log/munged.log" >"$STATE/log/munged.out" 2>&1 &
  for _ in $(seq 50); do
    if [ -s "$STATE/run/munged.pid" ] && munge -n </dev/null >/dev/null 2>&1; then
      cp "$STATE/run/munged.pid" "$STATE/run/munged.fg.pid"
      return
    fi
    sleep 0.2
  done
  die "munged did not come up; see $STATE/log/munged.out and munged.log"
}

start() {
  need_root
  command -v slurmctld >/dev/null || die "slurm-wlm is not installed: $0 install"
  if [ -f "$STATE/run/slurmctld.fg.pid" ] && kill -0 "$(cat "$STATE/run/slurmctld.fg.pid")" 2>/dev/null; then
    echo "already running"; echo "export SLURM_CONF=$CONF"; return
  fi
  write_conf
  export SLURM_CONF=$CONF
  # Job steps (srun inside a batch job) look for the default /etc/slurm/slurm.conf, whatever
  # SLURM_CONF says: point it at ours, unless a real configuration is there.
  if [ -e /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" != "$CONF" ]; then
    die "/etc/slurm/slurm.conf exists and is not ours; this script does not replace it"
  fi
  mkdir -p /etc/slurm
  ln -sfn "$CONF" /etc/slurm/slurm.conf
  start_munge
  slurmctld -D -f "$CONF" >"$STATE/log/slurmctld.out" 2>&1 &
  echo $! >"$STATE/run/slurmctld.fg.pid"
  slurmd -D -f "$CONF" >"$STATE/log/slurmd.out" 2>&1 &
  echo $! >"$STATE/run/slurmd.fg.pid"
  for _ in $(seq 100); do
    if sinfo -h -o %T 2>/dev/null | grep -qx idle; then
      sinfo
      echo "cluster up; clients need: export SLURM_CONF=$CONF"
      return
    fi
    sleep 0.3
  done
  die "the node did not become idle; see $STATE/log/"
}

stop() {
  local name pid
  for name in slurmd slurmctld munged; do
    if [ -f "$STATE/run/$name.fg.pid" ]; then
      pid=$(cat "$STATE/run/$name.fg.pid")
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
      rm -f "$STATE/run/$name.fg.pid"
      echo "stopped $name ($pid)"
    fi
  done
  if [ "$(readlink /etc/slurm/slurm.conf 2>/dev/null)" = "$CONF" ]; then rm -f /etc/slurm/slurm.conf; fi
}

status() {
  export SLURM_CONF=$CONF
  sinfo
  squeue --states=all -o "%.6i %.9P %.45k %.10T %.8M %.5C %.8m %R"
}

sweep() {
  export SLURM_CONF=$CONF
  [ -x "$SNAKEMAKE" ] || die "$SNAKEMAKE not found: run make install first"
  cd "$ROOT"
  local rc=0
  "$SNAKEMAKE" --profile profiles/slurm "${SWEEP_TARGETS[@]}" "$@" || rc=$?
  status
  [ "$rc" = 0 ] || echo "local-slurm: the sweep FAILED (snakemake exit status $rc)" >&2
  return "$rc"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  sweep) shift; sweep "$@" ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
