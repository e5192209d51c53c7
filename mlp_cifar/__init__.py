"""MLPs on CIFAR-10: a NumPy implementation, its PyTorch twin, and the report pipeline."""

__version__ = "0.1.0"
