"""Command-line config values get the types the config schema asks for.

Snakemake reads a nested ``--config 'defaults={epochs: 1, hidden: [64]}'`` with YAML's BaseLoader,
so every value inside it is a string ('1', ['64']) and the schema rejects it. Top-level values
(``--config train_threads=2``) are typed already. `retype` walks the config beside the schema and
reads, as YAML, each string found where the schema allows no string but does allow a number, an
integer, a boolean or null; anything else stays as it is, for the schema to judge.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Iterable

import yaml

JSON_TYPES = {"integer": (int,), "number": (int, float), "boolean": (bool,), "null": (type(None),)}


def _resolve(schema: Any, root: dict) -> list[dict]:
    """The schema and every branch it may take (``$ref``, ``oneOf``, ``anyOf``, ``allOf``), flattened."""
    if not isinstance(schema, dict):
        return []
    if "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return _resolve(target, root)
    nodes = [schema]
    for key in ("oneOf", "anyOf", "allOf"):
        for branch in schema.get(key, []):
            nodes.extend(_resolve(branch, root))
    return nodes


def _types(nodes: Iterable[dict]) -> set[str]:
    types: set[str] = set()
    for node in nodes:
        kind = node.get("type")
        types.update([kind] if isinstance(kind, str) else kind or [])
    return types


def _matches(value: Any, types: set[str]) -> bool:
    if isinstance(value, bool):
        return "boolean" in types
    return any(isinstance(value, JSON_TYPES[t]) for t in types if t in JSON_TYPES)


def _number(text: str) -> int | float | str:
    for kind in (int, float):
        try:
            number = kind(text)
        except ValueError:
            continue
        return number if math.isfinite(number) else text
    return text


def _retype(value: Any, schemas: list[dict], root: dict) -> Any:
    nodes = [n for s in schemas for n in _resolve(s, root)]
    if isinstance(value, dict):
        for key, item in value.items():
            subs = [n["properties"][key] for n in nodes if key in n.get("properties", {})]
            subs += [n["additionalProperties"] for n in nodes if isinstance(n.get("additionalProperties"), dict)]
            value[key] = _retype(item, subs, root)
        return value
    if isinstance(value, list):
        subs = [n["items"] for n in nodes if isinstance(n.get("items"), dict)]
        return [_retype(item, subs, root) for item in value]
    if isinstance(value, str):
        types = _types(nodes)
        if types and "string" not in types:
            try:
                parsed = yaml.safe_load(value)
            except yaml.YAMLError:
                return value
            if isinstance(parsed, str):  # YAML 1.1 reads 5e-4 (no dot) as text; Python does not
                parsed = _number(value)
            if _matches(parsed, types):
                return parsed
    return value


def retype(config: dict, schema: dict) -> dict:
    """Retype ``config`` in place following ``schema`` (see the module docstring); returns it."""
    return _retype(config, [schema], schema)


def retype_from_file(config: dict, schema_path: str | Path) -> dict:
    return retype(config, yaml.safe_load(Path(schema_path).read_text()))


# More values than any real config holds (config.yaml holds a few hundred): beyond it, nested YAML
# aliases (``&a [...]``, ``[*a, *a, ...]``) are at work, which expand exponentially when walked.
MAX_VALUES = 100_000


def _sizes(value: Any, limit: int, sizes: dict[int, int]) -> int:
    """Values in ``value`` with every alias expanded, at most ``limit + 1``; containers counted once
    each by identity (an alias is the same object), so this takes time linear in the YAML text."""
    if not isinstance(value, (dict, list)):
        return 1
    key = id(value)
    if key not in sizes:
        sizes[key] = limit + 1  # a container inside itself (``&a [*a]``) is endless
        children = value.values() if isinstance(value, dict) else value
        total = 1
        for child in children:
            total = min(limit + 1, total + _sizes(child, limit, sizes))
        sizes[key] = total
    return sizes[key]


def check_size(config: dict, limit: int = MAX_VALUES) -> None:
    """Raise ValueError naming the setting when ``config`` holds more than ``limit`` values once its
    YAML aliases are expanded (a "billion laughs" config would take minutes and gigabytes to walk)."""
    sizes: dict[int, int] = {}
    if _sizes(config, limit, sizes) <= limit:
        return
    path, node, seen = [], config, set()
    while isinstance(node, dict) and node and id(node) not in seen:  # a dict inside itself: stop there
        seen.add(id(node))
        key, node = max(node.items(), key=lambda kv: _sizes(kv[1], limit, sizes))
        path.append(str(key))
    raise ValueError(f"config: {'.'.join(path)} holds more than {limit:,} values once its YAML aliases (*name) "
                     "are expanded; write its values out instead of nesting anchors and aliases")


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def schema_problem(config: dict, schema: dict) -> str | None:
    """The config's most relevant violation of ``schema`` in one line, naming the setting
    (``Error validating config file. On instance['defaults']['epochs']: 'many' is not of type
    'integer'``), or None. Snakemake's own
    message prints the whole schema and the whole offending value, hundreds of lines."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    error = jsonschema.exceptions.best_match(validator.iter_errors(config))
    if error is None:
        return None
    where = "".join(f"[{part!r}]" for part in error.absolute_path)
    message, value = error.message, repr(error.instance)
    if len(value) > 60:  # a long value stands for itself by its start and its length
        size = f"{len(error.instance)} characters" if isinstance(error.instance, str) else "..."
        message = message.replace(value, f"{value[:40]}... ({size})")
    return f"Error validating config file. On instance{where}: {_short(message)}"


def yaml_problem(path: str | Path) -> str | None:
    """Where and why the YAML file at ``path`` does not parse (``config.yaml, line 3, column 10:
    ...``), or None. Snakemake says only that the file "is not valid JSON or YAML"."""
    try:
        yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f", line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = err.problem or err.context or "not valid"
        if err.context and err.problem and err.context_mark:
            what += f", {err.context} from line {err.context_mark.line + 1}"
        return f"{path}{where}: not valid YAML: {what}"
    except yaml.YAMLError as err:
        return f"{path}: not valid YAML ({err})"
    except (OSError, UnicodeDecodeError):
        return None  # Snakemake says it itself
    return None


def prepare_config(config: dict, schema_path: str | Path) -> dict:
    """What the Snakefile does with its config before Snakemake validates it: refuse nested YAML
    aliases (`check_size`), retype command-line values (`retype`), and raise ValueError with the
    first setting the schema rejects, in one line (`schema_problem`). Returns ``config``."""
    check_size(config)
    schema = yaml.safe_load(Path(schema_path).read_text())
    retype(config, schema)
    problem = schema_problem(config, schema)
    if problem:
        raise ValueError(problem)
    return config
