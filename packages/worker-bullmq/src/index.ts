export { AgentQueue, bullConnection, runJobId } from './agent-queue.js';
export type { AttemptStart, RunJobData, QueueConnectionOptions } from './agent-queue.js';
export { createAgentWorker } from './agent-worker.js';
export type { AgentWorker, AgentWorkerOptions, RunJobResult } from './agent-worker.js';
