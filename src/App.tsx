import { Activity, Fragment, memo, useDeferredValue, useEffect, useState, type ReactNode } from 'react';
import { BackendPanel } from './ui/BackendPanel';
import { DemoBar } from './ui/demo/DemoBar';
import { DatasetPanel } from './ui/panels/DatasetPanel';
import { ExportPanel } from './ui/panels/ExportPanel';
import { MemoryPanel } from './ui/panels/MemoryPanel';
import { ResultsPanel } from './ui/panels/ResultsPanel';
import { RunsPanel } from './ui/panels/RunsPanel';
import { SyntheticPanel } from './ui/panels/SyntheticPanel';
import { TrainPanel } from './ui/panels/TrainPanel';
import { RecoveryBanner } from './ui/RecoveryBanner';
import { ResumeBanner } from './ui/ResumeBanner';
import { PanelShown } from './ui/panel-shown';
import { TabBar, type TabSpec } from './ui/TabBar';
import { panelDomId, tabDomId } from './ui/tab-ids';
import { useEngineStore } from './state/engine-store';
import './ui/panels.css';

interface Tab extends TabSpec {
  render(): ReactNode;
  /** Hidden by CSS with its effects kept, instead of by `<Activity>` (see `TabPanels`). */
  staysLive?: true;
}

/** Panels register here; `TabPanels` says how they are shown. */
const TABS: readonly Tab[] = [
  { id: 'dataset', label: 'Dataset', render: () => <DatasetPanel /> },
  { id: 'synthetic', label: 'Synthetic', render: () => <SyntheticPanel /> },
  { id: 'train', label: 'Train', render: () => <TrainPanel />, staysLive: true },
  { id: 'results', label: 'Results', render: () => <ResultsPanel /> },
  { id: 'memory', label: 'Memory', render: () => <MemoryPanel /> },
  { id: 'export', label: 'Export', render: () => <ExportPanel /> },
  { id: 'runs', label: 'Runs', render: () => <RunsPanel /> },
];

/**
 * A panel mounts on its tab's first visit and then stays mounted, hidden while another tab is
 * active: switching back costs no remount of its charts and images, and its own state (toggles,
 * scroll, selections) is as the user left it. React defers a hidden panel's re-renders to idle
 * time or its next showing, and stops its effects meanwhile.
 *
 * Except for a panel that `staysLive`: the Train panel's charts register their axes and lines
 * with Recharts in effects, so `<Activity>` re-ran all of them on every showing, one main-thread
 * task of 100–380 ms on a 2-core machine busy training (e2e/soak.spec.ts). That panel is hidden
 * with the `hidden` attribute instead, and it holds its loss history while hidden
 * (`useHeldWhileHidden`), so a showing costs one redraw per chart with the steps that arrived
 * meanwhile.
 */
const TabPanels = memo(function TabPanels({ shown }: { shown: string }) {
  const [visited, setVisited] = useState<ReadonlySet<string>>(() => new Set([shown]));
  if (!visited.has(shown)) setVisited(new Set(visited).add(shown));
  return TABS.filter((t) => t.id === shown || visited.has(t.id)).map((t) => {
    const isShown = t.id === shown;
    const panel = (
      <PanelShown value={isShown}>
        <main
          role="tabpanel"
          id={panelDomId(t.id)}
          aria-labelledby={tabDomId(t.id)}
          tabIndex={0}
          className="tab-panel"
          hidden={t.staysLive && !isShown}
          data-testid={`panel-${t.id}`}
        >
          <h2>{t.label}</h2>
          {t.render()}
        </main>
      </PanelShown>
    );
    return t.staysLive ? (
      <Fragment key={t.id}>{panel}</Fragment>
    ) : (
      <Activity key={t.id} mode={isShown ? 'visible' : 'hidden'}>
        {panel}
      </Activity>
    );
  });
});

function tabFromHash(): string {
  const id = window.location.hash.slice(1);
  return TABS.some((t) => t.id === id) ? id : TABS[0].id;
}

export function App() {
  const [active, setActive] = useState(tabFromHash);
  const [showBackend, setShowBackend] = useState(true);
  const start = useEngineStore((s) => s.start);
  const info = useEngineStore((s) => s.info);

  useEffect(() => {
    void start(window.location.search);
  }, [start]);

  useEffect(() => {
    const onHash = () => setActive(tabFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const select = (id: string): void => {
    setActive(id);
    window.history.replaceState(null, '', `#${id}`);
  };

  const tab = TABS.find((t) => t.id === active) ?? TABS[0];
  // The tab bar follows a click at once; the panel switch renders after it, in slices that leave
  // the page responsive while a first visit mounts a panel.
  const shown = useDeferredValue(tab.id);

  return (
    <div className="app">
      <header className="app-header">
        <h1>DM-GRD Playground</h1>
        <span className="tagline">Dual-memory guided reverse distillation, trained in your browser</span>
        <button
          type="button"
          className="backend-badge"
          aria-expanded={showBackend}
          aria-controls="backend-aside"
          onClick={() => setShowBackend((v) => !v)}
          data-testid="backend-badge"
        >
          Backend: {info ? info.backend : '…'}
        </button>
      </header>
      <ResumeBanner onResume={() => select('train')} />
      <RecoveryBanner />
      <DemoBar />
      <TabBar tabs={TABS} active={tab.id} onSelect={select} />
      <div className="app-body">
        <TabPanels shown={shown} />
        {showBackend && (
          <aside id="backend-aside" className="app-aside">
            <BackendPanel />
          </aside>
        )}
      </div>
    </div>
  );
}
