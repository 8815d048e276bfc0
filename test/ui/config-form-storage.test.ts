import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/core/config';
import {
  FORM_STORAGE_KEY,
  draftOf,
  loadForm,
  parseDraft,
  saveForm,
  type KeyValueStorage,
  type StoredForm,
} from '../../src/state/config-draft';

class MapStorage implements KeyValueStorage {
  readonly items = new Map<string, string>();
  getItem(key: string): string | null {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.items.set(key, value);
  }
}

const fallback = (): StoredForm => ({ draft: draftOf(defaultConfig()), checkpointEvery: '25' });

describe('config form across reloads', () => {
  it('gives back the draft as typed, half-typed numbers and switches included', () => {
    const storage = new MapStorage();
    const typed: StoredForm = {
      draft: {
        ...draftOf(defaultConfig()),
        steps: '12',
        lr: '0.',
        teacher: 'efficientnet_b0',
        paperBeta: true,
      },
      checkpointEvery: '3',
    };
    saveForm(storage, typed);
    expect(loadForm(storage, fallback())).toEqual(typed);
    // The half-typed learning rate is reported by the form, not fixed by the store.
    expect(parseDraft(loadForm(storage, fallback()).draft).config).toBeNull();
  });

  it('a first visit, unreadable JSON or no storage give the defaults', () => {
    expect(loadForm(new MapStorage(), fallback())).toEqual(fallback());
    const broken = new MapStorage();
    broken.setItem(FORM_STORAGE_KEY, '{"draft": ');
    expect(loadForm(broken, fallback())).toEqual(fallback());
    expect(loadForm(null, fallback())).toEqual(fallback());
  });

  it("keeps this build's value for a missing, mistyped or unknown stored field", () => {
    const storage = new MapStorage();
    storage.setItem(
      FORM_STORAGE_KEY,
      JSON.stringify({
        draft: { steps: 40, teacher: 'vgg16', paperBeta: 'yes', batchSize: '4', removedOption: '1' },
        checkpointEvery: 7,
      }),
    );
    const form = loadForm(storage, fallback());
    const defaults = fallback().draft;
    expect(form.draft).toEqual({ ...defaults, batchSize: '4' });
    expect(form.checkpointEvery).toBe('25');
  });

  it('a storage that refuses writes (quota, policy) loses only the draft', () => {
    const refusing: KeyValueStorage = {
      getItem: () => null,
      setItem: () => {
        throw new DOMException('full', 'QuotaExceededError');
      },
    };
    expect(() => saveForm(refusing, fallback())).not.toThrow();
  });
});
