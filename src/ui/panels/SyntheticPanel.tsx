import { useEffect, useMemo } from 'react';
import type { SynthPreview } from '../../../workers/engine-api';
import { useDatasetStore } from '../../state/dataset-store';
import { SAMPLE_COUNT, useSynthStore } from '../../state/synth-store';
import { BitmapCanvas } from '../common/BitmapCanvas';
import { BlendNote } from '../synthetic/BlendNote';

const STAGES: {
  key: keyof Pick<SynthPreview, 'source' | 'texture' | 'fourierMix' | 'perlinMask' | 'result'>;
  label: string;
}[] = [
  { key: 'source', label: 'Normal image' },
  { key: 'texture', label: 'Texture' },
  { key: 'fourierMix', label: 'Fourier mix' },
  { key: 'perlinMask', label: 'Perlin mask' },
  { key: 'result', label: 'Pseudo-anomaly' },
];
const SIZE = 132;
const DEBOUNCE_MS = 250;

/** Evenly spread training images, so the gallery is not five near-identical first frames. */
function sampleIndices(n: number): number[] {
  const k = Math.min(SAMPLE_COUNT, n);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

interface ParamSliderProps {
  name: string;
  symbol: string;
  value: number | null;
  fallback: number;
  min: number;
  max: number;
  help: string;
  onChange(value: number | null): void;
}

function ParamSlider({ name, symbol, value, fallback, min, max, help, onChange }: ParamSliderProps) {
  const random = value === null;
  const id = `synth-${name}`;
  return (
    <div className="param-slider">
      <label htmlFor={id}>
        {symbol} <span className="muted">({help})</span>
      </label>
      <input
        id={id}
        type="range"
        min={min}
        max={max}
        step={0.01}
        value={value ?? fallback}
        disabled={random}
        onChange={(e) => onChange(Number(e.currentTarget.value))}
        data-testid={`${id}-slider`}
      />
      <output htmlFor={id}>{random ? 'random' : (value ?? 0).toFixed(2)}</output>
      <label>
        <input
          type="checkbox"
          checked={random}
          onChange={(e) => onChange(e.currentTarget.checked ? null : fallback)}
          data-testid={`${id}-random`}
        />{' '}
        random
      </label>
    </div>
  );
}

/** Each stage of the pseudo-anomaly recipe for a few training images. */
export function SyntheticPanel() {
  const summary = useDatasetStore((s) => s.summary);
  const generation = useDatasetStore((s) => s.generation);
  const { seed, beta, lam, previews, indices, loading, error } = useSynthStore();
  const update = useSynthStore((s) => s.set);
  const refresh = useSynthStore((s) => s.refresh);
  const trainCount = summary?.train.length ?? 0;
  const samples = useMemo(() => sampleIndices(trainCount), [trainCount]);

  useEffect(() => {
    if (samples.length === 0) return;
    const timer = setTimeout(() => void refresh(samples), DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [generation, samples, seed, beta, lam, refresh]);

  if (!summary || trainCount === 0)
    return (
      <p className="placeholder" data-testid="synth-empty">
        Load a dataset with training images (Dataset tab) to see synthetic anomalies.
      </p>
    );

  return (
    <div className="synth-panel">
      <BlendNote />
      <p className="muted">
        Values left on “random” are drawn like in training: from the ranges chosen by the current session's
        “Paper vs reference” switches, or the reference ranges before a session exists.
      </p>
      <fieldset className="synth-controls">
        <legend>Parameters</legend>
        <div className="seed-row">
          <label htmlFor="synth-seed">Seed</label>
          <input
            id="synth-seed"
            type="number"
            min={0}
            step={1}
            value={seed}
            onChange={(e) => update({ seed: Math.max(0, Math.floor(Number(e.currentTarget.value) || 0)) })}
            data-testid="synth-seed"
          />
          <button
            type="button"
            onClick={() => update({ seed: seed + SAMPLE_COUNT })}
            data-testid="synth-next"
          >
            Next seed
          </button>
        </div>
        <ParamSlider
          name="beta"
          symbol="β (outside the mask × (2−β))"
          value={beta}
          fallback={0.5}
          min={0}
          max={1}
          help="reference U(0, 0.8)"
          onChange={(v) => update({ beta: v })}
        />
        <ParamSlider
          name="lam"
          symbol="λ amplitude mix"
          value={lam}
          fallback={0.5}
          min={0}
          max={1}
          help="reference U(0, 1)"
          onChange={(v) => update({ lam: v })}
        />
      </fieldset>
      {loading && <p aria-live="polite">Synthesising…</p>}
      {error && (
        <p className="alert" role="alert" data-testid="synth-error">
          {error}
        </p>
      )}
      <div className="synth-gallery" data-testid="synth-gallery" data-count={previews.length}>
        {previews.map((p, row) => (
          <figure key={`${indices[row]}-${row}`} className="synth-row" data-testid="synth-row">
            <div className="synth-stages">
              {STAGES.map((s) => (
                <div key={s.key} className="synth-stage">
                  <BitmapCanvas
                    bitmap={p[s.key]}
                    size={SIZE}
                    label={`${s.label}, training image ${indices[row]}`}
                    testId={`synth-${s.key}`}
                  />
                  <span>{s.label}</span>
                </div>
              ))}
            </div>
            <figcaption data-testid="synth-values">
              <code>{summary.train[indices[row]]?.path}</code> · seed {seed + row} · β = {p.beta.toFixed(3)} ·
              λ = {p.lam.toFixed(3)} · Perlin res {p.perlinRes.join('×')} · rotation {p.angleDeg.toFixed(0)}°
            </figcaption>
          </figure>
        ))}
      </div>
    </div>
  );
}
