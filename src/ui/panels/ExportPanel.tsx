import '../results/results.css';
import { useEngineStore } from '../../state/engine-store';
import { useExportStore } from '../../state/export-store';
import { useResultsStore } from '../../state/results-store';
import { describeBackend } from '../../report/backend';
import { CheckpointExport } from '../export/CheckpointExport';
import { FileExport } from '../export/FileExport';
import { ResultsExport } from '../export/ResultsExport';
import { ReferenceImport } from '../export/ReferenceImport';

/** Model checkpoint download / import, the model for other tools, the run report, and the results as files. */
export function ExportPanel() {
  const step = useExportStore((s) => s.info?.step);
  const backend = useEngineStore((s) => s.info);
  const stamp = useResultsStore((s) => s.stamp);
  const imageThreshold = useResultsStore((s) => s.imageThreshold);
  const pixelThreshold = useResultsStore((s) => s.pixelThreshold);
  const view = useResultsStore((s) => s.view);
  const results = { imageThreshold, pixelThreshold, view, backend: describeBackend(backend) };
  return (
    <section className="export-panel" aria-label="Export and import" data-testid="export-panel">
      <CheckpointExport />
      <FileExport kind="pytorch" title="Export for PyTorch" planKey={step}>
        The trained DM-GRD model for the authors’ code: a zip holding{' '}
        <code>&lt;category&gt;/best_model.pt</code> (loaded by their <code>test.py</code> like their own
        checkpoint) and the memory banks it was evaluated with, as a tensor file with the paths of their
        source images.
      </FileExport>
      <FileExport kind="report" title="Run report" planKey={`${step}-${stamp}`} choices={{ results }}>
        One HTML page that opens offline in any browser: the configuration, the dataset, the training curves,
        the metrics per defect type, the curves and histogram of the last evaluation at the Results tab’s
        threshold, and the images it gets wrong with their overlays as the detail view draws them.
      </FileExport>
      <FileExport kind="web" title="Export for the web" planKey={`${step}-${stamp}`} choices={{ results }}>
        A zip any web page can score with: the model (teacher, trained weights, normal memory bank, the
        threshold chosen in the Results tab, preprocessing), <code>detector.js</code> (
        <code>await (await load(url)).score(image)</code>, needing only TF.js) and an <code>index.html</code>{' '}
        that scores a dropped image or the camera offline from any static server.
      </FileExport>
      <h3>Results</h3>
      <ResultsExport />
      <ReferenceImport />
    </section>
  );
}
