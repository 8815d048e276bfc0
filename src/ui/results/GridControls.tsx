import { useResultsStore } from '../../state/results-store';
import type { TypeRow } from './by-type';

interface GridControlsProps {
  rows: TypeRow[];
  /** Images the grid shows now. */
  shown: number;
  total: number;
}

/** The grid's filter by type and its heat-map toggle. */
export function GridControls({ rows, shown, total }: GridControlsProps) {
  const typeFilter = useResultsStore((s) => s.typeFilter);
  const gridMaps = useResultsStore((s) => s.gridMaps);
  const { setTypeFilter, setGridMaps } = useResultsStore.getState();
  return (
    <div className="grid-controls actions">
      <label>
        Type{' '}
        <select
          value={typeFilter ?? ''}
          onChange={(e) => setTypeFilter(e.currentTarget.value || null)}
          data-testid="type-filter"
        >
          <option value="">all types</option>
          {rows.map((r) => (
            <option key={r.type} value={r.type}>
              {r.type} ({r.count})
            </option>
          ))}
        </select>
      </label>
      <label className="check">
        <input
          type="checkbox"
          checked={gridMaps}
          onChange={(e) => setGridMaps(e.currentTarget.checked)}
          data-testid="grid-maps"
        />{' '}
        Heat maps on the tiles
      </label>
      <span className="muted" data-testid="grid-count" data-shown={shown}>
        {shown === total ? `${total} images` : `${shown} of ${total} images`}
      </span>
    </div>
  );
}
