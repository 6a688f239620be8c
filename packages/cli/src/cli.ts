import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { AgentrtError, Redactor, verifyAuditEvents, type AgentRuntime, type ResumeOptions, type RunResult } from '@agentrt/core';
import { Command, CommanderError, InvalidArgumentError, Option } from '@commander-js/extra-typings';
import { DEFAULT_STORE_PATH, locateConfig, runtimeFromConfig, type ModelChoice } from './config.js';
import { runRow, shellQuote, summary, traceLine, visible } from './format.js';
import { writeInitConfig } from './init.js';
import { StatusLine } from './progress.js';

/** Where the CLI writes (injectable for tests). */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  /** Raw terminal output for the live status line; given only when stdout is a TTY. */
  readonly terminal?: { write(chunk: string): unknown; readonly columns?: number };
  /** Resolves when the user asks a long-running command (`ui`) to stop; a second call means "now". */
  readonly interrupted?: () => Promise<void>;
}

/** Exit codes: 0 completed · 1 failed or error · 2 paused for approval · 3 stopped by a limit, kill or cancel · 64 usage. */
export const EXIT = { ok: 0, failed: 1, paused: 2, stopped: 3, usage: 64 } as const;

/** Exit code for a run's outcome. */
export const exitCodeFor = (result: RunResult<unknown>): number => (result.status === 'completed' ? EXIT.ok : result.status === 'paused' ? EXIT.paused : result.status === 'stopped' ? EXIT.stopped : EXIT.failed);

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const STATUSES = ['running', 'paused', 'completed', 'stopped', 'failed'] as const;

function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}
function port(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535 (0 picks a free port)');
  return Number(value);
}
function nonEmpty(value: string): string {
  if (!value.trim()) throw new InvalidArgumentError('expected a non-empty value');
  return value;
}

/**
 * Writes to stdout/stderr that survive the reader going away: `agentrt trace … | head` closes the
 * pipe early, and an unhandled EPIPE would crash the process — in the middle of `agentrt run`, it
 * would leave the run `running` for a resume. Once a stream's reader is gone, later lines to it
 * are dropped and the command goes on to its end (the run still finishes and is recorded).
 */
function pipeWriter(stream: NodeJS.WriteStream): (line: string) => void {
  // The stream's own write, taken now: the bin sends every other write to stdout to stderr (see bin.ts).
  const write = stream.write.bind(stream);
  let gone = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') gone = true;
    else throw error;
  });
  return (line) => {
    if (!gone && !stream.destroyed) write(`${line}\n`);
  };
}

/**
 * The process's stdout and stderr. Each writer keeps the stream's `write` as it was when this was
 * called, so the bin can then send everything else written to stdout to stderr. @internal
 */
export const defaultIO = (): CliIO => ({
  out: pipeWriter(process.stdout),
  err: pipeWriter(process.stderr),
  ...(process.stdout.isTTY ? { terminal: { write: process.stdout.write.bind(process.stdout), get columns() { return process.stdout.columns; } } } : {}),
  interrupted: () => new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  }),
});

/**
 * Runs one CLI command; resolves with the process exit code. Usage errors (unknown command or
 * flag, missing argument or value, bad number) print a message naming the problem and give 64.
 *
 * @example
 * ```ts
 * process.exitCode = await main(process.argv.slice(2));
 * ```
 */
export async function main(argv: readonly string[], rawIO: CliIO = defaultIO()): Promise<number> {
  // Everything printed may carry text a model, a tool or another store writer chose: control
  // characters are shown escaped, never sent raw to the terminal (see `visible`).
  const io: CliIO = { ...rawIO, out: (line) => rawIO.out(visible(line)), err: (line) => rawIO.err(visible(line)) };
  let exitCode: number = EXIT.ok;
  let runtime: AgentRuntime | undefined;
  const program = new Command('agentrt')
    .description('Run agents and inspect, approve and stop their runs, against the store in your agentrt.config.mjs.')
    .version(VERSION, '-v, --version')
    .option('-c, --config <file>', 'config file (default: agentrt.config.{mjs,js,json} in the working directory)', nonEmpty)
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true, sortSubcommands: false })
    .configureOutput({
      writeOut: (text) => io.out(text.replace(/\n$/, '')),
      writeErr: (text) => io.err(text.replace(/\n$/, '')),
      outputError: (text, write) => write(`agentrt: ${text.replace(/^error: /, 'error[usage] ')}`),
    })
    .addHelpText('after', '\nExit codes: 0 completed · 1 failed or error · 2 paused for approval · 3 stopped by a limit, kill or cancel · 64 usage');

  const open = async (options: { announceModel?: boolean } = {}) => {
    const path = locateConfig(program.opts().config);
    if (!path) io.err(`agentrt: no agentrt.config.mjs here: using the defaults (runs kept in ${DEFAULT_STORE_PATH}); \`agentrt init\` writes a config`);
    // The label may quote AGENTRT_MODEL, where a key pasted by mistake (or a URL with one) ends
    // up: printed redacted, with the config's redactor once the runtime is built (else the default one).
    let chosen: ModelChoice | undefined;
    try {
      runtime = await runtimeFromConfig(path, options.announceModel ? { onModelChoice: (choice: ModelChoice) => (chosen = choice) } : {});
    } finally {
      if (chosen) io.err(`agentrt: model: ${(runtime?.config.redactor ?? new Redactor()).text(chosen.label)}`);
    }
    return runtime;
  };

  /**
   * `runtime.resume`, waiting out a lease that nobody renews: after a crash (or SIGKILL) the dead
   * process's lease holds the run for up to `leaseTtlMs` (default 30 s). A short wait first; if
   * another owner still holds it, say so and wait until such a lease would have expired.
   */
  const resumeWaiting = async (rt: AgentRuntime, runId: string, approvals: ResumeOptions['approvals'] | undefined, signal: AbortSignal) => {
    const options = { ...(approvals ? { approvals } : {}), signal };
    try {
      return await rt.resume(runId, { ...options, waitForLeaseMs: 1_000 });
    } catch (error) {
      if (!AgentrtError.isInstance(error) || error.code !== 'run_conflict') throw error;
      const record = await rt.getRun(runId);
      if (record?.status !== 'running' && record?.status !== 'paused') throw error;
      const waitMs = rt.config.leaseTtlMs + 2_000;
      io.err(`agentrt: run ${rt.config.redactor.text(runId)} is held by another process (one still driving it, or one that stopped without letting go): waiting up to ${Math.ceil(waitMs / 1000)} s for its lease to expire`);
      return await rt.resume(runId, { ...options, waitForLeaseMs: waitMs });
    }
  };

  program.command('run')
    .description('run an agent to its stop, printing each step (a live status line on a terminal)')
    .argument('<input...>', 'the task (words are joined with spaces)')
    .option('--run-id <id>', 'your own run id (must be new)', nonEmpty)
    .option('--idempotency-key <key>', 'at most one run per key: a repeat returns the first result', nonEmpty)
    .option('--system <text>', 'system prompt')
    .option('--json', 'print every event as one JSON line (NDJSON, redacted)')
    .action(async (words, options) => {
      const rt = await open({ announceModel: true });
      const status = !options.json && io.terminal ? new StatusLine(io.terminal, rt.config.limits.maxSteps) : undefined;
      let result: RunResult<unknown> | undefined;
      const cancel = cancelOnInterrupt(io);
      try {
        for await (const event of rt.stream({
          input: words.join(' '),
          signal: cancel.signal,
          ...(options.system !== undefined ? { system: options.system } : {}),
          ...(options.runId !== undefined ? { runId: options.runId } : {}),
          ...(options.idempotencyKey !== undefined ? { idempotencyKey: options.idempotencyKey } : {}),
        })) {
          if (options.json) {
            // Text deltas are left out: each is redacted alone, so a secret split across two of
            // them would get through. model_response carries the whole text, redacted.
            if (event.type !== 'model_delta' && event.type !== 'model_reasoning_delta') io.out(JSON.stringify(event));
          } else {
            status?.update(event);
            const line = event.type === 'run_finished' || event.type === 'run_paused' ? undefined : traceLine(event);
            if (line) status ? status.line(visible(line)) : io.out(line);
          }
          if (event.type === 'run_finished' || event.type === 'run_paused') result = event.result;
        }
      } finally {
        cancel.dispose();
        status?.done();
      }
      if (!options.json && result) printOutcome(io, result);
      exitCode = result ? exitCodeFor(result) : EXIT.failed;
    });

  program.command('runs')
    .description('list stored runs, newest first')
    .addOption(new Option('--status <status>', 'only runs with this status').choices(STATUSES))
    .option('--limit <n>', 'at most this many runs', positiveInt, 50)
    .option('--json', 'print the runs as JSON')
    .action(async (options) => {
      const rt = await open();
      const runs = await rt.listRuns({ limit: options.limit, ...(options.status ? { status: options.status } : {}) });
      if (options.json) io.out(JSON.stringify(runs.map((run) => rt.config.redactor.value(run))));
      else {
        io.out(['run id'.padEnd(38), 'status'.padEnd(10), 'stop reason'.padEnd(18), 'steps', 'created'].join('  '));
        // Redacted as read too: any process sharing the store may have written these records.
        for (const run of runs) io.out(runRow({ ...run, runId: rt.config.redactor.text(run.runId) }));
      }
    });

  program.command('trace')
    .description('show a run step by step from its audit log, with audit verification')
    .argument('<runId>', 'the run')
    .addOption(new Option('--json', 'print the redacted audit log as JSON Lines').conflicts('html'))
    .option('--html <file>', 'write one self-contained HTML page with the console\'s view of the run', nonEmpty)
    .action(async (runId, options) => {
      const rt = await open();
      // A damaged run (`state_corrupt`: a media blob the store lost, a record that does not parse)
      // is traced as far as it can be read, then reported as state_corrupt (exit 1).
      let damage: AgentrtError | undefined;
      const run = await rt.getRun(runId).catch(async (error: unknown) => {
        if (!AgentrtError.isInstance(error) || error.code !== 'state_corrupt') throw error;
        damage = error;
        const { readRun } = await import('./console/run-view.js');
        return (await readRun(rt.store, runId, rt.config.redactor))?.record;
      });
      if (!run && !damage) throw new AgentrtError('run_not_found', `run ${rt.config.redactor.text(runId)} does not exist`);
      const damaged = () => {
        if (damage) throw new AgentrtError('state_corrupt', `run ${rt.config.redactor.text(runId)} is damaged, shown as far as it can be read: ${rt.config.redactor.text(damage.message)}`, { cause: damage });
      };
      if (options.html) {
        const file = resolve(options.html);
        // Loaded on use: most commands never need the console's code (startup time of every command).
        const [{ renderTraceHtml }, { buildRunView }, { embedRunMedia }] = await Promise.all([import('./console/pages.js'), import('./console/run-view.js'), import('./console/media.js')]);
        const media = await embedRunMedia(rt.store, runId, { name: (name) => rt.config.redactor.text(name) });
        const page = renderTraceHtml({ ...(await buildRunView(rt, runId)), media });
        try {
          writeFileSync(file, page, 'utf8');
        } catch (error) {
          throw new AgentrtError('output_unwritable', `cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
        }
        io.out(`wrote ${file}`);
        damaged();
        return;
      }
      // Events are redacted before they are written, but any process sharing the store may
      // have written some: they are redacted again as they are read (idempotent).
      const redactor = rt.config.redactor;
      if (options.json) {
        for (const event of await rt.events(runId)) io.out(JSON.stringify(redactor.value(event)));
        damaged();
        return;
      }
      io.out(`run ${redactor.text(runId)} · ${run ? `${run.status}${run.result ? ` · ${run.result.stopReason}` : ''}` : 'unknown'}${damage ? ` · DAMAGED (state_corrupt${run?.mediaMissing?.length ? `: ${run.mediaMissing.length} media part(s) lost` : run ? '' : ': its record cannot be read'})` : ''}`);
      const events = await rt.events(runId);
      for (const event of events) {
        const line = traceLine(redactor.value(event));
        if (line) io.out(line);
      }
      // A damaged run's record cannot be read whole: its audit log is checked from the events alone.
      const audit = damage ? verifyAuditEvents(events) : await rt.verifyAudit(runId);
      io.out(`audit: ${audit.events} events, ${audit.ok ? 'sequence intact' : `BROKEN — ${audit.problem?.message}`}${audit.hashChained ? ', hash chain verified' : ''}`);
      damaged();
    });

  program.command('kill')
    .description('stop a run (in any process sharing the store); --all for an incident stop, --clear to end it')
    .usage('<runId> [reason...] | --all [reason...] | --clear')
    .argument('[runId]', 'the run to stop (omit with --all / --clear)')
    .argument('[reason...]', 'why (recorded as the stop detail)')
    .addOption(new Option('--all', 'incident stop: stop every run and refuse new ones until --clear').conflicts('clear'))
    .option('--clear', 'end the incident stop (killed runs stay killed)')
    .action(async (first, rest, options) => {
      if (!options.all && !options.clear && first === undefined) throw new AgentrtError('usage', 'kill needs a run id (or --all / --clear)');
      if (options.clear && (first !== undefined || rest.length)) throw new AgentrtError('usage', 'kill --clear takes no arguments');
      const rt = await open();
      if (options.clear) {
        await rt.clearKill();
        io.out('incident stop cleared: new runs are accepted');
        return;
      }
      if (options.all) {
        const reason = [first, ...rest].filter((word) => word !== undefined).join(' ') || 'incident stop from the command line';
        await rt.killAll(reason);
        io.out(`incident stop: every run stops, new runs are refused until \`agentrt kill --clear\` (${rt.config.redactor.text(reason)})`);
        return;
      }
      const runId = first!;
      const reason = rest.join(' ') || 'killed from the command line';
      const record = await rt.getRun(runId);
      if (!record) throw new AgentrtError('run_not_found', `run ${rt.config.redactor.text(runId)} does not exist`);
      // As in the console: a finished run has nothing to stop, and a kill would only leave a kill
      // flag behind for it (one that would refuse a later resume of a retryable failure).
      if (record.status === 'completed' || record.status === 'stopped' || record.status === 'failed') {
        throw new AgentrtError('run_not_active', `run ${rt.config.redactor.text(runId)} is ${record.status} (${record.stopReason ?? 'no stop reason'}): it has already stopped, there is nothing to kill`);
      }
      await rt.kill(runId, reason);
      // Echoed as stored: redacted (the reason is kept redacted in the run and its audit log).
      io.out(`kill requested for ${rt.config.redactor.text(runId)}: ${rt.config.redactor.text(reason)}`);
    });

  program.command('resume')
    .description('continue a run from its last committed step')
    .argument('<runId>', 'the run')
    .option('--json', 'print the result as JSON')
    .action(async (runId, options) => {
      const rt = await open({ announceModel: true });
      const cancel = cancelOnInterrupt(io);
      const result = await resumeWaiting(rt, runId, undefined, cancel.signal).finally(cancel.dispose);
      if (options.json) io.out(JSON.stringify(rt.config.redactor.value(result)));
      else printOutcome(io, rt.config.redactor.value(result));
      exitCode = exitCodeFor(result);
    });

  program.command('approve')
    .description('decide a paused tool call (approve, or --deny) and continue the run')
    .argument('<runId>', 'the paused run')
    .argument('<toolCallId>', 'the call awaiting approval (shown by `agentrt run` and the console)')
    .option('--deny', 'deny the call instead (the model sees tool_denied)')
    .option('--reason <text>', 'why (recorded in the audit log)')
    .option('--json', 'print the result as JSON')
    .action(async (runId, toolCallId, options) => {
      const rt = await open({ announceModel: true });
      // Only a call that is pending now can be decided: anything else would resume the run with
      // no decision (it pauses again, or returns a finished run's result) and look like success.
      const record = await rt.getRun(runId);
      const shown = rt.config.redactor.text(runId);
      if (!record) throw new AgentrtError('run_not_found', `run ${shown} does not exist`);
      if (record.status !== 'paused') throw new AgentrtError('run_not_paused', `run ${shown} is ${record.status}${record.stopReason ? ` (${record.stopReason})` : ''}, not awaiting approval`);
      const pending = record.result?.pendingApprovals ?? [];
      if (!pending.some((item) => item.toolCallId === toolCallId)) {
        throw new AgentrtError('approval_not_pending', `tool call ${shellQuote(rt.config.redactor.text(toolCallId))} is not awaiting approval in run ${shown}; pending: ${pending.map((item) => shellQuote(rt.config.redactor.text(item.toolCallId))).join(', ') || 'none'}`);
      }
      const approvals = { [toolCallId]: { decision: options.deny ? ('deny' as const) : ('approve' as const), ...(options.reason !== undefined ? { reason: options.reason } : {}) } };
      const cancel = cancelOnInterrupt(io);
      const result = await resumeWaiting(rt, runId, approvals, cancel.signal).finally(cancel.dispose);
      if (options.json) io.out(JSON.stringify(rt.config.redactor.value(result)));
      else printOutcome(io, rt.config.redactor.value(result));
      exitCode = exitCodeFor(result);
    });

  program.command('ui')
    .description('open the local web console: runs, step timelines, live updates, approvals, kills')
    .option('--host <address>', 'address to bind (non-loopback addresses expose the console to the network)', nonEmpty, '127.0.0.1')
    .option('--port <n>', 'port (0 picks a free one)', port, 7433)
    .action(async (options) => {
      const rt = await open({ announceModel: true });
      const { startConsole } = await import('./console/server.js');
      const server = await startConsole({ runtime: rt, host: options.host, port: options.port });
      io.out(`agentrt console: ${server.url}`);
      io.out('open that URL (it carries this session\'s access token); press Ctrl-C to stop');
      if (!/^(127\.|localhost$|::1$|\[::1\]$)/.test(options.host)) io.err(`agentrt: warning: ${options.host} is not a loopback address: anyone who can reach it and learns the token can act on your runs (plain HTTP)`);
      await (io.interrupted?.() ?? new Promise<void>(() => undefined));
      await server.close();
      if (server.driving) {
        io.err(`agentrt: waiting for ${server.driving} approved run(s) to finish (Ctrl-C again to cancel them)`);
        await Promise.race([server.idle(), io.interrupted?.() ?? new Promise<void>(() => undefined)]);
      }
    });

  program.command('init')
    .description('write a commented agentrt.config.mjs here (or at --config)')
    .option('--force', 'replace an existing file')
    .action((options) => {
      const path = resolve(program.opts().config ?? 'agentrt.config.mjs');
      const done = writeInitConfig(path, { force: options.force === true });
      io.out(`${done} ${path}`);
      io.out('next: agentrt run "hello"   (no API key? it runs on the embedded demo model and says so)');
      io.out('      agentrt ui            (the web console over the same store)');
    });

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    // An error's text may hold a secret: a config or plugin that threw with a key in its message, a
    // driver quoting a URL. Redacted like everything else printed (the config's redactor once it loaded).
    const redactor = runtime?.config.redactor ?? new Redactor();
    if (AgentrtError.isInstance(error)) {
      io.err(`agentrt: error[${error.code}] ${redactor.text(error.message)}`);
      return error.code === 'usage' ? EXIT.usage : EXIT.failed;
    }
    io.err(`agentrt: ${redactor.text(describeError(error))}`);
    return EXIT.failed;
  } finally {
    await runtime?.close().catch(() => undefined);
  }
}

/**
 * An abort signal for a run this command drives, aborted on the first Ctrl-C (SIGINT) or SIGTERM:
 * the run is then recorded `stopped` / `cancelled` and the command ends with exit 3, instead of
 * the process dying with the run left `running` (held by a dead owner's lease until it expires).
 * A second Ctrl-C quits at once (no listener is left for it: Node's default).
 */
function cancelOnInterrupt(io: CliIO): { readonly signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  let active = true;
  void io.interrupted?.().then(() => {
    if (!active) return;
    io.err('agentrt: interrupted: stopping the run (it is recorded cancelled); Ctrl-C again to quit at once');
    controller.abort();
  });
  return { signal: controller.signal, dispose: () => void (active = false) };
}

/** The text of something thrown that is not an AgentrtError; never throws (a getter or toString may). */
function describeError(error: unknown): string {
  try {
    return (error as Error)?.message ?? String(error);
  } catch {
    return 'an unreadable error';
  }
}

function printOutcome(io: CliIO, result: RunResult<unknown>): void {
  io.out(summary(result));
  io.out(`run id: ${result.runId}`);
  if (result.output !== undefined && result.output !== '') io.out(`\n${typeof result.output === 'string' ? result.output : JSON.stringify(result.output, null, 2)}`);
  if (result.error) io.out(`error[${result.error.code}] ${result.error.message}`);
  for (const pending of result.pendingApprovals ?? []) {
    // An id starting with `-` would be read as an option: then `--` ends the options first.
    const ids = `${shellQuote(result.runId)} ${shellQuote(pending.toolCallId)}`;
    const command = result.runId.startsWith('-') || pending.toolCallId.startsWith('-') ? `agentrt approve [--deny] -- ${ids}` : `agentrt approve ${ids} [--deny]`;
    io.out(`awaiting approval: ${pending.tool}(${JSON.stringify(pending.args)}) — ${command}`);
  }
}
