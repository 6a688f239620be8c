import 'reflect-metadata';
const m = () => { const u = process.memoryUsage(); return `rss ${(u.rss/2**20).toFixed(0)} heapUsed ${(u.heapUsed/2**20).toFixed(0)} heapTotal ${(u.heapTotal/2**20).toFixed(0)} ext ${(u.external/2**20).toFixed(0)}`; };
console.log('start', m());
const core = await import('@agentrt/core');
const { z } = await import('zod');
global.gc(); console.log('after import', m());
