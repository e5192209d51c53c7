"""The trainer: one run of one configuration on one backend -> one JSON document.

One job per module, and nothing imported here, so that a script that imports one of them (and the
workflow's code dependencies, which follow imports: mlp_cifar.codedeps) takes only what it uses:

- ``config``: `RunConfig`, the settings of one run, checked against the bounds of the config
  schema's run settings (workflow/schemas/config.schema.yaml).
- ``loop``: the training loop both backends share: seeds, batch order, learning rate per epoch,
  metrics, best-validation model, divergence, the result document.
- ``numpy_backend``, ``torch_backend``: one SGD step, evaluation, and saving/restoring the model,
  each for its library; ``loop.make_backend`` loads the one a run names (`BACKEND_CLASSES`).
- ``evaluation``: the network's inputs for evaluation, shared by both backends.
- ``device``: which torch device a run uses.
- ``workflow``: the workflow's training job (scripts/train.py): prepared splits in, documents out.
- ``cli``: the command line, ``python -m mlp_cifar.training.cli``.
"""

# The class of each backend ("module:class"), loaded by name when a run needs it: a NumPy run never
# imports the PyTorch backend, and a training job's code dependencies are its own backend's module
# (workflow/rules/train.smk), so that an edit of one backend retrains only that backend's runs.
BACKEND_CLASSES = {
    "numpy": "mlp_cifar.training.numpy_backend:NumpyBackend",
    "torch": "mlp_cifar.training.torch_backend:TorchBackend",
}


def backend_module(backend: str) -> str:
    """The module of ``backend``'s class (a key of `BACKEND_CLASSES`)."""
    return BACKEND_CLASSES[backend].partition(":")[0]
