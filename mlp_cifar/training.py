"""The trainer: one run of one configuration on one backend -> one JSON document.

The trainer owns everything both backends share: seeds, batch order, learning
rate per epoch, metrics, best-validation model, divergence handling and the
result document. A backend only knows how to take one SGD step, evaluate, and
save/restore its state (see ``NumpyBackend`` and ``TorchBackend``).
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

import numpy as np
from tqdm import tqdm

from mlp_cifar.augment import SIDE, PaddedImages, augment_batch, hflip
from mlp_cifar.data.archive import N_CLASSES, PIXELS
from mlp_cifar.data.dataset import CifarSplits, epoch_batches
from mlp_cifar.data.whiten import zca_whiten_with_directions
from mlp_cifar.numpy_net import MLP, SGD
from mlp_cifar.numpy_net.blas import axpy
from mlp_cifar.numpy_net.loss import softmax_cross_entropy
from mlp_cifar.provenance import machine, package_versions
from mlp_cifar.schedules import make_schedule

BACKENDS = ("numpy", "torch")
DTYPES = ("float32", "float64")
DEVICES = ("auto", "cpu", "cuda")  # torch only; the numpy backend always runs on the CPU
EVAL_CHUNK = 1000


class InvalidRunConfig(ValueError):
    """Run settings out of range: ``expected`` maps each bad field to what it should be."""

    def __init__(self, expected: dict[str, str], values: dict):
        self.expected, self.values = expected, values
        super().__init__("invalid run configuration: " + ", ".join(
            f"{k}={values[k]!r} (expected {what})" for k, what in expected.items()))


@dataclass
class RunConfig:
    """One training run. Defaults are the assignment's."""

    backend: str = "numpy"
    hidden: list[int] = field(default_factory=lambda: [128])
    batch_norm: bool = False
    lr: float = 0.1
    batch_size: int = 128
    epochs: int = 10
    momentum: float = 0.0
    weight_decay: float = 0.0
    seed: int = 42
    dtype: str = "float32"
    device: str = "auto"  # torch: "auto" is CUDA when available, else the CPU
    schedule: dict | None = None  # learning rate per epoch, see mlp_cifar.schedules; None: constant lr
    threads: int | None = None  # BLAS / torch threads; None leaves the library default
    augment: dict | None = None  # {"flip": bool, "crop": int}: random flips / crops (see mlp_cifar.augment); None: off
    zca: float | None = None  # ZCA whitening with this epsilon, fitted on the training split; None: off
    # With zca: the network sees each (augmented) whitened image's coordinates along the training split's
    # `pca` principal directions of largest variance, a fixed projection; None: all 3072 pixels.
    pca: int | None = None
    label_smoothing: float = 0.0  # training targets (1 - e) onehot + e / 10; validation and test losses stay plain
    ema: float | None = None  # numpy: evaluate an exponential moving average of the weights, this decay per step
    flip_tta: bool = False  # evaluate each image and its mirror image, averaging their logits

    def __post_init__(self):
        # field -> (valid?, what is expected); the same bounds as the config schema's run settings
        checks = {
            "backend": (self.backend in BACKENDS, f"one of {', '.join(BACKENDS)}"),
            "hidden": (all(isinstance(h, int) and h > 0 for h in self.hidden), "positive layer sizes"),
            "lr": (self.lr > 0 and math.isfinite(self.lr), "a finite number > 0"),
            "batch_size": (isinstance(self.batch_size, int) and self.batch_size > 0, "an integer >= 1"),
            "epochs": (isinstance(self.epochs, int) and self.epochs > 0, "an integer >= 1"),
            "momentum": (0 <= self.momentum < 1, "a number in [0, 1)"),
            "seed": (type(self.seed) is int and self.seed >= 0, "an integer >= 0"),
            "weight_decay": (self.weight_decay >= 0, "a number >= 0"),
            "dtype": (self.dtype in DTYPES, f"one of {', '.join(DTYPES)}"),
            "device": (self.device in DEVICES, f"one of {', '.join(DEVICES)}"),
            "augment": (_valid_augment(self.augment), f"flip true or false, crop 0..{SIDE - 1}"),
            "zca": (self.zca is None or (isinstance(self.zca, (int, float)) and not isinstance(self.zca, bool)
                                         and 0 < self.zca < math.inf), "a finite epsilon > 0"),
            "pca": (self.pca is None or (type(self.pca) is int and 1 <= self.pca <= PIXELS and bool(self.zca)),
                    f"null, or an integer 1..{PIXELS} with zca set (the directions are the whitening's)"),
            "label_smoothing": (0 <= self.label_smoothing < 1, "a number in [0, 1)"),
            "ema": (self.ema is None or (0 < self.ema < 1 and self.backend == "numpy"),
                    "a decay in (0, 1), numpy backend only"),
            "flip_tta": (isinstance(self.flip_tta, bool), "true or false"),
        }
        bad = {k: expected for k, (ok, expected) in checks.items() if not ok}
        if bad:
            raise InvalidRunConfig(bad, {k: getattr(self, k) for k in bad})
        make_schedule(self.lr, self.schedule, self.epochs)  # raises ValueError naming a bad schedule

    def augmentation(self) -> dict:
        """``augment`` with its defaults filled in: {"flip": bool, "crop": padding in pixels}."""
        return {"flip": False, "crop": 0, **(self.augment or {})}


def _valid_augment(augment) -> bool:
    """None, or a dict with at most the keys flip (bool) and crop (padding, 0 to 31 pixels)."""
    if augment is None:
        return True
    return (isinstance(augment, dict) and set(augment) <= {"flip", "crop"}
            and isinstance(augment.get("flip", False), bool)
            and type(augment.get("crop", 0)) is int and 0 <= augment.get("crop", 0) < SIDE)


def project(x: np.ndarray, directions: np.ndarray | None) -> np.ndarray:
    """The network's input for images ``x``: their coordinates along ``directions`` (RunConfig.pca),
    or ``x`` itself without."""
    return x if directions is None else x @ directions


class EvaluationInputs:
    """The network's inputs for evaluating images ``x``, chunk by chunk: ``(start, views)`` per
    ``EVAL_CHUNK`` images, ``views`` the chunk projected (``project``) and, with flip TTA, its mirror
    image projected too.

    Built once per array and flip setting, then reused: the trainer evaluates the same validation
    images every epoch, and projecting them and their mirrors again each time cost `strong` ~10 s of
    its run. The arrays are the trainer's splits, which nothing changes in place.
    """

    def __init__(self, directions: np.ndarray | None):
        self.directions = directions
        self._built: dict[tuple[int, bool], tuple[np.ndarray, list]] = {}

    def __call__(self, x: np.ndarray, flip_tta: bool) -> list[tuple[int, list[np.ndarray]]]:
        key = (id(x), flip_tta)
        if key not in self._built or self._built[key][0] is not x:
            chunks = []
            for start in range(0, len(x), EVAL_CHUNK):
                xb = x[start:start + EVAL_CHUNK]
                views = [project(xb, self.directions)]
                if flip_tta:
                    views.append(project(mirror(xb), self.directions))
                chunks.append((start, views))
            self._built[key] = (x, chunks)  # x kept: its id stays its own while the entry lives
        return self._built[key][1]


class NumpyBackend:
    def __init__(self, cfg: RunConfig, rng: np.random.Generator, directions: np.ndarray | None = None):
        self.directions = directions
        self.eval_inputs = EvaluationInputs(directions)
        n_inputs = PIXELS if directions is None else directions.shape[1]
        self.model = MLP(n_inputs, cfg.hidden, N_CLASSES, use_batch_norm=cfg.batch_norm, rng=rng,
                         dtype=np.dtype(cfg.dtype))
        self.optim = SGD(self.model.parametrised(), lr=cfg.lr, momentum=cfg.momentum,
                         weight_decay=cfg.weight_decay)
        self.device = "cpu"  # whatever cfg.device says: NumPy has no GPU
        self.smoothing, self.flip_tta = cfg.label_smoothing, cfg.flip_tta
        # The moving average starts at the initial weights; evaluation and the kept state use it.
        self.ema_decay = cfg.ema
        self.ema = self.model.snapshot() if cfg.ema else None

    def threads(self) -> int | None:
        """BLAS threads in effect now (inside the trainer's thread limit); None if no BLAS library is found."""
        from threadpoolctl import threadpool_info

        blas = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
        return max(blas) if blas else None

    def train_step(self, x: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, int]:
        """One SGD step; returns (batch loss, number of correct predictions before the step)."""
        self.model.train()
        # The loss comes from the logits, so it turns non-finite only once they do; NumPy's
        # overflow warnings on the way there would only be noise.
        with np.errstate(over="ignore", invalid="ignore"):
            logits = self.model.logits(project(x, self.directions))
            loss, dlogits = softmax_cross_entropy(logits, y, smoothing=self.smoothing)
            self.optim.lr = lr
            # Linear weights are updated inside their gradient products; the rest in step().
            self.model.backward_logits(dlogits, sgd=self.optim)
        self.optim.step()
        if self.ema is not None:
            average_into(self.ema, self.model, self.ema_decay)
        return loss, int((logits.argmax(axis=1) == y).sum())

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        """(mean loss, accuracy) in evaluation mode (of the moving average, when kept)."""
        model = self.ema if self.ema is not None else self.model
        model.eval()
        total_loss, correct = 0.0, 0
        with np.errstate(over="ignore", invalid="ignore"):
            for start, views in self.eval_inputs(x, self.flip_tta):
                yb = y[start:start + EVAL_CHUNK]
                logits = model.logits(views[0])
                if self.flip_tta:
                    logits += model.logits(views[1])
                    logits /= 2
                total_loss += softmax_cross_entropy(logits, yb, grad=False)[0] * len(yb)
                correct += int((logits.argmax(axis=1) == yb).sum())
        model.clear_cache()
        return total_loss / len(y), correct / len(y)

    def keep_on_device(self, train_x: np.ndarray, train_y: np.ndarray) -> bool:
        return False  # NumPy has no device: batches are gathered stepwise

    def state(self):
        return (self.ema if self.ema is not None else self.model).snapshot()

    def load_state(self, state) -> None:
        self.model = state
        self.optim.modules = state.parametrised()
        if self.ema is not None:
            self.ema = state


class TorchBackend:
    def __init__(self, cfg: RunConfig, rng: np.random.Generator, directions: np.ndarray | None = None):
        import torch

        from mlp_cifar.torch_net import TorchMLP

        self.torch = torch
        self.device = torch_device(cfg.device)
        torch.use_deterministic_algorithms(True)
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        dtype = getattr(torch, cfg.dtype)
        # Initialised on the CPU from the NumPy generator (identical to the NumPy MLP's), then moved.
        self.directions = directions  # projected in NumPy, on the CPU: a fixed transform of the data
        self.eval_inputs = EvaluationInputs(directions)
        n_inputs = PIXELS if directions is None else directions.shape[1]
        self.model = TorchMLP(n_inputs, cfg.hidden, N_CLASSES, use_batch_norm=cfg.batch_norm, rng=rng,
                              dtype=dtype).to(self.device)
        self.loss = torch.nn.CrossEntropyLoss()
        self.train_loss = torch.nn.CrossEntropyLoss(label_smoothing=cfg.label_smoothing)
        self.flip_tta = cfg.flip_tta
        self.optim = torch.optim.SGD(self.model.parameters(), lr=cfg.lr, momentum=cfg.momentum,
                                     weight_decay=cfg.weight_decay)

    def _start(self, lr: float) -> None:
        self.model.train()
        for group in self.optim.param_groups:
            group["lr"] = lr

    def _step(self, xb, yb):
        """One SGD step on device tensors; (batch loss, correct predictions before the step), on the device."""
        logits = self.model(xb)
        loss = self.train_loss(logits, yb)
        self.optim.zero_grad(set_to_none=True)
        loss.backward()
        self.optim.step()
        return loss.detach(), (logits.detach().argmax(dim=1) == yb).sum()

    def train_step(self, x: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, int]:
        self._start(lr)
        x = project(x, self.directions)
        loss, correct = self._step(self.torch.from_numpy(x).to(self.device), self.torch.from_numpy(y).to(self.device))
        return float(loss), int(correct)

    def keep_on_device(self, train_x: np.ndarray, train_y: np.ndarray) -> bool:
        """On a GPU, copy the training split there once (`resident_epoch` then trains from it);
        on the CPU there is nothing to gain: batches are gathered stepwise."""
        if not keeps_data_on(self.device):
            return False
        self.train_x = self.torch.from_numpy(project(train_x, self.directions)).to(self.device)
        self.train_y = self.torch.from_numpy(train_y).to(self.device)
        return True

    def resident_epoch(self, batches: list[np.ndarray], lr: float,
                       on_batch: Callable[[], object]) -> tuple[list[float], list[int]]:
        """One epoch on the split `keep_on_device` placed: batches gathered on the device, each
        batch's loss and correct count kept there and read back once, at the end (a GPU runs
        ahead of Python instead of waiting for every loss). The steps are those of `train_step`."""
        torch = self.torch
        self._start(lr)
        order = torch.from_numpy(np.stack(batches)).to(self.device)  # the epoch's indices, one copy
        losses = torch.empty(len(batches), dtype=self.train_x.dtype, device=self.device)
        corrects = torch.empty(len(batches), dtype=torch.int64, device=self.device)
        for b in range(len(batches)):
            losses[b], corrects[b] = self._step(self.train_x[order[b]], self.train_y[order[b]])
            on_batch()
        return losses.cpu().tolist(), corrects.cpu().tolist()

    def evaluate(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        torch = self.torch
        self.model.eval()
        total_loss, correct = 0.0, 0
        with torch.no_grad():
            for start, views in self.eval_inputs(x, self.flip_tta):
                yb = torch.from_numpy(y[start:start + EVAL_CHUNK]).to(self.device)
                logits = self.model(torch.from_numpy(views[0]).to(self.device))
                if self.flip_tta:
                    logits = (logits + self.model(torch.from_numpy(views[1]).to(self.device))) / 2
                total_loss += float(self.loss(logits, yb)) * len(yb)
                correct += int((logits.argmax(dim=1) == yb).sum())
        return total_loss / len(y), correct / len(y)

    def state(self):
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def load_state(self, state) -> None:
        self.model.load_state_dict(state)

    def threads(self) -> int:
        return self.torch.get_num_threads()


def mirror(x: np.ndarray) -> np.ndarray:
    """Every image of the batch mirrored left-right (flip test-time augmentation)."""
    return hflip(x, np.ones(len(x), dtype=bool))


def average_into(average: MLP, model: MLP, decay: float) -> None:
    """``average <- decay * average + (1 - decay) * model``, parameters and batch-norm statistics."""
    for avg, live in zip(average.parametrised(), model.parametrised()):
        pairs = [(avg.params[k], live.params[k]) for k in avg.params]
        if hasattr(avg, "running_mean"):
            pairs += [(avg.running_mean, live.running_mean), (avg.running_var, live.running_var)]
        for a, p in pairs:
            a *= decay
            axpy(1 - decay, p, a)


def keeps_data_on(device: str) -> bool:
    """Whether PyTorch runs on ``device`` keep the training split there (a GPU: yes)."""
    return device != "cpu"


def torch_device(requested: str = "auto") -> str:
    """The torch device of a run: "cpu", or "cuda" when asked for or (``auto``) when available.

    Before CUDA can initialise, sets ``CUBLAS_WORKSPACE_CONFIG`` (unless already set), which
    cuBLAS needs to be deterministic under ``torch.use_deterministic_algorithms(True)``.
    """
    import torch

    if requested not in DEVICES:
        raise ValueError(f"device must be one of {DEVICES}, got {requested!r}")
    if requested == "cpu":
        return "cpu"
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    if torch.cuda.is_available():
        return "cuda"
    if requested == "cuda":
        raise RuntimeError("device: cuda was requested, but torch finds no CUDA device; use auto or cpu")
    return "cpu"


def make_backend(cfg: RunConfig, rng: np.random.Generator, directions: np.ndarray | None = None):
    return {"numpy": NumpyBackend, "torch": TorchBackend}[cfg.backend](cfg, rng, directions)


def seeded_generators(seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    """Independent (initialisation, batch order) generators from one seed, shared by both backends."""
    init_seq, batch_seq = np.random.SeedSequence(seed).spawn(2)
    return np.random.default_rng(init_seq), np.random.default_rng(batch_seq)


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def train(cfg: RunConfig, splits: CifarSplits, lr_at_epoch: Callable[[int], float] | None = None,
          progress: bool = True) -> dict:
    """Train ``cfg`` on ``splits``; return the run's result document (JSON-serialisable).

    ``lr_at_epoch(epoch)`` (epochs counted from 0) gives the learning rate; by
    default it is ``cfg``'s schedule (a constant ``cfg.lr`` unless one is set). A non-finite batch loss stops the run
    and marks it diverged; the best model so far is still evaluated on the test set.
    """
    if cfg.threads:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=cfg.threads):
            return _train(cfg, splits, lr_at_epoch, progress)
    return _train(cfg, splits, lr_at_epoch, progress)


def stepwise_epoch(backend, gather: Callable[[np.ndarray], np.ndarray], train_y, batches, lr,
                   on_batch: Callable[[], object]) -> tuple[list[float], list[int]]:
    """One epoch, one ``train_step`` per batch, ``gather`` (`batch_gatherer`) giving each batch's
    inputs from its indices: the batch losses (up to the first non-finite one) and the correct
    predictions of each batch."""
    losses, corrects = [], []
    for idx in batches:
        loss, n_correct = backend.train_step(gather(idx), train_y[idx], lr)
        losses.append(loss)
        if not math.isfinite(loss):
            break
        corrects.append(n_correct)
        on_batch()
    return losses, corrects


def batch_gatherer(train_x: np.ndarray, batch_size: int, rng: np.random.Generator,
                   augmentation: dict) -> Callable[[np.ndarray], np.ndarray]:
    """The function from a batch's indices to its training inputs, augmented as ``augmentation``
    says (`RunConfig.augmentation`) with draws from ``rng``. Its result is valid until its next call."""
    if augmentation["crop"]:
        # The training images padded once: each batch is then gathered and cropped in one copy.
        padded = PaddedImages(train_x, augmentation["crop"])
        return lambda idx: padded.batch(idx, rng, augmentation["flip"])
    xb = np.empty((batch_size, train_x.shape[1]), dtype=train_x.dtype)  # reused gather buffer

    def gather(idx: np.ndarray) -> np.ndarray:
        # mode="clip": with the default mode="raise", take() gathers into a temporary and copies
        # that into ``out`` (NumPy buffers ``out`` to keep it intact on an index error), which made
        # the gather ~1.5x slower. Indices of a permutation are always in range, so clipping never acts.
        np.take(train_x, idx, axis=0, out=xb, mode="clip")
        # Without flips, augment_batch returns xb itself and draws nothing: the run is as without it.
        return augment_batch(xb, rng, augmentation["flip"])

    return gather


def _train(cfg, splits, lr_at_epoch, progress) -> dict:
    lr_at_epoch = lr_at_epoch or make_schedule(cfg.lr, cfg.schedule, cfg.epochs).learning_rate
    whiten_seconds, directions, variance_kept = 0.0, None, None
    if cfg.zca:
        t_whiten = time.perf_counter()
        # Fitted on the training split only; the directions come from the same eigendecomposition.
        splits, directions, variance_kept = zca_whiten_with_directions(splits, cfg.zca, cfg.pca or 0)
        whiten_seconds = time.perf_counter() - t_whiten
    dtype = np.dtype(cfg.dtype)
    train_x = splits.train.x if splits.train.x.dtype == dtype else splits.train.x.astype(dtype)
    val_x = splits.val.x.astype(dtype, copy=False)
    test_x = splits.test.x.astype(dtype, copy=False)
    init_rng, batch_rng = seeded_generators(cfg.seed)
    if directions is not None:
        directions = directions.astype(dtype, copy=False)
    backend = make_backend(cfg, init_rng, directions)

    n_batches = len(splits.train) // cfg.batch_size
    if n_batches == 0:
        raise ValueError(f"batch_size {cfg.batch_size} exceeds the {len(splits.train)} training examples")
    augmentation = cfg.augmentation()
    # PyTorch on a GPU keeps the training split there and reads the losses back once per epoch.
    resident = not any(augmentation.values()) and backend.keep_on_device(train_x, splits.train.y)
    gather = None if resident else batch_gatherer(train_x, cfg.batch_size, batch_rng, augmentation)
    batch_losses: list[float | None] = []
    epochs: list[dict] = []
    best = {"epoch": None, "val_accuracy": -1.0, "state": None}
    diverged_at = None
    trained_seconds = 0.0  # also the batches of an epoch that diverged
    started = time.perf_counter()

    bar = tqdm(total=cfg.epochs * n_batches, desc=f"{cfg.backend} lr={cfg.lr:g}", unit="batch",
               file=sys.stderr, disable=not progress, mininterval=1.0)
    for epoch in range(cfg.epochs):
        lr = float(lr_at_epoch(epoch))
        t0 = time.perf_counter()
        # The whole epoch's order is drawn first, then (stepwise) each batch's augmentation.
        batches = list(epoch_batches(len(splits.train), cfg.batch_size, batch_rng))
        if resident:
            losses, corrects = backend.resident_epoch(batches, lr, on_batch=bar.update)
        else:
            losses, corrects = stepwise_epoch(backend, gather, splits.train.y, batches, lr, on_batch=bar.update)
        # Each epoch ends at the first non-finite loss: the run diverged there.
        finite = next((b for b, loss in enumerate(losses) if not math.isfinite(loss)), len(losses))
        losses, corrects = losses[:finite + 1], corrects[:finite]
        batch_losses.extend(_finite_or_none(loss) for loss in losses)
        if finite < len(batches):
            diverged_at = {"epoch": epoch + 1, "batch": finite + 1}
        loss_sum = sum(loss * cfg.batch_size for loss in losses[:finite])
        correct, seen = sum(corrects), finite * cfg.batch_size
        train_seconds = time.perf_counter() - t0
        trained_seconds += train_seconds
        if diverged_at:
            break
        t1 = time.perf_counter()
        val_loss, val_acc = backend.evaluate(val_x, splits.val.y)
        epochs.append({
            "epoch": epoch + 1,
            "lr": lr,
            "train_loss": loss_sum / seen,
            "train_accuracy": correct / seen,
            "val_loss": _finite_or_none(val_loss),
            "val_accuracy": val_acc,
            "train_seconds": train_seconds,
            "eval_seconds": time.perf_counter() - t1,
        })
        bar.set_postfix(val_acc=f"{val_acc:.4f}")
        if val_acc > best["val_accuracy"]:
            best = {"epoch": epoch + 1, "val_accuracy": val_acc, "state": backend.state()}
    bar.close()

    test_loss = test_acc = None
    if best["state"] is not None:
        backend.load_state(best["state"])
        test_loss, test_acc = backend.evaluate(test_x, splits.test.y)
        test_loss = _finite_or_none(test_loss)

    return {
        "config": dataclasses.asdict(cfg),
        "seed": cfg.seed,
        "data": {
            "archive_md5": splits.archive_md5,
            "official_archive": splits.official,
            "n_train": len(splits.train),
            "n_val": len(splits.val),
            "n_test": len(splits.test),
        },
        "batch_losses": batch_losses,
        "batches_per_epoch": n_batches,
        "epochs": epochs,
        "best_epoch": best["epoch"],
        "best_val_accuracy": best["val_accuracy"] if best["epoch"] else None,
        "test_accuracy": test_acc,
        "test_loss": test_loss,
        "diverged": diverged_at is not None,
        "diverged_at": diverged_at,
        "train_seconds": trained_seconds,
        "whiten_seconds": whiten_seconds,  # ZCA fit and transform, before training; 0 without
        "pca_variance_kept": variance_kept,  # of the whitened training images, along the kept directions
        "total_seconds": time.perf_counter() - started + whiten_seconds,
        "device": backend.device,
        "threads": backend.threads(),  # in effect during training: BLAS (numpy) or torch intra-op threads
        "versions": package_versions(),
        "machine": machine(),
    }


def train_runs(cache: str, splits_dir: str, runs: Iterable[tuple[Mapping, str]], data: dict, threads: int) -> None:
    """The workflow's training job: each (settings, output document) of ``runs``, one after another in
    this process (rule train: one run; rule train_sweep_rate: a learning rate's runs, which then pay
    the process's start-up once)."""
    for settings, out in runs:
        train_run(cache, splits_dir, dict(settings), data, out, threads)


def train_run(cache: str, splits_dir: str, settings: dict, data: dict, out: str, threads: int) -> dict:
    """The workflow's training job: train one configured run on the prepared splits (float32; other
    dtypes normalise the cached arrays themselves), write its document."""
    from mlp_cifar.atomic import write_json
    from mlp_cifar.data import prepared
    from mlp_cifar.data.cache import load_cache
    from mlp_cifar.data.dataset import make_splits
    from mlp_cifar.job import available_threads

    cfg = RunConfig(**{**settings, "threads": available_threads(threads)})
    if np.dtype(cfg.dtype) == prepared.DTYPE:
        splits = prepared.read_splits(splits_dir, n_val=data["n_val"], split_seed=data["split_seed"])
    else:
        splits = make_splits(load_cache(cache), n_val=data["n_val"], split_seed=data["split_seed"], dtype=cfg.dtype)
    doc = train(cfg, splits)
    doc["data"]["split_seed"] = data["split_seed"]
    write_json(out, doc)
    return doc
