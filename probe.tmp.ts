import { runChaos } from './local/chaos/run-chaos.js';
const n = Number(process.argv[2] ?? 1000);
for (const shape of (process.argv[3] ?? 'buffered,direct').split(',') as ('direct'|'buffered')[]) {
  const f = await runChaos({ shape, instances: n, rates: { '*': { transient: Number(process.env.T ?? 0.2), permanent: Number(process.env.P ?? 0.02) } } });
  console.log(JSON.stringify({ ...f, violations: f.violations.slice(0, 10), nviol: f.violations.length }));
}
