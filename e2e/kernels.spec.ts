import { expect, test } from '@playwright/test';
import type { ParityReport } from '../workers/parity-api';

// The custom WGSL kernels (src/core/kernels: cosine distance, map resize, 1-D blur passes) against
// the composite TF.js ops they replace, in the worker on WebGPU (SwiftShader here), tiny shapes.
// The golden side of the same kernels is the anomaly_map fixture of parity.spec.ts, which runs
// through them on WebGPU.
test('custom WebGPU kernels match the composite TF.js path', async ({ page }) => {
  test.setTimeout(180_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto('/?automation=1&backend=webgpu');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', 'webgpu');
  const reports: ParityReport[] = await page.evaluate(async () => {
    const engine = window.__engine;
    if (!engine) throw new Error('window.__engine is missing (needs ?automation=1)');
    return engine.runKernelChecks();
  });
  const text = reports
    .map((r) => `${r.pass ? 'ok  ' : 'FAIL'} ${r.check.padEnd(52)} ${(r.error ?? NaN).toExponential(2)}`)
    .join('\n');
  console.log(text);
  await test.info().attach('kernels-webgpu.txt', { body: text, contentType: 'text/plain' });
  expect(reports[0].check).toBe('custom kernels active: true');
  expect(reports.length).toBe(41);
  expect(reports.every((r) => r.backend === 'webgpu')).toBe(true);
  expect(reports.filter((r) => !r.pass)).toEqual([]);
  expect(consoleErrors).toEqual([]);
});
