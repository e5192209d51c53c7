"""What does each idea add to the stronger MLP? Train `runs.strong` of config.yaml with some settings
changed, then test the final weights with and without flip test-time augmentation (and, for runs
with `ema`, the trained weights next to their moving average): one line of JSON per run.

    python benchmarks/recipe_ablation.py --archive PATH '{"label_smoothing": 0.1}' '{"batch_size": 128, "lr": 0.05}'

Each argument is one run: a JSON object of run settings merged over `strong`'s ("{}" is `strong`
itself). The ablation table of docs/stronger-mlp.md came from runs like these, one seed each; how
long a run takes: docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # runnable from a checkout without installing the package
    sys.path.insert(0, str(ROOT))

from mlp_cifar.data.dataset import make_splits  # noqa: E402
from mlp_cifar.data.source import load_arrays  # noqa: E402
from mlp_cifar.data.whiten import zca_whiten  # noqa: E402
from mlp_cifar.training.config import RunConfig  # noqa: E402
from mlp_cifar.training.loop import train  # noqa: E402
from mlp_cifar.training.numpy_backend import NumpyBackend  # noqa: E402


def strong_settings() -> dict:
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    settings = {**config["defaults"], **config["runs"]["strong"]}
    settings.pop("threads", None)
    return settings


def ablate(overrides: dict, splits) -> dict:
    """Train strong with ``overrides``; test its final weights with and without flip TTA."""
    cfg = RunConfig(**{**strong_settings(), **overrides})
    kept = {}
    original_load = NumpyBackend.load_state

    def load_state(backend, state):  # the trainer loads the best epoch's state before testing
        kept.update(backend=backend, live=backend.model, average=backend.ema)
        original_load(backend, state)

    NumpyBackend.load_state = load_state
    try:
        doc = train(cfg, splits, progress=True)
    finally:
        NumpyBackend.load_state = original_load
    result = {"overrides": overrides, "test_accuracy": doc["test_accuracy"], "best_epoch": doc["best_epoch"],
              "epochs": cfg.epochs, "train_seconds": round(doc["train_seconds"], 1)}
    backend = kept.get("backend")
    if backend is not None:  # a NumPy run: the final weights under every evaluation
        test = zca_whiten(splits, cfg.zca).test if cfg.zca else splits.test  # backend projects (pca)
        for name in ("live", "average"):
            if kept[name] is None:
                continue
            backend.ema = kept[name]
            for tta in (False, True):
                backend.flip_tta = tta
                result[f"final {name} weights{' + flip TTA' if tta else ''}"] = backend.evaluate(test.x, test.y)[1]
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archive", help="local CIFAR-10 archive (default: download the official one)")
    p.add_argument("--data-dir", default=str(ROOT / "data"))
    p.add_argument("runs", nargs="+", help='JSON run settings merged over strong\'s, e.g. \'{"epochs": 45}\'')
    args = p.parse_args(argv)
    runs = [json.loads(text) for text in args.runs]
    splits = make_splits(load_arrays(args.archive, args.data_dir))
    for overrides in runs:
        print(json.dumps(ablate(overrides, splits)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
