"""Benchmark layouts: detection, movies, labels, hand-checked pairs, breakdown keys, cuts, and
one-line errors for half-copied folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from benchmark_layouts import grasp, inflevel, intphys2_split

from physpred.data import ProbeDataset
from physpred.data.inflevel import parse_name, trimmed_starts
from physpred.data.probe_layouts import detect_layout, read_probe_set


@pytest.fixture(scope="module")
def layouts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("layouts")
    return {
        "intphys2": intphys2_split(root / "IntPhys2" / "Main"),
        "heldout": intphys2_split(root / "IntPhys2" / "HeldOut", labelled=False),
        "grasp": grasp(root / "grasp"),
        "inflevel": inflevel(root / "inflevel"),
    }


def test_each_layout_is_recognised(layouts: dict[str, Path], shared_data: Path) -> None:
    assert detect_layout(layouts["intphys2"]) == "intphys2"
    assert detect_layout(layouts["heldout"]) == "intphys2"
    assert detect_layout(layouts["grasp"]) == "grasp"
    assert detect_layout(layouts["inflevel"]) == "inflevel"
    assert detect_layout(shared_data / "intphys_example") == "intphys"


def test_the_intphys2_top_folder_asks_for_a_split(layouts: dict[str, Path]) -> None:
    top = layouts["intphys2"].parent
    with pytest.raises(FileNotFoundError, match="holds the IntPhys 2 splits HeldOut, Main: pass one"):
        detect_layout(top)


def test_intphys2_pairs_labels_and_breakdown(layouts: dict[str, Path]) -> None:
    dataset = ProbeDataset(layouts["intphys2"])
    assert dataset.layout.name == "intphys2"
    by_id = {e.video: e for e in dataset.entries}
    assert sorted(by_id) == sorted(
        f"v{s}_{k}" for s in (7, 9) for k in ("1_Possible", "1_Impossible", "2_Possible", "2_Impossible")
    )
    assert by_id["v7_2_Impossible"].is_possible is False and by_id["v7_2_Possible"].is_possible
    # continuity_swap is folded into continuity; the variant, difficulty and camera are kept
    assert by_id["v9_1_Possible"].block == "continuity"
    assert dict(by_id["v9_1_Possible"].tags) == {
        "variant": "continuity_swap", "difficulty": "Hard", "camera": "moving"
    }  # fmt: skip
    assert dict(by_id["v7_1_Possible"].tags) == {
        "variant": "permanence", "difficulty": "Easy", "camera": "fixed"
    }  # fmt: skip
    assert sorted(dataset.pairs) == [
        ("v7_1_Possible", "v7_1_Impossible"),
        ("v7_2_Possible", "v7_2_Impossible"),
        ("v9_1_Possible", "v9_1_Impossible"),
        ("v9_2_Possible", "v9_2_Impossible"),
    ]


def test_heldout_has_no_labels_and_no_pairs(layouts: dict[str, Path]) -> None:
    dataset = ProbeDataset(layouts["heldout"])
    assert len(dataset) == 8 and all(e.is_possible is None for e in dataset.entries)
    assert dataset.pairs == []


def test_grasp_pairs_share_a_file_name(layouts: dict[str, Path]) -> None:
    dataset = ProbeDataset(layouts["grasp"])
    assert sorted(dataset.pairs) == [
        ("P_Collision/a.mp4", "IP_Collision/a.mp4"),
        ("P_Collision/b.mp4", "IP_Collision/b.mp4"),
        ("P_Gravity/c.mp4", "IP_Gravity/c.mp4"),
    ]
    assert {e.video: e.block for e in dataset.entries}["IP_Gravity/c.mp4"] == "Gravity"
    assert dataset.scenes["Collision/a.mp4"] == ["IP_Collision/a.mp4", "P_Collision/a.mp4"]


def test_inflevel_pairs_labels_and_familiarisation_cut(layouts: dict[str, Path]) -> None:
    dataset = ProbeDataset(layouts["inflevel"])
    one, two = "continuity/center__continuity__cup__duck__vv__LR", "continuity/center__continuity__cup__duck__vi__LR"
    assert (one, two) in dataset.pairs and len(dataset.pairs) == 3
    entries = {e.video: e for e in dataset.entries}
    assert entries[one].block == "continuity" and dict(entries[one].tags) == {"codes": "vv-vi"}
    # 20 and 18 frames, familiarisation ends at frame 5: the first is 2 frames longer after it
    assert (entries[one].first_frame, entries[two].first_frame) == (8, 6)
    movies = {dataset[i].video: dataset[i] for i in range(len(dataset))}
    assert len(movies[one].frames) == len(movies[two].frames) == 12
    # red = offset + frame number; the first pair's offsets are 0 and 1
    assert int(movies[one].frames[0, 0, 0, 0]) == 8 and int(movies[two].frames[0, 0, 0, 0]) == 7


def test_trimmed_starts_by_hand() -> None:
    assert trimmed_starts([400, 398], [329, 329]) == [332, 330]
    assert trimmed_starts([16, 17], [3, 3]) == [4, 5]
    assert parse_name("gravity/left__gravity__bigcup__ball__ui.mp4")["code"] == "ui"


@pytest.mark.parametrize(
    ("layout", "damage", "message"),
    [
        ("intphys2", "Videos/v9_2_Impossible.mp4", "1 of 8 videos listed in metadata.csv are not in Videos/"),
        ("grasp", "IP_Collision/b.mp4", "P_Collision/b.mp4 has no movie of the same name in IP_Collision/"),
        ("grasp", "IP_Gravity", "P_Gravity/ has no IP_Gravity/ beside it"),
        ("inflevel", "gravity.csv", "gravity.csv not found: copy evaluation_code/auxiliary_data_loading_files"),
        ("inflevel", "continuity/center__continuity__cup__duck__iv__LR.mp4", "finish copying InfLevel"),
    ],
)
def test_a_half_copied_layout_names_what_is_missing(
    layouts: dict[str, Path], tmp_path: Path, layout: str, damage: str, message: str
) -> None:
    root = shutil.copytree(layouts[layout], tmp_path / layout)
    target = root / damage
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises((FileNotFoundError, ValueError), match=message):
        read_probe_set(root)


def test_a_forced_layout_is_read_as_that_layout(layouts: dict[str, Path]) -> None:
    layout, entries = read_probe_set(layouts["grasp"], "grasp")
    assert layout.benchmark == "GRASP" and len(entries) == 6
    with pytest.raises(ValueError, match="--layout nope: unknown; choose one of intphys, csv"):
        read_probe_set(layouts["grasp"], "nope")
    with pytest.raises(FileNotFoundError, match="no probe movies found"):
        read_probe_set(layouts["grasp"], "intphys")


def test_the_cli_knows_every_layout_and_stops_on_a_half_copy_in_one_line(
    layouts: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from physpred.cli import main as physpred
    from physpred.data.probe_layouts import LAYOUTS
    from physpred.eval.cli import LAYOUT_NAMES

    assert tuple(LAYOUTS) == LAYOUT_NAMES
    root = shutil.copytree(layouts["grasp"], tmp_path / "grasp")
    shutil.rmtree(root / "IP_Gravity")
    argv = ["probe", "--baseline", "copy-last", "--data", str(root), "--out", str(tmp_path / "out")]
    assert physpred(argv) == 2
    err = capsys.readouterr().err
    assert err == f"physpred probe: {root}: P_Gravity/ has no IP_Gravity/ beside it; copy both folders\n"
    assert not (tmp_path / "out").exists()
