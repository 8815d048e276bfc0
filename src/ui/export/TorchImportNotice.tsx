/**
 * Importing a model trained with the authors' PyTorch code needs a .pt reader and the WRN50 weights;
 * the engine has no such command yet, so this only says so (nothing is faked).
 */
export function TorchImportNotice() {
  return (
    <div className="torch-import">
      <h3>Checkpoints of the authors’ PyTorch code</h3>
      <p className="notice" data-testid="torch-import-unsupported">
        Not yet supported: the engine cannot read a <code>best_model.pt</code> trained with the reference
        PyTorch code (with its Wide-ResNet50 teacher weights) yet. Only checkpoints exported by this
        playground can be imported.
      </p>
      <div className="file-pick">
        <label>
          PyTorch checkpoint (.pt)
          <input type="file" accept=".pt,.pth" disabled aria-describedby="torch-import-note" />
        </label>
        <span id="torch-import-note" className="muted small">
          disabled until the importer exists
        </span>
      </div>
    </div>
  );
}
