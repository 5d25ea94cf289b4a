#!/usr/bin/env bash
# The robustness study of the results page, demo RGB-D set, 5 seeds: modality dropout at the feature level
# (the official MWAM code's level) with and without MWAM, evaluated at the feature and at the input level,
# and the encoder probe on every arm. Every step resumes: finished runs, tests and probes are read back.
#   bash tools/analysis_tools/robustness_study.sh [WORK_ROOT]      # default work_dirs/study; hours on a CPU
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python}
ROOT=${1:-work_dirs/study}
SEEDS=${SEEDS:-0 1 2 3 4}
C=configs/mwam
CMP="$PY tools/analysis_tools/compare_seeds.py --seeds $SEEDS --metric mIoU"
[ -f data/demo_rgbd/test.txt ] || $PY tools/misc/make_demo_rgbd.py --out data/demo_rgbd

# 1. feature-level dropout alone, + MWAM gradient, + MWAM gradient + loss: trained and evaluated at the
#    feature level, with the probes; then the same checkpoints evaluated at the input level
FEATURE=($C/segformer_rgbd_demo_dropout_baseline.py $C/segformer_rgbd_demo_dropout.py
         $C/segformer_rgbd_demo_dropout_mwam-both.py)
FEAT=(model.modality_dropout.level=feature val_cfg.zero_level=feature test_cfg.zero_level=feature)
$CMP "${FEATURE[@]}" --work-root $ROOT/feature --cfg-options "${FEAT[@]}" --probe
$CMP "${FEATURE[@]}" --work-root $ROOT/feature --cfg-options "${FEAT[@]}" \
    --test-name test_input --test-options test_cfg.zero_level=input

# 2. the input-level arms, with the probes
$CMP $C/segformer_rgbd_demo_baseline.py $C/segformer_rgbd_demo.py $C/segformer_rgbd_demo_mwam-both.py \
    $C/segformer_rgbd_demo_dropout_baseline.py $C/segformer_rgbd_demo_dropout_mwam-both.py \
    --work-root $ROOT/input --probe
