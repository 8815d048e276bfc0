import { useState } from 'react';
import { useExportStore } from '../../state/export-store';

/**
 * Inspect a model trained with the authors' PyTorch code: their `best_model.pt` and the torchvision
 * weights of its teacher (the reference uses wide_resnet50_2). The memory banks are rebuilt from the
 * loaded dataset's training images, as the reference does at start-up.
 */
export function ReferenceImport() {
  const [checkpoint, setCheckpoint] = useState<File | null>(null);
  const [teacher, setTeacher] = useState<File | null>(null);
  const [size, setSize] = useState(256);
  const importing = useExportStore((s) => s.importing);
  return (
    <div className="torch-import">
      <h3>Checkpoints of the authors’ PyTorch code</h3>
      <p className="muted small">
        Load the dataset first: the memory banks are rebuilt from its training images. Teacher weights are the
        torchvision state dict of the backbone (wide_resnet50_2, resnet18 or resnet34), as .pth or
        .safetensors.
      </p>
      <div className="file-pick">
        <label>
          best_model.pt
          <input
            type="file"
            accept=".pt,.pth,.safetensors"
            data-testid="reference-checkpoint-input"
            onChange={(e) => setCheckpoint(e.target.files?.[0] ?? null)}
          />
        </label>
        <label>
          Teacher weights
          <input
            type="file"
            accept=".pt,.pth,.safetensors"
            data-testid="reference-teacher-input"
            onChange={(e) => setTeacher(e.target.files?.[0] ?? null)}
          />
        </label>
        <label>
          Image size
          <select value={size} onChange={(e) => setSize(Number(e.target.value))}>
            {[64, 128, 256].map((s) => (
              <option key={s} value={s}>
                {s} px
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          data-testid="reference-import"
          disabled={!checkpoint || !teacher || importing}
          onClick={() =>
            checkpoint && teacher && void useExportStore.getState().importReference(checkpoint, teacher, size)
          }
        >
          Import reference model
        </button>
      </div>
    </div>
  );
}
