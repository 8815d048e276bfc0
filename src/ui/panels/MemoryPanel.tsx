/** Placeholder; the full panel is being built (issue 5). */
export function MemoryPanel() {
  return <section aria-label="Memory">Memory panel (in progress)</section>;
}
