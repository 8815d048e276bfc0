/**
 * Lets the event loop read its pending I/O. Awaiting TF.js on the CPU and WASM backends only queues
 * microtasks, so a test that trains or runs a model never returns to the event loop on its own, and
 * the vitest worker cannot read its runner's replies meanwhile: an RPC call then times out (60 s)
 * and fails the run although every test passed. Call it between heavy pieces of work.
 *
 * Two immediates, because one is not always enough: code resumed from an I/O callback goes on in
 * that same turn's check phase, before the loop has polled for I/O again.
 */
export async function yieldToEventLoop(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}
