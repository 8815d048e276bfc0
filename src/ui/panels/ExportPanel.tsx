import '../results/results.css';
import { CheckpointExport } from '../export/CheckpointExport';
import { ResultsExport } from '../export/ResultsExport';
import { ReferenceImport } from '../export/ReferenceImport';

/** Model checkpoint download / import, and the results as files. */
export function ExportPanel() {
  return (
    <section className="export-panel" aria-label="Export and import" data-testid="export-panel">
      <CheckpointExport />
      <h3>Results</h3>
      <ResultsExport />
      <ReferenceImport />
    </section>
  );
}
