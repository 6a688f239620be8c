import 'reflect-metadata';
import { AgentrtError, type AgentRuntime, type RunResult, type RunStatus } from '@agentrt/core';
import { findConfig, runtimeFromConfig } from './config.js';
import { runRow, summary, traceLine } from './format.js';

/** Where the CLI writes (injectable for tests). */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

const USAGE = `usage: agentrt <command> [options]

  run <input…>                      run an agent to its stop, printing each step
      [--run-id ID] [--idempotency-key KEY] [--system TEXT]
  runs [--status S] [--limit N]     list stored runs, newest first
  trace <runId>                     show a run step by step from its audit log
  kill <runId> [reason…]            stop a run (in any process sharing the store)
  kill --all [reason…]              incident stop: stop every run, refuse new ones
  kill --clear                      end the incident stop
  resume <runId>                    continue a run from its last committed step
  approve <runId> <toolCallId> [--deny] [--reason TEXT]
                                    decide a paused tool call and continue the run

  --config FILE   agentrt.config.{mjs,js,json} in the working directory by default
  --json          machine-readable output

exit codes: 0 completed · 1 failed or error · 2 paused for approval · 3 stopped by a limit, kill or cancel · 64 usage`;

/** Exit code for a run's outcome. */
export const exitCodeFor = (result: RunResult<unknown>): number => (result.status === 'completed' ? 0 : result.status === 'paused' ? 2 : result.status === 'stopped' ? 3 : 1);

interface Parsed {
  readonly command: string | undefined;
  readonly positional: string[];
  readonly flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['config', 'run-id', 'idempotency-key', 'system', 'status', 'limit', 'reason']);

function parse(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
      if (VALUE_FLAGS.has(name)) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new AgentrtError('usage', `--${name} needs a value`);
        flags.set(name, value);
      } else flags.set(name, true);
    } else positional.push(arg);
  }
  return { command: positional.shift(), positional, flags };
}

/** Runs one CLI command; returns the process exit code. */
export async function main(argv: readonly string[], io: CliIO = { out: (l) => process.stdout.write(`${l}\n`), err: (l) => process.stderr.write(`${l}\n`) }): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.err(`agentrt: ${(error as Error).message}\n\n${USAGE}`);
    return 64;
  }
  const { command, positional, flags } = parsed;
  if (!command || command === 'help' || flags.has('help')) {
    (command ? io.out : io.err)(USAGE);
    return command ? 0 : 64;
  }
  const json = flags.has('json');
  const need = (count: number, what: string) => {
    if (positional.length < count) throw new AgentrtError('usage', `${command} needs ${what}`);
  };
  let runtime: AgentRuntime | undefined;
  try {
    if (!['run', 'runs', 'trace', 'kill', 'resume', 'approve'].includes(command)) throw new AgentrtError('usage', `unknown command "${command}"`);
    if (command === 'run') need(1, 'an input');
    if (command === 'trace' || command === 'resume') need(1, 'a run id');
    if (command === 'approve') need(2, 'a run id and a tool call id');
    if (command === 'kill' && !flags.has('all') && !flags.has('clear')) need(1, 'a run id (or --all / --clear)');
    runtime = await runtimeFromConfig(findConfig(flags.get('config') as string | undefined));
    switch (command) {
      case 'run': {
        let result: RunResult<unknown> | undefined;
        const input = positional.join(' ');
        for await (const event of runtime.stream({
          input,
          ...(flags.has('system') ? { system: String(flags.get('system')) } : {}),
          ...(flags.has('run-id') ? { runId: String(flags.get('run-id')) } : {}),
          ...(flags.has('idempotency-key') ? { idempotencyKey: String(flags.get('idempotency-key')) } : {}),
        })) {
          if (json) io.out(JSON.stringify(event));
          else {
            const line = traceLine(event);
            if (line) io.out(line);
          }
          if (event.type === 'run_finished' || event.type === 'run_paused') result = event.result;
        }
        if (!json && result) printOutcome(io, result, false);
        return result ? exitCodeFor(result) : 1;
      }
      case 'runs': {
        const limit = flags.has('limit') ? Number(flags.get('limit')) : 50;
        if (!Number.isInteger(limit) || limit < 1) throw new AgentrtError('usage', '--limit must be a positive integer');
        const runs = await runtime.listRuns({ limit, ...(flags.has('status') ? { status: String(flags.get('status')) as RunStatus } : {}) });
        if (json) io.out(JSON.stringify(runs));
        else {
          io.out(['run id'.padEnd(38), 'status'.padEnd(10), 'stop reason'.padEnd(18), 'steps', 'created'].join('  '));
          for (const run of runs) io.out(runRow(run));
        }
        return 0;
      }
      case 'trace': {
        const runId = positional[0]!;
        const run = await runtime.getRun(runId);
        if (!run) throw new AgentrtError('run_not_found', `run ${runId} does not exist`);
        const events = await runtime.events(runId);
        if (json) io.out(await runtime.exportAudit(runId));
        else {
          io.out(`run ${runId} · ${run.status}${run.result ? ` · ${run.result.stopReason}` : ''}`);
          for (const event of events) {
            const line = traceLine(event);
            if (line) io.out(line);
          }
          const audit = await runtime.verifyAudit(runId);
          io.out(`audit: ${audit.events} events, ${audit.ok ? 'sequence intact' : `BROKEN — ${audit.problem?.message}`}${audit.hashChained ? ', hash chain verified' : ''}`);
        }
        return 0;
      }
      case 'kill': {
        const reason = positional.slice(flags.has('all') || flags.has('clear') ? 0 : 1).join(' ') || 'killed from the command line';
        if (flags.has('clear')) {
          await runtime.clearKill();
          io.out('incident stop cleared: new runs are accepted');
        } else if (flags.has('all')) {
          await runtime.killAll(reason);
          io.out(`incident stop: every run stops, new runs are refused until \`agentrt kill --clear\` (${reason})`);
        } else {
          const runId = positional[0]!;
          if (!(await runtime.getRun(runId))) throw new AgentrtError('run_not_found', `run ${runId} does not exist`);
          await runtime.kill(runId, reason);
          io.out(`kill requested for ${runId}: ${reason}`);
        }
        return 0;
      }
      case 'resume':
      case 'approve': {
        const runId = positional[0]!;
        const approvals = command === 'approve'
          ? { [positional[1]!]: { decision: flags.has('deny') ? ('deny' as const) : ('approve' as const), ...(flags.has('reason') ? { reason: String(flags.get('reason')) } : {}) } }
          : undefined;
        const result = await runtime.resume(runId, { ...(approvals ? { approvals } : {}), waitForLeaseMs: 5_000 });
        if (json) io.out(JSON.stringify(result));
        else printOutcome(io, result);
        return exitCodeFor(result);
      }
    }
    return 64;
  } catch (error) {
    if (AgentrtError.isInstance(error)) {
      io.err(`agentrt: error[${error.code}] ${error.message}${error.code === 'usage' ? `\n\n${USAGE}` : ''}`);
      return error.code === 'usage' ? 64 : 1;
    }
    io.err(`agentrt: ${(error as Error).message ?? String(error)}`);
    return 1;
  } finally {
    await runtime?.close().catch(() => undefined);
  }
}

function printOutcome(io: CliIO, result: RunResult<unknown>, withSummary = true): void {
  if (withSummary) io.out(summary(result));
  io.out(`run id: ${result.runId}`);
  if (result.output !== undefined && result.output !== '') io.out(`\n${typeof result.output === 'string' ? result.output : JSON.stringify(result.output, null, 2)}`);
  if (result.error) io.out(`error[${result.error.code}] ${result.error.message}`);
  for (const pending of result.pendingApprovals ?? []) {
    io.out(`awaiting approval: ${pending.tool}(${JSON.stringify(pending.args)}) — agentrt approve ${result.runId} ${pending.toolCallId} [--deny]`);
  }
}
