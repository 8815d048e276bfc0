import { useEffect, useState, type ReactNode } from 'react';
import { BackendPanel } from './ui/BackendPanel';
import { TabBar, type TabSpec } from './ui/TabBar';
import { panelDomId, tabDomId } from './ui/tab-ids';
import { useEngineStore } from './state/engine-store';

interface Tab extends TabSpec {
  render(): ReactNode;
}

const placeholder = (what: string) => () => <p className="placeholder">{what}</p>;

/** Panels register here; each renders only while its tab is active. */
const TABS: readonly Tab[] = [
  { id: 'dataset', label: 'Dataset', render: placeholder('Load an MVTec / BTAD / VisA folder here.') },
  {
    id: 'synthetic',
    label: 'Synthetic',
    render: placeholder('Synthetic anomaly previews will appear here.'),
  },
  { id: 'train', label: 'Train', render: placeholder('Training configuration and live losses.') },
  { id: 'results', label: 'Results', render: placeholder('Anomaly maps, AUROC, PRO and thresholds.') },
  { id: 'memory', label: 'Memory', render: placeholder('Normal and abnormal memory bank inspection.') },
  { id: 'export', label: 'Export', render: placeholder('Checkpoint export and import.') },
  { id: 'runs', label: 'Runs', render: placeholder('Past runs and their metrics.') },
];

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
      <TabBar tabs={TABS} active={tab.id} onSelect={select} />
      <div className="app-body">
        <main
          role="tabpanel"
          id={panelDomId(tab.id)}
          aria-labelledby={tabDomId(tab.id)}
          tabIndex={0}
          className="tab-panel"
          data-testid={`panel-${tab.id}`}
        >
          <h2>{tab.label}</h2>
          {tab.render()}
        </main>
        {showBackend && (
          <aside id="backend-aside" className="app-aside">
            <BackendPanel />
          </aside>
        )}
      </div>
    </div>
  );
}
