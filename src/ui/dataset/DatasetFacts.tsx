import type { DatasetSummary } from '../../../workers/engine-api';

const LAYOUT: Record<DatasetSummary['layout'], string> = {
  mvtec: 'MVTec AD',
  btad: 'BTAD',
  visa: 'VisA',
  plain: 'Plain folder of images',
  empty: 'Nothing usable',
};

/** Layout, category and the image counts per split and defect type. */
export function DatasetFacts({ summary }: { summary: DatasetSummary }) {
  const { counts } = summary;
  // Counted from the decoded images; the listing counts differ when a file failed to decode.
  const perType = new Map<string, number>();
  for (const img of summary.test) perType.set(img.defectType, (perType.get(img.defectType) ?? 0) + 1);
  const types = [...perType].sort(([a], [b]) => a.localeCompare(b));
  const listed = (decoded: number, inListing: number): string =>
    decoded === inListing ? '' : ` (${inListing} listed)`;
  return (
    <div className="dataset-facts">
      <dl className="facts">
        <dt>Layout</dt>
        <dd data-testid="dataset-layout">{LAYOUT[summary.layout]}</dd>
        <dt>Category</dt>
        <dd data-testid="dataset-category">{summary.category}</dd>
        <dt>Stored size</dt>
        <dd>
          {summary.size}×{summary.size} px
        </dd>
        <dt>Textures</dt>
        <dd data-testid="dataset-textures">
          {summary.textures > 0 ? `${summary.textures} loaded` : 'built-in procedural textures'}
        </dd>
      </dl>
      <table className="counts" data-testid="dataset-counts">
        <caption>Images per split</caption>
        <thead>
          <tr>
            <th scope="col">Split / type</th>
            <th scope="col">Images</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="row">train (normal)</th>
            <td data-testid="count-train" data-count={summary.train.length}>
              {summary.train.length}
              {listed(summary.train.length, counts.train)}
            </td>
          </tr>
          {types.map(([type, n]) => (
            <tr key={type}>
              <th scope="row">test / {type}</th>
              <td data-testid={`count-test-${type}`} data-count={n}>
                {n}
                {listed(n, counts.test[type] ?? 0)}
              </td>
            </tr>
          ))}
          <tr>
            <th scope="row">test total</th>
            <td data-testid="count-test" data-count={summary.test.length}>
              {summary.test.length}
              {listed(summary.test.length, counts.testTotal)}
            </td>
          </tr>
          <tr>
            <th scope="row">defect images with mask</th>
            <td data-testid="count-masks">{counts.masks}</td>
          </tr>
          <tr>
            <th scope="row">files left out</th>
            <td data-testid="count-ignored">{counts.ignored}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
