import type { TypeRow } from './by-type';
import { NORMAL_TYPE } from './by-type';
import { pct } from './view';

interface PerTypeTableProps {
  rows: TypeRow[];
  /** The type the grid shows, or null for all. */
  selected: string | null;
  onSelect(type: string | null): void;
}

const orDash = (v: number | null): string => (v === null ? '—' : pct(v));

/**
 * Metrics of each defect type against all normal test images, with the counts; a row's button
 * filters the grid below to that type.
 */
export function PerTypeTable({ rows, selected, onSelect }: PerTypeTableProps) {
  return (
    <table className="metrics-table per-type-table" data-testid="per-type-table">
      <caption className="visually-hidden">Metrics per defect type</caption>
      <thead>
        <tr>
          <th scope="col">Type</th>
          <th scope="col">Images</th>
          <th scope="col">Flagged</th>
          <th scope="col">I-AUROC</th>
          <th scope="col">P-AUROC</th>
          <th scope="col">PRO@0.3</th>
          <th scope="col">
            <span className="visually-hidden">Show in the grid</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr
            key={r.type}
            data-testid={`type-row-${r.type}`}
            className={selected === r.type ? 'selected' : ''}
          >
            <th scope="row">{r.type}</th>
            <td data-testid={`type-count-${r.type}`}>{r.count}</td>
            <td
              title={
                r.type === NORMAL_TYPE
                  ? 'false positives at the image threshold'
                  : 'found at the image threshold'
              }
            >
              {r.flagged}
            </td>
            <td data-testid={`type-i-auroc-${r.type}`}>{orDash(r.imageAuroc)}</td>
            <td>{orDash(r.pixelAuroc)}</td>
            <td>{orDash(r.proMvtec03)}</td>
            <td>
              <button
                type="button"
                className="link-button"
                aria-pressed={selected === r.type}
                onClick={() => onSelect(selected === r.type ? null : r.type)}
                data-testid={`type-filter-${r.type}`}
              >
                {selected === r.type ? 'Show all' : 'Show only'}
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
