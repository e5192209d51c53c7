import math

import pytest

from mlp_cifar.schedules import Constant, Cosine, Exponential, Step, TimeBased, describe, make_schedule


@pytest.mark.parametrize("lr0,decay", [(0.1, 0.5), (1.0, 0.1), (0.05, 2.0)])
def test_time_based_decay_matches_its_formula(lr0, decay):
    s = TimeBased(lr0, decay)
    for epoch in (0, 1, 2, 5, 9, 2.5):
        assert s.learning_rate(epoch) == pytest.approx(lr0 / (1 + decay * epoch), rel=1e-15)
    # Hand-computed values for lr0 = 0.1, decay = 0.5: 0.1, 0.0666..., 0.05, 0.0285714...
    if (lr0, decay) == (0.1, 0.5):
        assert [round(s.learning_rate(e), 10) for e in range(4)] == [0.1, 0.0666666667, 0.05, 0.04]


def test_constant():
    assert [Constant(0.3).learning_rate(e) for e in range(5)] == [0.3] * 5


def test_step():
    s = Step(0.1, step_size=3, gamma=0.5)
    assert [s.learning_rate(e) for e in range(7)] == pytest.approx([0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])


def test_exponential():
    s = Exponential(0.2, gamma=0.9)
    for e in range(6):
        assert s.learning_rate(e) == pytest.approx(0.2 * 0.9 ** e)


def test_cosine_from_lr0_to_lr_min():
    s = Cosine(0.1, epochs=10, lr_min=0.001)
    assert s.learning_rate(0) == pytest.approx(0.1)
    assert s.learning_rate(5) == pytest.approx(0.001 + 0.099 / 2)
    assert s.learning_rate(10) == pytest.approx(0.001)
    assert s.learning_rate(12) == pytest.approx(0.001)  # stays at the floor after the horizon
    assert s.learning_rate(2.5) == pytest.approx(0.001 + 0.099 * (1 + math.cos(math.pi / 4)) / 2)


def test_make_schedule_from_config_entries():
    assert make_schedule(0.1, None, 10) == Constant(0.1)
    assert make_schedule(0.1, {"name": "time_based", "decay": 0.5}, 10) == TimeBased(0.1, 0.5)
    assert make_schedule(0.1, {"name": "cosine"}, 7) == Cosine(0.1, epochs=7)
    assert describe(Step(0.1, 2, 0.5)) == {"name": "step", "lr0": 0.1, "step_size": 2, "gamma": 0.5}
    with pytest.raises(ValueError, match="unknown schedule name 'linear'"):
        make_schedule(0.1, {"name": "linear"}, 10)
    with pytest.raises(ValueError, match="time_based"):
        make_schedule(0.1, {"name": "time_based", "k": 0.5}, 10)


def test_trainer_follows_the_configured_schedule():
    from learnable import learnable_splits
    from mlp_cifar.training import RunConfig, train

    cfg = RunConfig(hidden=[16], epochs=4, batch_size=128, lr=0.2, schedule={"name": "time_based", "decay": 0.5})
    doc = train(cfg, learnable_splits(n_train=512, n_val=128, n_test=128), progress=False)
    assert [e["lr"] for e in doc["epochs"]] == pytest.approx([0.2 / (1 + 0.5 * k) for k in range(4)])
    assert doc["config"]["schedule"] == {"name": "time_based", "decay": 0.5}
    with pytest.raises(ValueError, match="schedule"):
        RunConfig(schedule={"name": "step"})
