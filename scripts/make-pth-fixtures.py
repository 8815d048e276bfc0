#!/usr/bin/env python3
"""Generates the small PyTorch checkpoints under test/fixtures/pth/ and expected.json beside them.

The checkpoints are written by torch.save itself (plus two hand-built hostile files), so the TS reader
is tested against what PyTorch really writes; expected.json is produced here from the same tensors, so
this script, not our reader, is the ground truth. Run once with a Python that has torch (the Debian
package python3-torch, 1.13, was used): `/usr/bin/python3 scripts/make-pth-fixtures.py`.
The tests never need torch. The hostile pickle is assembled from raw opcodes and is never unpickled.
"""

import io
import json
import os
import zipfile
from collections import OrderedDict

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'pth')
torch.manual_seed(7)


def values(t):
    t = t.detach().contiguous()
    if t.dtype == torch.bool:
        return [int(v) for v in t.flatten().tolist()]
    if t.dtype in (torch.float16, torch.bfloat16, torch.float64):
        return t.to(torch.float32).flatten().tolist()
    return t.flatten().tolist()


DTYPE = {
    torch.float32: 'F32',
    torch.float16: 'F16',
    torch.bfloat16: 'BF16',
    torch.float64: 'F64',
    torch.int64: 'I64',
    torch.int32: 'I32',
    torch.uint8: 'U8',
    torch.bool: 'BOOL',
}


def describe(flat):
    return {k: {'dtype': DTYPE[v.dtype], 'shape': list(v.shape), 'values': values(v)} for k, v in flat.items()}


def flatten(obj, prefix=''):
    out = OrderedDict()
    for k, v in obj.items():
        name = f'{prefix}{k}'
        if isinstance(v, dict):
            out.update(flatten(v, name + '.'))
        elif isinstance(v, torch.Tensor):
            out[name] = v
    return out


expected = {}


def save(name, obj, **kw):
    path = os.path.join(OUT, name)
    torch.save(obj, path, **kw)
    expected[name] = describe(flatten(obj))


# 1. A real module state_dict: conv + BN (int64 num_batches_tracked scalar, OrderedDict with _metadata).
net = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
with torch.no_grad():
    net[1].running_mean.normal_()
    net[1].running_var.uniform_(0.5, 1.5)
save('f32_state_dict.pth', net.state_dict())

# 2. float16 weights.
save('f16_state_dict.pth', OrderedDict([('w', torch.randn(3, 5).half()), ('b', torch.randn(5).half())]))

# 3. Views sharing one storage: a transposed view and an offset slice (non-contiguous, offset > 0).
base = torch.arange(24, dtype=torch.float32).reshape(4, 6) / 8
save(
    'noncontiguous.pth',
    OrderedDict([('base', base), ('t', base.t()), ('slice', base[1:, 2:5]), ('col', base[:, 3])]),
)

# 4. Nested dicts like the reference's best_model.pt, with non-tensor leaves (ignored by the reader).
save(
    'nested.pth',
    {
        'msff': OrderedDict([('blk1.conv1.weight', torch.randn(2, 2, 3, 3)), ('blk1.conv1.bias', torch.randn(2))]),
        'student': OrderedDict([('layer1.0.conv1.weight', torch.randn(3, 2, 2, 2))]),
        'bn': {'inner': OrderedDict([('bn1.running_var', torch.rand(3))])},
        'epoch': 12,
        'auroc': 0.975,
        'name': 'run',
    },
)

# 5. Integer, double, bf16, bool and uint8 tensors.
save(
    'dtypes.pth',
    OrderedDict(
        [
            ('i64', torch.tensor([[1, -2, 3], [2**31 - 1, -(2**31), 0]], dtype=torch.int64)),
            ('i32', torch.tensor([5, -6], dtype=torch.int32)),
            ('f64', torch.tensor([0.1, -2.5], dtype=torch.float64)),
            ('bf16', torch.tensor([1.5, -3.0, 0.007812], dtype=torch.bfloat16)),
            ('u8', torch.tensor([0, 255, 7], dtype=torch.uint8)),
            ('bool', torch.tensor([True, False, True])),
            ('scalar', torch.tensor(3.25)),
        ]
    ),
)

# 6. The pre-1.6 ("legacy") format, which older torchvision checkpoints use.
save('legacy.pth', OrderedDict([('w', torch.randn(2, 3)), ('t', base.t()[1:3])]), _use_new_zipfile_serialization=False)

# 7. Hostile: a torch-like zip whose data.pkl calls os.system('echo pwned'). Built from opcodes, never loaded.
evil = (
    b'\x80\x02'  # PROTO 2
    + b'cos\nsystem\n'  # GLOBAL os.system
    + b'X\x0a\x00\x00\x00echo pwned'  # BINUNICODE
    + b'\x85'  # TUPLE1
    + b'R'  # REDUCE
    + b'.'  # STOP
)
with zipfile.ZipFile(os.path.join(OUT, 'malicious.pth'), 'w', zipfile.ZIP_STORED) as z:
    z.writestr('archive/data.pkl', evil)
    z.writestr('archive/version', '3\n')

# 8. Hostile: a storage whose declared element count exceeds its bytes in the archive.
buf = io.BytesIO()
torch.save(OrderedDict([('w', torch.zeros(4))]), buf)
with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as src, zipfile.ZipFile(
    os.path.join(OUT, 'short_storage.pth'), 'w', zipfile.ZIP_STORED
) as dst:
    for info in src.infolist():
        data = src.read(info.filename)
        if info.filename.endswith('/data/0'):
            data = data[:8]  # 2 of the 4 floats
        dst.writestr(info.filename, data)

with open(os.path.join(OUT, 'expected.json'), 'w') as f:
    json.dump(expected, f, indent=1)
    f.write('\n')

total = sum(os.path.getsize(os.path.join(OUT, n)) for n in os.listdir(OUT))
print(f'wrote {len(os.listdir(OUT))} files, {total} bytes, torch {torch.__version__}')
assert total < 50_000, 'fixtures must stay small'
