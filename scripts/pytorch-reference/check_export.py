#!/usr/bin/python3
"""Loads a model exported by the playground ("Export for PyTorch") into the authors' reference modules
and scores the test images as their test.py does, then compares with the playground's own scores.

Not part of the test suite: it needs PyTorch (Debian: apt-get install python3-torch python3-torchvision
python3-scipy python3-sklearn) and the reference code, which is not in this repository. Put
github.com/SKKUAutoLab/DM-GRD in PYTORCH_REF_DIR/DM-GRD (default ../pytorch-ref beside the repository),
as for time_ref.py. Their code is imported as it is; only `.cuda()` becomes a no-op (CPU machine) and
the modules their data augmentation imports (cv2, imgaug) are stubbed, since nothing here uses them.

  1. Teacher weights: the playground serves no torchvision weights, so make seeded random ones with the
     reference's own ResNet (any torchvision state dict of the same architecture works as well):
       /usr/bin/python3 scripts/pytorch-reference/check_export.py teacher --arch resnet18 --out /tmp/r18.pth
  2. Train, evaluate and export in the playground:
       npm run bench -- --data ../shared/data/mvtec-256/bottle --teacher resnet18 \\
         --teacher-weights /tmp/r18.pth --steps 20 --export /tmp/export --out /tmp/export/bench.json
  3. Score with the reference and compare:
       /usr/bin/python3 scripts/pytorch-reference/check_export.py check --teacher /tmp/r18.pth \\
         --bundle /tmp/export/bottle-dmgrd-resnet18-step20-pytorch.zip --bench /tmp/export/bench.json \\
         --data ../shared/data/mvtec-256/bottle

It prints every image's two scores and the largest difference, and exits 1 when any differs by more
than --tolerance (default 1e-4).
"""
import argparse
import json
import os
import struct
import sys
import tempfile
import time
import types
import zipfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = os.environ.get('PYTORCH_REF_DIR', os.path.join(os.path.dirname(REPO), 'pytorch-ref'))
DMGRD = os.path.join(REF, 'DM-GRD')
ARCHS = ('resnet18', 'resnet34', 'wide_resnet50_2')


def import_reference():
    """The reference's modules, imported from their folder with the two stubs described above."""
    import torch

    class _Stub(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith('__'):
                raise AttributeError(attr)
            return _Stub(f'{self.__name__}.{attr}')

        def __call__(self, *a, **k):
            return _Stub(f'{self.__name__}()')

    for name in ('cv2', 'imgaug', 'imgaug.augmenters'):
        try:
            __import__(name)
        except ImportError:
            sys.modules[name] = _Stub(name)
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    if not os.path.isdir(DMGRD):
        sys.exit(f'check_export: the reference code is not at {DMGRD} (set PYTORCH_REF_DIR)')
    sys.path.insert(0, DMGRD)
    import models.resnet as resnet
    import models.de_resnet as de_resnet
    import models.msff as msff
    from models.memory_module import MemoryBank
    from data.dataset import Normalize, ToTensor
    import test as ref_test
    return types.SimpleNamespace(resnet=resnet, de_resnet=de_resnet, msff=msff, MemoryBank=MemoryBank,
                                 Normalize=Normalize, ToTensor=ToTensor, test=ref_test)


def build_msff(ref, arch):
    """Their MSFF() is written for wide_resnet50_2 (blocks of 512/1024/2048 channels). For the
    resnet18/34 teachers every channel count is a quarter of that; the same module classes are used."""
    m = ref.msff.MSFF()
    if arch != 'wide_resnet50_2':
        import torch.nn as nn
        m.blk1, m.blk2, m.blk3 = ref.msff.MSFFBlock(128), ref.msff.MSFFBlock(256), ref.msff.MSFFBlock(512)
        m.upconv32 = nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True),
                                   nn.Conv2d(256, 128, kernel_size=3, stride=1, padding=1))
        m.upconv21 = nn.Sequential(nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True),
                                   nn.Conv2d(128, 64, kernel_size=3, stride=1, padding=1))
    return m


def read_safetensors(path):
    """A minimal safetensors reader (F32 only, as the playground writes the banks): tensors, metadata."""
    import numpy as np
    import torch
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    meta = header.pop('__metadata__', {})
    out = {}
    for name, e in header.items():
        if e['dtype'] != 'F32':
            raise ValueError(f'{name}: dtype {e["dtype"]}, expected F32')
        a, b = e['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(raw[8 + n + a:8 + n + b], dtype='<f4').copy()).reshape(e['shape'])
    return out, meta


def make_teacher(args):
    import torch
    ref = import_reference()
    torch.manual_seed(args.seed)
    teacher, _ = getattr(ref.resnet, args.arch)(pretrained=False)
    torch.save(teacher.state_dict(), args.out)
    print(f'{args.arch} with seeded random weights (torch.manual_seed({args.seed})) -> {args.out}')


def check(args):
    import numpy as np
    import torch
    from PIL import Image
    from scipy.ndimage import gaussian_filter
    torch.set_num_threads(2)
    ref = import_reference()
    bench = json.load(open(args.bench))
    arch = bench['config']['teacher']
    if arch not in ARCHS:
        sys.exit(f'check_export: the run used the {arch} teacher, which has no torchvision counterpart')

    # Their test.py inference(): teacher and OCBE from the ResNet factory, the student, MSFF.
    teacher, bn = getattr(ref.resnet, arch)(pretrained=False)
    teacher.load_state_dict(torch.load(args.teacher, map_location='cpu'))
    student = getattr(ref.de_resnet, 'de_' + arch)(pretrained=False)
    msff = build_msff(ref, arch)
    with tempfile.TemporaryDirectory() as tmp:
        with zipfile.ZipFile(args.bundle) as z:
            z.extractall(tmp)
            names = z.namelist()
        pt = next(os.path.join(tmp, n) for n in names if n.endswith('/best_model.pt'))
        banks_path = next(os.path.join(tmp, n) for n in names if n.endswith('/memory_banks.safetensors'))
        ckp = torch.load(pt, map_location='cpu')  # exactly as their test.py loads best_model.pt
        bn.load_state_dict(ckp['bn'])
        student.load_state_dict(ckp['student'])
        msff.load_state_dict(ckp['msff'])
        banks, meta = read_safetensors(banks_path)
    sources = json.loads(meta['normal_sources'])
    memory = ref.MemoryBank(normal_dataset=[], nb_memory_sample=len(sources), is_normal=True)
    for l in range(3):
        memory.normal_memory_information[f'level{l}'] = banks[f'memory_bank_normal.normal_memory_information.level{l}']
        memory.update_normal_memory_information[f'level{l}'] = banks[
            f'memory_bank_normal.update_normal_memory_information.level{l}']
    print(f'loaded {args.bundle}: msff {len(ckp["msff"])}, student {len(ckp["student"])}, bn {len(ckp["bn"])} '
          f'tensors (strict load_state_dict); normal bank of {len(sources)} items from {sources[0]} ...')

    size = bench['config']['imageSize']
    normalize, to_tensor = ref.Normalize(), ref.ToTensor()
    root = os.path.dirname(os.path.abspath(args.data))
    teacher.eval(), bn.eval(), student.eval(), msff.eval()
    rows = []
    t0 = time.time()
    with torch.no_grad():
        for item in bench['images']:
            # Their MVTecDataset_test.__getitem__: RGB / 255, resized to 256 (these images already are), normalised.
            rgb = np.asarray(Image.open(os.path.join(root, item['path'])).convert('RGB'))
            if rgb.shape[:2] != (size, size):
                sys.exit(f'check_export: {item["path"]} is {rgb.shape[1]}x{rgb.shape[0]}; use a dataset stored at {size} px')
            img = to_tensor(normalize(rgb / 255.)).unsqueeze(0)
            # Their test.py evaluate(), per image.
            inputs = teacher(img)
            _, diff_bank, feats = memory.select(features1=inputs)
            outputs = student(bn(msff(features=feats)))
            scores = ref.test.cal_anomaly_map(inputs, outputs, img.shape[-1], amap_mode='a')
            scores = gaussian_filter(scores, sigma=4)
            scores = torch.from_numpy(scores).unsqueeze(0)
            score = torch.topk(torch.flatten(scores, start_dim=1), 100)[0].mean(dim=1).item()
            rows.append((item['path'], item['score'], score, item['selected'], int(diff_bank.argmin(dim=1))))
    diffs = [abs(a - b) for _, a, b, _, _ in rows]
    for path, ours, theirs, sel, ref_sel in rows:
        print(f'{path:45s} playground {ours:.7f}  reference {theirs:.7f}  |diff| {abs(ours - theirs):.2e}'
              f'  slot {sel}/{ref_sel}')
    worst = max(range(len(rows)), key=lambda i: diffs[i])
    same_slot = sum(r[3] == r[4] for r in rows)
    print(f'{len(rows)} images in {time.time() - t0:.0f} s; max |diff| {diffs[worst]:.3e} ({rows[worst][0]}), '
          f'mean |diff| {sum(diffs) / len(diffs):.3e}; same memory slot selected for {same_slot}/{len(rows)}; '
          f'torch {torch.__version__}')
    if diffs[worst] > args.tolerance:
        print(f'FAIL: scores differ by more than {args.tolerance}')
        sys.exit(1)
    print(f'PASS: every image score within {args.tolerance}')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest='cmd', required=True)
    t = sub.add_parser('teacher', help='write seeded random teacher weights with the reference ResNet')
    t.add_argument('--arch', choices=ARCHS, default='resnet18')
    t.add_argument('--seed', type=int, default=111)
    t.add_argument('--out', required=True)
    c = sub.add_parser('check', help='score the exported model with the reference code and compare')
    c.add_argument('--teacher', required=True, help='the teacher weights the playground used')
    c.add_argument('--bundle', required=True, help='the "Export for PyTorch" zip')
    c.add_argument('--bench', required=True, help='the bench report of the same run (per-image scores)')
    c.add_argument('--data', required=True, help='the dataset category folder the run evaluated')
    c.add_argument('--tolerance', type=float, default=1e-4)
    a = ap.parse_args()
    make_teacher(a) if a.cmd == 'teacher' else check(a)


if __name__ == '__main__':
    main()
