"""What drew each figure, for the line at the end of its caption: rule, script and drawing function,
commit, and the run documents it read; links to the files on GitHub when the repository's remote
is there. (Kept out of mlp_cifar.provenance, which the training jobs import: a change here must
rerender the report only.)"""

from __future__ import annotations

import os
import re
import subprocess
from typing import Mapping

from markupsafe import Markup


def github_url(remote: str | None) -> str | None:
    """``https://github.com/OWNER/REPO`` for a remote on GitHub (https or ssh form), else None."""
    m = re.fullmatch(r"(?:https://(?:[^@/]+@)?github\.com/|git@github\.com:|ssh://git@github\.com/)"
                     r"([\w.-]+)/([\w.-]+?)(?:\.git)?/?", (remote or "").strip())
    return f"https://github.com/{m[1]}/{m[2]}" if m else None


def origin_github_url(repo: str | os.PathLike = ".") -> str | None:
    """The GitHub address of the ``origin`` remote of ``repo``, or None (no git, no remote, not GitHub)."""
    try:
        remote = subprocess.run(["git", "-C", str(repo), "remote", "get-url", "origin"], capture_output=True,
                                text=True, check=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return github_url(remote)


def source_line(source: Mapping, git: Mapping) -> Markup:
    """What drew a figure: its rule, script and drawing function, the commit, the run documents read.
    Code and commit link to GitHub when the repository's remote is there (git["github"])."""
    commit, repo = git.get("commit"), git.get("github")

    def code(path: str) -> Markup:
        if repo and commit:
            return Markup('<a href="{}/blob/{}/{}"><code>{}</code></a>').format(repo, commit, path, path)
        return Markup("<code>{}</code>").format(path)

    module, _, function = source["draw"].partition(":")
    if commit:
        short = commit[:7] + (" (with uncommitted changes)" if git.get("dirty") else "")
        at = Markup("at commit ") + (Markup('<a href="{}/commit/{}"><code>{}</code></a>').format(repo, commit, short)
                                     if repo else Markup("<code>{}</code>").format(short))
    else:
        at = Markup("outside a git checkout (no commit)")
    docs = list(source["docs"])
    folder = os.path.commonpath(docs) if len(docs) > 1 else os.path.dirname(docs[0]) if docs else ""
    names = Markup(", ").join(Markup("<code>{}</code>").format(os.path.relpath(d, folder) if folder else d)
                              for d in docs)
    read = Markup(" from {} in <code>{}/</code>").format(names, folder) if folder else (
        Markup(" from {}").format(names) if docs else Markup(""))
    return Markup('<p class="figure-source">Drawn by rule <code>{}</code>: {} calling <code>{}</code> of {}, '
                  "{}{}.</p>").format(source["rule"], code("scripts/plot_figure.py"), function,
                                                code(module.replace(".", "/") + ".py"), at, read)
