"""The normalised splits are prepared once and memory-mapped by every training job (issue 13,
item 3): the same arrays as a job normalising them itself, the same documents, clear errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mlp_cifar.data.cache import build_cache, load_cache
from mlp_cifar.data.dataset import make_splits
from mlp_cifar.data.split_files import FILES, META_FILE, prepare_splits, read_splits
from mlp_cifar.training.workflow import train_run
from test_training import strip_timings


@pytest.fixture(scope="module")
def cache(small_synthetic_archive, tmp_path_factory):
    path = tmp_path_factory.mktemp("cache") / "cifar10.npz"
    build_cache(small_synthetic_archive, path)
    return path


@pytest.fixture(scope="module")
def prepared(cache, tmp_path_factory):
    directory = tmp_path_factory.mktemp("splits")
    prepare_splits(cache, directory, n_val=500, split_seed=7, synthetic=True)
    return directory


def test_prepared_splits_are_the_splits_a_job_would_make(cache, prepared):
    assert sorted(p.name for p in prepared.iterdir()) == sorted(FILES)
    mapped = read_splits(prepared, n_val=500, split_seed=7)
    made = make_splits(load_cache(cache), n_val=500, split_seed=7, dtype=np.float32)
    for part in ("train", "val", "test"):
        a, b = getattr(mapped, part), getattr(made, part)
        assert isinstance(a.x, np.memmap) and a.x.dtype == np.float32
        np.testing.assert_array_equal(a.x, b.x)
        np.testing.assert_array_equal(a.y, b.y)
    assert (mapped.archive_md5, mapped.official) == (made.archive_md5, made.official)


def test_writing_into_a_mapped_split_leaves_the_file_alone(prepared):
    mapped = read_splits(prepared, n_val=500, split_seed=7)
    first = float(mapped.train.x[0, 0])
    mapped.train.x[0, 0] = 1e6  # copy-on-write: a private page
    assert float(read_splits(prepared, n_val=500, split_seed=7).train.x[0, 0]) == first


@pytest.mark.parametrize("n_val, split_seed", [(400, 7), (500, 8)])
def test_another_split_is_refused_naming_the_file(prepared, n_val, split_seed):
    with pytest.raises(ValueError, match=f"{META_FILE}.*holds n_val=500, split_seed=7.*expected n_val={n_val}"):
        read_splits(prepared, n_val=n_val, split_seed=split_seed)


def test_missing_splits_name_the_rule(tmp_path):
    with pytest.raises(FileNotFoundError, match="prepare_splits"):
        read_splits(tmp_path, n_val=500, split_seed=7)


def test_a_truncated_split_is_refused(prepared, tmp_path):
    for name in FILES:
        (tmp_path / name).write_bytes((prepared / name).read_bytes())
    np.save(tmp_path / "val_y.npy", np.zeros(3, dtype=np.int64))
    with pytest.raises(ValueError, match="val_x.npy: 500 images and 3 labels"):
        read_splits(tmp_path, n_val=500, split_seed=7)


def test_a_job_on_prepared_splits_writes_the_document_of_one_on_the_cache(cache, prepared, tmp_path, monkeypatch):
    settings = {"hidden": [16], "epochs": 1, "batch_size": 64, "backend": "numpy"}
    data = {"n_val": 500, "split_seed": 7}
    from_prepared = train_run(str(cache), str(prepared), settings, data, str(tmp_path / "a.json"), 1)
    # float64 runs normalise from the cache themselves (the prepared splits are float32) ...
    from_cache = train_run(str(cache), str(tmp_path / "nowhere"), {**settings, "dtype": "float64"}, data,
                           str(tmp_path / "b.json"), 1)
    assert from_cache["config"]["dtype"] == "float64"
    # ... and a float32 job on the cache alone (as before the prepared splits) gives the same document.
    import mlp_cifar.data.split_files as prepared_module

    monkeypatch.setattr(prepared_module, "read_splits",
                        lambda *a, **k: make_splits(load_cache(cache), n_val=500, split_seed=7))
    recomputed = train_run(str(cache), str(prepared), settings, data, str(tmp_path / "c.json"), 1)
    assert strip_timings(from_prepared) == strip_timings(recomputed)
    assert json.loads((tmp_path / "a.json").read_text())["data"]["split_seed"] == 7
