/** Secret canaries: none may appear in tool output, audit, events, errors or logs (B-50…B-52). */
export const SECRET_CANARIES: readonly string[] = [
  'sk-agentrt-CANARY-0123456789abcdefghij',
  'AKIAAGENTRTCANARY001',
  'ghp_agentrtCanary0123456789abcdefghijkl',
  'tvly-agentrt-canary-0123456789',
];
