import { create } from 'zustand';
import type { RecoveryEvent } from '../../workers/engine-api';
import { onEngineEvent } from '../client/event-bus';

interface RecoveryState {
  /** The latest recovery of a training run (lost GPU or out of memory), until dismissed. */
  notice: RecoveryEvent | null;
  dismiss(): void;
}

export const useRecoveryStore = create<RecoveryState>()((set) => {
  onEngineEvent((e) => {
    if (e.type === 'recovery') set({ notice: e });
  });
  return {
    notice: null,
    dismiss: () => set({ notice: null }),
  };
});
