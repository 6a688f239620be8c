export { AgentQueue, bullConnection, runJobId } from './agent-queue.js';
export type { AgentQueueOptions, AttemptStart, RunJobData, QueueConnectionOptions } from './agent-queue.js';
export { createAgentWorker } from './agent-worker.js';
export type { AgentWorker, AgentWorkerOptions, RunJobResult } from './agent-worker.js';
