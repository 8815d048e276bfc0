import { expect, test, type ConsoleMessage, type Request, type Worker } from '@playwright/test';
import { runDemo } from './helpers/demo';

// Privacy: a whole visit (load with the built-in dataset, train, evaluate, export the checkpoint)
// makes no request outside the app's origin, from the page, the engine worker or the service
// worker; and the Content-Security-Policy blocks a deliberate attempt.

interface Violation {
  directive: string;
  blocked: string;
}

declare global {
  interface Window {
    __cspViolations?: Violation[];
  }
}

test('a whole visit stays on the origin, under a CSP that forbids leaving it', async ({ page, context }) => {
  test.setTimeout(300_000);
  const requests: Request[] = [];
  // Context level: includes the dedicated worker's and the service worker's requests (Chromium).
  context.on('request', (r) => requests.push(r));
  // Browser messages of the page and of its workers ("Refused to connect to …" for a violation).
  const console: string[] = [];
  const record = (m: ConsoleMessage) => {
    if (m.type() === 'error' || m.type() === 'warning') console.push(m.text());
  };
  page.on('console', record);
  // Workers have their own policy and report its violations to themselves: listen inside each.
  const workerViolations = (w: Worker) =>
    w.evaluate(() => (self as unknown as { __cspViolations?: Violation[] }).__cspViolations ?? null);
  page.on('worker', (w) => {
    w.on('console', record);
    void w
      .evaluate(() => {
        const scope = self as unknown as { __cspViolations?: Violation[] };
        scope.__cspViolations = [];
        self.addEventListener('securitypolicyviolation', (e) =>
          scope.__cspViolations!.push({ directive: e.effectiveDirective, blocked: e.blockedURI }),
        );
      })
      .catch(() => undefined);
  });
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__cspViolations!.push({ directive: e.effectiveDirective, blocked: e.blockedURI }),
    );
  });

  const origin = new URL(test.info().project.use.baseURL!).origin;
  await page.goto('/?backend=wasm&demoSteps=1');
  const main = await page.request.get('/');
  const csp = main.headers()['content-security-policy'];
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("connect-src 'self' blob: data:");
  // Static hosts without header control get the same policy from the page itself.
  await expect(page.locator('meta[http-equiv="Content-Security-Policy"]')).toHaveAttribute(
    'content',
    /default-src 'self'.*connect-src 'self' blob: data:/,
  );

  // Load (the built-in dataset) → train → evaluate, all in the one-click demo.
  await runDemo(page);
  // Export: download the checkpoint.
  await page.getByTestId('tab-export').click();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-checkpoint').click(),
  ]);
  expect((await download.createReadStream()).readable).toBe(true);
  expect(download.suggestedFilename()).toMatch(/\.safetensors$/);
  // The service worker precaches while the demo runs; wait for it so its requests are recorded.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });

  const urls = requests.map((r) => r.url());
  const offOrigin = urls.filter(
    (u) => !u.startsWith('blob:') && !u.startsWith('data:') && new URL(u).origin !== origin,
  );
  expect(offOrigin).toEqual([]);
  // The recorder really saw the visit: the worker's teacher weights and WASM binary, the service
  // worker's precache, the page's own scripts.
  const fromWorker = requests.filter((r) => r.serviceWorker() === null && r.url().includes('/teachers/'));
  expect(urls.some((u) => u.includes('/teachers/mobilenet_v2/'))).toBe(true);
  expect(urls.some((u) => u.endsWith('.wasm'))).toBe(true);
  expect(requests.some((r) => r.serviceWorker() !== null)).toBe(true);
  expect(urls.length).toBeGreaterThanOrEqual(10);
  expect(fromWorker.length).toBeGreaterThan(0);

  // The engine worker runs under the same policy (a worker takes the CSP of its own response).
  const workerScript = requests.find((r) => /engine\.worker-[^/]*\.js$/.test(r.url()));
  expect(workerScript).toBeDefined();
  const workerResponse = await workerScript!.response();
  expect(workerResponse?.headers()['content-security-policy']).toBe(csp);

  // The threaded WASM build (pthread workers started from blob: URLs) ran under that policy.
  await expect(page.getByTestId('coi-worker')).toHaveText('yes');
  await expect(page.getByTestId('wasm-threads')).toContainText(/\(threaded (no-)?SIMD build/);

  // Nothing the app did during the visit was refused by the policy.
  const refused = (t: string) => /Content Security Policy|Refused to/i.test(t);
  expect(await page.evaluate(() => window.__cspViolations)).toEqual([]);
  expect(console.filter(refused)).toEqual([]);

  // The engine worker enforces the policy itself (and its console reaches the recorder above).
  const engineWorker = page.workers().find((w) => /engine\.worker-[^/]*\.js$/.test(w.url()));
  expect(engineWorker).toBeDefined();
  expect(await workerViolations(engineWorker!)).toEqual([]);
  const fromEngine = await engineWorker!.evaluate(() =>
    fetch('https://example.com/worker').then(
      () => 'ok',
      () => 'blocked',
    ),
  );
  expect(fromEngine).toBe('blocked');
  await expect
    .poll(() => workerViolations(engineWorker!))
    .toEqual([{ directive: 'connect-src', blocked: 'https://example.com/worker' }]);

  // A deliberate cross-origin request is blocked by the policy (the network is closed here anyway,
  // so the violation event is the real assertion).
  const attempt = await page.evaluate(async () => {
    const fetched = await fetch('https://example.com/collect').then(
      () => 'ok',
      () => 'blocked',
    );
    const img = await new Promise<string>((resolve) => {
      const i = new Image();
      i.onload = () => resolve('ok');
      i.onerror = () => resolve('blocked');
      i.src = 'https://example.com/pixel.png';
    });
    // Violation events are dispatched asynchronously.
    await new Promise((r) => setTimeout(r, 200));
    return { fetched, img, violations: window.__cspViolations };
  });
  expect(attempt.fetched).toBe('blocked');
  expect(attempt.img).toBe('blocked');
  // Reported once by the header policy and once by the <meta> copy: both are enforced.
  const seen = attempt.violations!.map((v) => `${v.directive} ${v.blocked}`).sort();
  expect(seen).toEqual([
    'connect-src https://example.com/collect',
    'connect-src https://example.com/collect',
    'img-src https://example.com/pixel.png',
    'img-src https://example.com/pixel.png',
  ]);
  test.info().annotations.push({
    type: 'requests',
    description: `${urls.length} requests, ${fromWorker.length} by the engine worker, ${
      requests.filter((r) => r.serviceWorker() !== null).length
    } by the service worker`,
  });
});
