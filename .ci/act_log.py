"""Reads act's JSON log (act --json) on stdin and prints it as act's own text log would read.

It also keeps what a reader looks for after the run (docs/ci.md#running-the-workflow-here):
- each job's summary ($GITHUB_STEP_SUMMARY, e.g. a pull request's comparison with its merge base),
  written to SUMMARY_DIR/<job>.md and printed at the end;
- each job's result and wall time, in a closing table.

Usage: act ... --json 2>&1 | python3 .ci/act_log.py SUMMARY_DIR [RAW_LOG]
Standard library only: it runs before the project's venv exists.
"""

import json
import sys
from datetime import datetime
from pathlib import Path


def _time(entry):
    try:
        return datetime.fromisoformat(entry["time"].replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None


def main(summary_dir, raw_log=None):
    summary_dir = Path(summary_dir)
    summary_dir.mkdir(parents=True, exist_ok=True)
    raw = open(raw_log, "w") if raw_log else None
    jobs = {}  # job id -> {"first", "last", "result"}
    summaries = {}
    for line in sys.stdin:
        if raw:
            raw.write(line)
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            print(line, end="", flush=True)  # act's own warnings before the log starts
            continue
        job = entry.get("jobID")
        msg = entry.get("msg", "")
        print(f"[{entry.get('job', '-')}] {msg}".rstrip("\n"), flush=True)
        if not job:
            continue
        seen = jobs.setdefault(job, {"first": None, "last": None, "result": None})
        when = _time(entry)
        if when:
            seen["first"] = seen["first"] or when
            seen["last"] = when
        if entry.get("jobResult"):
            seen["result"] = entry["jobResult"]
        if entry.get("command") == "summary":
            summaries[job] = summaries.get(job, "") + entry.get("content", "")
    if raw:
        raw.close()
    for job, text in summaries.items():
        path = summary_dir / f"{job}.md"
        path.write_text(text)
        print(f"\n===== job summary of {job} ({path}) =====\n{text}")
    print("\njob            result     wall time")
    for job, seen in jobs.items():
        seconds = (seen["last"] - seen["first"]).total_seconds() if seen["first"] else 0.0
        print(f"{job:<14} {seen['result'] or 'unknown':<10} {seconds:8.1f} s")


if __name__ == "__main__":
    main(*sys.argv[1:])
