"""The NumPy backend: one SGD step of the NumPy MLP, evaluation, and its state (mlp_cifar.numpy_net)."""

from __future__ import annotations

import numpy as np

from mlp_cifar.data.archive import N_CLASSES, PIXELS
from mlp_cifar.numpy_net import MLP, SGD
from mlp_cifar.numpy_net.blas import axpy
from mlp_cifar.numpy_net.loss import softmax_cross_entropy
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.evaluation import EVAL_CHUNK, EvaluationInputs, project


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


def average_into(average: MLP, model: MLP, decay: float) -> None:
    """``average <- decay * average + (1 - decay) * model``, parameters and batch-norm statistics."""
    for avg, live in zip(average.parametrised(), model.parametrised()):
        pairs = [(avg.params[k], live.params[k]) for k in avg.params]
        if hasattr(avg, "running_mean"):
            pairs += [(avg.running_mean, live.running_mean), (avg.running_var, live.running_var)]
        for a, p in pairs:
            a *= decay
            axpy(1 - decay, p, a)
