"""Model parts at tiny sizes: shapes, no leakage, latent, energies, targets, the energy model, schedules."""

from __future__ import annotations

import math

import pytest
import torch

from physpred.lit.schedule import momentum_at, warmup_cosine_factor
from physpred.models import (
    ConvEncoder,
    ConvPredictor,
    EMATarget,
    EnergyModel,
    L1Distance,
    L2Distance,
    LatentVariable,
    MultiscaleL2Distance,
    OnlineTarget,
    PixelTarget,
    TransformerPredictor,
    UNetPredictor,
    VideoViTEncoder,
)
from physpred.models.candidates import candidate_futures
from physpred.models.collapse import effective_rank, representation_std, sigreg, vicreg_terms
from physpred.models.targets import PixelHead
from physpred.models.tokens import patchify
from physpred.types import ClipGeometry


def _frames(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_conv_encoder_shapes() -> None:
    enc = ConvEncoder(widths=(8, 16), dim=12, groups=4)
    assert enc(_frames(2, 5, 3, 16, 16)).shape == (2, 5, 16, 12)  # 16/4 = 4 -> N = 16


def test_vit_encoder_tubelets_shapes() -> None:
    enc = VideoViTEncoder(patch_size=4, tubelet_size=2, dim=16, depth=1, heads=2)
    assert enc(_frames(2, 6, 3, 16, 16)).shape == (2, 3, 16, 16)
    with pytest.raises(ValueError, match="tubelet_size"):
        enc(_frames(1, 5, 3, 16, 16))


@pytest.mark.parametrize("latent_dim", [0, 3])
def test_predictors_shapes_and_copy_last_start(latent_dim: int) -> None:
    ctx = torch.randn(2, 4, 16, 8)  # (B, C, N, D)
    z = torch.rand(2, latent_dim)
    conv = ConvPredictor(dim=8, context_frames=4, future_frames=3, latent_dim=latent_dim, width=8, dilations=(1, 2), groups=4)
    trf = TransformerPredictor(dim=8, context_frames=4, future_frames=2, latent_dim=latent_dim, width=8, depth=1, heads=2, tubelet_size=2)
    out = conv(ctx, z)
    assert out.shape == (2, 3, 16, 8)
    assert torch.allclose(out, ctx[:, -1:].expand_as(out))  # zero-initialised change
    assert trf(ctx[:, :2], z).shape == (2, 1, 16, 8)
    unet = UNetPredictor(dim=8, context_frames=4, future_frames=2, latent_dim=latent_dim, widths=(8, 16), groups=4)
    out = unet(ctx, z)
    assert out.shape == (2, 2, 16, 8) and torch.equal(out, ctx[:, -1:].expand_as(out))


def test_unet_predictor_sees_the_whole_grid_and_rejects_odd_grids() -> None:
    torch.manual_seed(0)
    unet = UNetPredictor(dim=4, context_frames=2, future_frames=1, latent_dim=0, widths=(8, 8, 8), groups=4)
    torch.nn.init.normal_(unet.head[-1].weight)
    ctx = torch.zeros(1, 2, 64, 4)  # an 8x8 grid
    moved = ctx.clone()
    moved[0, 0, 0] = 1.0  # one token in a corner of the first context step
    change = (unet(moved, torch.zeros(1, 0)) - unet(ctx, torch.zeros(1, 0))).abs().sum(-1)
    assert change[0, 0, -1] > 0  # reaches the opposite corner through the coarse levels
    with pytest.raises(ValueError, match="cannot be halved"):
        unet(torch.zeros(1, 2, 36, 4), torch.zeros(1, 0))  # 6x6 cannot be halved twice


def test_context_encoding_and_prediction_do_not_see_the_future() -> None:
    torch.manual_seed(0)
    clip = _frames(2, 6, 3, 16, 16)
    changed = clip.clone()
    changed[:, 4:] = _frames(2, 2, 3, 16, 16, seed=1)
    for enc in (ConvEncoder(widths=(8, 16), dim=8, groups=4), VideoViTEncoder(patch_size=4, dim=8, depth=1, heads=2)):
        assert torch.equal(enc(clip)[:, :4], enc(changed)[:, :4])
    pred = ConvPredictor(dim=8, context_frames=4, future_frames=2, latent_dim=0, width=8, dilations=(1,), groups=4)
    torch.nn.init.normal_(pred.head[-1].weight)  # make the prediction depend on the context
    enc = ConvEncoder(widths=(8, 16), dim=8, groups=4)
    z = torch.zeros(2, 0)
    assert torch.equal(pred(enc(clip[:, :4]), z), pred(enc(changed[:, :4]), z))


def test_latent_bounded_regularised_and_refined() -> None:
    torch.manual_seed(0)
    lat = LatentVariable(dim=3, context_dim=8, target_dim=6, hidden=8, weight=0.0, refine_steps=50, refine_lr=0.5)
    z = lat.infer(torch.randn(4, 16, 8) * 100, torch.randn(4, 2, 16, 6) * 100)
    assert z.shape == (4, 3) and z.abs().max() < 1
    assert torch.allclose(lat.regularizer(z), z.pow(2).mean(1))
    goal = torch.tensor([0.5, -0.3, 0.2])
    refined = lat.refine(torch.zeros(4, 3), lambda zz: (zz - goal).pow(2).sum(1))
    assert torch.allclose(refined, goal.expand(4, 3), atol=0.05)
    none = LatentVariable(dim=0, context_dim=8, target_dim=6)
    assert none.infer(torch.randn(2, 16, 8), torch.randn(2, 1, 16, 6)).shape == (2, 0)
    assert torch.equal(none.regularizer(torch.zeros(2, 0)), torch.zeros(2))


def test_energies_and_pixel_targets() -> None:
    a, b = torch.zeros(2, 1, 4, 3), torch.ones(2, 1, 4, 3)
    b[1] = 2
    assert torch.equal(L2Distance()(a, b), torch.tensor([1.0, 4.0]))
    assert torch.equal(L1Distance()(a, b), torch.tensor([1.0, 2.0]))
    frames = _frames(2, 3, 3, 8, 8)
    tokens = patchify(frames, 4)
    assert tokens.shape == (2, 3, 4, 48)
    assert torch.equal(tokens[0, 1, 1].reshape(4, 4, 3).permute(2, 0, 1), frames[0, 1, :, :4, 4:])
    head = PixelHead(dim=5, patch_size=4)
    assert torch.equal(head(torch.randn(2, 3, 4, 5), frames[:, 0]), patchify(frames[:, :1], 4).expand(2, 3, 4, 48))


def test_collapse_terms_tell_collapsed_from_spread() -> None:
    gauss = torch.randn(2048, 16, generator=torch.Generator().manual_seed(0))
    collapsed = gauss[:, :1].expand(-1, 16) * 0.01
    assert sigreg(gauss) < 0.01 < sigreg(collapsed)
    var_g, cov_g = vicreg_terms(gauss)
    var_c, _ = vicreg_terms(collapsed)
    assert var_g < 0.02 and cov_g < 0.05 and var_c > 0.9
    assert effective_rank(gauss) > 14 and effective_rank(collapsed) < 1.5
    assert representation_std(gauss) == pytest.approx(1.0, abs=0.05)


def test_ema_schedule_and_update() -> None:
    assert momentum_at(0, 100, 0.9, 1.0) == 0.9
    assert momentum_at(50, 100, 0.9, 1.0) == pytest.approx(0.95)
    assert momentum_at(500, 100, 0.9, 1.0) == 1.0
    online, target = torch.nn.Linear(2, 2), EMATarget()
    target.bind(online)
    assert torch.equal(target.encoder.weight, online.weight) and not target.encoder.weight.requires_grad
    before = target.encoder.weight.clone()
    with torch.no_grad():
        online.weight.add_(1.0)
    target.update(online, 0.75)
    assert torch.allclose(target.encoder.weight, 0.75 * before + 0.25 * online.weight)


def test_warmup_cosine() -> None:
    assert warmup_cosine_factor(0, 10, 110, 0.0) == pytest.approx(0.1)
    assert warmup_cosine_factor(9, 10, 110, 0.0) == pytest.approx(1.0)
    assert warmup_cosine_factor(60, 10, 110, 0.0) == pytest.approx(0.5)
    assert warmup_cosine_factor(500, 10, 110, 0.1) == pytest.approx(0.1)
    assert math.isclose(warmup_cosine_factor(110, 10, 110, 0.1), 0.1)


def test_candidate_futures_order() -> None:
    ctx = torch.randint(0, 255, (3, 2, 3, 4, 4), dtype=torch.uint8)
    fut = torch.randint(0, 255, (3, 2, 3, 4, 4), dtype=torch.uint8)
    cands, labels = candidate_futures(ctx, fut)
    assert cands.shape == (3, 4, 2, 3, 4, 4) and labels == ["true", "other clip", "reversed", "frozen"]
    assert torch.equal(cands[:, 0], fut) and torch.equal(cands[1, 1], fut[0])
    assert torch.equal(cands[:, 2], fut.flip(1)) and torch.equal(cands[:, 3, 1], ctx[:, -1])
    single, labels = candidate_futures(ctx[:1], fut[:1, :1])
    assert single.shape[1] == 2 and labels == ["true", "frozen"]


def _energy_model(target: torch.nn.Module, latent_target_dim: int = 16, context_dim: int = 16) -> EnergyModel:
    return EnergyModel(
        encoder=ConvEncoder(widths=(8, 8), dim=16, groups=4),
        predictor=ConvPredictor(dim=16, context_frames=3, future_frames=2, latent_dim=2, width=16, dilations=(1,), groups=4),
        latent=LatentVariable(dim=2, context_dim=context_dim, target_dim=latent_target_dim, hidden=8),
        target=target,
        distance=L2Distance(),
        geometry=ClipGeometry(context_frames=3, future_frames=2, frame_step=1, frame_size=16),
    )


def test_energy_model_scores_with_given_prior_and_inferred_z() -> None:
    torch.manual_seed(0)
    model = _energy_model(OnlineTarget()).eval()
    clip = torch.randint(0, 256, (2, 5, 3, 16, 16), dtype=torch.uint8)
    context, future = model.split(clip)
    prior = model.free_energy(context, future, z="prior")
    assert torch.allclose(model.free_energy(context, future, z=torch.zeros(2, 2)), prior)
    z = torch.full((2, 2), 0.5)
    expected = model.distance(model.predict(context, z), model.target_representations(future)) + 0.1 * 0.25
    assert torch.allclose(model.free_energy(context, future, z=z), expected)
    assert model.free_energy(context, future).shape == (2,)
    with pytest.raises(ValueError, match="clips have 4 frames but the model expects .* = 5"):
        model.split(clip[:, :4])


def test_parts_check_names_each_mismatch() -> None:
    with pytest.raises(ValueError, match=r"latent.target_dim=16 != target width 48 \(fix"):
        _energy_model(PixelTarget(dim=16, patch_size=4))
    with pytest.raises(ValueError, match=r"latent.context_dim=8 != encoder.dim=16"):
        _energy_model(EMATarget(), context_dim=8)
    with pytest.raises(ValueError, match=r"target.patch_size=2 != encoder stride 4"):
        _energy_model(PixelTarget(dim=16, patch_size=2), latent_target_dim=12)
    with pytest.raises(ValueError, match=r"frame_size must be an integer >= 1, got 0"):
        ClipGeometry(context_frames=3, future_frames=2, frame_step=1, frame_size=0)


def test_warp_predictor_starts_near_copy_last_and_moves_content() -> None:
    from physpred.models import WarpPredictor
    from physpred.models.warp import LAST_FRAME_BIAS, displace

    ctx = torch.randn(2, 4, 16, 8)  # (B, C, N, D) on a 4x4 grid
    warp = WarpPredictor(dim=8, context_frames=4, future_frames=2, latent_dim=3, widths=(8, 16), groups=4)
    out = warp(ctx, torch.zeros(2, 3))
    weights = torch.tensor([0.0, 0.0, 0.0, LAST_FRAME_BIAS]).softmax(0)
    expected = (weights[None, :, None, None] * ctx).sum(1, keepdim=True).expand_as(out)
    assert out.shape == (2, 2, 16, 8) and torch.allclose(out, expected, atol=1e-5)
    grid = torch.arange(16.0).view(1, 1, 4, 4)
    right = torch.zeros(1, 2, 4, 4)
    right[:, 0] = 1.0  # every cell reads its right neighbour (the border repeats)
    assert displace(grid, right)[0, 0, 0].tolist() == [1.0, 2.0, 3.0, 3.0]


def test_multiscale_energy_shrinks_the_advantage_of_a_missing_object() -> None:
    present = torch.zeros(1, 1, 64, 1)  # an 8x8 grid, one object token
    present[0, 0, 27] = 1.0
    absent = torch.zeros_like(present)
    smear = torch.zeros(1, 1, 8, 8, 1)
    smear[0, 0, 2:6, 2:6] = 1.0 / 16  # the object's mass spread over 4x4 tokens around it
    smear = smear.view(1, 1, 64, 1)

    def ratio(distance: torch.nn.Module) -> float:
        """What the object costs the smeared guess, over what its absence costs."""
        return float(distance(smear, present) / distance(smear, absent))

    assert ratio(L2Distance()) == pytest.approx(15.0)  # (15/16)^2 + 15 (1/16)^2 against 16 (1/16)^2
    assert 1.0 < ratio(MultiscaleL2Distance()) < ratio(L2Distance()) / 1.5


def test_multiscale_energy_charges_a_missing_object_more_than_a_slightly_misplaced_one() -> None:
    def grid(*cells: tuple[int, int]) -> torch.Tensor:
        """(1, 1, 256, 1): a 16x16 token grid with one-token objects at ``cells``."""
        tokens = torch.zeros(1, 1, 16, 16, 1)
        for row, col in cells:
            tokens[0, 0, row, col] = 1.0
        return tokens.view(1, 1, 256, 1)

    target = grid((4, 4))
    missing, nearby, far = grid(), grid((4, 5)), grid((12, 12))  # (4, 5): the same 2x2..8x8 cells
    multiscale, l2 = MultiscaleL2Distance(), L2Distance()
    assert l2(missing, target) < l2(nearby, target)  # L2 prefers no object to a token off
    assert multiscale(nearby, target) == pytest.approx(0.5 * multiscale(missing, target))
    # Every scale counts alike for a missing object: the per-token L2 at each of the 4 scales.
    assert multiscale(missing, target) == pytest.approx(float(l2(missing, target)))
    assert multiscale(far, target) == pytest.approx(2 * multiscale(missing, target))


def test_latent_position_code_lets_z_see_where_the_error_is() -> None:
    torch.manual_seed(0)
    latent = LatentVariable(dim=2, context_dim=4, target_dim=3, hidden=8, positions=8)
    ctx = torch.zeros(1, 16, 4)
    left, right = torch.zeros(1, 1, 16, 3), torch.zeros(1, 1, 16, 3)
    left[0, 0, 0], right[0, 0, 15] = 1.0, 1.0  # the same error at two places
    assert not torch.allclose(latent.infer(ctx, left), latent.infer(ctx, right))
    blind = LatentVariable(dim=2, context_dim=4, target_dim=3, hidden=8)
    assert torch.allclose(blind.infer(ctx, left), blind.infer(ctx, right))


def test_latent_noise_only_in_training() -> None:
    latent = LatentVariable(dim=2, context_dim=4, target_dim=3, hidden=8, noise=0.5)
    ctx, residual = torch.randn(3, 16, 4), torch.randn(3, 1, 16, 3)
    latent.eval()
    assert torch.equal(latent.infer(ctx, residual), latent.infer(ctx, residual))
    latent.train()
    assert not torch.equal(latent.infer(ctx, residual), latent.infer(ctx, residual))


def test_sigreg_uses_at_most_max_rows() -> None:
    x = torch.randn(4096, 8, generator=torch.Generator().manual_seed(1))
    assert sigreg(x, max_rows=4096) < 0.01
    assert sigreg(x, max_rows=256) == sigreg(x[::16], max_rows=256)
