/**
 * What the Synthetic tab's pictures show. The reference's blend (METHOD.md §2, src/core/synth/
 * anomaly.ts) leaves the Perlin region as the Fourier mix and brightens the rest of the image: the
 * opposite of "the texture is blended in where the mask is on", which the paper suggests.
 */
export function BlendNote() {
  return (
    <div className="muted synth-note" data-testid="synth-note">
      <p>
        <strong>Fourier mix</strong>: the low-frequency amplitudes of a texture are mixed into the image’s
        (weight λ), keeping the image’s phase, so the whole image changes a little (F<sub>M</sub>).{' '}
        <strong>Blend</strong>, as the reference code writes it: I<sub>a</sub> = (1−M)·F<sub>M</sub> + (1−β)·F
        <sub>M</sub> + β·M·F<sub>M</sub>. Where the Perlin mask is on (white) that is F<sub>M</sub> unchanged;
        where it is off (black) it is (2−β)·F<sub>M</sub>, brightened by the factor 2−β (1.2 to 2 with the
        reference’s β; drawn clipped to white).
      </p>
      <p>
        So the visible anomaly is the image <em>outside</em> the mask, and no texture is pasted into it: the
        opposite of blending the texture in where the mask is on, as the paper describes it. Training uses
        exactly these images.
      </p>
    </div>
  );
}
