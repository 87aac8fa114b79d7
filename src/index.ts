/**
 * The library API of lucy-ops: everything public is listed here (docs/library.md).
 *
 * - defineConfig: types a lucy-ops.config.ts
 * - createChain: the failover chain for your own code (complete / stream / close)
 * - the typed errors a call may end with (EngineError: a stable `code`, `attempts`, `exitCode`)
 * - the types of requests, results and config
 */
export type * from './config/types.js';
export { defineConfig } from './config/define.js';

export { createChain } from './api/create.js';
export type { Chain, CallOptions, ChainConfigInput, CreateChainOptions } from './api/chain.js';
export type { ChainStream, StreamChunk } from './api/stream.js';

export { ConfigError } from './config/validate.js';
export {
  AllProvidersFailedError,
  DeadlineExceededError,
  EngineError,
  RunAbortedError,
  StreamInterruptedError,
} from './engine/errors.js';
export type { EngineErrorCode } from './engine/errors.js';

export type { Attempt, ChainResult } from './engine/types.js';
export type { ChatMessage, ChatRequest, CompletionResult, ErrorType, ToolCall } from './providers/types.js';
