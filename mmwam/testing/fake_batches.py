"""Fake batches: what a data loader gives ``model.train_step`` / ``test_step`` (images of 0-255 values,
every modality stacked in the channels, and their data samples)."""

import torch
from mmengine.structures import InstanceData, PixelData


def fake_seg_batch(n=2, h=32, w=32, channels=4, num_classes=5, seed=0, edge_maps=False):
    """A segmentation batch: random images and labels.

    Args:
        n (int): the batch size.
        h (int): the images' height.
        w (int): the images' width.
        channels (int): every modality's channels together (4: RGB + depth).
        num_classes (int): labels are drawn from ``[0, num_classes)``.
        seed (int): the same seed gives the same batch.
        edge_maps (bool): edge maps too (``gt_edge_map``: PIDNet's).

    Returns:
        dict: ``inputs`` (a list of ``n`` float ``(channels, h, w)`` tensors) and ``data_samples`` (a list
        of ``SegDataSample`` with ``gt_sem_seg`` and an ``img_path``).
    """
    from mmseg.structures import SegDataSample

    g = torch.Generator().manual_seed(seed)
    inputs = [torch.randint(0, 255, (channels, h, w), generator=g).float() for _ in range(n)]
    samples = []
    for i in range(n):
        meta = dict(img_shape=(h, w), ori_shape=(h, w), pad_shape=(h, w), img_path=f'sample{i}.jpg')
        s = SegDataSample(metainfo=meta)
        s.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, h, w), generator=g))
        samples.append(s)
    for s in (
        samples if edge_maps else []
    ):  # drawn last: the images and labels are those of a batch without them
        s.gt_edge_map = PixelData(data=torch.randint(0, 2, (1, h, w), generator=g))
    return dict(inputs=inputs, data_samples=samples)


def fake_det_batch(n=2, size=64, channels=4, seed=0, masks=False):
    """A detection batch (mmdet's ``demo_mm_inputs``): two boxes of class 0 per image, with what some
    models and metrics read besides (a semantic map for HTC, proposals for Fast R-CNN, the annotations
    CocoMetric builds its ground truth from).

    Args:
        n (int): the batch size.
        size (int | tuple): the images' size, ``s`` or ``(h, w)``.
        channels (int): every modality's channels together (4: RGB + infrared).
        seed (int): seeds torch's global generator first, as the tests always did.
        masks (bool): instance masks too (instance-segmentation models).

    Returns:
        dict: ``inputs`` (a list of ``n`` uint8 ``(channels, h, w)`` tensors) and ``data_samples`` (a
        list of ``DetDataSample``).
    """
    from mmdet.testing import demo_mm_inputs

    h, w = (size, size) if isinstance(size, int) else size
    torch.manual_seed(seed)
    data = demo_mm_inputs(
        batch_size=n,
        image_shapes=[(channels, h, w)] * n,
        num_items=[2] * n,
        num_classes=2,
        with_mask=masks,
    )
    for i, s in enumerate(data['data_samples']):
        s.gt_instances.labels = torch.zeros_like(s.gt_instances.labels)  # drawn from [1, 2)
        s.ignored_instances = InstanceData(
            bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long)
        )
        s.gt_sem_seg = PixelData(sem_seg=torch.zeros((1, h, w), dtype=torch.uint8))
        s.proposals = InstanceData(
            bboxes=s.gt_instances.bboxes.clone(), scores=torch.ones(len(s.gt_instances.bboxes))
        )
        instances = [
            dict(bbox=b.tolist(), bbox_label=0, ignore_flag=0) for b in s.gt_instances.bboxes
        ]
        s.set_metainfo(dict(img_id=i, instances=instances))
    return data
