import type { Problem } from '../../../workers/engine-api';

const ORDER: Record<Problem['severity'], number> = { error: 0, warning: 1, info: 2 };

/** Problems found while reading a folder; none of them stopped the load. */
export function ProblemList({ problems, testId }: { problems: Problem[]; testId: string }) {
  if (problems.length === 0)
    return (
      <p className="muted" data-testid={testId} data-count={0}>
        No problems found.
      </p>
    );
  const sorted = [...problems].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  return (
    <div className="table-scroll problems-scroll">
      <table className="problems" data-testid={testId} data-count={problems.length}>
        <thead>
          <tr>
            <th scope="col">Severity</th>
            <th scope="col">File</th>
            <th scope="col">Problem</th>
            <th scope="col">Consequence</th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((p, i) => (
            <tr key={`${p.code}-${p.path ?? ''}-${i}`} className={`sev-${p.severity}`} data-code={p.code}>
              <td>
                <span className={`badge sev-${p.severity}`}>{p.severity}</span>
              </td>
              <td className="path">{p.path ?? '—'}</td>
              <td>{p.message}</td>
              <td>{p.consequence}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
