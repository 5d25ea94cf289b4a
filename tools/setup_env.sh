#!/usr/bin/env bash
# Creates (or reuses) the virtual environment .venv inside the checkout with the pinned CPU stack
# (requirements/constraints.txt) and installs mmwam into it in editable mode. Idempotent.
# mmcv 2.1.0 ships only as source: it is built once with its CPU ops (about 5 minutes on 2 cores) and
# the wheel is cached in $MMWAM_WHEEL_CACHE (default ~/.cache/mmwam/wheels) for later checkouts.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv=${MMWAM_VENV:-$root/.venv}
cache=${MMWAM_WHEEL_CACHE:-$HOME/.cache/mmwam/wheels}
pins=$root/requirements/constraints.txt
stamp=$venv/.mmwam-installed
want=$(cat "$pins" "$root/setup.py" "$root"/requirements/*.txt | sha1sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then exit 0; fi

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
py=$venv/bin/python
pin() { grep -E "^$1==" "$pins"; }
pip_() { "$py" -m pip install -q --disable-pip-version-check "$@"; }

pip_ "$(pin torch)" "$(pin setuptools)" "$(pin wheel)" "$(pin ninja)" "$(pin numpy)"
# mmcv's own runtime deps (mmengine among them) before mmcv itself, so pip's resolver never sees mmcv
# without them; -c keeps every transitive package pinned too
pip_ -c "$pins" addict packaging Pillow pyyaml yapf opencv-python "$(pin mmengine)"
mmcv_pin=$(pin mmcv)
if ! "$py" -c 'import mmcv.ops' 2>/dev/null; then
  mkdir -p "$cache"
  tag=$("$py" -c 'import sys, torch; print("torch%s-py%d%d" % (torch.__version__.split("+")[0], *sys.version_info[:2]))')
  whl_dir=$cache/$tag
  if ! ls "$whl_dir"/mmcv-2.1.0-*.whl >/dev/null 2>&1; then
    echo "[setup_env] building $mmcv_pin with CPU ops against $tag (one-off, about 5 minutes on 2 cores)"
    mkdir -p "$whl_dir"
    PATH=$venv/bin:$PATH MMCV_WITH_OPS=1 FORCE_CUDA=0 MAX_JOBS=${MAX_JOBS:-2} CFLAGS=-g0 \
      "$py" -m pip wheel -q --no-build-isolation --no-deps -w "$whl_dir" "$mmcv_pin"
  fi
  pip_ --no-deps "$whl_dir"/mmcv-2.1.0-*.whl
fi
# then everything else at its pin
pip_ -c "$pins" -r "$root/requirements/runtime.txt" -r "$root/requirements/tests.txt" \
  -r "$root/requirements/deploy.txt" -r "$root/requirements/lint.txt" \
  "$(pin mmsegmentation)" "$(pin mmdet)" "$(pin matplotlib)" "$(pin pycocotools)" \
  "$(pin shapely)" "$(pin terminaltables)" "$(pin prettytable)"
pip_ --no-deps --no-build-isolation -e "$root"
"$py" -c 'import mmcv.ops, mmseg, mmdet, mmwam; print("[setup_env] ok: mmcv", mmcv.__version__, "mmseg", mmseg.__version__, "mmdet", mmdet.__version__)'
echo "$want" > "$stamp"
