"""Derivations of the assignment's questions 1, 2 and 5, checked by SymPy, and the ReLU-variance experiments.

- ``identities``: the derivations as data (statement, steps, results) and ``run_all()``.
- ``checks``: the SymPy checkers (entry-by-entry derivatives, exact expectations).
- ``code``: the NumPy modules' backward passes against the same closed forms.
- ``relu_variance``: Monte Carlo estimates and the variance through a deep ReLU network.
"""
