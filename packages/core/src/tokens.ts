import type { DependencyContainer } from 'tsyringe';
import type { ContextStrategy } from './context-strategy.js';
import type { RuntimeHooks } from './hooks.js';
import type { ModelAdapter } from './model.js';
import type { ModelProvider } from './model/model-provider.js';
import type { RuntimeConfig } from './runtime/runtime-config.js';
import type { StateStore } from './store/state-store.js';
import type { StopPolicy } from './stop/stop-policy.js';
import type { Tool } from './tool.js';

/** Something to close when the runtime closes. */
export interface Disposable {
  close(): void | Promise<void>;
}

/** A typed DI token. `Symbol.for` keeps tokens equal across duplicate installs of core. */
export type Token<T> = symbol & { readonly __type?: T };

const token = <T>(name: string) => Symbol.for(`agentrt.${name}`) as Token<T>;

/**
 * DI tokens, one per interface. `Tool`, `Hook`, `StopPolicy` and `ModelProvider` are multi-registrations:
 * register several, all are used. Register every multi token of a runtime in one container
 * (a child's entry hides its parent's).
 */
export const TOKENS = {
  ModelAdapter: token<ModelAdapter>('ModelAdapter'),
  StateStore: token<StateStore>('StateStore'),
  ContextStrategy: token<ContextStrategy>('ContextStrategy'),
  Tool: token<Tool>('Tool'),
  Hook: token<RuntimeHooks>('Hook'),
  StopPolicy: token<StopPolicy>('StopPolicy'),
  RuntimeConfig: token<RuntimeConfig>('RuntimeConfig'),
  ModelProvider: token<ModelProvider>('ModelProvider'),
  /** Resources a plugin opened (a server process, a connection); `runtime.close()` closes them. */
  Disposable: token<Disposable>('Disposable'),
} as const;

/** Resolves a single registration, typed. Throws when nothing is registered. */
export function resolve<T>(container: DependencyContainer, key: Token<T>): T {
  return container.resolve<T>(key);
}

/** Resolves an optional single registration, typed; undefined when nothing is registered. */
export function resolveOptional<T>(container: DependencyContainer, key: Token<T>): T | undefined {
  return container.isRegistered(key, true) ? container.resolve<T>(key) : undefined;
}

/** Resolves every registration of a multi token, typed; `[]` when nothing is registered. */
export function resolveAll<T>(container: DependencyContainer, key: Token<T>): T[] {
  return container.isRegistered(key, true) ? container.resolveAll<T>(key) : [];
}
