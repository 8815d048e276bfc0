import { describe, expect, it } from 'vitest';
import { referenceTripletSkipNote } from '../../src/core/losses/triplet';

describe('the note for a skipped reference L_SE', () => {
  it('runs when every tapped layer is as wide as the diff bank and the batch fits the memory', () => {
    expect(
      referenceTripletSkipNote({ diffWidth: 30, minChannels: 64, batch: 8, memoryItems: 30 }),
    ).toBeNull();
    expect(
      referenceTripletSkipNote({ diffWidth: 24, minChannels: 24, batch: 30, memoryItems: 30 }),
    ).toBeNull();
  });

  it('states the channels it needs and the teacher has, in words that read true', () => {
    // mobilenet_v2 taps 24, 32 and 96 channels; 30 memory items give a 30-column diff bank.
    expect(referenceTripletSkipNote({ diffWidth: 30, minChannels: 24, batch: 8, memoryItems: 30 })).toBe(
      'Reference L_SE skipped: its indices run over the 30 columns of the diff bank (from 30 memory items) ' +
        'and pick channels, so every tapped teacher layer needs at least 30 channels ' +
        "(this teacher's narrowest has 24; fewer memory items or a wider teacher lift this).",
    );
  });

  it('states the batch limit with the batch it got, and both reasons when both fail', () => {
    expect(referenceTripletSkipNote({ diffWidth: 9, minChannels: 64, batch: 4, memoryItems: 3 })).toBe(
      'Reference L_SE skipped: batch image n reads memory item n, so a batch may hold at most 3 images (this one holds 4).',
    );
    const both = referenceTripletSkipNote({ diffWidth: 30, minChannels: 24, batch: 32, memoryItems: 30 });
    expect(both).toContain('needs at least 30 channels');
    expect(both).toContain('at most 30 images (this one holds 32)');
    expect(both).not.toMatch(/<=/);
  });
});
