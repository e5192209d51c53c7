"""Figures for the report, drawn from run documents (see ``mlp_cifar.training.loop.train``).

One module per kind of figure, so that a workflow rule depends only on the code of its own figure
(this file imports nothing, on purpose: importing one submodule must not load the others):

- ``style``: the look (print size, fonts, colours) and ``drawing``, which applies it and saves
  the figure as reproducible SVG; every figure is drawn inside it.
- ``runs``: single runs and their comparisons (batch losses, validation accuracy, seeds,
  NumPy vs PyTorch).
- ``sweep``: the learning-rate sweep.
- ``schedules``: the learning-rate schedules.
- ``relu_variance``: the variance of the pre-activations through a deep ReLU network.

Every figure the report uses has the signature ``fn(docs, out_svg, **params) -> None``, where
``docs`` maps a name to a loaded JSON document, so that one script can draw any of them by name.
The ``*_series`` helpers return exactly the numbers that are plotted, so tests (and readers) can
check a figure against its documents.
"""
