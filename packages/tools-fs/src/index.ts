import { fsPlugin } from './plugin.js';

export { createFsTools, fsOptionsSchema } from './fs-tools.js';
export type { FsToolOptions } from './fs-tools.js';
export { resolveInside, isInside, canonicalRoot, openForWrite, writeReplacing } from './safe-path.js';
export type { ResolvedPath } from './safe-path.js';
export { fsPlugin } from './plugin.js';
export default fsPlugin;
