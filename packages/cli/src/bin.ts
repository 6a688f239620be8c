#!/usr/bin/env node
import { defaultIO, main } from './cli.js';

const io = defaultIO();
// Stdout is the command's output (`--json` lines, `runs`, a trace): anything else a config, plugin
// or tool prints there (`console.log` at import, in `register`, in `execute`) goes to stderr, so it
// can never corrupt what a script reads.
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

// Node exits with 13 and no message when the event loop empties while the command still awaits
// something: code from the config (the config module, a plugin, a store) awaiting a promise that
// never settles and keeps nothing alive. That is an error of the config, said as one (exit 1).
let finished = false;
process.on('exit', (code) => {
  if (finished || (code !== 13 && process.exitCode !== 13)) return;
  process.stderr.write('agentrt: error[config_invalid] the command stopped with nothing left to wait for: something the config loads (the config module, a plugin, a store or a tool) awaits a promise that never settles, e.g. a top-level await\n');
  process.exitCode = 1;
});

process.exitCode = await main(process.argv.slice(2), io);
finished = true;
