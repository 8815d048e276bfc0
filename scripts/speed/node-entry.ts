// Entry of the Node bundle of bench:speed (node-bundle.config.ts). Unlike scripts/bench-speed.ts it
// does not await at the top level: the bundle's on-demand chunks import this entry chunk, and a module
// still awaiting at the top level cannot be imported without a deadlock.
import { runCli } from '../bench/cli';
import { speedMain } from './main';

void runCli('bench:speed', speedMain);
