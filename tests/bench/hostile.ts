/**
 * `npm run bench:hostile [-- --runs N]`: how long each attack of the hostile site takes to be cut
 * off. Runs `flowlens check` (the real CLI process, detectors on, one flow at a time, desktop,
 * step timeout 8 s as the worker's default is 10 s) over every attack page N times (default 3) and
 * writes the median, min and max of each flow's run time, with the outcome, to
 * docs/benchmarks/hostile.md. A run's time includes its retry when the first attempt failed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseReport } from '@flowlens/core';
import { hostileFlows, startHostileSite } from '../fixtures/index.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'flowlens-bench-hostile-'));
const site = await startHostileSite({ canaryUrl: 'http://127.0.0.1:9', canaryUdpPort: 9 });
const flows = hostileFlows(site.url);
const files = flows.map(({ page, flow }) => {
  const file = join(dir, `${page}.json`);
  writeFileSync(file, JSON.stringify(flow));
  return file;
});

const times = new Map<string, number[]>();
const outcomes = new Map<string, Set<string>>();
const load: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const out = join(dir, `run-${i}.json`);
    load.push(loadavg()[0]!);
    const code = await new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [join(root, 'crawler', 'bin', 'flowlens.mjs'), 'check', '--base-url', site.url, ...files.flatMap((f) => ['--flow', f]), '--viewports', 'desktop', '--step-timeout', '8000', '--concurrency', '1', '--quiet', '--json', out], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
      child.on('exit', (c) => resolve(c ?? -1));
    });
    if (code !== 0 && code !== 1) throw new Error(`flowlens check exited ${code}`);
    const report = parseReport(JSON.parse(readFileSync(out, 'utf8')));
    for (const r of report.runs) {
      times.set(r.flow, [...(times.get(r.flow) ?? []), r.durationMs ?? 0]);
      outcomes.set(r.flow, (outcomes.get(r.flow) ?? new Set()).add(`${r.status}${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}`));
    }
    console.error(`run ${i + 1}/${runs} done`);
  }
} finally {
  await site.close();
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const rows = flows.map(({ page, flow }) => {
  const t = times.get(flow.name) ?? [];
  return `| ${page} | ${sec(median(t))} | ${sec(Math.min(...t))} – ${sec(Math.max(...t))} | ${[...(outcomes.get(flow.name) ?? [])].join(', ')} |`;
});
const doc = `# Hostile-site cut-off times

\`npm run bench:hostile -- --runs ${runs}\` on ${new Date().toISOString().slice(0, 10)}: \`flowlens check\` over every attack page of
tests/fixtures/hostile (detectors on, desktop, step timeout 8 s, one flow at a time), ${runs} run(s), on a
${cpus().length}-core machine with a 1-minute load average of ${load.map((l) => l.toFixed(1)).join(', ')} at the start of each run.
A flow's time is from its first attempt's start to its end, the retry of a failed flow included.

| attack | median | min – max | outcome |
|---|---|---|---|
${rows.join('\n')}

Not measured: the same under the worker (it runs the same runner; its job time limit,
\`FLOWLENS_JOB_TIMEOUT_MS\`, is the outer bound), tablet and mobile viewports, and pages combining
several attacks.
`;
writeFileSync(join(root, 'docs', 'benchmarks', 'hostile.md'), doc);
console.log(doc);
