/**
 * `npx tsx bench/apps/profile-summary.ts <file.cpuprofile> [top]`: the functions with the most self
 * time in a V8 CPU profile (shares of the busy samples, idle left out) (as written by `AUTH_BENCH_CPU_PROF=<folder>`), and the share of the
 * profile by where the code lives (Latchkey's `src/`, Node's web `Request`/`Response` (undici),
 * other Node internals, dependencies, garbage collection, idle), and the inclusive time under a few
 * functions of the auth-route path (`INCLUSIVE` to name others, comma-separated).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
  readonly children?: readonly number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts <file.cpuprofile> [top]');
const top = Number(topArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };

function area(url: string, name: string): string {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  if (url.includes('latchkey-bench-apps-')) return 'the app bundle (Latchkey src/, demo/, the app script)';
  if (url.includes('undici') || url.includes('internal/deps/undici') || url.includes('internal/webstreams'))
    return 'node web Request/Response/streams (undici, webstreams)';
  if (url.includes('node_modules')) return 'dependencies';
  if (url.startsWith('node:') || url === '') return 'node internals and native';
  return 'other';
}

const bySelf = new Map<string, number>();
const byArea = new Map<string, number>();
let total = 0;
for (const n of profile.nodes) {
  const hits = n.hitCount ?? 0;
  // Shares are of the busy time: an app waits between load rounds.
  if (hits === 0 || n.callFrame.functionName === '(idle)') continue;
  total += hits;
  const { functionName, url, lineNumber } = n.callFrame;
  const short = url.replace(/^.*latchkey-bench-apps-[^/]+\//, '').replace(/^.*\/node_modules\//, '');
  const key = `${functionName || '(anonymous)'} ${short}:${lineNumber + 1}`;
  bySelf.set(key, (bySelf.get(key) ?? 0) + hits);
  const a = area(url, functionName);
  byArea.set(a, (byArea.get(a) ?? 0) + hits);
}
const pct = (h: number): string => `${((100 * h) / total).toFixed(1)} %`;
process.stdout.write(`${file}: ${total} samples\n\nBy area:\n`);
for (const [a, h] of [...byArea].sort((x, y) => y[1] - x[1])) process.stdout.write(`  ${pct(h).padStart(7)}  ${a}\n`);
process.stdout.write(`\nTop ${top} functions by self time:\n`);
for (const [k, h] of [...bySelf].sort((x, y) => y[1] - x[1]).slice(0, top)) process.stdout.write(`  ${pct(h).padStart(7)}  ${k}\n`);

// Inclusive time: the samples in each named function and everything it called (counted once per
// stack, also when the function recurses).
const names = (
  process.env.INCLUSIVE ??
  'toWebRequest,sendWebResponse,handler,sessionRoute,authenticate,jsonResponse,authResponse,csrfToken,touch,callback,login,run,arrayBuffer'
)
  .split(',')
  .filter(Boolean);
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const inclusive = new Map<string, number>(names.map((n) => [n, 0]));
const childIds = new Set(profile.nodes.flatMap((n) => n.children ?? []));
const stack: [ProfileNode, readonly string[]][] = profile.nodes.filter((n) => !childIds.has(n.id)).map((n) => [n, []]);
while (stack.length > 0) {
  const [node, active] = stack.pop()!;
  const name = node.callFrame.functionName;
  const here = inclusive.has(name) && !active.includes(name) ? [...active, name] : active;
  if (name !== '(idle)') for (const a of here) inclusive.set(a, inclusive.get(a)! + (node.hitCount ?? 0));
  for (const c of node.children ?? []) stack.push([byId.get(c)!, here]);
}
process.stdout.write('\nInclusive time (the function and what it calls):\n');
for (const [k, h] of [...inclusive].sort((x, y) => y[1] - x[1])) process.stdout.write(`  ${pct(h).padStart(7)}  ${k}\n`);
