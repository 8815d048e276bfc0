import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SPEED_OPTIONS,
  parseSpeedArgs,
  QUICK_OPTIONS,
  SpeedArgsError,
  speedUsage,
} from '../../scripts/speed/args';
import { classifyError } from '../../scripts/speed/run';

describe('bench:speed flags', () => {
  it('parses defaults, lists, --quick and errors', () => {
    expect(parseSpeedArgs([]).options).toEqual(DEFAULT_SPEED_OPTIONS);
    const p = parseSpeedArgs([
      '--backend=webgpu',
      '--teachers',
      'resnet50,wide_resnet50_2',
      '--skip-train',
      '--size',
      '128',
    ]);
    expect(p.options).toMatchObject({
      backend: 'webgpu',
      teachers: ['resnet50', 'wide_resnet50_2'],
      trainBatches: [],
      referenceTrainBatch: null,
      imageSize: 128,
    });
    expect(() => parseSpeedArgs(['--teachers', 'vgg'])).toThrow(/unknown "vgg"/);
    expect(() => parseSpeedArgs(['--size', '100'])).toThrow(/multiple of 32/);
    expect(parseSpeedArgs(['--help']).help).toBe(true);
  });

  it('lets flags after --quick override its sizes', () => {
    expect(parseSpeedArgs(['--quick']).options).toMatchObject(QUICK_OPTIONS);
    expect(parseSpeedArgs(['--size', '96', '--quick']).options.imageSize).toBe(96);
    expect(parseSpeedArgs(['--peak-only']).options.teachers).toEqual([]);
    expect(speedUsage()).toMatch(/--skip-train/);
  });

  it('takes --flag value and --flag=value alike, and boolean flags bare', () => {
    const spaced = parseSpeedArgs(['--methods', 'rd', '--repeats', '5', '--infer-batches', '2,4,2']);
    expect(parseSpeedArgs(['--methods=rd', '--repeats=5', '--infer-batches=2,4,2'])).toEqual(spaced);
    expect(spaced.options).toMatchObject({ methods: ['rd'], repeats: 5, inferBatches: [2, 4] });
    expect(parseSpeedArgs(['--no-peak', '--no-profile', '--build']).options).toMatchObject({
      peak: false,
      profile: false,
      build: 'always',
    });
    expect(parseSpeedArgs(['--build', '--no-build']).options.build).toBe('never');
    expect(parseSpeedArgs(['--reference-batch=0']).options.referenceTrainBatch).toBeNull();
    for (const h of ['--help', '-h', '--h']) expect(parseSpeedArgs([h]).help).toBe(true);
  });

  it('runs over Dawn with --dawn (WebGPU only), checks kernels with --kernels, sets TF.js flags', () => {
    expect(parseSpeedArgs(['--dawn', 'x/dawn.node', '--kernels']).options).toMatchObject({
      dawn: 'x/dawn.node',
      backend: 'webgpu',
      kernels: true,
    });
    expect(() => parseSpeedArgs(['--dawn', 'd.node', '--backend', 'wasm'])).toThrow(/WebGPU only/);
    expect(parseSpeedArgs([]).options).toMatchObject({ kernels: false, tfFlags: {} });
    expect(
      parseSpeedArgs(['--tf-flags', 'WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE=60,DMGRD_WEBGPU_WINOGRAD=false'])
        .options.tfFlags,
    ).toEqual({ WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE: 60, DMGRD_WEBGPU_WINOGRAD: false });
    expect(() => parseSpeedArgs(['--tf-flags', 'lower=1'])).toThrow(/not NAME=value/);
    expect(() => parseSpeedArgs(['--tf-flags', 'A_B=fast'])).toThrow(/A_B needs a number, true or false/);
    expect(() => parseSpeedArgs(['--tf-flags', 'A_B'])).toThrow(/not NAME=value/);
  });

  it('names the flag in a one-line SpeedArgsError for an unknown flag, a missing value or a stray word', () => {
    for (const [argv, text] of [
      [['--turbo'], "Unknown option '--turbo'. Run with --help for the list."],
      [['--repeats'], "Option '--repeats <value>' argument missing"],
      [['--size', '--quick'], "Option '--size' argument is ambiguous."],
      [['--skip-train=yes'], "Option '--skip-train' does not take an argument"],
      [['fast'], "Unexpected argument 'fast'"],
      [['--out='], '--out needs a path.'],
      [['--backend', 'cpu'], '--backend must be wasm or webgpu.'],
      [['--weights=real'], '--weights must be served or random.'],
      [['--memory-items', '2'], '--memory-items needs a whole number >= 3.'],
      [['--repeats', '1.5'], '--repeats needs a positive whole number.'],
      [['--train-batches', '1,4'], '--train-batches: batches start at 2.'],
    ] as const) {
      expect(() => parseSpeedArgs([...argv])).toThrow(SpeedArgsError);
      expect(() => parseSpeedArgs([...argv])).toThrow(text);
      expect(() => parseSpeedArgs([...argv])).not.toThrow(/\n/);
    }
  });

  it('prints the flag table in the help text', () => {
    expect(speedUsage()).toMatch(/^ {2}--phase-timeout-s {4}limit per inference/m);
  });

  it('sorts phase failures into out of memory / timeout / crash', () => {
    expect(classifyError(new Error('RuntimeError: Aborted(OOM). Build with -sASSERTIONS')).error).toBe(
      'out of memory',
    );
    expect(classifyError(new Error('Array buffer allocation failed')).error).toBe('out of memory');
    expect(classifyError(new Error('x infer timed out after 600 s')).error).toBe('timeout');
    expect(classifyError(new Error('page.evaluate: Target crashed')).error).toBe('page crashed');
    expect(classifyError('boom')).toEqual({ error: 'failed', detail: 'boom' });
  });
});
