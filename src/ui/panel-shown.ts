import { createContext, useContext, useState } from 'react';

/** Whether the tab panel around a component is the one on screen (`TabPanels` provides it). */
export const PanelShown = createContext(true);

/**
 * `value` while the panel is shown; while it is hidden, the value it had when it was last shown.
 * A component of a panel that stays mounted and live while hidden (see `TabPanels`) reads its
 * inputs through this, so that it does no work off screen and catches up once on its next showing.
 */
export function useHeldWhileHidden<T>(value: T): T {
  const shown = useContext(PanelShown);
  const [held, setHeld] = useState(value);
  if (shown && held !== value) setHeld(value);
  return shown ? value : held;
}
