import { expect, test } from '@playwright/test';
import { CHROMIUM_PATH, QUIET_ARGS } from '../scripts/chromium.mjs';

// The same system Chromium without --enable-unsafe-webgpu has no WebGPU adapter, so the automatic
// chain must land on WASM and say why. (launchOptions force a separate browser, hence its own file.)
test.use({
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: QUIET_ARGS,
  },
});

test('auto falls back to WASM and names the missing adapter', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('engine-status')).toHaveAttribute('data-status', 'ready');
  await expect(page.getByTestId('backend-name')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('fallback-webgpu')).toContainText(
    /no WebGPU adapter|navigator\.gpu is missing/,
  );
  await expect(page.getByTestId('backend-choice')).toHaveAttribute('data-basis', 'no-webgpu');
  await expect(page.getByTestId('backend-choice')).toContainText(/^WASM \(.*\): WebGPU is unavailable/);
  await expect(page.getByTestId('coi-worker')).toHaveText('yes');
  await page.screenshot({ path: 'test-results/screenshots/backend-no-webgpu.png' });
});
