const cache = new Map<string, RegExp>();

/**
 * Matches a tool name against a glob: `*` any run of characters, `?` one character.
 * Matching is exact and case-sensitive (no fuzzy matching of tool names). Both wildcards match
 * any character — line terminators (`\n`, `\r`, U+2028, U+2029) included, and `?` one whole code
 * point (an emoji too): a source's own tool name (`originalName`, e.g. an MCP server's) may hold
 * them, and a `deny` or cap pattern must not stop matching there.
 */
export function globMatch(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 'su');
    cache.set(pattern, re);
  }
  return re.test(name);
}
