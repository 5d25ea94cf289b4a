# The two commands of the README. Each sets up .venv first (tools/setup_env.sh: pinned, idempotent).
PY := .venv/bin/python
DEMO_CFG := configs/mwam/segformer_rgbd_demo.py
DEMO_WORK := work_dirs/segformer_rgbd_demo

.PHONY: env demo test

env:
	bash tools/setup_env.sh

# Train the embedded default (tiny dual-MiT SegFormer + MWAM on the synthetic RGB-D demo set),
# then test the last checkpoint and print the missing-modality table.
demo: env
	@[ -f data/demo_rgbd/test.txt ] || $(PY) tools/misc/make_demo_rgbd.py --out data/demo_rgbd
	$(PY) tools/train.py $(DEMO_CFG) --work-dir $(DEMO_WORK)
	$(PY) tools/test.py $(DEMO_CFG) "$$(cat $(DEMO_WORK)/last_checkpoint)" --work-dir $(DEMO_WORK)/test

test: env
	$(PY) -m pytest -q tests
