"""``load_model`` and ``untrained_like``: the round trip, and one line for every bad file.

No entry point may unpickle arbitrary objects: each is fed a checkpoint whose pickle would
create a file, and the file must not appear.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import torch
import yaml

from physpred.models import CheckpointError, load_model, read_part_file, untrained_like
from physpred.models.checkpoint import build_part, model_record
from physpred.types import ClipGeometry

GEOMETRY = ClipGeometry(context_frames=3, future_frames=2, frame_step=2, frame_size=16)
CONFIG = {
    "class_path": "physpred.models.EnergyModel",
    "init_args": {
        "encoder": {"class_path": "physpred.models.ConvEncoder", "init_args": {"widths": [8, 8], "dim": 16, "groups": 4}},
        "predictor": {
            "class_path": "physpred.models.ConvPredictor",
            "init_args": {"dim": 16, "latent_dim": 2, "width": 16, "dilations": [1], "groups": 4},
        },
        "latent": {"class_path": "physpred.models.LatentVariable", "init_args": {"dim": 2, "context_dim": 16, "target_dim": 16, "hidden": 8}},
        "target": {"class_path": "physpred.models.EMATarget"},
        "distance": {"class_path": "physpred.models.L2Distance"},
    },
}


def write_checkpoint(path: Path, config: dict | None = CONFIG, **extra: object) -> Path:
    """A checkpoint laid out as ``physpred fit`` writes it, with seeded random weights."""
    from physpred.models.checkpoint import _build

    torch.manual_seed(3)
    saved = {"physpred": model_record(config, GEOMETRY, "model."), "state_dict": {}}
    if config is CONFIG:
        model = _build(saved, path)
        saved["state_dict"] = {f"model.{k}": v for k, v in model.state_dict().items()} | {"ema_step": torch.tensor(4)}
    torch.save({**saved, **extra}, path)
    return path


class Payload:
    """Unpickling this creates ``marker``: what a crafted checkpoint could do instead."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


@pytest.fixture
def evil(tmp_path: Path) -> tuple[Path, Path]:
    """A real-looking checkpoint with a code-executing object inside, and its marker file."""
    marker = tmp_path / "ran"
    path = write_checkpoint(tmp_path / "evil.ckpt", hyper_parameters={"x": Payload(marker)})
    return path, marker


def test_round_trip_keeps_weights_geometry_and_linked_lengths(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path / "model.ckpt")
    model = load_model(path)
    state = torch.load(path, weights_only=True)["state_dict"]
    assert not model.training and model.geometry == GEOMETRY
    assert model.predictor.context_frames == 3 and model.predictor.future_frames == 2  # from the geometry
    for name, value in model.state_dict().items():
        assert torch.equal(value, state[f"model.{name}"]), name
    first, again, other = untrained_like(path, seed=1), untrained_like(path, seed=1), untrained_like(path, seed=2)
    weight = "encoder.stem.0.weight" if "encoder.stem.0.weight" in state else next(iter(model.state_dict()))
    assert torch.equal(first.state_dict()[weight], again.state_dict()[weight])
    assert not torch.equal(first.state_dict()[weight], other.state_dict()[weight])
    assert not torch.equal(first.state_dict()[weight], model.state_dict()[weight])
    assert first.geometry == GEOMETRY


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: None, "checkpoint {p} not found"),
        (lambda p: p.touch(), "checkpoint {p} is empty (0 bytes"),
        (lambda p: p.write_bytes(b"\x80\x02garbage"), "cannot read checkpoint {p}"),
        (lambda p: torch.save([1, 2], p), "{p} is not a Lightning checkpoint"),
        (lambda p: torch.save({"state_dict": {}}, p), "{p} is not a physpred model checkpoint"),
        (
            lambda p: torch.save({"state_dict": {}, "hyper_parameters": {"space": "pixel", "collapse": "none"}}, p),
            "checkpoint {p} was written by an older physpred (before EnergyModel): retrain it with `physpred fit`",
        ),
        (lambda p: write_checkpoint(p, config=None), "checkpoint {p} holds no model configuration"),
        (
            lambda p: write_checkpoint(p, config={"class_path": "os.system", "init_args": {"command": "true"}}),
            "checkpoint {p} names class 'os.system', not a physpred class; refused",
        ),
        (
            lambda p: write_checkpoint(p, config={**CONFIG, "class_path": "physpred.types.ClipGeometry"}),
            "names physpred.types.ClipGeometry, not a model part; refused",
        ),
    ],
)
def test_bad_checkpoints_give_one_line_naming_the_file(make, expected: str, tmp_path: Path) -> None:  # noqa: ANN001
    path = tmp_path / "model.ckpt"
    make(path)
    for load in (load_model, lambda p: untrained_like(p, seed=0)):
        with pytest.raises(CheckpointError) as error:
            load(path)
        message = str(error.value)
        assert expected.format(p=path) in message and "\n" not in message


def test_resuming_an_old_checkpoint_says_to_retrain() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_lit_module import tiny_module

    with pytest.raises(ValueError, match="older physpred .* retrain with `physpred fit`"):
        tiny_module().on_load_checkpoint({"state_dict": {}, "hyper_parameters": {"space": "pixel"}})


def test_weights_that_do_not_fit_the_configuration(tmp_path: Path) -> None:
    path = write_checkpoint(tmp_path / "model.ckpt")
    saved = torch.load(path, weights_only=True)
    saved["state_dict"].pop("model.latent.head.bias")
    torch.save(saved, path)
    with pytest.raises(CheckpointError, match="does not fit its own configuration .*retrain"):
        load_model(path)


def test_no_entry_point_runs_code_from_a_checkpoint(
    evil: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, marker = evil
    with pytest.raises(CheckpointError, match="refused"):
        load_model(path)
    with pytest.raises(CheckpointError, match="refused"):
        untrained_like(path, seed=0)

    from physpred.lit.decoder import DecoderModule

    with pytest.raises(CheckpointError, match="refused"):
        DecoderModule(checkpoint=str(path), geometry=GEOMETRY)
    with pytest.raises(Exception, match="Weights only load failed"):  # Lightning's own loader is safe too
        DecoderModule.load_from_checkpoint(path)

    from physpred.cli import main

    (tmp_path / "probes").mkdir()
    for baseline in ([], ["--baseline", "untrained"], ["--baseline", "copy-last"]):
        argv = ["probe", "--ckpt_path", str(path), "--data", str(tmp_path / "probes"), "--out", str(tmp_path / "out"), *baseline]
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "refused" in err and str(path) in err
    assert not marker.exists(), "a checkpoint ran code"
    assert not (tmp_path / "out").exists()


def test_the_payload_does_run_when_unpickled_unsafely(evil: tuple[Path, Path]) -> None:
    """The guard above tests something real: the same file run through plain pickle creates the marker."""
    path, marker = evil
    torch.load(path, weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "configs" / "perception").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_perception_files_build_perceptions_without_weights(path: Path) -> None:
    perception = build_part("perception", read_part_file("perception", path), path)
    assert hasattr(perception, "object_slots") and not list(perception.parameters())


def test_the_recipe_perception_file_is_the_label_free_recipes_perception() -> None:
    configs = Path(__file__).resolve().parents[1] / "configs"
    recipe = yaml.safe_load((configs / "objects_foreground.yaml").read_text())
    in_recipe = recipe["model"]["init_args"]["energy_model"]["init_args"]["perception"]
    assert read_part_file("perception", configs / "perception" / "foreground_recipe.yaml") == in_recipe


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "configs" / "energy").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_energy_files_build_energies_without_weights(path: Path) -> None:
    energy = build_part("energy", yaml.safe_load(path.read_text()), path)
    assert hasattr(energy, "per_slot") and not list(energy.parameters())


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parents[1] / "configs" / "scoring").glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scoring_files_set_scoring_options(path: Path) -> None:
    from physpred.models import with_scoring
    from physpred.models.slots import (
        GatedSlotDynamics,
        MaskPerception,
        ObjectEnergyModel,
        SlotEnergy,
    )
    from physpred.types import ClipGeometry

    model = ObjectEnergyModel(perception=MaskPerception(), dynamics=GatedSlotDynamics(hidden=8, heads=1), energy=SlotEnergy(), geometry=ClipGeometry(2, 2, 1, 16))
    options = yaml.safe_load(path.read_text())
    assert {name: with_scoring(model, options, path).scoring[name] for name in options} == options


def test_a_part_file_that_cannot_be_read_is_one_line_naming_its_option(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("init_args: {slots: [1,\n")
    for path, reason in ((tmp_path / "missing.yaml", "cannot read it"), (broken, "is not valid YAML")):
        with pytest.raises(CheckpointError) as caught:
            read_part_file("energy", path)
        assert str(caught.value).startswith(f"--energy {path}") and reason in str(caught.value)
        assert len(str(caught.value).splitlines()) == 1


def test_a_perception_file_naming_no_physpred_class_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match=r"^perception file .*p.yaml names class 'os.system', not a physpred class; refused$"):
        build_part("perception", {"class_path": "os.system"}, tmp_path / "p.yaml")
    with pytest.raises(CheckpointError, match="holds no class_path"):
        build_part("perception", ["not", "a", "mapping"], tmp_path / "p.yaml")


def test_an_energy_file_builds_an_energy_and_only_an_object_model_takes_it(tmp_path: Path) -> None:
    from physpred.eval.cli import SWAPPABLE as SPELLED_OUT
    from physpred.models import with_part
    from physpred.models.checkpoint import SWAPPABLE
    from physpred.models.slots import SlotEnergy

    assert tuple(SWAPPABLE) == SPELLED_OUT
    config = {"class_path": "physpred.models.slots.SlotEnergy", "init_args": {"presence_weight": 3.0}}
    energy = build_part("energy", config, tmp_path / "e.yaml")
    assert isinstance(energy, SlotEnergy) and energy.weights[0] == 3.0
    with pytest.raises(CheckpointError, match=r"^energy file .*e.yaml: .*scale"):
        build_part("energy", {**config, "init_args": {"position_scale": 0.0}}, tmp_path / "e.yaml")
    perception = {"class_path": "physpred.models.slots.ForegroundPerception", "init_args": {"slots": 4}}
    with pytest.raises(CheckpointError, match=r"^energy file .*e.yaml names physpred.models.slots.ForegroundPerception, which is no energy"):
        build_part("energy", perception, tmp_path / "e.yaml")
    pixel = load_model(write_checkpoint(tmp_path / "model.ckpt"))
    with pytest.raises(CheckpointError, match=r"^EnergyModel has no energy to replace: --energy applies to object models"):
        with_part(pixel, "energy", config, tmp_path / "e.yaml")



def test_a_scoring_file_rescores_an_object_model_and_refuses_what_it_cannot_set(tmp_path: Path) -> None:
    from physpred.models import with_scoring
    from physpred.models.slots import (
        GatedSlotDynamics,
        MaskPerception,
        ObjectEnergyModel,
        SlotEnergy,
    )
    from physpred.types import ClipGeometry

    def model() -> ObjectEnergyModel:
        return ObjectEnergyModel(
            perception=MaskPerception(), dynamics=GatedSlotDynamics(hidden=8, heads=1), energy=SlotEnergy(),
            geometry=ClipGeometry(2, 2, 1, 16), horizon=3, horizon_colour_factor=3.0,
        )

    source = tmp_path / "s.yaml"
    rescored = with_scoring(model(), {"clip_to_view": True, "horizon": 1}, source)
    assert rescored.scoring == {
        "horizon": 1, "shape_horizon": None, "horizon_position_factor": 1.0, "horizon_colour_factor": 3.0, "imagined_presence": False, "clip_to_view": True, "absent_out_of_frame": False,
    }
    for options, message in (
        ({"horizon": 0}, r"^scoring file .*s.yaml: ObjectEnergyModel: horizon must be an integer >= 1"),
        ({"horizon": 2.5}, "horizon must be an integer"),
        ({"clip_to_view": "yes"}, "clip_to_view must be true or false"),
        ({"horizon_colour_factor": -1}, "horizon_colour_factor must be a number > 0"),
        ({"presence_weight": 3.0}, r"unknown option presence_weight; the scoring options are horizon, "),
        ({"absent_out_of_frame": 1}, "absent_out_of_frame must be true or false"),
        ({}, "holds no options"),
        (["clip_to_view"], "holds no options"),
    ):
        with pytest.raises(CheckpointError, match=message):
            with_scoring(model(), options, source)
    pixel = load_model(write_checkpoint(tmp_path / "model.ckpt"))
    with pytest.raises(CheckpointError, match=r"^EnergyModel has no scoring options: --scoring applies to object models"):
        with_scoring(pixel, {"clip_to_view": True}, source)
