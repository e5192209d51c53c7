"""Softmax and cross-entropy in one step, from the logits: what the trainer uses.

The course template's SoftMaxModule -> CrossEntropyModule computes ``-log(p)`` from probabilities,
so a single example whose probability underflows to 0 (a logit gap of about 100 in float32) makes
the batch loss infinite although nothing blew up. From the logits, ``log-sum-exp(z) - z_y`` is
finite whenever the logits are: a run diverges only when its parameters do. The gradient is the
familiar ``(softmax(z) - onehot(y)) / S``, with no division by a probability.
"""

from __future__ import annotations

import numpy as np


def softmax_cross_entropy(logits: np.ndarray, y: np.ndarray, grad: bool = True,
                          smoothing: float = 0.0) -> tuple[float, np.ndarray | None]:
    """Mean cross-entropy of ``softmax(logits)`` (S, C) and integer labels ``y`` (S,), and its gradient
    with respect to the logits (None with ``grad=False``). ``logits`` is left unchanged.

    With label ``smoothing`` e the target is ``(1 - e) onehot(y) + e / C`` (PyTorch's convention):
    the loss adds ``e`` times the mean of ``-log p`` over the classes.
    """
    rows = np.arange(len(y))
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z)
    total = p.sum(axis=1, keepdims=True)
    log_total = np.log(total[:, 0])
    loss = float((log_total - z[rows, y]).mean())
    if smoothing:
        uniform = float((log_total - z.mean(axis=1)).mean())  # mean over classes of -log p
        loss = (1 - smoothing) * loss + smoothing * uniform
    if not grad:
        return loss, None
    p /= total
    if smoothing:
        p -= smoothing / logits.shape[1]
    p[rows, y] -= 1 - smoothing
    p /= len(y)
    return loss, p
