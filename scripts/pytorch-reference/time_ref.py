#!/usr/bin/python3
"""Timing harness for the authors' PyTorch reference code (RD4AD and DM-GRD) on CPU.

It imports the reference modules as they are and times only the model work: random 256x256 inputs,
random weights, no data loading/augmentation. The reference code is not part of this repository:
put it in one folder (PYTORCH_REF_DIR, default ../pytorch-ref beside the repository) as
  RD4AD/    github.com/hq-deng/RD4AD       (resnet.py, de_resnet.py, main.py, test.py)
  DM-GRD/   github.com/SKKUAutoLab/DM-GRD  (models/, losses.py, utils.py, test.py)
  pylib/    geomloss at its v0.2.6 tag (the version DM-GRD pins), i.e. pylib/geomloss/
and install PyTorch (Debian: apt-get install python3-torch python3-torchvision python3-scipy).

Usage:
  /usr/bin/python3 scripts/pytorch-reference/time_ref.py   # all cases (a Python with torch) -> bench-results/pytorch-ref.{txt,json}
  /usr/bin/python3 scripts/pytorch-reference/time_ref.py --only wrn50_rd --out /tmp/x   # one case
  SMOKE=1 ... (64 px, 1 run, no load wait: plumbing check only); BUDGET_S=seconds (default 2160)

Each case runs in its own subprocess ("--worker CASE") because both repos have modules called
resnet/de_resnet/test that would clash in one interpreter.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import types

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REF = os.environ.get('PYTORCH_REF_DIR', os.path.join(os.path.dirname(REPO), 'pytorch-ref'))
RD4AD = os.path.join(REF, 'RD4AD')
DMGRD = os.path.join(REF, 'DM-GRD')
PYLIB = os.path.join(REF, 'pylib')  # geomloss 0.2.6 (their pinned version), exported from its v0.2.6 tag
THREADS = 2
RUNS = 3
SLOW_S = 60.0  # if the warm-up step takes longer than this, time a single step only
LOAD_MAX = 1.5
SMOKE = os.environ.get('SMOKE') == '1'  # plumbing check only: 64 px, 1 run, no load wait


def load1():
    with open('/proc/loadavg') as f:
        return float(f.read().split()[0])


def uptime():
    return subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()


WAIT_BUDGET_S = float(os.environ.get('WAIT_BUDGET_S', 12 * 60))  # total load-waiting over the whole run


def wait_for_quiet(log):
    """If the 1-min load average is above 1.5, sleep 60 s and retry, up to 10 times.
    Extra caps so the whole run fits its time budget: total waiting over the run <= WAIT_BUDGET_S
    (tracked in the file named by WAITED_FILE) and never past the deadline. Returns True when it
    gave up waiting with the load still high (recorded as load_wait_exhausted)."""
    wf = os.environ.get('WAITED_FILE')
    waited = float(open(wf).read()) if wf and os.path.exists(wf) else 0.0
    deadline = float(os.environ.get('DEADLINE', '1e18'))
    if SMOKE:
        return False
    for i in range(10):
        l = load1()
        if l <= LOAD_MAX:
            return False
        if waited + 60 > WAIT_BUDGET_S or time.time() + 60 > deadline:
            log(f'  load {l:.2f} > {LOAD_MAX}; wait budget spent ({waited:.0f} s waited in this run), measuring anyway')
            return True
        log(f'  load {l:.2f} > {LOAD_MAX}; sleeping 60 s (retry {i + 1}/10)')
        time.sleep(60)
        waited += 60
        if wf:
            open(wf, 'w').write(str(waited))
    return load1() > LOAD_MAX


# ----------------------------------------------------------------------------- worker side

def stub_modules(names):
    """Modules only used by their data/metric/plot code (not installed here): importable placeholders
    so that test.py (which holds cal_anomaly_map) can be imported. Nothing we time touches them."""
    class _Stub(types.ModuleType):
        def __getattr__(self, attr):
            if attr.startswith('__'):
                raise AttributeError(attr)
            return _Stub(f'{self.__name__}.{attr}')

        def __call__(self, *a, **k):
            return _Stub(f'{self.__name__}()')  # their data module builds augmenters at import time

    for n in names:
        try:
            __import__(n)
        except ImportError:
            parts = n.split('.')
            for i in range(1, len(parts) + 1):
                sys.modules.setdefault('.'.join(parts[:i]), _Stub('.'.join(parts[:i])))


def worker(case, emit, log):
    import numpy as np
    import torch
    torch.set_num_threads(THREADS)
    torch.manual_seed(111)
    np.random.seed(111)
    # The reference code calls .cuda() on tensors/modules unconditionally; on this CPU-only machine
    # make that a no-op instead of editing their files.
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    from scipy.ndimage import gaussian_filter

    backbone, method = case.split('_')  # wrn50|rn50, rd|dmgrd
    frozen_variant = False

    if method == 'rd':
        sys.path.insert(0, RD4AD)
        stub_modules(['cv2', 'matplotlib', 'matplotlib.pyplot', 'matplotlib.ticker', 'skimage',
                      'pandas', 'sklearn', 'sklearn.metrics', 'sklearn.manifold'])
        import resnet as R
        import de_resnet as D
        import main as M  # loss_fucntion (their cosine KD loss)
        import test as T  # cal_anomaly_map
        if backbone == 'wrn50':
            encoder, bn = R.wide_resnet50_2(pretrained=False)
            decoder = D.de_wide_resnet50_2(pretrained=False)
        else:
            encoder, bn = R.resnet50(pretrained=False)
            decoder = D.de_resnet50(pretrained=False)
        encoder.eval()
        params = list(decoder.parameters()) + list(bn.parameters())

        def make_opt():
            return torch.optim.Adam(params, lr=0.005, betas=(0.5, 0.999)), None

        def train_step(img, opt, sched, marks):
            # RD4AD main.py train(): encoder.eval(); bn.train(); decoder.train(); per batch:
            bn.train()
            decoder.train()
            inputs = encoder(img)
            outputs = decoder(bn(inputs))
            marks.append(('forward', time.perf_counter()))
            loss = M.loss_fucntion(inputs, outputs)
            opt.zero_grad()
            loss.backward()
            marks.append(('loss+backward', time.perf_counter()))
            opt.step()
            loss.item()
            marks.append(('adam_step', time.perf_counter()))

        def infer(img, marks):
            # RD4AD test.py evaluation(): per image encoder -> bn -> decoder, cal_anomaly_map('a'),
            # gaussian_filter(sigma=4), score = max of the map.
            bn.eval()
            decoder.eval()
            with torch.no_grad():
                inputs = encoder(img)
                marks.append(('encoder', time.perf_counter()))
                outputs = decoder(bn(inputs))
                marks.append(('bn+decoder', time.perf_counter()))
                for i in range(img.shape[0]):  # their cal_anomaly_map reads sample 0 only
                    a_map, _ = T.cal_anomaly_map([f[i:i + 1] for f in inputs], [f[i:i + 1] for f in outputs],
                                                 img.shape[-1], amap_mode='a')
                    a_map = gaussian_filter(a_map, sigma=4)
                    float(np.max(a_map))
                marks.append(('anomaly_map+gauss', time.perf_counter()))

        teacher_params = list(encoder.parameters())
    else:
        sys.path.insert(0, PYLIB)
        sys.path.insert(0, DMGRD)
        stub_modules(['cv2', 'imgaug', 'imgaug.augmenters', 'sklearn', 'sklearn.metrics'])
        from models.resnet import wide_resnet50_2, resnet50
        from models.de_resnet import de_wide_resnet50_2, de_resnet50
        from models.msff import MSFF
        from models.memory_module import MemoryBank
        from losses import Separation_loss, kd_loss, triplet_loss
        from utils import CosineAnnealingWarmupRestarts
        from test import cal_anomaly_map
        if backbone == 'wrn50':
            teacher, bn = wide_resnet50_2(pretrained=False)
            student = de_wide_resnet50_2(pretrained=False)
        else:  # not used by their main.py (WRN50 only); the factories exist and the channel counts match
            teacher, bn = resnet50(pretrained=False)
            student = de_resnet50(pretrained=False)
        teacher.eval()
        nb_mem = 30  # their default --nb_memory_sample
        # MemoryBank.update indexes a dataset for [3,256,256] images; give it random images
        # (normal: their plain images; abnormal: their Fourier/Perlin-noised images -> also random).
        mem_normal = MemoryBank(normal_dataset=[torch.randn(3, 64 if SMOKE else 256, 64 if SMOKE else 256) for _ in range(nb_mem)],
                                nb_memory_sample=nb_mem, is_normal=True)
        mem_abnormal = MemoryBank(normal_dataset=[torch.randn(3, 64 if SMOKE else 256, 64 if SMOKE else 256) for _ in range(nb_mem)],
                                  nb_memory_sample=nb_mem, is_normal=False)
        t = time.perf_counter()
        mem_normal.update(teacher=teacher)
        mem_abnormal.update(teacher=teacher)
        log(f'  memory banks built (2 x {nb_mem} teacher forwards, untimed setup): {time.perf_counter() - t:.1f} s')
        msff = MSFF()
        sep = Separation_loss()
        params = list(student.parameters()) + list(bn.parameters()) + list(msff.parameters())

        def make_opt():
            opt = torch.optim.Adam(params, lr=0.005, betas=(0.5, 0.999))
            sched = CosineAnnealingWarmupRestarts(opt, first_cycle_steps=5000, max_lr=0.005, min_lr=0.0001,
                                                  warmup_steps=500)
            return opt, sched

        def train_step(img, opt, sched, marks):
            # DM-GRD train.py training(): teacher.eval(); student/bn/msff.train(); per batch:
            student.train()
            bn.train()
            msff.train()
            inputs = teacher(img)
            marks.append(('teacher', time.perf_counter()))
            n_info, n_diff, n_feat = mem_normal.select(features1=inputs)
            a_info, a_diff, a_feat = mem_abnormal.select(features1=inputs)
            marks.append(('memory_select x2', time.perf_counter()))
            msff_n = msff(features=n_feat)
            msff_a = msff(features=a_feat)
            marks.append(('msff x2', time.perf_counter()))
            outputs = student(bn(msff_n))
            marks.append(('bn+student', time.perf_counter()))
            loss_kd = kd_loss(inputs, outputs)
            loss_sep = sep(msff_n, msff_a)
            loss_tri = triplet_loss(n_info, n_diff, a_info, a_diff)
            loss = loss_kd + 0.2 * loss_sep + 0.1 * loss_tri
            marks.append(('losses', time.perf_counter()))
            loss.backward()
            marks.append(('backward', time.perf_counter()))
            opt.step()
            opt.zero_grad()
            loss.item(), loss_kd.item(), loss_sep.item(), loss_tri.item()
            sched.step()
            marks.append(('adam_step+sched', time.perf_counter()))

        def infer(img, marks):
            # DM-GRD test.py evaluate(): teacher -> normal memory select -> MSFF -> bn -> student,
            # cal_anomaly_map('a'), gaussian_filter(sigma=4), score = mean of top-100 map values.
            student.eval()
            bn.eval()
            msff.eval()
            with torch.no_grad():
                inputs = teacher(img)
                marks.append(('teacher', time.perf_counter()))
                _, _, feats = mem_normal.select(features1=inputs)
                marks.append(('memory_select', time.perf_counter()))
                m = msff(features=feats)
                marks.append(('msff', time.perf_counter()))
                outputs = student(bn(m))
                marks.append(('bn+student', time.perf_counter()))
                for i in range(img.shape[0]):  # their cal_anomaly_map reads sample 0 only
                    s = cal_anomaly_map([f[i:i + 1] for f in inputs], [f[i:i + 1] for f in outputs],
                                        img.shape[-1], amap_mode='a')
                    s = gaussian_filter(s, sigma=4)
                    s = torch.from_numpy(s).unsqueeze(0)
                    torch.topk(torch.flatten(s, start_dim=1), 100)[0].mean(dim=1).tolist()
                marks.append(('anomaly_map+gauss+top100', time.perf_counter()))

        teacher_params = list(teacher.parameters())

    plan = json.loads(os.environ['PLAN'])
    deadline = float(os.environ.get('DEADLINE', '1e18'))
    for phase, batch, frozen in plan:
        if frozen:
            # Variant, not in their code: teacher/encoder parameters stop requiring grad, so backward
            # skips the teacher weight gradients their code computes (and throws away).
            for p in teacher_params:
                p.requires_grad_(False)
        else:
            for p in teacher_params:
                p.requires_grad_(True)
        label = phase + ('_teacher_frozen' if frozen else '')
        if time.time() > deadline:
            log(f'[{case}] {label} batch {batch}: SKIPPED (time budget spent)')
            continue
        waited_out = wait_for_quiet(log)
        lb = load1()
        ub = uptime()
        log(f'[{case}] {label} batch {batch}: before: {ub}')
        img = torch.randn(batch, 3, 64 if SMOKE else 256, 64 if SMOKE else 256)
        opt = sched = None
        if phase == 'train':
            opt, sched = make_opt()  # fresh Adam per measurement (first step allocates its state)

        def once():
            c0 = time.process_time()
            marks = [('start', time.perf_counter())]
            if phase == 'train':
                train_step(img, opt, sched, marks)
            else:
                infer(img, marks)
            total = (marks[-1][1] - marks[0][1]) * 1000
            parts = {marks[i][0]: (marks[i][1] - marks[i - 1][1]) * 1000 for i in range(1, len(marks))}
            # process CPU time (all threads): cpu/wall near 2.0 means the run had both cores to itself
            parts['_cpu_ms'] = (time.process_time() - c0) * 1000
            return total, parts

        w, wparts = once()
        wparts.pop('_cpu_ms')
        log(f'  warm-up: {w:.0f} ms')
        n = 1 if (SMOKE or w / 1000 > SLOW_S) else RUNS
        runs, parts = [], []
        for _ in range(n):
            t, p = once()
            runs.append(t)
            parts.append(p)
            log(f'  run: {t:.0f} ms  ' + ', '.join(f'{k} {v:.0f}' for k, v in p.items())
                + f'  (cpu/wall {p["_cpu_ms"] / t:.2f})')
        la = load1()
        ua = uptime()
        log(f'  after: {ua}')
        med = statistics.median(runs)
        cpu = [p.pop('_cpu_ms') for p in parts]
        breakdown = {k: round(statistics.median(p[k] for p in parts), 1) for k in parts[0]}
        emit(dict(case=f'{backbone.upper()} {"RD" if method == "rd" else "DM-GRD"}', batch=batch, phase=label,
                  ms_median=round(med, 1), ms_per_image=round(med / batch, 1), runs=[round(r, 1) for r in runs],
                  ms_min=round(min(runs), 1), warmup_ms=round(w, 1), breakdown_ms_median=breakdown,
                  cpu_over_wall=[round(c / r, 2) for c, r in zip(cpu, runs)],
                  load_before=lb, load_after=la, uptime_before=ub, uptime_after=ua,
                  load_wait_exhausted=waited_out, torch_version=torch.__version__,
                  threads=torch.get_num_threads()))


# (phase, batch, teacher_frozen) per case. Pass 1: the cases docs/performance.md compares; pass 2: the
# "teacher frozen" variants (only if time is left).
PASSES = [
    [('wrn50_rd', [('infer', 1, False), ('infer', 8, False), ('train', 2, False), ('train', 8, False)]),
     ('wrn50_dmgrd', [('infer', 1, False), ('train', 2, False)]),
     ('rn50_rd', [('infer', 1, False), ('infer', 8, False), ('train', 8, False)]),
     ('rn50_dmgrd', [('infer', 1, False), ('infer', 8, False), ('train', 8, False)])],
    [('wrn50_dmgrd', [('train', 2, True)]),
     ('wrn50_rd', [('train', 2, True), ('train', 8, True)]),
     ('rn50_rd', [('train', 8, True)])],
]
BUDGET_S = float(os.environ.get('BUDGET_S', 36 * 60))  # no new measurement starts after this


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--worker')
    ap.add_argument('--only', nargs='*')
    ap.add_argument('--out', default=os.path.join(REPO, 'bench-results', 'pytorch-ref'))
    ap.add_argument('--pass', dest='passes', type=int, nargs='*', help='run only these passes (1 = required cases, 2 = teacher-frozen variants)')
    ap.add_argument('--plan', help="with one --only case: e.g. 'infer:1,infer:8,train:2:frozen'")
    a = ap.parse_args()
    if a.worker:
        def emit(d):
            print('RESULT ' + json.dumps(d), flush=True)

        def log(s):
            print(s, flush=True)
        worker(a.worker, emit, log)
        return
    t0 = time.time()
    if os.path.exists(a.out + '.waited'):
        os.remove(a.out + '.waited')
    deadline = t0 + BUDGET_S
    jobs = [(c, pl) for i, ps in enumerate(PASSES, 1) for c, pl in ps
            if (not a.only or c in a.only) and (not a.passes or i in a.passes)]
    if a.plan:
        steps = [x.split(':') for x in a.plan.split(',')]
        jobs = [(a.only[0], [(x[0], int(x[1]), len(x) > 2 and x[2] == 'frozen') for x in steps])]
    results = []
    os.makedirs(os.path.dirname(a.out), exist_ok=True)
    with open(a.out + '.txt', 'w') as raw:
        def out(s):
            print(s, flush=True)
            raw.write(s + '\n')
            raw.flush()
        import torch
        out(f'# time_ref.py  torch {torch.__version__}  threads {THREADS}  runs {RUNS} (median, after 1 warm-up)')
        out(f'# cmd: python3 {os.path.abspath(__file__)} ' + ' '.join(sys.argv[1:]))
        out(f'# start: {uptime()}')
        for case, plan in jobs:
            if time.time() > deadline:
                out(f'# {case} {plan}: SKIPPED (time budget spent)')
                continue
            env = dict(os.environ, OMP_NUM_THREADS=str(THREADS), PLAN=json.dumps(plan), DEADLINE=str(deadline),
                       WAITED_FILE=a.out + '.waited')
            p = subprocess.Popen([sys.executable, os.path.abspath(__file__), '--worker', case],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
            for line in p.stdout:
                line = line.rstrip('\n')
                out(line)
                if line.startswith('RESULT '):
                    results.append(json.loads(line[7:]))
                    with open(a.out + '.json', 'w') as f:
                        json.dump(results, f, indent=1)
                        f.write('\n')
            rc = p.wait()
            out(f'# {case} exit {rc}')
        out(f'# end: {uptime()}')
    if os.path.exists(a.out + '.waited'):
        os.remove(a.out + '.waited')


if __name__ == '__main__':
    main()
