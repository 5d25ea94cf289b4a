"""mmwam.testing's fake batches: what a data loader gives, the same for the same seed."""

import torch

from mmwam.testing import fake_det_batch, fake_seg_batch


def test_seg_batch_shapes_labels_and_seed():
    data = fake_seg_batch(n=3, h=16, w=24, channels=5, num_classes=4, seed=1, edge_maps=True)
    assert [x.shape for x in data['inputs']] == [(5, 16, 24)] * 3
    assert all(x.dtype == torch.float32 and 0 <= x.min() and x.max() < 255 for x in data['inputs'])
    s = data['data_samples'][0]
    assert s.img_shape == s.ori_shape == (16, 24) and s.img_path == 'sample0.jpg'
    assert s.gt_sem_seg.data.shape == (1, 16, 24) and int(s.gt_sem_seg.data.max()) < 4
    assert set(s.gt_edge_map.data.unique().tolist()) <= {0, 1}
    again, other = fake_seg_batch(n=3, h=16, w=24, channels=5, seed=1), fake_seg_batch(seed=2)
    assert (
        torch.equal(again['inputs'][2], data['inputs'][2])
        and 'gt_edge_map' not in again['data_samples'][0]
    )
    assert not torch.equal(other['inputs'][0], fake_seg_batch()['inputs'][0])


def test_det_batch_boxes_and_what_models_and_metrics_read():
    data = fake_det_batch(n=2, size=(48, 64), channels=4, masks=True)
    assert [x.shape for x in data['inputs']] == [(4, 48, 64)] * 2
    for i, s in enumerate(data['data_samples']):
        assert s.gt_instances.labels.tolist() == [0, 0] and s.gt_instances.bboxes.shape == (2, 4)
        assert len(s.gt_instances.masks) == 2
        assert len(s.ignored_instances) == 0 and s.gt_sem_seg.sem_seg.shape == (1, 48, 64)
        assert torch.equal(s.proposals.bboxes, s.gt_instances.bboxes)
        assert s.img_id == i and [a['bbox_label'] for a in s.instances] == [0, 0]
    assert torch.equal(fake_det_batch(size=32)['inputs'][1], fake_det_batch(size=32)['inputs'][1])
