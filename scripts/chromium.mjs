// How every tool of this repo launches a browser: the system Chromium (never a downloaded one) with
// WebGPU on (SwiftShader where there is no GPU) and no background traffic, which this machine's
// closed network would refuse.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const QUIET_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-component-update'];

export const CHROMIUM_ARGS = [...QUIET_ARGS, '--enable-unsafe-webgpu'];
