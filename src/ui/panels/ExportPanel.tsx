/** Placeholder; the full panel is being built (issue 5). */
export function ExportPanel() {
  return <section aria-label="Export">Export panel (in progress)</section>;
}
