import type { Page } from '@playwright/test';

/**
 * The last step the engine reported (`?automation=1` pages), whichever tab is open: a hidden tab's
 * DOM may lag behind the run.
 */
export const reportedStep = (page: Page): Promise<number> =>
  page.evaluate(() => {
    const ev = window.__engineEvents!;
    for (let i = ev.length - 1; i >= 0; i--) {
      const e = ev[i];
      if (e.type === 'step') return e.report.step;
    }
    return 0;
  });
