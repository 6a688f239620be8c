// Wraps a runtime so each drive the worker makes (a new run's `stream`/`run`, a taken-over run's
// `resume`) is reported on stdout: `drive_start <runId>`, then exactly one
// `drive_end <runId> <stopReason|thrown|abandoned> <error code|->` — so tests act on what the
// worker is doing instead of sleeping, and know which drives a killed worker left open.
export function reportingRuntime(runtime, report) {
  const ended = (runId, result) => report(`drive_end ${runId} ${result.stopReason} ${result.error?.code ?? '-'}`);
  const thrown = (runId, error) => report(`drive_end ${runId} thrown ${error?.code ?? '-'}`);
  return new Proxy(runtime, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === 'stream') {
        return (options) => (async function* () {
          report(`drive_start ${options.runId}`);
          let last;
          let reported = false;
          try {
            for await (const event of value.call(target, options)) {
              last = event;
              yield event;
            }
            reported = true;
            ended(options.runId, last?.result ?? {});
          } catch (error) {
            reported = true;
            thrown(options.runId, error);
            throw error;
          } finally {
            // The consumer stopped reading before the end.
            if (!reported) report(`drive_end ${options.runId} abandoned -`);
          }
        })();
      }
      if (property !== 'run' && property !== 'resume') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args) => {
        const runId = property === 'run' ? args[0].runId : args[0];
        report(`drive_start ${runId}`);
        try {
          const result = await value.apply(target, args);
          ended(runId, result);
          return result;
        } catch (error) {
          thrown(runId, error);
          throw error;
        }
      };
    },
  });
}
