"""What Snakemake plans for many edits of one build, in one process.

    python tests/rerun_plans.py WORKDIR CONFIGFILE < requests.json > plans.json

Each request is {"edit": "path/of/a/file"} (append a comment to the file, plan, then restore its text
and times) or {"forcerun": ["rule", ...]} (plan with those rules forced, as `--forcerun` does), or {}
(plan as it is). The answer is one {rule: number of jobs} per request, in order: the jobs Snakemake's
own DAG marks as needing to run, by the same mtime, params and code checks as `snakemake -n`.

The workflow is parsed once and the DAG rebuilt for each request (a fresh IOCache each time, so every
file's time is read anew). A comment cannot change what a module imports, so the parsed code inputs
hold for every edit. Starting Snakemake once instead of once per request is what makes checking every
module of the package affordable.
"""

from __future__ import annotations

import collections
import json
import os
import sys
from pathlib import Path

from snakemake.api import SnakemakeApi
from snakemake.settings.types import ConfigSettings, DAGSettings, OutputSettings, ResourceSettings


def plan_all(workdir: Path, configfile: str, requests: list[dict]) -> list[dict[str, int]]:
    with SnakemakeApi(OutputSettings(quiet={"all"})) as api:
        workflow_api = api.workflow(resource_settings=ResourceSettings(cores=2),
                                    config_settings=ConfigSettings(configfiles=[workdir / configfile]),
                                    snakefile=workdir / "Snakefile", workdir=workdir)
        dag_api = workflow_api.dag(DAGSettings())
        workflow = dag_api.workflow_api._workflow  # parsed once

        def plan(forcerun=()) -> dict[str, int]:
            workflow.dag_settings = DAGSettings(forcerun=set(forcerun))
            workflow._prepare_dag(forceall=False, ignore_incomplete=False, lock_warn_only=True, nolock=True)
            workflow._build_dag()
            return dict(collections.Counter(job.rule.name for job in workflow.dag.needrun_jobs()))

        plans = []
        for request in requests:
            if "edit" in request:
                path = workdir / request["edit"]
                text, stat = path.read_text(), path.stat()
                try:
                    path.write_text(text + "\n# an edit that changes nothing\n")
                    plans.append(plan())
                finally:
                    path.write_text(text)
                    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
            else:
                plans.append(plan(request.get("forcerun", ())))
        return plans


if __name__ == "__main__":
    workdir, configfile = Path(sys.argv[1]).resolve(), sys.argv[2]
    result = plan_all(workdir, configfile, json.load(sys.stdin))
    sys.stdout.flush()
    print("PLANS " + json.dumps(result))
