const cache = new Map<string, RegExp>();

/**
 * Matches a tool name against a glob: `*` any run of characters, `?` one character.
 * Matching is exact and case-sensitive (no fuzzy matching of tool names).
 */
export function globMatch(pattern: string, name: string): boolean {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    cache.set(pattern, re);
  }
  return re.test(name);
}
