/** Whether a value nests deeper than `max` levels or has a cycle (checked without recursion, so hostile nesting cannot overflow the stack). */
export function exceedsDepth(value: unknown, max: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  const seen = new WeakSet<object>();
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max || seen.has(node)) return true;
    seen.add(node);
    for (const key of Object.keys(node)) stack.push([(node as Record<string, unknown>)[key], depth + 1]);
  }
  return false;
}
