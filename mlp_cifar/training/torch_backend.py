"""The PyTorch backend: one SGD step of the PyTorch MLP (mlp_cifar.torch_net), evaluation, its state,
and on a GPU whole epochs from a training split kept on the device."""

from __future__ import annotations

from typing import Callable

import numpy as np

from mlp_cifar.data.archive import N_CLASSES, PIXELS
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.device import keeps_data_on, torch_device
from mlp_cifar.training.evaluation import EVAL_CHUNK, EvaluationInputs, project


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
