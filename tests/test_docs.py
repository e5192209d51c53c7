"""The documentation (issue 28): a short README for users, one docs page per topic built by MkDocs with
warnings as errors, and each measured figure stated once, on its page (docs/performance.md), not in code
comments, docstrings or the README."""

from __future__ import annotations

import ast
import io
import os
import re
import shlex
import subprocess
import sys
import tokenize
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
# The pages where measured times belong: what a figure is, when, on what, with which command.
MEASUREMENT_PAGES = {"docs/performance.md", "docs/testing.md"}


# --- The built site ---------------------------------------------------------------------------------

def mkdocs_build(site_dir: Path, config: Path = REPO / "mkdocs.yml") -> subprocess.CompletedProcess:
    # NO_MKDOCS_2_WARNING: without it, Material prints a notice of its end of life on every build.
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file", str(config),
                           "--site-dir", str(site_dir)], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def test_the_docs_build_strictly_with_every_page_in_the_nav(tmp_path):
    proc = mkdocs_build(tmp_path / "site")
    log = proc.stdout + proc.stderr
    assert proc.returncode == 0, log
    assert "WARNING" not in log, log
    nav_pages = set(nav_files(yaml.safe_load((REPO / "mkdocs.yml").read_text())["nav"]))
    assert nav_pages == {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    for page in nav_pages:  # use_directory_urls: false, so that the site works from disk too
        assert (tmp_path / "site" / page.removesuffix(".md")).with_suffix(".html").is_file(), page
    assert (tmp_path / "site" / "report.png").is_file()


def test_a_broken_link_fails_the_strict_build(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n\nWhat you can do here: follow [a link](missing.md).\n")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text())
    config.update(docs_dir=str(docs), nav=[{"Home": "index.md"}])
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    proc = mkdocs_build(tmp_path / "site", tmp_path / "mkdocs.yml")
    assert proc.returncode != 0 and "missing.md" in proc.stdout + proc.stderr


def nav_files(nav) -> list[str]:
    """Every page named in an mkdocs nav (a list of pages, {title: page} and {title: [...]})."""
    out = []
    for item in nav:
        for value in (item.values() if isinstance(item, dict) else [item]):
            out += nav_files(value) if isinstance(value, list) else [value]
    return out


# --- What the pages say -----------------------------------------------------------------------------

def test_the_readme_is_short_and_links_only_pages_that_exist():
    readme = (REPO / "README.md").read_text()
    assert len(readme.splitlines()) <= 150
    links = re.findall(r"\]\(([^)#\s]+)", readme)
    assert "docs/report.png" in links
    for link in links:
        if not re.match(r"[a-z]+://", link):
            assert (REPO / link).exists(), link


def test_every_page_starts_with_what_the_reader_can_do_there():
    for page in sorted(DOCS.rglob("*.md")):
        body = page.read_text().split("\n\n")
        assert body[0].startswith("# "), page
        assert body[1].startswith("What you can do here:"), page


def documented_text() -> list[tuple[str, str]]:
    return [(p.relative_to(REPO).as_posix(), p.read_text()) for p in [REPO / "README.md", *sorted(DOCS.rglob("*.md"))]]


def code_lines(text: str) -> list[str]:
    """The inline code spans of a Markdown text and the lines of its fenced code blocks."""
    fenced = re.findall(r"```[^\n]*\n(.*?)```", text, flags=re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S))
    return inline + [line for block in fenced for line in block.splitlines()]


def test_every_make_target_and_module_command_the_docs_name_exists():
    targets = set(re.findall(r"^([a-z][\w-]*):", (REPO / "Makefile").read_text(), flags=re.M))
    for name, text in documented_text():
        for line in code_lines(text):
            for command in re.findall(r"(?:^|[;&|(]\s*)make\s+([^#;&|)]*)", line):
                try:
                    words = shlex.split(command)
                except ValueError:  # an inline span that opens a quote and leaves it to the prose
                    words = command.split()
                for word in words:
                    if re.fullmatch(r"[a-z][\w-]*", word):  # not VAR=value, not an argument
                        assert word in targets, f"{name}: make {word}"
        for module in re.findall(r"python -m (mlp_cifar[\w.]*)", text):
            path = REPO / module.replace(".", "/")
            assert path.with_suffix(".py").is_file() or (path / "__main__.py").is_file(), f"{name}: {module}"


# A path from the repository's root, in code: `mlp_cifar/augment.py`, `workflow/rules/` (a bare file name
# such as `requirements.txt` may be relative to a folder the text names, so it is not checked).
REPO_PATH = re.compile(r"`((?:mlp_cifar|workflow|scripts|benchmarks|tests|templates|profiles|envs|cluster|docs|\.ci|"
                       r"\.github)/[\w./-]*)`")


def test_every_repository_path_the_docs_name_exists():
    for name, text in documented_text():
        for path in REPO_PATH.findall(text):
            # `tests/workflow_helpers.snakemake`: a function of tests/workflow_helpers.py
            attribute_of = path.rsplit(".", 1)[0] + ".py"
            assert (REPO / path).exists() or (REPO / attribute_of).is_file(), f"{name}: {path}"


# --- Measured figures: on their page, not in comments --------------------------------------------------

NUMBER = r"(?<![\w.])~?\d+(?:[.,]\d+)?"
TIMING = re.compile(
    # a duration: "33 s", "~0.7 s", "9 min 34 s", "3.8-5.1 minutes", "2.9 instead of 5.1 ms"
    rf"{NUMBER}(?:\s*(?:-|–|to|and|or|instead of)\s*\d+(?:\.\d+)?)?\s*"
    r"(?:ms|s|secs?|seconds?|mins?|minutes?|h|hrs?|hours?)(?![\w/])"
    # a speed ratio: "37x slower", "0.86x the wall time", "20% less time"
    rf"|{NUMBER}\s*[x×]\s+(?:faster|slower|quicker|the\s+(?:wall\s+)?(?:time|speed))"
    rf"|{NUMBER}\s*%\s+(?:less|more)\s+time|{NUMBER}\s*%\s+(?:faster|slower)"
    # in words
    r"|\bhalf\s+an?\s+(?:minute|hour)\b|\b(?:under|within|about|over)\s+an?\s+(?:minute|hour)\b",
    flags=re.I)
# A duration that is a setting, limit or target, not a measurement: "MinJobAge >= 300 s", "at most 0.85x
# the time", "issue 13's target of 7 minutes", "every 3 s", "is set to 300 s", "below 100 s".
SETTING = re.compile(r"(?:>=|<=|[<>=]|\bat (?:least|most)|\btarget(?: of)?|\blimit(?: of)?|\btimeout(?: of)?|"
                     r"\bevery|\bset to|\bbelow|\babove)\s*$", flags=re.I)
# Links to the measurements page are welcome; their anchors are not timings.
PERFORMANCE_LINK = re.compile(r"\(?[\w./]*performance\.md(?:#[\w-]*)?\)?")
# Quoted examples ('12.34 s' is how formatting writes a time) are not statements of a time either.
QUOTED = re.compile(r"(?<!\w)'[^'\n]*'(?!\w)|\"[^\"\n]*\"|`[^`\n]*`")
CODE_SUFFIXES = {".py", ".smk", ".yaml", ".yml", ".toml", ".cfg", ".sh"}
CODE_NAMES = {"Snakefile", "Makefile", "run"}


def timings(text: str) -> list[str]:
    text = QUOTED.sub("''", PERFORMANCE_LINK.sub("", text))
    return [m.group(0) for m in TIMING.finditer(text) if not SETTING.search(text[max(0, m.start() - 24):m.start()])]


def repository_files() -> list[Path]:
    """The repository's own files (tracked, or new and not ignored): never .venv, results or data."""
    proc = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO,
                          capture_output=True, text=True)
    if proc.returncode == 0:
        return [REPO / p for p in sorted(set(proc.stdout.split("\0"))) if p and (REPO / p).is_file()]
    skip = {".git", ".venv", "results", "data", "logs", ".snakemake", "node_modules", "build", "__pycache__"}
    return sorted(p for p in REPO.rglob("*") if p.is_file() and not skip & set(p.relative_to(REPO).parts))


def hash_comments(text: str) -> list[tuple[int, str]]:
    """(line, comment) of a shell/YAML/Makefile file: from a '#' at the start or after a space, outside quotes."""
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        quote = None
        for i, ch in enumerate(line):
            if quote:
                quote = None if ch == quote else quote
            elif ch in "\"'" and (i == 0 or not line[i - 1].isalnum()):
                quote = ch
            elif ch == "#" and (i == 0 or line[i - 1].isspace()):
                out.append((number, line[i:]))
                break
    return out


def python_comments(text: str) -> list[tuple[int, str]]:
    """(line, text) of every comment and docstring line of Python (or Snakemake) source."""
    try:
        out = [(tok.start[0], tok.string) for tok in tokenize.generate_tokens(io.StringIO(text).readline)
               if tok.type == tokenize.COMMENT]
    except (tokenize.TokenError, SyntaxError):
        return hash_comments(text)
    try:
        tree = ast.parse(text)
    except SyntaxError:  # a Snakefile: its comments only
        return out
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                    and isinstance(first.value.value, str)):
                out += [(first.lineno + i, line) for i, line in enumerate(first.value.value.splitlines())]
    return out


def commentary(path: Path) -> list[tuple[int, str]]:
    """(line, text) of what a file says in prose: comments and docstrings of code, every line of a page."""
    rel = path.relative_to(REPO).as_posix()
    text = path.read_text(errors="replace")
    if rel == "README.md" or (rel.startswith("docs/") and path.suffix == ".md" and rel not in MEASUREMENT_PAGES):
        return list(enumerate(text.splitlines(), 1))
    if path.suffix in {".py", ".smk"} or path.name == "Snakefile":
        return python_comments(text)
    if path.suffix in CODE_SUFFIXES or path.name in CODE_NAMES:
        return hash_comments(text)
    return []


def timing_statements(files: list[Path]) -> list[str]:
    return [f"{path.relative_to(REPO)}:{line}: {found}: {text.strip()}"
            for path in files for line, text in sorted(commentary(path)) for found in [timings(text)] if found]


def test_no_comment_docstring_readme_or_docs_line_states_a_measured_time():
    found = timing_statements(repository_files())
    assert not found, ("measured times belong on docs/performance.md (with date, machine and command) or in what "
                       "the benchmark prints; say why without the number, or link the page:\n" + "\n".join(found))


@pytest.mark.parametrize("text", [
    "# ~30 s for today's report", "# 2.9 instead of 5.1 ms per batch", "# 37x slower measured under taskset",
    "# 9 min 34 s for 47 jobs", "takes 3.8-5.1 minutes", "# about half a minute before its PDF",
    "0.86x the wall time of a job per run", "and 20% less time per epoch", "# ~3 s of imports once per rate",
    "# in well under a minute",
])
def test_the_timing_pattern_finds_measured_times(text):
    assert timings(text), text


@pytest.mark.parametrize("text", [
    "# 3 epochs, seed 42", "# lr 1e-3, batch 128", "timeout=300", "# MinJobAge >= 300 s in slurm.conf",
    "# at most 0.85x the time of PyTorch", "# issue 13's target of 7 minutes", "# 16 cm wide, fonts of 9 pt",
    "# 2 x 1024 units", "# the sweep: 18 runs in 9 SLURM jobs", "# 45,000/5,000 split", "# 8x fewer weights",
    "# its time: [docs/performance.md](docs/performance.md#the-pdf-30-s)", "# 1em06 = 1e-06, 2p5em03",
    "# (du, every 3 s)", "# 384-1024-1024-10", "# ~1.3 GB resident",
])
def test_the_timing_pattern_leaves_other_numbers_alone(text):
    assert not timings(text), text


def test_timing_comments_are_found_in_each_kind_of_file(tmp_path, monkeypatch):
    files = {"a.py": '"""Doc.\n\nTakes ~25 s."""\nx = 1  # 3 epochs\ntimeout = 300\ny = 2  # 5 ms each\n',
             "b.smk": "rule a:\n    # ~30 s\n    shell: 'echo \"# 30 s\"'\n",
             "c.yaml": "a: 1 # 220 s instead of 315 s\nb: '# 4 s'\n",
             "Makefile": "# one job: 12 min\nall:\n\techo 1\n"}
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)
    found = timing_statements(sorted(tmp_path / name for name in files))
    assert [f.split(": ")[0] for f in found] == ["Makefile:1", "a.py:3", "a.py:6", "b.smk:2", "c.yaml:1"], found
