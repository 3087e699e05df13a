import { type AlertnameTally, emptyTally, type ReplayOutcome, type ReplayProgress } from './replay-pipeline.js';

const columns = [
  ['alerts', 'alerts'],
  ['duplicates', 'duplicates'],
  ['stormAlerts', 'storm alerts'],
  ['requests', 'requests'],
  ['storms', 'storms'],
  ['resolved', 'resolved'],
] as const satisfies readonly (readonly [keyof AlertnameTally, string])[];

const number = (value: number) => value.toLocaleString('en-US');

/** `1h 35m`, `4m 10s`, `12s`: how much alert time a recording spans. */
export function duration(milliseconds: number): string {
  const seconds = Math.round(milliseconds / 1000);
  const [h, m, s] = [Math.floor(seconds / 3600), Math.floor((seconds % 3600) / 60), seconds % 60];
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${s}s`;
  return `${s}s`;
}

/** A setting's name as the tables head it: its overrides, or `defaults`. */
export function settingName(setting: Readonly<Record<string, string>>): string {
  const entries = Object.entries(setting);
  return entries.length === 0 ? 'defaults' : entries.map(([name, value]) => `${name}=${value}`).join(' ');
}

export function totals(outcome: ReplayOutcome): AlertnameTally {
  const sum = emptyTally();
  for (const tally of outcome.byAlertname.values()) for (const [key] of columns) sum[key] += tally[key];
  return sum;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((cell, index) => Math.max(cell.length, ...rows.map((row) => (row[index] ?? '').length)));
  const render = (row: readonly string[]) => row.map((cell, index) => (index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0))).join('  ').trimEnd();
  return [render(header), ...rows.map(render)];
}

/** The sentence that says what a setting would have made of the recording. */
export function verdict(outcome: ReplayOutcome): string {
  const sum = totals(outcome);
  const made = sum.requests + sum.storms;
  return (
    `${settingName(outcome.setting)}: ${number(made)} RemediationRequest(s) for ${number(sum.alerts)} alerts — ` +
    `${number(sum.requests)} for single signals, ${number(sum.storms)} aggregated storm(s) absorbing ${number(sum.stormAlerts)} alerts; ` +
    `${number(sum.duplicates)} duplicates counted on open requests; ${number(sum.resolved)} resolved by the end`
  );
}

function refusals(outcome: ReplayOutcome, label = ''): string[] {
  if (outcome.refused.length === 0) return [];
  return [
    `${label}${outcome.refused.length} notification(s) would be refused (Alertmanager would retry them, and they count nothing):`,
    ...outcome.refused.slice(0, 10).map(({ line, problem }) => `  line ${line}: ${problem}`),
    ...(outcome.refused.length > 10 ? [`  … and ${outcome.refused.length - 10} more`] : []),
  ];
}

/** One setting: per alertname, then the total and the verdict. */
export function singleReport(file: string, outcome: ReplayOutcome, elapsedMs: number): string[] {
  const names = [...outcome.byAlertname.keys()].sort();
  const row = (name: string, tally: AlertnameTally) => [name, ...columns.map(([key]) => number(tally[key]))];
  return [
    `replayed ${file}: ${outcome.notifications} notification(s), ${duration(outcome.spanMs)} of alerts in ${(elapsedMs / 1000).toFixed(1)} s`,
    '',
    ...table(['alertname', ...columns.map(([, label]) => label)], [...names.map((name) => row(name, outcome.byAlertname.get(name) as AlertnameTally)), row('total', totals(outcome))]),
    '',
    verdict(outcome),
    ...refusals(outcome),
  ];
}

/** Two settings side by side: requests and storms per alertname under each, then each verdict. */
export function compareReport(file: string, outcomes: readonly [ReplayOutcome, ReplayOutcome], elapsedMs: number): string[] {
  const [left, right] = outcomes;
  const names = [...new Set([...left.byAlertname.keys(), ...right.byAlertname.keys()])].sort();
  const empty = emptyTally();
  const cells = (tally: AlertnameTally) => [number(tally.requests), number(tally.storms), number(tally.duplicates + tally.stormAlerts)];
  const row = (name: string, a: AlertnameTally, b: AlertnameTally) => [name, ...cells(a), '│', ...cells(b)];
  const header = ['alertname', 'A requests', 'A storms', 'A absorbed', '│', 'B requests', 'B storms', 'B absorbed'];
  return [
    `replayed ${file} twice: ${left.notifications} notification(s), ${duration(left.spanMs)} of alerts in ${(elapsedMs / 1000).toFixed(1)} s`,
    `  A: ${settingName(left.setting)}`,
    `  B: ${settingName(right.setting)}`,
    '',
    ...table(header, [...names.map((name) => row(name, left.byAlertname.get(name) ?? empty, right.byAlertname.get(name) ?? empty)), row('total', totals(left), totals(right))]),
    '',
    `A ${verdict(left)}`,
    `B ${verdict(right)}`,
    ...refusals(left, 'A: '),
    ...refusals(right, 'B: '),
  ];
}

/** `[██████░░░░]  60%  77/129 notifications · 57m 12s of alerts` */
export function progressBar(progress: ReplayProgress, width = 30): string {
  const fraction = progress.total === 0 ? 1 : progress.done / progress.total;
  const filled = Math.round(fraction * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${progress.done}/${progress.total} notifications · ${duration(progress.atMs)} of alerts`;
}
