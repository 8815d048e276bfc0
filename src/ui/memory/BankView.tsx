import { useMemo } from 'react';
import type { BankExploration } from '../../../workers/session-api';
import type { ColormapName } from '../results/colormaps';
import { Thumb } from '../results/Thumb';
import { fmt } from '../results/view';
import { cosineAt, rankDescending, type LevelChoice } from './rank';
import { SmallHeat } from './SmallHeat';

interface BankViewProps {
  name: 'normal' | 'abnormal';
  bank: BankExploration;
  point: { x: number; y: number } | null;
  level: LevelChoice;
  /** Slots the reference selection can reach (degenerate mode), else null. */
  reachable: number[] | null;
  colormap: ColormapName;
}

const levelName = (level: LevelChoice): string =>
  level === 'mean' ? 'mean over levels' : `level ${level + 1}`;

/** One memory bank: its items ranked by similarity to the query, the model's pick and its difference maps. */
export function BankView({ name, bank, point, level, reachable, colormap }: BankViewProps) {
  const values = useMemo(
    () => (point ? cosineAt(bank, point.x, point.y, 1, level) : bank.image),
    [bank, point, level],
  );
  const order = useMemo(() => rankDescending(values), [values]);
  const what = point ? `cosine at the picked location (${levelName(level)})` : 'image-level similarity';
  const selectedRank = order.indexOf(bank.selected);
  const title = name === 'normal' ? 'Normal memory' : 'Abnormal memory';

  return (
    <section className="bank" aria-label={title} data-testid={`bank-${name}`}>
      <h3>
        {title} <span className="muted">({bank.sources.length} items)</span>
      </h3>
      <p className="muted small">
        {name === 'abnormal' && 'Each item is a synthetic anomaly of the training image shown. '}
        Ranked by {what}. The model selected slot{' '}
        <strong data-testid={`${name}-selected`}>{bank.selected}</strong>, rank {selectedRank + 1} of{' '}
        {order.length} by this measure.
      </p>
      <div className="bank-compare">
        <figure>
          <Thumb
            split="train"
            index={bank.sources[bank.selected] ?? 0}
            size={128}
            display={128}
            label={`Selected ${name} item: training image ${bank.sources[bank.selected]}`}
          />
          <figcaption>
            Selected: slot {bank.selected} (train #{bank.sources[bank.selected]})
          </figcaption>
        </figure>
        <figure>
          <Thumb
            split="train"
            index={bank.sources[order[0]] ?? 0}
            size={128}
            display={128}
            label={`Most similar ${name} item: training image ${bank.sources[order[0]]}`}
          />
          <figcaption>
            Most similar: slot {order[0]} ({fmt(values[order[0]], 3)})
          </figcaption>
        </figure>
        <div className="diff-maps">
          <p className="small">
            Difference Σ<sub>c</sub>(Mu[selected] − F)² per level
          </p>
          <div className="diff-row">
            {bank.difference.map((d, i) => (
              <figure key={i}>
                <SmallHeat
                  map={d.map}
                  h={d.h}
                  w={d.w}
                  display={76}
                  colormap={colormap}
                  label={`${name} difference map, level ${i + 1} (${d.h}×${d.w})`}
                  testId={`${name}-diff-${i}`}
                />
                <figcaption>
                  L{i + 1} {d.h}×{d.w}
                </figcaption>
              </figure>
            ))}
          </div>
        </div>
      </div>
      <ol
        className="memory-items"
        data-testid={`${name}-items`}
        aria-label={`${title} items, most similar first`}
      >
        {order.map((slot, rank) => {
          const selected = slot === bank.selected;
          const reachableSlot = reachable?.includes(slot) ?? false;
          return (
            <li
              key={slot}
              className={`memory-item ${selected ? 'selected' : ''}`}
              data-testid={`${name}-item`}
              data-slot={slot}
              data-value={values[slot]}
            >
              <Thumb
                split="train"
                index={bank.sources[slot]}
                size={64}
                display={64}
                label={`Slot ${slot}: training image ${bank.sources[slot]}`}
              />
              <span className="item-rank">#{rank + 1}</span>
              <span className="item-slot">slot {slot}</span>
              <span className="item-value" title={what}>
                {fmt(values[slot], 3)}
              </span>
              {selected && <span className="badge badge-selected">selected</span>}
              {reachableSlot && (
                <span
                  className="item-reachable"
                  title="One of the only slots the reference selection can pick"
                >
                  reachable
                </span>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
