import { create } from 'zustand';
import type { TeacherName } from '../core/config';
import { PRESETS, presetConfig, type PresetName } from '../core/presets';
import { draftOf, pageStorage } from './config-draft';
import { loadPreset, savePreset, type PresetChoice } from './preset-choice';
import { timingFor, useEstimateStore } from './estimate-store';
import { useEngineStore } from './engine-store';
import { useDatasetStore } from './dataset-store';
import { useTrainStore } from './train-store';

interface PresetState {
  /** The preset the form holds, or 'custom' once a field was edited (or a run's config taken over). */
  preset: PresetChoice;
  /** Fills the form with `name`; a timed preset's steps fit its minutes at this device's measured speed. */
  choose(name: PresetName, loadedTeacher: TeacherName | null): void;
}

export const usePresetStore = create<PresetState>()((set, get) => {
  /** Set while this store writes the draft, so that its own writes do not count as edits. */
  let applying = false;
  /** The teacher Paper was last chosen with (steps are re-fitted with the same). */
  let teacherContext: TeacherName | null = null;

  const apply = (name: PresetName): void => {
    const config = presetConfig(name, { loadedTeacher: teacherContext });
    // The measured speed of this very configuration (its timing key ignores the steps).
    const timing = timingFor(config);
    const fitted = timing ? presetConfig(name, { loadedTeacher: teacherContext, timing }) : config;
    applying = true;
    try {
      useTrainStore.getState().setDraft(draftOf(fitted));
    } finally {
      applying = false;
    }
    set({ preset: name });
  };

  // Any other change of the draft (a typed field, a run's config taken over) makes it custom.
  useTrainStore.subscribe((s, prev) => {
    if (!applying && s.draft !== prev.draft && get().preset !== 'custom') set({ preset: 'custom' });
  });
  // A measurement (or another backend or dataset) changes what fits a timed preset's minutes.
  const refit = (): void => {
    const { preset } = get();
    if (preset !== 'custom' && PRESETS[preset].minutes !== null) apply(preset);
  };
  useEstimateStore.subscribe((s, prev) => {
    if (s.outcomes !== prev.outcomes) refit();
  });
  useEngineStore.subscribe((s, prev) => {
    if (s.info?.backend !== prev.info?.backend) refit();
  });
  useDatasetStore.subscribe((s, prev) => {
    if (s.summary?.size !== prev.summary?.size) refit();
  });

  return {
    preset: loadPreset(pageStorage()),
    choose(name, loadedTeacher) {
      teacherContext = loadedTeacher;
      apply(name);
    },
  };
});

usePresetStore.subscribe((s, prev) => {
  if (s.preset !== prev.preset) savePreset(pageStorage(), s.preset);
});
