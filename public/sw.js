/* global self, caches */
/*
 * Offline support for the DM-GRD Playground (hand-written, no build step). Registered from
 * src/client/service-worker.ts in production builds as `sw.js?v=<main bundle name>`, so every
 * build installs afresh.
 *
 * - install: caches the app shell and every emitted asset listed in precache.json (JS, CSS, the
 *   WASM binaries, written by scripts/precache-plugin.ts at build time) plus the weights of the
 *   demo teacher (mobilenet_v2, read from its model.json);
 * - navigations: network first (a new build is picked up), the cached shell when offline;
 * - other same-origin GETs: cache first, then network (and cached for next time: other teachers
 *   become available offline once used);
 * - every response it serves carries the cross-origin isolation headers, so COOP/COEP (hence
 *   SharedArrayBuffer and multi-threaded WASM) keep working when the page comes from the cache.
 */

const VERSION = new URL(self.location.href).searchParams.get('v') || 'dev';
const PRECACHE = `dmgrd-precache-${VERSION}`;
const RUNTIME = 'dmgrd-runtime';
const DEMO_TEACHER = 'mobilenet_v2';
const NAVIGATION_TIMEOUT_MS = 4000;
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

const scoped = (path) => new URL(path, self.registration.scope).href;

/** A copy of `res` with the isolation headers added (also drops the `redirected` flag). */
function isolated(res) {
  if (!res || res.type === 'opaque' || res.type === 'opaqueredirect' || res.status === 0) return res;
  const headers = new Headers(res.headers);
  for (const [k, v] of Object.entries(ISOLATION)) if (!headers.has(k)) headers.set(k, v);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

async function cacheIfOk(cache, url) {
  try {
    const res = await fetch(url, { cache: 'no-cache' });
    if (res.ok) await cache.put(url, res);
    return res.ok;
  } catch {
    return false;
  }
}

async function precache() {
  const cache = await caches.open(PRECACHE);
  let files = [];
  try {
    const res = await fetch(scoped('precache.json'), { cache: 'no-store' });
    if (res.ok) files = (await res.json()).files || [];
  } catch {
    // No manifest (dev server): the runtime cache still fills as files are used.
  }
  const urls = [...new Set(['./', ...files].map(scoped))];
  // A few at a time: the page is loading its own copies at the same moment.
  for (let i = 0; i < urls.length; i += 4)
    await Promise.all(urls.slice(i, i + 4).map((u) => cacheIfOk(cache, u)));
  const teacher = scoped(`teachers/${DEMO_TEACHER}/`);
  try {
    const res = await fetch(`${teacher}model.json`, { cache: 'no-cache' });
    if (res.ok && !(res.headers.get('content-type') || '').includes('text/html')) {
      const model = await res.clone().json();
      await cache.put(`${teacher}model.json`, res);
      for (const group of model.weightsManifest || [])
        for (const p of group.paths || []) await cacheIfOk(cache, teacher + p);
    }
  } catch {
    // Weights not installed on this host: the demo then needs the network once.
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys())
        if (name.startsWith('dmgrd-precache-') && name !== PRECACHE) await caches.delete(name);
      // Hashed assets of older builds are never asked for again.
      const runtime = await caches.open(RUNTIME);
      for (const req of await runtime.keys())
        if (new URL(req.url).pathname.includes('/assets/')) await runtime.delete(req);
    })(),
  );
});

async function fromCache(request) {
  return (await caches.match(request, { ignoreVary: true })) || null;
}

async function navigate(request) {
  const shell = scoped('./');
  try {
    const res = await Promise.race([
      fetch(request),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), NAVIGATION_TIMEOUT_MS)),
    ]);
    if (res.ok && new URL(request.url).pathname === new URL(shell).pathname) {
      const cache = await caches.open(RUNTIME);
      await cache.put(shell, res.clone());
    }
    return isolated(res);
  } catch {
    const cached = (await fromCache(request)) || (await caches.match(shell));
    if (cached) return isolated(cached);
    return new Response('Offline, and this page was never loaded online.', {
      status: 503,
      headers: { 'Content-Type': 'text/plain', ...ISOLATION },
    });
  }
}

async function cacheFirst(request) {
  const cached = await fromCache(request);
  if (cached) return isolated(cached);
  const res = await fetch(request);
  if (res.ok && res.type === 'basic' && !(request.headers.get('range') || '')) {
    const cache = await caches.open(RUNTIME);
    await cache.put(request, res.clone());
  }
  return isolated(res);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || !request.url.startsWith(self.registration.scope)) return;
  // Test-served folders and dev-server internals go straight to the network.
  if (url.pathname.includes('/__') || url.pathname.endsWith('/precache.json')) return;
  if (request.mode === 'navigate') event.respondWith(navigate(request));
  else event.respondWith(cacheFirst(request));
});
