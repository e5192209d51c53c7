"""Augmentation of flattened channel-major batches, and its use in the trainer."""

import numpy as np
import pytest

from mlp_cifar.augment import as_images, augment_batch, crop, hflip
from mlp_cifar.training.config import RunConfig
from mlp_cifar.training.loop import train
from learnable import learnable_splits
from test_training import strip_timings


def batch(n=5, dtype=np.float32):
    """Distinct values everywhere, so every misplaced pixel shows."""
    return (np.arange(n * 3072, dtype=np.float64) + 1).astype(dtype).reshape(n, 3072)


def test_images_are_channel_major_rows():
    x = batch(2)
    images = as_images(x)
    assert images.shape == (2, 3, 32, 32)
    assert images[1, 2, 3, 4] == x[1, 2 * 1024 + 3 * 32 + 4]  # channel, then row, then column
    assert np.shares_memory(images, x)


def test_flip_mirrors_every_row_of_every_channel_of_the_chosen_images():
    x = batch(4)
    before = x.copy()
    mask = np.array([True, False, True, False])
    out = as_images(hflip(x, mask))
    images = as_images(x)
    for n in range(4):
        for c in range(3):
            for i in range(32):
                expected = images[n, c, i, ::-1] if mask[n] else images[n, c, i]
                np.testing.assert_array_equal(out[n, c, i], expected)
    np.testing.assert_array_equal(x, before)  # the input is left alone
    np.testing.assert_array_equal(as_images(hflip(hflip(x, mask), mask)), images)  # an involution


@pytest.mark.parametrize("down,right", [(0, 0), (1, -2), (-4, 4), (3, 0), (0, -1)])
def test_crop_shifts_and_pads_with_zeros(down, right):
    x = batch(3)
    shifts = np.array([[down, right], [0, 0], [-down, -right]])
    out = as_images(crop(x, shifts, pad=4))
    images = as_images(x)
    for n, (dy, dx) in enumerate(shifts):
        for i in range(32):
            for j in range(32):
                src_i, src_j = i + dy, j + dx
                inside = 0 <= src_i < 32 and 0 <= src_j < 32
                expected = images[n, :, src_i, src_j] if inside else np.zeros(3)
                np.testing.assert_array_equal(out[n, :, i, j], expected)
    np.testing.assert_array_equal(out[1], images[1])  # no shift: the image itself
    assert out.dtype == x.dtype and crop(x, shifts, pad=4).flags["C_CONTIGUOUS"]


def test_crop_zero_padding_counts():
    """A shift of (2, 3) leaves exactly 2 rows and 3 columns of zeros (all inputs are non-zero)."""
    out = as_images(crop(batch(1), np.array([[2, 3]]), pad=4))[0]
    assert (out[:, -2:, :] == 0).all() and (out[:, :, -3:] == 0).all()
    assert (out[:, :-2, :-3] != 0).all()


def test_crop_rejects_shifts_beyond_the_padding():
    with pytest.raises(ValueError, match="shifts"):
        crop(batch(1), np.array([[5, 0]]), pad=4)


def test_same_seed_same_augmentation():
    x = batch(64)
    a = augment_batch(x, np.random.default_rng(3), flip=True, crop_pad=4)
    b = augment_batch(x, np.random.default_rng(3), flip=True, crop_pad=4)
    c = augment_batch(x, np.random.default_rng(4), flip=True, crop_pad=4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_augmentation_off_is_the_identity_and_draws_nothing():
    x = batch(8)
    rng = np.random.default_rng(0)
    state = rng.bit_generator.state
    assert augment_batch(x, rng) is x
    assert augment_batch(x, rng, flip=False, crop_pad=0) is x
    assert rng.bit_generator.state == state


def test_flip_and_crop_mostly_change_the_batch():
    x = batch(64)
    out = augment_batch(x, np.random.default_rng(0), flip=True, crop_pad=4)
    changed = (out != x).any(axis=1).mean()
    assert 0.9 < changed <= 1.0  # unchanged only with no flip and a zero shift (probability 1/162)


# ------------------------------------------------------------------------------------ in the trainer


@pytest.fixture(scope="module")
def splits():
    return learnable_splits(n_train=512, n_val=128, n_test=128)


def test_trainer_without_augmentation_is_unchanged(splits):
    """augment None, {} and all-off give the same numbers: nothing is drawn from the batch generator."""
    common = dict(hidden=[16], epochs=2, batch_size=64)
    docs = [train(RunConfig(**common, augment=augment), splits, progress=False)
            for augment in (None, {}, {"flip": False, "crop": 0})]
    for doc in docs:
        doc["config"].pop("augment")
    assert strip_timings(docs[0]) == strip_timings(docs[1]) == strip_timings(docs[2])


def test_augmented_training_is_reproducible_and_differs(splits):
    common = dict(hidden=[16], epochs=2, batch_size=64)
    plain = train(RunConfig(**common), splits, progress=False)
    cfg = RunConfig(**common, augment={"flip": True, "crop": 2})
    a, b = train(cfg, splits, progress=False), train(cfg, splits, progress=False)
    assert strip_timings(a) == strip_timings(b)
    assert a["config"]["augment"] == {"flip": True, "crop": 2}
    assert a["batch_losses"][0] != plain["batch_losses"][0]


@pytest.mark.parametrize("augment", [{"flip": 1}, {"crop": -1}, {"crop": 32}, {"crop": 2.0}, {"crop": True},
                                     {"mirror": True}, [True, 4]])
def test_bad_augmentation_names_the_field(augment):
    with pytest.raises(ValueError, match="augment"):
        RunConfig(augment=augment)


# ------------------------------------------------------------------------------------ workflow schema


def schema_errors(run: dict) -> list[str]:
    """Messages of the workflow's config schema for config.yaml with ``run`` as the run `strong`."""
    import jsonschema
    import yaml

    from workflow_helpers import REPO

    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["runs"] = {"strong": run}
    validator = jsonschema.Draft202012Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(config)]


def test_schema_accepts_augmentation_and_whitening():
    assert schema_errors({"augment": {"flip": True, "crop": 4}, "zca": 0.1}) == []
    assert schema_errors({"augment": None, "zca": None}) == []
    assert schema_errors({"augment": {"flip": False}}) == []


@pytest.mark.parametrize("run", [{"augment": {"flip": "yes"}}, {"augment": {"crop": 32}}, {"augment": {"crop": 1.5}},
                                 {"augment": {"shift": 2}}, {"zca": 0}, {"zca": "yes"}, {"dropout": 0.2}])
def test_schema_rejects_bad_augmentation_and_whitening(run):
    errors = schema_errors(run)
    assert errors and all(e.startswith("runs/strong") for e in errors)


def test_command_line_sets_augmentation_whitening_and_schedule(small_synthetic_archive, tmp_path):
    import json

    from mlp_cifar.training.cli import main

    from mlp_cifar.training.cli import parse_args, run_config

    # A whitened run's training is test_whiten's (its ZCA fit is the costliest step of any trainer test); here
    # the command line's --zca reaches the run's settings, which the document records as they are.
    assert run_config(parse_args(["--out", "x.json", "--crop", "2", "--zca", "0.5"])).zca == 0.5
    out = tmp_path / "run.json"
    assert main(["--archive", str(small_synthetic_archive), "--n-val", "500", "--data-dir", str(tmp_path / "data"),
                 "--out", str(out), "--hidden", "8", "--epochs", "1", "--crop", "2",
                 "--schedule", '{"name": "cosine"}', "--no-progress"]) == 0
    cfg = json.loads(out.read_text())["config"]
    assert cfg["augment"] == {"flip": False, "crop": 2} and cfg["zca"] is None
    assert cfg["schedule"] == {"name": "cosine"}


@pytest.mark.parametrize("flip,pad", [(True, 4), (False, 4), (True, 1), (False, 3)])
def test_padded_images_give_the_batches_of_augment_batch(flip, pad):
    """Gathered from the padded set, a batch has the pixels augment_batch gives the gathered batch,
    from the same draws: a run trains on the same numbers either way."""
    from mlp_cifar.augment import PaddedImages

    x = batch(40)
    source = PaddedImages(x, pad)
    rng_a, rng_b = np.random.default_rng(9), np.random.default_rng(9)
    for rows in (np.array([3, 17, 0, 39, 17]), np.arange(40)[::-1], np.array([5])):
        expected = augment_batch(x[rows], rng_a, flip=flip, crop_pad=pad)
        got = source.batch(rows, rng_b, flip=flip)
        np.testing.assert_array_equal(got, expected)
        assert got.flags["C_CONTIGUOUS"] and got.dtype == x.dtype
        assert rng_a.bit_generator.state == rng_b.bit_generator.state
    np.testing.assert_array_equal(x, batch(40))  # the source images are left alone


def test_padded_images_refuse_no_padding():
    from mlp_cifar.augment import PaddedImages

    with pytest.raises(ValueError, match="padding"):
        PaddedImages(batch(2), 0)
