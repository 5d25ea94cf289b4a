# The two commands of the README. Each sets up .venv first (tools/setup_env.sh: pinned, idempotent).
PY := .venv/bin/python
DEMO_CFG := configs/mwam/segformer_rgbd_demo.py
DEMO_WORK := work_dirs/segformer_rgbd_demo

DOCS_OUT := docs/en/_build/html

.PHONY: env demo test test-fast test-zoo lint docs

env:
	bash tools/setup_env.sh

# make demo ITERS=200: a shorter run than the config's 1000 iterations (the schedule and the checkpoint follow)
ITERS ?=
# the CPU threads of training and testing: the cores this machine gives (make demo THREADS=1 on a busy one)
THREADS ?= $(shell nproc 2>/dev/null || echo 1)
DEMO_OPTS := $(if $(ITERS),--cfg-options train_cfg.max_iters=$(ITERS) train_cfg.val_interval=$(ITERS) \
	param_scheduler.0.end=$(ITERS) default_hooks.checkpoint.interval=$(ITERS))

# Train the embedded default (tiny dual-MiT SegFormer + MWAM on the synthetic RGB-D demo set),
# then test the last checkpoint and print the missing-modality table.
demo: env
	@[ -f data/demo_rgbd/test.txt ] || $(PY) tools/misc/make_demo_rgbd.py --out data/demo_rgbd
	OMP_NUM_THREADS=$(THREADS) $(PY) tools/train.py $(DEMO_CFG) --work-dir $(DEMO_WORK) $(DEMO_OPTS)
	OMP_NUM_THREADS=$(THREADS) $(PY) tools/test.py $(DEMO_CFG) "$$(cat $(DEMO_WORK)/last_checkpoint)" \
		--work-dir $(DEMO_WORK)/test

# pytest-xdist worker processes of make test / test-fast / test-zoo (make test WORKERS=0: one process)
WORKERS ?= 2
XDIST := $(if $(filter-out 0,$(WORKERS)),-n $(WORKERS) --dist loadfile)

# the full suite (the model-zoo sweep aside: representative zoo configs run here)
test: env
	$(PY) -m pytest -q $(XDIST) tests

# day to day: without the slow tests (real trainings, the tools' subprocess smoke tests, packaging)
test-fast: env
	$(PY) -m pytest -q $(XDIST) -m "not slow and not zoo_sweep" tests

# the long sweep over the model zoos' configs (each converted and trained one step)
test-zoo: env
	$(PY) -m pytest -q $(XDIST) -m zoo_sweep tests

# ruff (lint + import order + format check; ruff.toml) and codespell (setup.cfg), as CI runs them
lint: env
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/codespell

# the documentation site (Sphinx + myst-parser, pinned in requirements/docs.txt): every warning is an error,
# internal links and heading anchors included; the pages are written to docs/en/_build/html
docs: env
	$(PY) -m pip install -q --disable-pip-version-check -r requirements/docs.txt
	$(PY) -m sphinx -W --keep-going -b html docs/en $(DOCS_OUT)
