import { useEffect, useState, type ReactNode } from 'react';
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
import { TabBar, type TabSpec } from './ui/TabBar';
import { panelDomId, tabDomId } from './ui/tab-ids';
import { useEngineStore } from './state/engine-store';
import './ui/panels.css';

interface Tab extends TabSpec {
  render(): ReactNode;
}

/** Panels register here; each renders only while its tab is active. */
const TABS: readonly Tab[] = [
  { id: 'dataset', label: 'Dataset', render: () => <DatasetPanel /> },
  { id: 'synthetic', label: 'Synthetic', render: () => <SyntheticPanel /> },
  { id: 'train', label: 'Train', render: () => <TrainPanel /> },
  { id: 'results', label: 'Results', render: () => <ResultsPanel /> },
  { id: 'memory', label: 'Memory', render: () => <MemoryPanel /> },
  { id: 'export', label: 'Export', render: () => <ExportPanel /> },
  { id: 'runs', label: 'Runs', render: () => <RunsPanel /> },
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
      <ResumeBanner onResume={() => select('train')} />
      <RecoveryBanner />
      <DemoBar />
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
