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

test('auto picks WASM over the SwiftShader adapter and says why', async ({ page }) => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  await page.goto('/');
  await waitForEngine(page);

  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', 'wasm');
  const adapter = (await page.getByTestId('adapter-description').textContent()) ?? '';
  test.info().annotations.push({ type: 'webgpu-adapter', description: adapter });
  expect(adapter.toLowerCase()).toContain('swiftshader');
  expect(adapter).toContain('(not used)');
  const choice = page.getByTestId('backend-choice');
  await expect(choice).toHaveAttribute('data-basis', 'software-adapter');
  await expect(choice).toContainText(
    /^WASM \(\d+ threads?, SIMD\): the WebGPU adapter is SwiftShader, a software fallback slower than WASM\./,
  );
  await expect(page.getByTestId('fallback-webgpu')).toContainText('SwiftShader');
  await expect(page.getByTestId('backend-auto')).toHaveCount(0);

  const diff = await selfTestDiff(page);
  expect(diff).toBeLessThan(1e-4);
  await expect(page.getByTestId('selftest-result')).toHaveAttribute('data-backend', 'wasm');
  await page.screenshot({ path: `${SHOTS}/backend-auto.png` });
  expect(consoleErrors).toEqual([]);
});

test('?backend=webgpu runs the engine on WebGPU (SwiftShader) and matches the CPU conv2d', async ({
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  await page.goto('/?backend=webgpu');
  await waitForEngine(page);

  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', 'webgpu');
  const adapter = (await page.getByTestId('adapter-description').textContent()) ?? '';
  expect(adapter.toLowerCase()).toContain('swiftshader');
  expect(adapter).not.toContain('(not used)');
  await expect(page.getByTestId('backend-choice')).toHaveAttribute('data-basis', 'forced');
  await expect(page.getByTestId('backend-choice')).toContainText('forced by ?backend=webgpu in the URL');
  await expect(page.getByTestId('backend-auto')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend-auto')).toContainText(
    'automatic selection picks WASM: the WebGPU adapter is SwiftShader',
  );

  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('coi-worker')).toHaveText('yes');

  const diff = await selfTestDiff(page);
  expect(diff).toBeLessThan(1e-4);
  await expect(page.getByTestId('selftest-result')).toHaveAttribute('data-backend', 'webgpu');

  await page.screenshot({ path: `${SHOTS}/backend-webgpu.png` });
  expect(consoleErrors).toEqual([]);
});

test('?backend=wasm runs threaded WASM and says the URL forced it and what auto picks', async ({ page }) => {
  await page.goto('/?backend=wasm');
  await waitForEngine(page);

  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', 'wasm');
  expect(await page.evaluate(() => window.crossOriginIsolated)).toBe(true);
  await expect(page.getByTestId('coi-page')).toHaveText('yes');
  await expect(page.getByTestId('coi-worker')).toHaveText('yes');
  await expect(page.getByTestId('backend-choice')).toContainText('forced by ?backend=wasm in the URL');
  await expect(page.getByTestId('backend-auto')).toContainText('automatic selection picks WASM too');
  await expect(page.getByTestId('fallback-webgpu')).toContainText(
    'not tried: ?backend=wasm in the URL forces WASM',
  );
  await expect(page.getByTestId('backend-panel')).not.toContainText('Why not a faster backend');

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

// SwiftShader is passed over unmeasured; the test hook makes auto time it as it times a real GPU.
test('the probe times both backends once, keeps the faster and remembers it', async ({ page }) => {
  await page.goto('/?automation=1&demo=0');
  await waitForEngine(page);
  const out = await page.evaluate(async () => {
    const engine = window.__engine!;
    const t0 = performance.now();
    const first = await engine.init({ backend: 'auto', probeSoftware: true });
    const probeMs = performance.now() - t0;
    const logsBefore = window.__engineEvents!.length;
    const second = await engine.init({ backend: 'auto', probeSoftware: true });
    const probedAgain = window
      .__engineEvents!.slice(logsBefore)
      .some((e) => e.type === 'log' && e.message.startsWith('Timing the'));
    const plain = await engine.init({ backend: 'auto' });
    return { first, second, plain, probeMs, probedAgain };
  });
  const probe = out.first.choice.probe!;
  test.info().annotations.push({
    type: 'probe',
    description: `WebGPU ${probe.webgpuMs} ms, WASM ${probe.wasmMs} ms; selection with probe ${Math.round(out.probeMs)} ms (machine under load)`,
  });
  expect(out.first.choice.basis).toBe('probe');
  expect(probe.webgpuMs).toBeGreaterThan(0);
  expect(probe.wasmMs).toBeGreaterThan(0);
  expect(out.first.backend).toBe(probe.webgpuMs! < probe.wasmMs! ? 'webgpu' : 'wasm');
  expect(out.first.choice.reason).toMatch(/^probe [\d.]+ ms vs (WebGPU|WASM) [\d.]+ ms$/);

  expect(out.second.choice.basis).toBe('remembered');
  expect(out.second.backend).toBe(out.first.backend);
  expect(out.second.choice.probe).toEqual(probe);
  expect(out.probedAgain).toBe(false);

  expect(out.plain.choice.basis).toBe('software-adapter');
  expect(out.plain.backend).toBe('wasm');
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
