"""The one way to open a model checkpoint: ``load_model(path)``, and ``untrained_like``.

A checkpoint written by ``physpred fit`` holds, beside Lightning's own entries, a ``physpred``
record: the model's configuration (``class_path`` / ``init_args``, as in the YAML), its clip
geometry and where its weights sit in the state dict. Loading never unpickles arbitrary objects
(``torch.load(weights_only=True)``) and only builds classes from ``physpred``. Every problem is a
:class:`CheckpointError` whose message is one line naming the file and what to do.
"""

from __future__ import annotations

import importlib
import inspect
import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import torch
import yaml
from torch import nn

from physpred.types import ClipGeometry

FORMAT = 2  # 1: before EnergyModel (the parts inside the Lightning module)
RETRAIN = "retrain it with `physpred fit` (e.g. `physpred fit -c configs/demo.yaml --data.root DIR`)"
MAX_FRAME_SIZE = 4096  # pixels a side: a crafted geometry must not size windows past any real video
CLASS_PATH = re.compile(r"physpred(\.[A-Za-z_]\w*)+")


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message is one line naming the file."""


def model_record(config: dict[str, Any] | None, geometry: ClipGeometry, state_prefix: str) -> dict[str, Any]:
    """The ``physpred`` entry of a checkpoint.

    Args:
        config: the ``EnergyModel``'s ``{"class_path", "init_args"}``, or None when the model
            was built in Python (such a checkpoint resumes training but does not load alone).
        geometry: the model's clip geometry.
        state_prefix: prefix of the model's keys in the checkpoint's ``state_dict``.
    """
    return {"format": FORMAT, "energy_model": config, "geometry": geometry.as_dict(), "state_prefix": state_prefix}


def load_model(path: str | Path, map_location: str | torch.device | None = None) -> nn.Module:
    """The trained ``EnergyModel`` of a checkpoint, in eval mode.

    Args:
        path: a checkpoint written by ``physpred fit``.
        map_location: the device to put the model on (``"cuda:0"``); None for the CPU.

    Raises:
        CheckpointError: missing, empty, unreadable, unsafe, foreign or outdated file.
    """
    path = Path(path)
    saved = read_checkpoint(path, map_location)
    prefix = saved["physpred"]["state_prefix"]
    state = {k[len(prefix) :]: v for k, v in saved.get("state_dict", {}).items() if k.startswith(prefix)}
    broken = [k for k, v in state.items() if isinstance(v, torch.Tensor) and v.is_floating_point() and not torch.isfinite(v).all()]
    if broken:
        raise CheckpointError(
            f"checkpoint {path} holds non-finite weights ({len(broken)} of {len(state)} tensors, first {broken[0]}): "
            "its training diverged; retrain with a lower learning rate"
        )
    model = _build(saved, path)
    try:
        model.load_state_dict(state)
    except RuntimeError as err:
        raise CheckpointError(f"checkpoint {path} does not fit its own configuration ({_first_line(err)}): {RETRAIN}") from err
    return model.to(torch.device(map_location or "cpu")).eval()


def untrained_like(path: str | Path, seed: int) -> nn.Module:
    """A freshly initialised model of the configuration saved in a checkpoint (the control).

    Args:
        path: checkpoint written by ``physpred fit``.
        seed: seed of the initialisation (the global random state is left untouched).

    Returns:
        the ``EnergyModel`` in eval mode, with the checkpoint's geometry and seeded weights.
    """
    path = Path(path)
    saved = read_checkpoint(path)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return _build(saved, path).eval()


SWAPPABLE = {"perception": "reads_masks", "energy": "appearance"}
"""The weightless parts of an object model that ``physpred probe --perception/--energy`` replace,
each with an attribute that every such part has (a perception file naming an energy is refused)."""


def with_part(model: nn.Module, part: str, config: object, source: Path) -> nn.Module:
    """``model``, an object model, with its ``part`` replaced by the one ``config`` describes.

    The decomposition of a failure by stage, the other stages kept as trained:

    - ``perception``: score a model's dynamics and energy on slots found another way, e.g. a
      model trained on the world's masks on slots found without labels (is the label-free
      perception good enough at test time?), or the reverse;
    - ``energy``: score the same expectations with another energy (is a lost pair in what the
      model expects, or in how a mismatch is priced?).

    Args:
        model: a model with ``perception`` and ``energy`` parts (``ObjectEnergyModel``), trained or not.
        part: a key of :data:`SWAPPABLE`.
        config: ``{"class_path", "init_args"}`` of that part without weights (physpred classes
            only): a part that learns would be swapped in untrained.
        source: the file ``config`` was read from, named in errors.

    Raises:
        CheckpointError: a model without such parts, or a configuration that is no such part.
    """
    if part not in SWAPPABLE:
        raise ValueError(f"part must be one of {SWAPPABLE}, got {part!r}")
    if not all(isinstance(getattr(model, name, None), nn.Module) for name in SWAPPABLE):
        raise CheckpointError(f"{type(model).__name__} has no {part} to replace: --{part} applies to object models (ObjectEnergyModel)")
    built = build_part(part, config, source).to(next(model.parameters(), torch.empty(0)).device)
    setattr(model, part, built.train(model.training))  # a part may score differently in eval mode
    return model


def with_scoring(model: nn.Module, options: object, source: Path) -> nn.Module:
    """``model``, an object model, scored with ``options`` in place of its own scoring options.

    The same weights and the same expectations, scored another way (another horizon, another
    price at the horizon, the expectation clipped to the view or not): a decomposition of the
    scoring stage, as :func:`with_part` is of perception and energy.

    Args:
        model: an ``ObjectEnergyModel``, trained or not.
        options: a mapping of some of its scoring options
            (``physpred.models.slots.model.SCORING``), e.g. ``{"clip_to_view": True}``.
        source: the file ``options`` were read from, named in errors.

    Raises:
        CheckpointError: a model without scoring options, an unknown option or a bad value.
    """
    if not hasattr(model, "set_scoring"):
        raise CheckpointError(f"{type(model).__name__} has no scoring options: --scoring applies to object models (ObjectEnergyModel)")
    known = model.scoring
    if not isinstance(options, dict) or not options:
        raise CheckpointError(f"scoring file {source} holds no options: write some of {', '.join(known)} (e.g. clip_to_view: true)")
    unknown = sorted(str(name) for name in options if name not in known)
    if unknown:
        raise CheckpointError(f"scoring file {source}: unknown option {', '.join(unknown)}; the scoring options are {', '.join(known)}")
    try:
        model.set_scoring(**{**known, **options})
    except ValueError as err:
        raise CheckpointError(f"scoring file {source}: {_first_line(err)}") from err
    return model


def read_part_file(part: str, path: Path) -> object:
    """The contents (YAML) of the file given as ``--perception``, ``--energy`` or ``--scoring``,
    for :func:`with_part`, :func:`build_part` or :func:`with_scoring`.

    Raises:
        CheckpointError: a file that cannot be read or is not YAML, named with its option.
    """
    try:
        return yaml.safe_load(Path(path).read_text())
    except OSError as err:
        raise CheckpointError(f"--{part} {path}: cannot read it ({err.strerror}); fix the path") from err
    except yaml.YAMLError as err:
        raise CheckpointError(f"--{part} {path} is not valid YAML ({' '.join(str(err).split())}); fix the file") from err


def build_part(part: str, config: object, source: Path) -> nn.Module:
    """The ``part`` (a key of :data:`SWAPPABLE`) without weights that ``config``
    (``{"class_path", "init_args"}``, physpred classes only, read from the file ``source``) describes.

    Raises:
        CheckpointError: no class_path, a class that is not physpred's or not such a part, bad
            arguments, or a part that learns weights (built untrained, it would see or score nothing).
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_path"), str):
        raise CheckpointError(f"{part} file {source} holds no class_path: write class_path and init_args, as under {part}: in configs/objects_*.yaml")
    try:
        built = _instantiate(config, f"{part} file {source}", "fix its class_path")
    except (TypeError, ValueError) as err:
        raise CheckpointError(f"{part} file {source}: {_first_line(err)}") from err
    if not hasattr(built, SWAPPABLE[part]):
        raise CheckpointError(f"{part} file {source} names {config['class_path']}, which is no {part}; name one as under {part}: in configs/objects_*.yaml")
    if any(True for _ in built.parameters()):
        raise CheckpointError(
            f"{part} file {source} names {config['class_path']}, which learns weights: built "
            "untrained it would see nothing; train a model with it instead"
        )
    return built


def read_checkpoint(path: Path, map_location: str | torch.device | None = None) -> dict[str, Any]:
    """The checkpoint's contents, loaded safely (tensors on ``map_location``, by default the
    CPU), with a valid ``physpred`` record."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} not found: train one with `physpred fit` or fix the path")
    if path.stat().st_size == 0:
        raise CheckpointError(f"checkpoint {path} is empty (0 bytes; an interrupted copy?): {RETRAIN} or copy it again")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            saved = torch.load(path, map_location=map_location or "cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if "global" not in str(err).lower():  # no object refused (torch names the GLOBAL it blocks): bytes that are no pickle
            raise CheckpointError(f"cannot read checkpoint {path} (not a torch file, or truncated): {RETRAIN}") from err
        raise CheckpointError(
            f"checkpoint {path} holds Python objects other than tensors and plain values; refused "
            "(unpickling them could run code): pass a checkpoint written by `physpred fit`"
        ) from err
    except Exception as err:  # torch raises many types for truncated or foreign files
        raise CheckpointError(f"cannot read checkpoint {path} ({type(err).__name__}: {_first_line(err)}): {RETRAIN}") from err
    if not isinstance(saved, dict) or "state_dict" not in saved:
        raise CheckpointError(f"{path} is not a Lightning checkpoint: pass the model.ckpt written by `physpred fit`")
    record = saved.get("physpred")
    if record is None:
        if is_outdated(saved):
            raise CheckpointError(f"checkpoint {path} was written by an older physpred (before EnergyModel): {RETRAIN}")
        raise CheckpointError(f"{path} is not a physpred model checkpoint (no model record): pass the model.ckpt written by `physpred fit`")
    if not isinstance(record, dict) or record.get("format") != FORMAT:
        raise CheckpointError(f"checkpoint {path} has model record format {record.get('format') if isinstance(record, dict) else '?'}, this physpred reads {FORMAT}: {RETRAIN}")
    if record.get("energy_model") is None:
        raise CheckpointError(
            f"checkpoint {path} holds no model configuration (the model was built in Python, not by "
            "`physpred fit`): rebuild the model in Python and load its state_dict, or train with `physpred fit`"
        )
    return saved


def is_outdated(saved: dict[str, Any]) -> bool:
    """True for a checkpoint of the layout before ``EnergyModel`` (``space`` / ``collapse`` options)."""
    hparams = saved.get("hyper_parameters")
    return "physpred" not in saved and isinstance(hparams, dict) and bool({"space", "collapse"} & set(hparams))


def linked_config(saved: dict[str, Any], path: Path) -> dict[str, Any]:
    """The saved ``EnergyModel`` configuration with the options the CLI links from the data
    filled in: ``geometry`` (a ``ClipGeometry``) and the predictor's clip lengths.

    Raises:
        CheckpointError: a class that is not physpred's, or a record that does not parse.
    """
    record = saved["physpred"]
    try:
        geometry = ClipGeometry(**record["geometry"])
        if geometry.frame_size > MAX_FRAME_SIZE:
            raise ValueError(f"frame_size {geometry.frame_size} is larger than {MAX_FRAME_SIZE}")
        config = record["energy_model"]
        init_args = dict(config.get("init_args") or {})
        init_args["geometry"] = geometry
        predictor = init_args.get("predictor")
        if isinstance(predictor, dict):  # its clip lengths are linked from the data, like the geometry
            accepted = inspect.signature(_resolve(predictor["class_path"], f"checkpoint {path}", RETRAIN)).parameters
            linked = {k: getattr(geometry, k) for k in ("context_frames", "future_frames") if k in accepted}
            init_args["predictor"] = {**predictor, "init_args": {**(predictor.get("init_args") or {}), **linked}}
    except (TypeError, ValueError, KeyError, AttributeError) as err:
        raise CheckpointError(f"cannot rebuild the model saved in {path} ({type(err).__name__}: {_first_line(err)}): {RETRAIN}") from err
    return {**config, "init_args": init_args}


def _build(saved: dict[str, Any], path: Path) -> nn.Module:
    """Instantiate the saved configuration (physpred classes only), with the saved geometry.

    The model is first built without memory (on the meta device) and its parameter shapes
    compared with the saved tensors: a crafted configuration (a width of 1e8) is refused before
    it allocates anything.
    """
    config = linked_config(saved, path)
    with torch.device("meta"):
        skeleton = _instantiate_checked(config, path)
    prefix = saved["physpred"]["state_prefix"]
    state = saved.get("state_dict", {})
    for name, parameter in skeleton.state_dict().items():
        stored = state.get(prefix + name)
        if isinstance(stored, torch.Tensor) and stored.shape != parameter.shape:
            raise CheckpointError(
                f"checkpoint {path} does not fit its own configuration ({name}: saved "
                f"{list(stored.shape)}, configured {list(parameter.shape)}): {RETRAIN}"
            )
    return _instantiate_checked(config, path)


def _instantiate_checked(config: dict[str, Any], path: Path) -> nn.Module:
    try:
        return _instantiate(config, f"checkpoint {path}", RETRAIN)
    except CheckpointError:
        raise
    # RuntimeError: torch refusing a negative size; RecursionError (one too): nesting
    except (TypeError, ValueError, KeyError, AttributeError, RuntimeError, OverflowError, MemoryError) as err:
        raise CheckpointError(f"cannot rebuild the model saved in {path} ({type(err).__name__}: {_first_line(err)}): {RETRAIN}") from err


def _instantiate(value: Any, source: str, fix: str) -> Any:
    """Build ``{"class_path", "init_args"}`` dicts recursively; other values pass through.
    ``source`` names where the configuration comes from in errors (``checkpoint PATH``), ``fix``
    what to do about a class this physpred lacks."""
    if isinstance(value, dict) and "class_path" in value:
        cls = _resolve(value["class_path"], source, fix)
        kwargs = {k: _instantiate(v, source, fix) for k, v in (value.get("init_args") or {}).items()}
        return cls(**kwargs)
    if isinstance(value, list):
        return [_instantiate(item, source, fix) for item in value]
    return value


def _resolve(class_path: object, source: str, fix: str) -> type:
    """The physpred class named ``class_path``; anything else is refused."""
    if not isinstance(class_path, str) or not CLASS_PATH.fullmatch(class_path):
        raise CheckpointError(f"{source} names class {class_path!r}, not a physpred class; refused")
    module_name, _, name = class_path.rpartition(".")
    try:
        # the skeleton is built on the meta device: a module imported for the first time here
        # must still make its import-time constants as real tensors
        with torch.device("cpu"):
            cls = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as err:
        raise CheckpointError(f"{source} names {class_path}, which this physpred lacks: {fix}") from err
    if not (inspect.isclass(cls) and issubclass(cls, nn.Module)):
        raise CheckpointError(f"{source} names {class_path}, not a model part; refused")
    return cls


def _first_line(err: BaseException) -> str:
    """An error's first line, or its type when it has no message (``EOFError()``)."""
    text = str(err).strip()
    return text.splitlines()[0] if text else "no message"
