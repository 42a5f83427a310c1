"""V-JEPA 2 and VideoMAE scorers on tiny random models saved with ``save_pretrained``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from transformers import VideoMAEForPreTraining

from physpred.eval.hf import VideoMAEScorer, VJEPA2Scorer, load_scorer
from physpred.eval.hf.protocol import normalise, pixel_patches, resize_frames, unnormalise

SIZE, PATCH, WINDOW = 32, 8, 16
GRID_TOKENS = (SIZE // PATCH) ** 2  # 16 tokens per tubelet of 2 frames


def windows(batch: int = 2) -> torch.Tensor:
    """(B, 16, 3, 32, 32) preprocessed random windows, seeded."""
    generator = torch.Generator().manual_seed(1)
    frames = torch.randint(0, 256, (batch * WINDOW, 3, 40, 40), generator=generator)
    prepared = normalise(resize_frames(frames.to(torch.uint8), SIZE), (0.5,) * 3, (0.25,) * 3)
    return prepared.view(batch, WINDOW, 3, SIZE, SIZE)


def test_frames_are_centre_squared_then_resized_and_normalised() -> None:
    columns = torch.arange(60, dtype=torch.uint8).expand(2, 3, 40, 60)  # value = column
    resized = resize_frames(columns, 40)  # the centre 40 x 40 square, at its own size
    assert resized.shape == (2, 3, 40, 40) and resized.dtype == torch.float32
    assert resized[0, 0, 0].tolist() == [float(c) for c in range(10, 50)]
    white = normalise(torch.full((1, 3, 2, 2), 255.0), (0.5, 0.25, 0.0), (0.5, 0.25, 1.0))
    assert white[0, :, 0, 0].tolist() == [1.0, 3.0, 1.0]
    assert torch.allclose(unnormalise(white[None], (0.5, 0.25, 0.0), (0.5, 0.25, 1.0)), torch.ones(1))


def test_vjepa2_surprise_is_l1_to_layer_normalised_targets_of_the_later_tokens(
    hf_folders: dict[str, Path],
) -> None:
    """By hand through transformers' own forward (mask token 1, the one its forward uses)."""
    scorer = load_scorer("vjepa2", hf_folders["vjepa2"])
    assert isinstance(scorer, VJEPA2Scorer) and scorer.input_size == SIZE
    scorer.mask_token = 1
    model, clips = scorer.model, windows()
    total = WINDOW // 2 * GRID_TOKENS  # 128 tokens
    with torch.no_grad():
        energies = scorer.window_energies(clips, [2, 6, 10])
        target = model(clips, skip_predictor=True).last_hidden_state  # whole window
        target = F.layer_norm(target, (target.shape[-1],))
        for row, context in enumerate([2, 6, 10]):
            first = context // 2 * GRID_TOKENS
            positions = torch.arange(total).expand(2, -1)
            context_tokens = model.encoder(clips[:, :context]).last_hidden_state  # context only
            assert context_tokens.shape == (2, first, 32)
            predicted = model.predictor(  # every later token of the window
                encoder_hidden_states=context_tokens,
                context_mask=[positions[:, :first]],
                target_mask=[positions[:, first:]],
            ).last_hidden_state
            assert predicted.shape == (2, total - first, 32)
            by_hand = (predicted - target[:, first:]).abs().mean(dim=(1, 2))
            assert torch.allclose(energies[row], by_hand, atol=1e-6)


def test_vjepa2_context_sees_no_future_frame_and_uses_mask_token_0(
    hf_folders: dict[str, Path],
) -> None:
    scorer, clips = load_scorer("vjepa2", hf_folders["vjepa2"]), windows(1)
    assert scorer.mask_token == 0  # the published evaluation's (its wrapper's mask index 0)
    changed = clips.clone()
    changed[:, 4:] = -changed[:, 4:]  # every frame after a 4-frame context
    with torch.no_grad():
        before = scorer.predict(scorer.encode(clips[:, :4]), 128)
        after = scorer.predict(scorer.encode(changed[:, :4]), 128)
        assert torch.equal(before, after)
        assert not torch.allclose(scorer.window_energies(clips, [4]), scorer.window_energies(changed, [4]))
        token0 = scorer.window_energies(clips, [2, 4])
        scorer.mask_token = 1
        assert not torch.allclose(token0, scorer.window_energies(clips, [2, 4]))
        tokens = scorer.model.predictor.embeddings.mask_tokens
        tokens.data[1] = tokens.data[0]
        assert torch.allclose(token0, scorer.window_energies(clips, [2, 4]))


def test_videomae_targets_are_the_ones_it_was_trained_on(hf_folders: dict[str, Path]) -> None:
    """Our normalised pixel patches give transformers' own pre-training loss."""
    model = VideoMAEForPreTraining.from_pretrained(hf_folders["videomae"]).eval()
    mean, std = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)  # the ones its loss assumes
    clips = windows() * 0.25 + 0.5  # back to 0..1 ...
    clips = (clips - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)  # ImageNet
    masked = (torch.arange(128) >= 3 * GRID_TOKENS).expand(2, -1)
    with torch.no_grad():
        out = model(pixel_values=clips, bool_masked_pos=masked)
    targets = pixel_patches(unnormalise(clips, mean, std), 2, PATCH, normalise=True)
    assert targets.shape == (2, 128, 2 * PATCH * PATCH * 3)
    assert torch.allclose(F.mse_loss(out.logits, targets[:, 3 * GRID_TOKENS :]), out.loss, atol=1e-6)


def test_videomae_surprise_uses_the_prediction(hf_folders: dict[str, Path]) -> None:
    scorer, clips = load_scorer("videomae", hf_folders["videomae"]), windows()
    assert isinstance(scorer, VideoMAEScorer) and scorer.window_frames == WINDOW
    with torch.no_grad():
        energies = scorer.window_energies(clips, [2, 8])
        targets = pixel_patches(unnormalise(clips, scorer.pixels.mean, scorer.pixels.std), 2, PATCH, True)
        zero_prediction = targets[:, 4 * GRID_TOKENS :].abs().mean(dim=(1, 2))  # the published bug
        assert not torch.allclose(energies[1], zero_prediction)
        scorer.model.decoder.head.weight.mul_(3.0)
        assert not torch.allclose(energies, scorer.window_energies(clips, [2, 8]))


def rewrite_checkpoint(source: Path, target: Path, edit) -> Path:
    shutil.copytree(source, target)
    tensors = load_file(target / "model.safetensors")
    edit(tensors)
    save_file(tensors, target / "model.safetensors", metadata={"format": "pt"})
    return target


def test_strict_loading_refuses_a_renamed_or_reshaped_tensor(
    hf_folders: dict[str, Path], tmp_path: Path
) -> None:
    key = "encoder.layer.0.norm1.weight"
    renamed = rewrite_checkpoint(
        hf_folders["vjepa2"], tmp_path / "renamed", lambda t: t.update({"renamed.weight": t.pop(key)})
    )
    with pytest.raises(ValueError, match=f"1 missing \\({key}\\); 1 unexpected \\(renamed.weight\\)") as err:
        load_scorer("vjepa2", renamed)
    assert "\n" not in str(err.value) and str(renamed) in str(err.value)
    reshaped = rewrite_checkpoint(
        hf_folders["vjepa2"], tmp_path / "reshaped", lambda t: t.update({key: torch.ones(5)})
    )
    with pytest.raises(ValueError, match=f"1 mis-shaped \\({key} \\[5\\] not \\[32\\]\\)") as err:
        load_scorer("vjepa2", reshaped)
    assert "\n" not in str(err.value)


def test_a_folder_of_the_other_model_or_no_model_is_refused(
    hf_folders: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="'videomae' model, not 'vjepa2'"):
        load_scorer("vjepa2", hf_folders["videomae"])
    with pytest.raises(ValueError, match="no config.json"):
        load_scorer("videomae", tmp_path)
    shutil.copy(hf_folders["vjepa2"] / "config.json", tmp_path)  # a config without weights
    with pytest.raises(ValueError, match="cannot load VJEPA2Model") as err:
        load_scorer("vjepa2", tmp_path)
    assert "\n" not in str(err.value)
    assert load_scorer("vjepa2", tmp_path, untrained=True).input_size == 32  # the control needs none


def test_the_untrained_control_is_seeded_and_differs_from_the_weights(
    hf_folders: dict[str, Path],
) -> None:
    def flat(scorer: torch.nn.Module) -> torch.Tensor:
        return torch.cat([p.flatten() for p in scorer.parameters()])

    trained = flat(load_scorer("vjepa2", hf_folders["vjepa2"]))
    first = flat(load_scorer("vjepa2", hf_folders["vjepa2"], untrained=True, seed=3))
    assert torch.equal(first, flat(load_scorer("vjepa2", hf_folders["vjepa2"], untrained=True, seed=3)))
    assert not torch.equal(first, flat(load_scorer("vjepa2", hf_folders["vjepa2"], untrained=True, seed=4)))
    assert first.shape == trained.shape and not torch.equal(first, trained)


def test_processor_mean_and_std_are_read_from_the_folder(
    hf_folders: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "with_processor"
    shutil.copytree(hf_folders["videomae"], folder)
    (folder / "preprocessor_config.json").write_text('{"image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5]}')
    assert load_scorer("videomae", folder).pixels.mean == (0.5, 0.5, 0.5)
    assert load_scorer("videomae", hf_folders["videomae"]).pixels.std == (0.229, 0.224, 0.225)
