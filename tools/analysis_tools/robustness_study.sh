#!/usr/bin/env bash
# The robustness study of the results page (docs/en/results.md), demo RGB-D set, 5 seeds: modality dropout
# at the feature level (the official MWAM code's level) with and without MWAM, each evaluated at the feature
# and the input level, then the encoder probe on every arm. Every step resumes: finished runs are read back.
#   bash tools/analysis_tools/robustness_study.sh [WORK_ROOT]      # default work_dirs/study; hours on a CPU
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-python}
ROOT=${1:-work_dirs/study}
SEEDS=${SEEDS:-0 1 2 3 4}
C=configs/mwam
[ -f data/demo_rgbd/test.txt ] || $PY tools/misc/make_demo_rgbd.py --out data/demo_rgbd

# the encoder probe on every arm and seed (300 iterations, probe seed 0)
probe() {
  for w in "$@"; do
    [ -f $w/probe.json ] && continue
    cfg=$(basename $w); cfg=${cfg%_seed*}
    $PY tools/analysis_tools/probe_encoders.py $C/$cfg.py "$(cat $w/last_checkpoint)" --out $w/probe.json >/dev/null
  done
}

# 1. feature-level dropout: alone, + MWAM gradient, + MWAM gradient + loss; trained and evaluated at the
#    feature level
FEAT=(model.modality_dropout.level=feature val_cfg.zero_level=feature test_cfg.zero_level=feature)
$PY tools/analysis_tools/compare_seeds.py $C/segformer_rgbd_demo_dropout_baseline.py \
    $C/segformer_rgbd_demo_dropout.py $C/segformer_rgbd_demo_dropout_mwam-both.py \
    --seeds $SEEDS --metric mIoU --work-root $ROOT/feature --cfg-options "${FEAT[@]}"

# 2. the same checkpoints evaluated at the input level (a zeroed input, as a deployed model sees it)
for cfg in segformer_rgbd_demo_dropout_baseline segformer_rgbd_demo_dropout segformer_rgbd_demo_dropout_mwam-both; do
  for s in $SEEDS; do
    w=$ROOT/feature/${cfg}_seed$s
    ls $w/test_input/*/missing_modality_metrics.json >/dev/null 2>&1 && continue
    $PY tools/test.py $C/$cfg.py "$(cat $w/last_checkpoint)" --work-dir $w/test_input \
        --cfg-options model.modality_dropout.level=feature test_cfg.zero_level=input >/dev/null
  done
done

probe $ROOT/feature/*_seed*

# 3. input-level arms (the checkpoints the probes need)
$PY tools/analysis_tools/compare_seeds.py $C/segformer_rgbd_demo_baseline.py $C/segformer_rgbd_demo.py \
    $C/segformer_rgbd_demo_mwam-both.py $C/segformer_rgbd_demo_dropout_baseline.py \
    $C/segformer_rgbd_demo_dropout_mwam-both.py --seeds $SEEDS --metric mIoU --work-root $ROOT/input

probe $ROOT/input/*_seed*
echo "robustness_study: done; summaries in $ROOT/*/summary.md, probes in $ROOT/*/*/probe.json"
