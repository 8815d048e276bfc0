import { useRef, type KeyboardEvent } from 'react';
import { panelDomId, tabDomId } from './tab-ids';

export interface TabSpec {
  id: string;
  label: string;
}

interface TabBarProps {
  tabs: readonly TabSpec[];
  active: string;
  onSelect(id: string): void;
}

/** WAI-ARIA tabs: one tab stop, arrows/Home/End move and activate. */
export function TabBar({ tabs, active, onSelect }: TabBarProps) {
  const refs = useRef(new Map<string, HTMLButtonElement>());

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>): void => {
    const at = tabs.findIndex((t) => t.id === active);
    const last = tabs.length - 1;
    const next: Record<string, number> = {
      ArrowRight: at === last ? 0 : at + 1,
      ArrowLeft: at === 0 ? last : at - 1,
      Home: 0,
      End: last,
    };
    if (!(e.key in next)) return;
    e.preventDefault();
    const id = tabs[next[e.key]].id;
    onSelect(id);
    refs.current.get(id)?.focus();
  };

  return (
    <div role="tablist" aria-label="Sections" className="tabbar" onKeyDown={onKeyDown}>
      {tabs.map((t) => (
        <button
          key={t.id}
          ref={(el) => {
            if (el) refs.current.set(t.id, el);
            else refs.current.delete(t.id);
          }}
          type="button"
          role="tab"
          id={tabDomId(t.id)}
          aria-selected={t.id === active}
          aria-controls={panelDomId(t.id)}
          tabIndex={t.id === active ? 0 : -1}
          onClick={() => onSelect(t.id)}
          data-testid={`tab-${t.id}`}
        >
          {t.label}
        </button>
      ))}
    </div>
  );
}
