#!/usr/bin/env bash
# `make demo`: generate a small world, train the demo model, probe it against two controls.
#
# Environment: DEMO_DIR (default runs/demo), DEMO_DATA (default data/demo), RECIPE (the
# configs given to `physpred fit -c`, in order; default the object model without labels at the
# demo's budget; `make pixel` and `make long` pass the pixel track's recipes, `make objects` the
# object model with the world's masks), WORLD_FLAGS (added to every `physpred world` command;
# default --masks: validation measures object discovery against them), WITH_MASKS (default
# runs/objects_masks: the with-masks run whose test table is printed beside this one when it is
# there), READ_FLAGS (added to the probe runs of the model and its untrained control; default, for
# the default RECIPE only: --frame_size 128, the probes read at the size they are rendered, the
# perception's options in pixels scaled with it by `physpred probe`),
# and `physpred` on PATH (the Makefile puts .venv/bin first). Generated data is reused
# when present (delete $DEMO_DATA to regenerate); the model is always retrained.
# Leaves $DEMO_DIR/model.ckpt, $DEMO_DIR/probe{,_untrained,_copy_last,_other_look}/{index.html,scores.csv,report.json,*.png} and $DEMO_DIR/compare.png.
set -euo pipefail

DEMO_DIR=${DEMO_DIR:-runs/demo}
DEMO_DATA=${DEMO_DATA:-data/demo}
# trained at 64, the label-free model reads the probes at 128: at 64 a ball's blended rim makes
# it as large as a box (lab row demo_objects_free_v56_fresh_box_read128: test 0.775 -> 0.883)
if [[ -z ${RECIPE:-} ]]; then default_read="--frame_size 128"; else default_read=""; fi
read -ra READ_FLAGS <<<"${READ_FLAGS-$default_read}"
read -ra RECIPE <<<"${RECIPE:-configs/objects_foreground.yaml configs/objects_demo.yaml}"
read -ra WORLD_FLAGS <<<"${WORLD_FLAGS---masks}"
WITH_MASKS=${WITH_MASKS:-runs/objects_masks}

step() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

# generate DIR COMMAND...: run COMMAND --out DIR.partial, then rename it; reuse DIR if present.
generate() {
  local dir=$1
  shift
  if [[ -d $dir ]]; then
    echo "reusing $dir (delete it to regenerate)"
    return
  fi
  rm -rf "$dir.partial"
  "$@" --out "$dir.partial"
  mv "$dir.partial" "$dir"
}

# The event-rich world of the lab notebook: about half the videos hide an object behind a
# screen, the rest fall, bounce, roll and rest on supports; none shows a violation.
KINDS=occlusion=4,gap=2,support=2,fall=1,bounce=1,mixed=1.5,reveal=1,roll=0.5,ramp=0.5
step "training videos -> $DEMO_DATA/train"
generate "$DEMO_DATA/train" physpred world videos --videos 4000 --frames 80 --frame_size 64 --seed 10 --kinds "$KINDS" ${WORLD_FLAGS[@]+"${WORLD_FLAGS[@]}"}

step "probes -> $DEMO_DATA/probes_dev (seed 1), $DEMO_DATA/probes_test (seed 2, also in a look never trained on)"
generate "$DEMO_DATA/probes_dev" physpred world probes --scenes_per_block 10 --frame_size 128 --frames 100 --seed 1 ${WORLD_FLAGS[@]+"${WORLD_FLAGS[@]}"}
generate "$DEMO_DATA/probes_test" physpred world probes --scenes_per_block 10 --frame_size 128 --frames 100 --seed 2 ${WORLD_FLAGS[@]+"${WORLD_FLAGS[@]}"}
generate "$DEMO_DATA/probes_test_swapped" physpred world probes --scenes_per_block 10 --frame_size 128 --frames 100 --seed 2 --style swapped ${WORLD_FLAGS[@]+"${WORLD_FLAGS[@]}"}

step "train -> $DEMO_DIR/model.ckpt"
# the demo retrains on purpose: fit refuses to overwrite a run, and probe to mix a new model's
# scores with those of the last one in the same folders
rm -rf "$DEMO_DIR/model.ckpt" "$DEMO_DIR"/probe{,_untrained,_copy_last,_other_look}
physpred fit "${RECIPE[@]/#/--config=}" --data.root "$DEMO_DATA/train" --trainer.default_root_dir "$DEMO_DIR"

# A window every 8 source frames (windows still overlap): scoring is the slow part on a CPU.
step "probe the model and the two controls on the test probes"
probe() { physpred probe --ckpt_path "$DEMO_DIR/model.ckpt" --data "$DEMO_DATA/probes_test" --stride 8 "$@"; }
probe --out "$DEMO_DIR/probe" ${READ_FLAGS[@]+"${READ_FLAGS[@]}"}
probe --out "$DEMO_DIR/probe_untrained" --baseline untrained ${READ_FLAGS[@]+"${READ_FLAGS[@]}"}
probe --out "$DEMO_DIR/probe_copy_last" --baseline copy-last  # pixels, at the model's size
step "probe the model on the test probes in another look (negative colours, red and blue swapped)"
physpred probe --ckpt_path "$DEMO_DIR/model.ckpt" --data "$DEMO_DATA/probes_test_swapped" --stride 8 --out "$DEMO_DIR/probe_other_look" ${READ_FLAGS[@]+"${READ_FLAGS[@]}"}

step "comparison (chance is 0.5; the controls must stay near it)"
runs=("$DEMO_DIR/probe" "$DEMO_DIR/probe_untrained" "$DEMO_DIR/probe_copy_last" "$DEMO_DIR/probe_other_look")
# the object model that reads the world's masks (`make objects`): the upper bound, named as such
if [[ $WITH_MASKS != "$DEMO_DIR" && -f $WITH_MASKS/probe/report.json ]]; then
  echo "beside it: $WITH_MASKS/probe, the object model WITH the world's masks (make objects)"
  runs+=("$WITH_MASKS/probe")
fi
physpred probe compare "${runs[@]}" --plot "$DEMO_DIR/compare.png"
