import { useEffect, useMemo, useState } from 'react';
import { useDemoStore } from '../../state/demo-store';
import { useEngineStore } from '../../state/engine-store';
import { parseDemoParams } from './demo-params';
import { DemoProgress } from './DemoProgress';
import { DemoShowcase } from './DemoShowcase';
import { LiveCamera } from './LiveCamera';
import './demo.css';

/** Leaves kiosk mode, keeping the other URL parameters. */
function exitHref(): string {
  const q = new URLSearchParams(window.location.search);
  q.delete('kiosk');
  const s = q.toString();
  return s ? `?${s}` : window.location.pathname;
}

/**
 * `?kiosk=1`: a full-screen, large-type conference view. It generates the demo dataset, trains
 * the preset, then cycles through its best detections; with `&camera=1` (or the small camera
 * switch) it then inspects the live camera. The only controls are two small corner buttons.
 */
export function Kiosk() {
  const params = useMemo(() => parseDemoParams(window.location.search), []);
  const start = useEngineStore((s) => s.start);
  const engineStatus = useEngineStore((s) => s.status);
  const engineError = useEngineStore((s) => s.error);
  const backend = useEngineStore((s) => s.info?.backend);
  const phase = useDemoStore((s) => s.phase);
  const run = useDemoStore((s) => s.run);
  const [camera, setCamera] = useState(params.camera);

  useEffect(() => {
    void start(window.location.search);
  }, [start]);

  useEffect(() => {
    if (engineStatus === 'ready' && phase === 'idle') void run(params.preset, params.budgetSeconds);
  }, [engineStatus, phase, run, params.preset, params.budgetSeconds]);

  const fullscreen = (): void => {
    void document.documentElement.requestFullscreen?.().catch(() => undefined);
  };

  return (
    <div className="kiosk" data-testid="kiosk">
      <header className="kiosk__header">
        <h1>Spot the defect</h1>
        <p>
          A DM-GRD anomaly detector trained live in this browser
          {backend ? ` (${backend})` : ''}, from good parts only.
        </p>
      </header>
      <main className="kiosk__stage">
        {engineStatus === 'error' && <p className="demo-error">{engineError}</p>}
        {camera && phase === 'done' ? (
          <LiveCamera large autoStart />
        ) : (
          <>
            <DemoShowcase large intervalMs={4000} />
            <aside className="kiosk__side">
              <DemoProgress />
            </aside>
          </>
        )}
      </main>
      <nav className="kiosk__corner" aria-label="Kiosk controls">
        <button
          type="button"
          onClick={() => setCamera((v) => !v)}
          disabled={phase !== 'done'}
          data-testid="kiosk-camera"
        >
          {camera ? 'Results' : 'Camera'}
        </button>
        <button type="button" onClick={fullscreen}>
          Full screen
        </button>
        <a href={exitHref()}>Exit</a>
      </nav>
    </div>
  );
}
