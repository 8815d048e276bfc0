import { describe, expect, it } from 'vitest';
import { DEFAULT_SPEED_OPTIONS, parseSpeedArgs, QUICK_OPTIONS, speedUsage } from '../../scripts/speed/args';
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
