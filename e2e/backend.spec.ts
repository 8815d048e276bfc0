import { expect, test, type Page } from '@playwright/test';

const SHOTS = 'test-results/screenshots';

async function waitForEngine(page: Page): Promise<void> {
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
}

async function selfTestDiff(page: Page): Promise<number> {
  await page.getByTestId('selftest-run').click();
  const result = page.getByTestId('selftest-result');
  await expect(result).toBeVisible();
  return Number(await result.getAttribute('data-max-abs-diff'));
}

test('default page runs the engine on WebGPU (SwiftShader) and matches the CPU conv2d', async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  await page.goto('/');
  await waitForEngine(page);

  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', 'webgpu');
  const adapter = (await page.getByTestId('adapter-description').textContent()) ?? '';
  test.info().annotations.push({ type: 'webgpu-adapter', description: adapter });
  expect(adapter.toLowerCase()).toContain('swiftshader');

  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('coi-worker')).toHaveText('yes');

  const diff = await selfTestDiff(page);
  expect(diff).toBeLessThan(1e-4);
  await expect(page.getByTestId('selftest-result')).toHaveAttribute('data-backend', 'webgpu');

  await page.screenshot({ path: `${SHOTS}/backend-webgpu.png` });
  expect(consoleErrors).toEqual([]);
});

test('?backend=wasm turns WebGPU off, runs threaded WASM and says why', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await waitForEngine(page);

  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', 'wasm');
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('coi-page')).toHaveText('yes');
  await expect(page.getByTestId('coi-worker')).toHaveText('yes');
  await expect(page.getByTestId('fallback-webgpu')).toContainText('WebGPU disabled by ?backend=wasm');

  const threads = (await page.getByTestId('wasm-threads').textContent()) ?? '';
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  // XNNPACK's pool holds at most 8 threads; workers/backend.ts lifts TF.js' cores / 2 cap.
  const expected = Math.min(8, Math.max(1, cores));
  expect(threads).toContain(`${expected} (threaded SIMD build`);
  // simd.wat instantiated on the threaded build's shared memory.
  await expect(page.getByTestId('simd-kernels')).toHaveText(/^on /);

  const diff = await selfTestDiff(page);
  expect(diff).toBeLessThan(1e-4);

  await page.screenshot({ path: `${SHOTS}/backend-wasm.png` });
});

test('tabs are keyboard operable', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('tab-dataset').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('tab-synthetic')).toBeFocused();
  await expect(page.getByTestId('tab-synthetic')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('panel-synthetic')).toBeVisible();
  await page.keyboard.press('End');
  await expect(page.getByTestId('tab-runs')).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('tab-dataset')).toHaveAttribute('aria-selected', 'true');
});
