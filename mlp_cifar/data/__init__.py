"""CIFAR-10 data layer: archive download/verification, array cache, split and batches."""
