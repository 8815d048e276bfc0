/** A WebAssembly text module, compiled at build time by scripts/wat-plugin.ts. */
declare module '*.wat' {
  /** The binary, base64, importing an unshared `env.memory`. */
  export const unshared: string;
  /** The same importing a shared `env.memory`. */
  export const shared: string;
}
