import { DEFAULT_PRESET, isPresetName, type PresetName } from '../core/presets';
import { FORM_STORAGE_KEY, type KeyValueStorage } from './config-draft';

/** A preset, or 'custom' once a field was edited after choosing one. */
export type PresetChoice = PresetName | 'custom';

const STORAGE_KEY = 'dmgrd-playground.preset.v1';

/**
 * The preset of the form the train store read back: the stored one, the default on a first visit
 * (no stored form), 'custom' for a form stored without one.
 */
export function loadPreset(storage: KeyValueStorage | null): PresetChoice {
  try {
    const stored = storage?.getItem(STORAGE_KEY);
    if (stored === 'custom' || isPresetName(stored)) return stored;
    return storage?.getItem(FORM_STORAGE_KEY) ? 'custom' : DEFAULT_PRESET;
  } catch {
    return DEFAULT_PRESET;
  }
}

export function savePreset(storage: KeyValueStorage | null, preset: PresetChoice): void {
  try {
    storage?.setItem(STORAGE_KEY, preset);
  } catch {
    // Storage full or blocked: the form comes back as Custom next time.
  }
}
