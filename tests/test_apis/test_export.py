"""ONNX export: onnxruntime's outputs equal PyTorch's for SegFormer, DeepLabV3+, RetinaNet and RTMDet
(local checkpoints), the predictions made from them equal the model's own, the graph has no MWAM, FRM
or balancer node (and is the baseline's graph), a missing modality is its channels zeroed."""

import collections
import glob
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
import torch
from conftest import ROOT, config_path, run_tool
from torch import nn

from mmwam.apis import inference_multimodal, init_model, prepare_batch
from mmwam.apis.export import (
    ExportWrapper,
    decode_detections,
    export_onnx,
    graph_node_names,
    onnx_session,
    run_onnx,
)
from mmwam.functional import frequency_ratio

pytest.importorskip('onnxruntime')
TRAINING_ONLY = ('mwam', 'balancer', 'frm', 'frequency', 'ogm')
DEEPLAB_R18 = {
    'model.backbone.depth': 18,
    'model.decode_head.in_channels': 512,
    'model.decode_head.channels': 32,
    'model.decode_head.c1_in_channels': 64,
    'model.decode_head.c1_channels': 16,
    'model.auxiliary_head.in_channels': 256,
    'model.auxiliary_head.channels': 16,
}
DETECTORS = [
    ('retinanet_r18_fpn_rgbt_llvip-mini_demo.py', None),
    ('rtmdet_tiny_rgbt_llvip-mini_demo.py', None),
]


def training_only_nodes(path):
    return [n for n in graph_node_names(path) if any(k in n.lower() for k in TRAINING_ONLY)]


def saved(model, path):
    """The model's weights as a checkpoint file (what a user's training leaves)."""
    torch.save(
        dict(state_dict=model.state_dict(), meta=dict(dataset_meta=model.dataset_meta)), path
    )
    return str(path)


def check_parity(model, inputs, path, atol):
    """onnxruntime vs PyTorch on the same normalized tensor, every output."""
    session = onnx_session(str(path))
    outs = run_onnx(session, inputs)
    with torch.no_grad():
        ref = ExportWrapper(model)(inputs)
    ref = ref if isinstance(ref, tuple) else (ref,)
    assert len(outs) == len(ref)
    for (name, out), r in zip(outs.items(), ref):
        assert out.shape == r.shape, name
        torch.testing.assert_close(out, r, rtol=1e-4, atol=atol, msg=name)
    return outs


def rgbt_pair(tmp_path, size=(96, 128)):
    import cv2

    rng = np.random.default_rng(1)
    rgb, ir = tmp_path / 'v.jpg', tmp_path / 'i.png'
    cv2.imwrite(str(rgb), rng.integers(0, 255, (*size, 3), dtype=np.uint8))
    cv2.imwrite(str(ir), rng.integers(0, 255, size, dtype=np.uint8))
    return dict(rgb=str(rgb), infrared=str(ir))


@pytest.mark.slow
def test_segformer_onnx_equals_pytorch_and_has_no_training_only_node(
    trained_demo, demo_root, tmp_path
):
    model = init_model(*trained_demo)
    rgb = sorted(glob.glob(osp.join(demo_root, 'RGB', '*.jpg')))[0]
    pair = dict(rgb=rgb, depth=rgb.replace('RGB', 'Depth').replace('.jpg', '.png'))
    inputs = model.data_preprocessor(prepare_batch(model, pair), False)['inputs']
    path = tmp_path / 'segformer.onnx'
    assert export_onnx(model, str(path), inputs.shape[2:]) == ['seg_logits']
    assert training_only_nodes(path) == []
    logits = check_parity(model, inputs, path, atol=1e-5)['seg_logits']
    # the label map from onnxruntime's logits is the model's own prediction
    assert torch.equal(logits.argmax(1)[0], inference_multimodal(model, pair).pred_sem_seg.data[0])
    # a missing modality: its channels zeroed in the normalized input, as in tools/test.py
    zeroed = model.data_preprocessor.zero_modalities(inputs, ['depth'])
    rgb_only = run_onnx(onnx_session(str(path)), zeroed)['seg_logits']
    expected = inference_multimodal(model, pair, subsets=['rgb'])['rgb'].seg_logits.data
    torch.testing.assert_close(rgb_only[0], expected, rtol=1e-4, atol=1e-5)


def test_mwam_graph_is_the_baseline_graph(trained_demo, tmp_path):
    """MWAM costs nothing at inference: the exported graph of the MWAM model has exactly the operators of
    the same model without MWAM; and the node check sees FRM where it is in a graph."""
    counts = []
    for mwam in (True, False):
        options = {} if mwam else {'model.mwam': None}
        model = init_model(trained_demo[0], cfg_options=options)
        assert (model.backbone.balancer is not None) == mwam
        path = tmp_path / f'{mwam}.onnx'
        export_onnx(model, str(path), (48, 48))
        counts.append(collections.Counter(n.split()[0] for n in graph_node_names(path)))
    assert counts[0] == counts[1]

    class FRM(nn.Module):
        def forward(self, x):
            return frequency_ratio(x)

    class WithFRM(
        nn.Module
    ):  # a graph that does contain FRM (in a module named as MWAM's): the check finds it
        def __init__(self):
            super().__init__()
            self.mwam = FRM()

        def forward(self, x):
            return self.mwam(x)

    path = tmp_path / 'frm.onnx'
    torch.onnx.export(
        WithFRM(), (torch.rand(1, 1, 32, 32),), str(path), dynamo=False, opset_version=17
    )
    assert training_only_nodes(path)


@pytest.mark.slow
def test_deeplabv3plus_onnx_equals_pytorch(tmp_path):
    config = config_path('mwam', 'deeplabv3plus_r50-d8_nyudv2.py')
    checkpoint = saved(init_model(config, cfg_options=DEEPLAB_R18), tmp_path / 'deeplab.pth')
    model = init_model(config, checkpoint, cfg_options=DEEPLAB_R18)
    path = tmp_path / 'deeplab.onnx'
    export_onnx(model, str(path), (64, 64))
    assert training_only_nodes(path) == []
    check_parity(model, torch.randn(1, 4, 64, 64), path, atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize(
    'config', ['retinanet_r18_fpn_rgbt_llvip-mini_demo.py', 'rtmdet_tiny_rgbt_llvip-mini_demo.py']
)
def test_detector_onnx_equals_pytorch_and_decodes_to_the_same_boxes(config, tmp_path):
    from mmwam.utils.setup_env import register_all_modules

    register_all_modules('mmdet')
    # initial weights score low: keep every box (no score threshold, no top-k cut, where near-equal scores
    # of onnxruntime and PyTorch could fall on either side)
    options = {
        'model.test_cfg.score_thr': 0.0,
        'model.test_cfg.nms_pre': 100000,
        'model.test_cfg.max_per_img': 100000,
    }
    torch.manual_seed(0)
    initial = init_model(config_path('mwam', config), cfg_options=options)
    for conv in getattr(
        initial.bbox_head, 'rtm_reg', []
    ):  # RTMDet regresses raw distances: make boxes, not
        conv.bias.data.fill_(1.0)  # negative widths, from the initial weights
    checkpoint = saved(initial, tmp_path / 'det.pth')
    model = init_model(config_path('mwam', config), checkpoint, cfg_options=options)
    pair = rgbt_pair(tmp_path)
    batch = prepare_batch(model, pair)
    data = model.data_preprocessor(batch, False)
    path = tmp_path / 'det.onnx'
    names = export_onnx(model, str(path), data['inputs'].shape[2:])
    assert names[0] == 'cls_score_0' and any(n.startswith('bbox_pred_') for n in names)
    assert training_only_nodes(path) == []
    outs = check_parity(model, data['inputs'], path, atol=1e-4)
    decoded = decode_detections(model, outs, data['data_samples'])[0].pred_instances
    expected = inference_multimodal(model, pair).pred_instances
    assert len(decoded) == len(expected) > 0

    def boxes_and_scores(instances):  # score scaled so that 1e-2 on a box is 1e-4 on its score
        return torch.cat([instances.bboxes, 100 * instances.scores[:, None]], dim=1)

    # the same detections, whatever the order of near-equal scores or boxes: each one in either set has a
    # twin in the other, within 1e-2 px and 1e-4 of score
    distance = torch.cdist(boxes_and_scores(decoded), boxes_and_scores(expected), p=float('inf'))
    assert distance.min(dim=1).values.max() <= 1e-2 and distance.min(dim=0).values.max() <= 1e-2


@pytest.mark.slow
def test_pytorch2onnx_tool_dynamic_shapes(trained_demo, tmp_path):
    tool = osp.join(ROOT, 'tools', 'deployment', 'pytorch2onnx.py')
    out = tmp_path / 'demo.onnx'
    proc = subprocess.run(
        [sys.executable, tool, *trained_demo, '--out', str(out), '--dynamic'],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    # SegFormer's attention has the traced sequence length built in: the size stays fixed, the batch is free
    assert '--dynamic: this model\'s graph has the input size built in' in proc.stdout
    assert (
        'input "inputs" 1 x 4 x 48 x 48 (free: batch), normalized channels rgb 3, depth 1; outputs seg_logits'
        in proc.stdout
    )
    assert '0 of MWAM / FRM / a balancer' in proc.stdout
    check_parity(init_model(*trained_demo), torch.randn(3, 4, 48, 48), out, atol=1e-5)
    proc = run_tool(tool, trained_demo[0], 'nope.pth', cwd=ROOT)
    assert (
        proc.returncode != 0
        and proc.stderr.strip().splitlines()[-1]
        == 'pytorch2onnx.py: error: checkpoint nope.pth: no such file'
    )


@pytest.mark.slow
def test_a_convolutional_detector_exports_with_free_batch_and_size(tmp_path):
    model = init_model(config_path('mwam', 'retinanet_r18_fpn_rgbt_llvip-mini_demo.py'))
    path = tmp_path / 'retinanet.onnx'
    export_onnx(model, str(path), (64, 96), dynamic=('batch', 'size'))
    for shape in ((1, 4, 64, 96), (2, 4, 128, 160)):
        check_parity(model, torch.randn(*shape), path, atol=1e-4)


@pytest.mark.slow
def test_benchmark_reports_onnxruntime_against_pytorch(trained_demo):
    proc = subprocess.run(
        [
            sys.executable,
            osp.join(ROOT, 'tools', 'deployment', 'benchmark_onnx.py'),
            *trained_demo,
            '--shape',
            '48',
            '48',
            '--batch',
            '2',
            '--iters',
            '2',
            '--warmup',
            '1',
            '--threads',
            '1',
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    import re

    m = re.search(
        r'PyTorch ([\d.]+) ms, onnxruntime ([\d.]+) ms, ratio onnxruntime / PyTorch ([\d.]+)',
        proc.stdout,
    )
    assert m, proc.stdout
    pytorch, ort, ratio = map(float, m.groups())
    assert abs(ratio - ort / pytorch) < 1e-2 * ratio + 1e-3
    assert 'batch 2, 48x48, 1 thread(s), median of 2 alternated iterations' in proc.stdout


def test_pytorch2onnx_bad_arguments_are_one_line(tmp_path, monkeypatch):
    """A batch of 0 (a floating point exception in the exporter) and an output folder that does not exist
    are refused before anything is built."""
    from mmwam.utils.cli import run_cli

    sys.path.insert(0, osp.join(ROOT, 'tools', 'deployment'))
    import pytorch2onnx

    cfg = config_path('mwam', 'segformer_rgbd_demo.py')
    for argv, message in (
        ([cfg, 'x.pth', '--batch', '0'], 'the batch must be 1 or more'),
        ([cfg, 'x.pth', '--out', str(tmp_path / 'no' / 'm.onnx')], 'does not exist'),
    ):
        monkeypatch.setattr(sys, 'argv', ['pytorch2onnx.py', *argv])
        with pytest.raises(SystemExit, match=f'pytorch2onnx.py: error: .*{message}'):
            run_cli(pytorch2onnx.main, 'pytorch2onnx.py')


def test_pytorch2onnx_takes_the_fixed_padding_of_the_test_pipeline():
    """RTMDet / YOLOX pad to a fixed size: the graph's default input is that size, so the config's own
    preprocessing feeds it (it used to be 512 x 512 whatever the config)."""
    sys.path.insert(0, osp.join(ROOT, 'tools', 'deployment'))
    import pytorch2onnx

    assert pytorch2onnx.padded_size(
        init_model(config_path('mwam', 'rtmdet_tiny_rgbt_llvip-mini_demo.py')).cfg
    ) == (320, 320)
    assert (
        pytorch2onnx.padded_size(init_model(config_path('mwam', 'segformer_rgbd_demo.py')).cfg)
        is None
    )
