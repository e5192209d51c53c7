"""The trainer's command line with bad input (issue 12, case 7): a clear error naming the option or
the file, found before any training where it can be, and nothing left behind."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mlp_cifar.training.cli as cli
from mlp_cifar.atomic import atomic_path, remove_stale_parts
from mlp_cifar.data.cache import build_cache
from mlp_cifar.data.source import CACHE_NAME, load_arrays
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train
from learnable import learnable_splits


@pytest.fixture(scope="module")
def data_dir(synthetic_archive: Path, tmp_path_factory) -> Path:
    """A data directory whose array cache is already built from the synthetic archive."""
    directory = tmp_path_factory.mktemp("data")
    load_arrays(synthetic_archive, directory)
    return directory


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if the trainer starts: these errors must be found before it."""
    def started(*args, **kwargs):
        raise AssertionError("training started before the error was found")

    monkeypatch.setattr(cli, "train", started)


def run(archive, out, *args: str, data_dir=None) -> int:
    argv = ["--archive", str(archive), "--out", str(out), "--no-progress", "--epochs", "1", "--hidden", "8", *args]
    return cli.main(argv + (["--data-dir", str(data_dir)] if data_dir else []))


def parts(directory: Path) -> list[Path]:
    return list(directory.rglob(".*.part"))


@pytest.mark.parametrize("args, message", [
    (("--batch-size", "100000"), "--batch-size 100000: larger than the 45000 training examples"),
    (("--batch-size", "45001", "--n-val", "5000"), "--batch-size 45001"),
    (("--n-val", "0"), "--n-val 0: expected 1..49999"),
    (("--n-val", "50000"), "--n-val 50000"),
    (("--lr", "0"), "--lr 0.0: expected a finite number > 0"),
    (("--momentum", "1"), "--momentum 1.0: expected a number in [0, 1)"),
    (("--crop", "40"), "--crop 40: expected"),
    (("--schedule", '{"name": "cosin"}'), "--schedule: unknown schedule name 'cosin'"),
])
def test_a_bad_option_is_named_before_training(synthetic_archive, data_dir, tmp_path, capsys, no_training,
                                               args, message):
    assert run(synthetic_archive, tmp_path / "run.json", *args, data_dir=data_dir) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "run.json").exists()


def test_lr_zero_is_rejected_as_the_schema_does():
    with pytest.raises(ValueError, match="lr=0"):
        RunConfig(lr=0.0)


def test_an_unwritable_out_is_found_before_loading_anything(synthetic_archive, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "load_arrays", lambda *a, **k: pytest.fail("data loaded before the check"))
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert run(synthetic_archive, blocker / "run.json") == 2
    assert f"cannot write --out {blocker / 'run.json'}" in capsys.readouterr().err
    assert run(synthetic_archive, tmp_path) == 2  # a directory
    assert "is a directory" in capsys.readouterr().err


def test_an_unwritable_data_dir_is_named(synthetic_archive, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert run(synthetic_archive, tmp_path / "run.json", data_dir=blocker / "data") == 2
    assert "--data-dir" in capsys.readouterr().err


def test_a_directory_given_as_the_archive_is_called_a_directory(tmp_path, capsys):
    assert run(tmp_path, tmp_path / "run.json", data_dir=tmp_path / "data") == 2
    err = capsys.readouterr().err
    assert "is a directory" in err and "--archive" in err and "cifar10_archive" not in err


def test_a_missing_archive_names_the_option_the_user_gave(tmp_path, capsys):
    assert run(tmp_path / "missing.tar.gz", tmp_path / "run.json", data_dir=tmp_path / "data") == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "(--archive)" in err and "cifar10_archive" not in err


def test_a_full_disk_names_the_file_and_leaves_nothing(synthetic_archive, data_dir, tmp_path, capsys, monkeypatch):
    def disk_full(self, *args, **kwargs):  # ENOSPC comes from write(), which names no file
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", disk_full)
    out = tmp_path / "runs" / "run.json"
    assert run(synthetic_archive, out, data_dir=data_dir) == 1
    err = capsys.readouterr().err
    assert f"No space left on device: {out}" in err and "Traceback" not in err
    assert not out.exists() and parts(tmp_path) == []


def test_atomic_writes_name_the_file_on_enospc(tmp_path):
    with pytest.raises(OSError) as err:
        with atomic_path(tmp_path / "x.npz"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(tmp_path / "x.npz")
    assert parts(tmp_path) == []


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_parts_of_killed_writers_on_this_host_are_removed_by_the_next_write(synthetic_archive, tmp_path):
    cache = tmp_path / CACHE_NAME
    host = socket.gethostname()
    killed = tmp_path / f".{CACHE_NAME}.{host}-{dead_pid()}.k1ll3d.part"
    running = tmp_path / f".{CACHE_NAME}.{host}-{os.getpid()}.runn1ng.part"
    elsewhere = tmp_path / f".{CACHE_NAME}.other-node-{dead_pid()}.n0de.part"
    for part in (killed, running, elsewhere):
        part.write_bytes(b"84 MB, once")
    build_cache(synthetic_archive, cache)
    assert cache.is_file() and not killed.exists()
    assert running.exists() and elsewhere.exists()  # a live writer's; another machine's (shared file system)
    assert remove_stale_parts(cache) == []


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_cache_write_killed_outright_is_cleaned_up_by_the_next_run(synthetic_archive, tmp_path):
    data = tmp_path / "data"
    proc = subprocess.Popen([sys.executable, "-m", "mlp_cifar.training.cli", "--archive", str(synthetic_archive),
                             "--data-dir", str(data), "--out", str(tmp_path / "run.json"), "--no-progress"],
                            stderr=subprocess.DEVNULL)
    while proc.poll() is None and not parts(tmp_path):
        pass
    proc.kill()
    proc.wait()
    assert parts(tmp_path), "the cache write should have been under way"
    load_arrays(synthetic_archive, data)
    assert parts(tmp_path) == [] and (data / CACHE_NAME).is_file()


def test_a_diverged_run_records_the_seconds_it_trained():
    doc = train(RunConfig(hidden=[32], lr=1e6, epochs=2, batch_size=64), learnable_splits(), progress=False)
    assert doc["diverged"] and doc["train_seconds"] > 0
    assert doc["total_seconds"] >= doc["train_seconds"]


def test_the_command_line_trains_and_writes_its_document(synthetic_archive, data_dir, tmp_path, capsys):
    out = tmp_path / "run.json"
    assert run(synthetic_archive, out, data_dir=data_dir) == 0
    doc = json.loads(out.read_text())
    assert doc["config"]["hidden"] == [8] and doc["data"]["n_train"] == 45000
    assert np.isfinite(doc["test_accuracy"])
    assert "test_accuracy=" in capsys.readouterr().out
