import { digestBase64 } from '@agentrt/core';
import type { RunJobData } from './agent-queue.js';

/**
 * A run's input with every inline image/file part's `data` replaced by the sha256 and size of its
 * bytes (`{ type, mediaType, sha256, bytes, filename? }`). Once the worker has created the run,
 * the store keeps the media (once per run); the job keeps only this form, which still tells
 * whether a re-enqueue asks for the same request. Text, url parts and parts already in this form
 * are kept as they are; an input without inline media is returned unchanged (same reference).
 */
export function inputWithoutMedia(input: RunJobData['input']): RunJobData['input'] {
  if (!Array.isArray(input)) return input;
  let changed = false;
  const messages = (input as readonly unknown[]).map((message) => {
    const content = (message as { content?: unknown } | null)?.content;
    if (!Array.isArray(content)) return message;
    let digested = false;
    const parts = content.map((part: unknown) => {
      const record = part as Record<string, unknown> | null;
      if (record === null || typeof record !== 'object' || (record.type !== 'image' && record.type !== 'file') || typeof record.data !== 'string') return part;
      digested = true;
      const { data, ...rest } = record;
      return { ...rest, ...digestBase64(data as string) };
    });
    if (!digested) return message;
    changed = true;
    return { ...(message as object), content: parts };
  });
  return changed ? (messages as RunJobData['input']) : input;
}

/** Whether `inputWithoutMedia` took media data out of this input (the job can no longer start the run). */
export function inputLacksMedia(input: RunJobData['input']): boolean {
  return Array.isArray(input) && (input as readonly unknown[]).some((message) => {
    const content = (message as { content?: unknown } | null)?.content;
    return Array.isArray(content) && content.some((part: unknown) => {
      const record = part as Record<string, unknown> | null;
      return record !== null && typeof record === 'object' && (record.type === 'image' || record.type === 'file') && record.data === undefined && record.url === undefined && typeof record.sha256 === 'string';
    });
  });
}
