// Shared by the Node drivers of bench/compare: the clock, percentiles, the
// process's memory, and reading the request files the translators wrote.
import fs from 'node:fs';

export const nowNs = () => process.hrtime.bigint();

export function readNdjson(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line));
}

export function readLines(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.length > 0);
}

// Nearest-rank percentile of latencies in nanoseconds (numbers), in µs.
export function percentileUs(sortedNs, q) {
  if (sortedNs.length === 0) return null;
  const rank = Math.min(sortedNs.length - 1, Math.max(0, Math.ceil(q * sortedNs.length) - 1));
  return sortedNs[rank] / 1000;
}

export function latencySummary(latenciesNs) {
  const sorted = Float64Array.from(latenciesNs).sort();
  return { p50_us: percentileUs(sorted, 0.5), p99_us: percentileUs(sorted, 0.99), calls: sorted.length };
}

// VmHWM (peak resident set) or VmRSS of this process, in KiB.
export function statusKib(field) {
  const match = fs.readFileSync('/proc/self/status', 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return match ? Number(match[1]) : null;
}

// Parses `--name value` options after the positional arguments.
export function parseArgs(argv) {
  const positional = [];
  const options = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith('--')) options[argv[i].slice(2)] = argv[++i];
    else positional.push(argv[i]);
  }
  return { positional, options };
}
