/**
 * Registers public/sw.js (offline cache; production builds only, see main.tsx). The script URL
 * carries the name of this bundle, which changes with every build, so a new build installs a new
 * worker and precaches its own files. `?sw=0` skips it.
 */
export function registerServiceWorker(search: string = location.search): void {
  if (!('serviceWorker' in navigator) || new URLSearchParams(search).get('sw') === '0') return;
  const build = new URL(import.meta.url).pathname.split('/').pop() ?? 'dev';
  const base = import.meta.env.BASE_URL;
  const register = (): void => {
    navigator.serviceWorker
      .register(`${base}sw.js?v=${encodeURIComponent(build)}`, { scope: base })
      .catch((err: unknown) => console.warn('Offline cache unavailable:', err));
  };
  // After the page's own downloads, so precaching does not compete with them.
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}
