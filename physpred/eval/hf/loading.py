"""Loading a ``transformers`` model from a local folder, strictly, or its untrained twin.

A folder is what ``save_pretrained`` writes (``config.json``, ``model.safetensors`` or shards)
plus, optionally, the processor's ``preprocessor_config.json`` or
``video_preprocessor_config.json`` (mean and std). Nothing is fetched from a hub. Every key of
the model must be in the checkpoint and every tensor of the checkpoint must be used, at the
model's shape: the published harness loaded mismatched weights silently and scored chance.
"""

from __future__ import annotations

import contextlib
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from physpred.eval.hf.protocol import IMAGENET_MEAN, IMAGENET_STD

Kind = Literal["vjepa2", "videomae"]
PROCESSOR_FILES = ("video_preprocessor_config.json", "preprocessor_config.json")
MAX_LISTED_KEYS = 3


@dataclass(frozen=True)
class Pixels:
    """How the model's processor normalises frames (per channel, frames in 0..1)."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]


def model_class(kind: Kind) -> type[nn.Module]:
    """The ``transformers`` class a scorer needs (the one with the predictor or decoder)."""
    try:
        import transformers
    except ImportError as err:
        raise ValueError(
            f"--scorer {kind} needs the transformers package: pip install 'physpred[hf]'"
        ) from err
    return {"vjepa2": transformers.VJEPA2Model, "videomae": transformers.VideoMAEForPreTraining}[
        kind
    ]


def load_model(kind: Kind, folder: Path, *, untrained: bool, seed: int) -> tuple[nn.Module, Pixels]:
    """The model in ``folder`` in eval mode, float32, and its processor's normalisation.

    Args:
        kind: ``"vjepa2"`` or ``"videomae"``; the folder's ``config.json`` must be of that type.
        folder: local folder written by ``save_pretrained``.
        untrained: build the configuration with fresh random weights instead (the control).
        seed: seed of those random weights.

    Raises:
        ValueError: one line naming the folder: not found, wrong model type, or weights that do
            not match the configuration (missing, unexpected or mis-shaped tensors).
    """
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise ValueError(
            f"--weights {folder}: no config.json there: download the model on a machine with "
            "access (save_pretrained or the hub's files) and copy the whole folder"
        )
    model_type = _read_json(config_file).get("model_type")
    if model_type != kind:
        raise ValueError(
            f"--weights {folder}: config.json is a {model_type!r} model, not {kind!r}: "
            f"fix --scorer or --weights"
        )
    cls: Any = model_class(kind)
    pixels = _pixels(folder)
    with _quiet_transformers():
        if untrained:
            try:
                config = cls.config_class.from_pretrained(folder, local_files_only=True)
                with torch.random.fork_rng(devices=[]):
                    torch.manual_seed(seed)
                    model = cls(config)
            except Exception as err:  # a config that builds no model: sizes of 0, wrong types
                raise ValueError(f"--weights {folder}: config.json describes no buildable {cls.__name__} ({_first_line(err)}); fix the file") from err
        else:
            model = _load_strict(cls, folder)
    broken = [name for name, tensor in model.state_dict().items() if tensor.is_floating_point() and not torch.isfinite(tensor).all()]
    if broken:
        raise ValueError(
            f"--weights {folder}: {len(broken)} tensors hold non-finite values (first {broken[0]}); "
            "copy the model folder again"
        )
    return model.float().eval(), pixels


def _load_strict(cls: Any, folder: Path) -> nn.Module:
    try:
        # mis-shaped tensors are reported in `info` (and refused below) rather than raised
        model, info = cls.from_pretrained(
            folder,
            local_files_only=True,
            output_loading_info=True,
            dtype=torch.float32,
            ignore_mismatched_sizes=True,
        )
    except Exception as err:  # no weight file, a truncated or garbage one (SafetensorError), a config of impossible sizes
        raise ValueError(
            f"--weights {folder}: cannot load {cls.__name__} ({_first_line(err)}): the weights must be "
            "the ones its config.json describes, copied whole"
        ) from err
    problems = [
        f"{len(keys)} {what} ({', '.join(sorted(keys)[:MAX_LISTED_KEYS])}"
        + (", ..." if len(keys) > MAX_LISTED_KEYS else "")
        + ")"
        for what, keys in (
            ("missing", info["missing_keys"]),
            ("unexpected", info["unexpected_keys"]),
            ("mis-shaped", {_shapes(entry) for entry in info["mismatched_keys"]}),
        )
        if keys
    ]
    if problems or info["error_msgs"]:
        raise ValueError(
            f"--weights {folder}: the checkpoint does not match {cls.__name__} of its config.json: "
            f"{'; '.join(problems + list(info['error_msgs']))}: use the folder the model was saved "
            "to, unchanged"
        )
    return model


def _shapes(entry: Any) -> str:
    """``"key [5] not [32]"`` from transformers' (key, checkpoint shape, model shape)."""
    if isinstance(entry, tuple) and len(entry) == 3:
        key, stored, wanted = entry
        return f"{key} {list(stored)} not {list(wanted)}"
    return str(entry)


def _pixels(folder: Path) -> Pixels:
    """Mean and std of the first processor file present; ImageNet's (both models') otherwise."""
    for name in PROCESSOR_FILES:
        path = folder / name
        if path.is_file():
            config = _read_json(path)
            mean, std = config.get("image_mean", IMAGENET_MEAN), config.get("image_std", IMAGENET_STD)
            numbers = (list, tuple)
            if not (isinstance(mean, numbers) and isinstance(std, numbers) and len(mean) == len(std) == 3
                    and all(type(v) in (int, float) and math.isfinite(v) for v in [*mean, *std])):
                raise ValueError(f"{path}: image_mean and image_std must list 3 finite numbers each")
            if min(std) <= 0:  # frames are divided by it: 0 makes every surprise infinite
                raise ValueError(f"{path}: image_std must be > 0 in every channel, got {std}")
            return Pixels(tuple(map(float, mean)), tuple(map(float, std)))  # type: ignore[arg-type]
    return Pixels(IMAGENET_MEAN, IMAGENET_STD)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"{path}: not a readable JSON file ({err})") from err
    if not isinstance(data, dict):
        raise ValueError(f"{path}: expected a JSON object")
    return data


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Silence transformers' load report and progress bars: our errors say what went wrong."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        hf_logging.enable_progress_bar()


def _first_line(err: BaseException) -> str:
    """An error's first line (cut to 200 characters), or its type's name when it has none."""
    text = str(err).strip()
    return f"{type(err).__name__}: {text.splitlines()[0][:200]}" if text else type(err).__name__
