import pytest
import torch

from physpred.models.slots.features import FEATURES
from physpred.models.slots.onsets import support_onsets

THIRD = 3**-0.5  # a uniform box's spread per unit of half side


def _video(load_y: list[float], slab_x: list[float]) -> torch.Tensor:
    """(1, R, 2, F): a load (half side 0.03 about x 0.40) and a slab (half side 0.10 about y 0.63)."""
    features = torch.zeros(1, len(load_y), 2, len(FEATURES))
    for t, (y, x) in enumerate(zip(load_y, slab_x, strict=True)):
        features[0, t, 0, :5] = torch.tensor([1.0, 0.40, y, 0.03 * THIRD, 0.03 * THIRD])
        features[0, t, 1, :5] = torch.tensor([1.0, x, 0.63, 0.10 * THIRD, 0.10 * THIRD])
    return features


OBJECT_ON_SLAB = torch.tensor([[1, 2]])
SLAB_LEAVES = [0.45, 0.45, 0.45, 0.52, 0.60, 0.60, 0.60]


def test_an_onset_is_a_still_thing_let_go_that_then_falls() -> None:
    falls = _video([0.50, 0.50, 0.50, 0.50, 0.53, 0.58, 0.65], SLAB_LEAVES)
    assert support_onsets(falls, OBJECT_ON_SLAB)[0].nonzero()[:, 0].tolist() == [3]
    assert not support_onsets(falls, torch.tensor([[2, 2]])).any()  # only object slots
    assert not support_onsets(falls[:, :3], OBJECT_ON_SLAB).any()  # too short to show a fall


@pytest.mark.parametrize(
    "load_y",
    [
        [0.50, 0.50, 0.50, 0.50, 0.50, 0.50, 0.50],  # let go, and nothing falls (a false loss)
        [0.50, 0.50, 0.50, 0.52, 0.56, 0.62, 0.68],  # let go once the fall is under way
    ],
    ids=["no_fall", "already_falling"],
)
def test_no_onset_where_nothing_falls_or_the_fall_began_before(load_y: list[float]) -> None:
    assert not support_onsets(_video(load_y, SLAB_LEAVES), OBJECT_ON_SLAB).any()


def test_no_onset_where_the_thing_is_gone_during_the_fall() -> None:
    falls = _video([0.50, 0.50, 0.50, 0.50, 0.53, 0.58, 0.65], SLAB_LEAVES)
    falls[0, 4, 0, 0] = 0.0  # unseen the frame after the loss
    assert not support_onsets(falls, OBJECT_ON_SLAB).any()
