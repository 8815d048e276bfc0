import type { TeacherName, TrainConfig } from '../../core/config';
import { PRESET_NAMES, PRESETS } from '../../core/presets';
import type { StepTiming } from '../../core/perf/run-time';
import { usePresetStore } from '../../state/preset-store';
import { presetLine } from './estimate-text';

interface PresetPickerProps {
  /** The form's configuration (null while a field is invalid). */
  config: TrainConfig | null;
  /** This configuration's measured timing here, if any. */
  timing: StepTiming | null;
  backend: string | null;
  loadedTeacher: TeacherName | null;
  disabled: boolean;
}

/** Quick / Standard / Paper, or Custom once a field was edited; says what the chosen one takes here. */
export function PresetPicker({ config, timing, backend, loadedTeacher, disabled }: PresetPickerProps) {
  const preset = usePresetStore((s) => s.preset);
  const choose = usePresetStore((s) => s.choose);
  return (
    <fieldset className="preset-picker" disabled={disabled} data-testid="preset-picker" data-preset={preset}>
      <legend>Preset</legend>
      <div className="preset-choices" role="radiogroup" aria-label="Preset">
        {PRESET_NAMES.map((name) => (
          <label key={name} title={PRESETS[name].summary}>
            <input
              type="radio"
              name="preset"
              checked={preset === name}
              onChange={() => choose(name, loadedTeacher)}
              data-testid={`preset-${name}`}
            />{' '}
            {PRESETS[name].label}
          </label>
        ))}
        <label title="A field was edited after choosing a preset.">
          <input
            type="radio"
            name="preset"
            checked={preset === 'custom'}
            disabled
            data-testid="preset-custom"
          />{' '}
          Custom
        </label>
      </div>
      <p className="muted small" data-testid="preset-line">
        {preset === 'custom'
          ? 'Custom: the fields as edited.'
          : config
            ? presetLine(preset, config, timing, backend)
            : PRESETS[preset].summary}
      </p>
    </fieldset>
  );
}
