r"""Convert an RGB checkpoint (an mmseg / mmdet model-zoo file, or your own RGB model) into a checkpoint of a
multimodal config: the RGB backbone goes into every modality's encoder (stems adapted to the modality's
channels), the neck and heads are kept as they are, tensors of another shape (a head with another class
count) are left out. Prints how many tensors each part of the model got.

    python tools/model_converters/rgb_to_multimodal.py configs/mwam/retinanet_r50_fpn_rgbt_llvip.py \
        retinanet_r50_fpn_1x_coco.pth retinanet_r50_fpn_rgbt_init.pth

Giving the RGB checkpoint as ``load_from`` (or ``--cfg-options load_from=...``) does the same at the start
of training; this tool writes the converted file for reuse or inspection.
"""

import argparse
import os.path as osp

import torch
from mmengine.registry import init_default_scope

import mmwam  # noqa: F401
from mmwam.models.checkpoint_fit import fit_state_dict, read_checkpoint
from mmwam.models.encoder_init import drop_pretrained
from mmwam.utils.cli import InputError, read_config, run_cli


def convert(config: str, checkpoint: str, out: str) -> list:
    """Fit an RGB checkpoint to a multimodal config and write it.

    Args:
        config (str): The multimodal config (a file, or an ``mmseg::`` / ``mmdet::`` name).
        checkpoint (str): The RGB checkpoint.
        out (str): The converted checkpoint written (its folder must exist).

    Returns:
        list: The report's lines, one per part of the model.

    Raises:
        ValueError: If the folder is missing, or the checkpoint does not fit the model.
    """
    if not osp.isdir(osp.dirname(osp.abspath(out))):
        raise InputError(f'{out}: the folder {osp.dirname(osp.abspath(out))} does not exist')
    cfg = read_config(config)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    from mmengine.registry import MODELS

    drop_pretrained(
        cfg.model
    )  # only the architecture is needed: the weights come from the checkpoint
    model = MODELS.build(cfg.model)
    ckpt = read_checkpoint(checkpoint, 'RGB checkpoint')
    state = ckpt.get('state_dict', ckpt)
    state = {k[len('module.') :] if k.startswith('module.') else k: v for k, v in state.items()}
    fitted, report = fit_state_dict(state, model)
    problem = report.refusal('init')
    if problem:
        raise InputError(f'RGB checkpoint {checkpoint}: {problem}')
    meta = dict(converted_from=osp.abspath(checkpoint), config=cfg.pretty_text)
    torch.save(dict(state_dict=fitted, meta=meta), out)
    return report.lines()


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        'config', help='the multimodal config (a file, or an mmseg:: / mmdet:: name)'
    )
    parser.add_argument('checkpoint', help='the RGB checkpoint (.pth)')
    parser.add_argument('out', help='the converted checkpoint to write')
    args = parser.parse_args()
    for line in convert(args.config, args.checkpoint, args.out):
        print(line)
    print(f'written: {args.out} (use it as load_from)')


if __name__ == '__main__':
    run_cli(main, 'rgb_to_multimodal')
