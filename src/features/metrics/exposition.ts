import { DURATION_BUCKETS, METRIC_CATALOGUE, type MetricIncrement, seriesKey } from "../../platform/metrics";

/**
 * Prometheus text exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/) of the
 * aggregated series: `# HELP` and `# TYPE` for every metric of the catalogue, counters as summed, histograms with
 * cumulative `le` buckets (every bucket of a series present, `+Inf` equal to `_count`), `_sum` and `_count`.
 */
export function exposition(series: readonly MetricIncrement[]): string {
  const byName = new Map<string, MetricIncrement[]>();
  for (const s of series) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  const lines: string[] = [];
  for (const [name, meta] of Object.entries(METRIC_CATALOGUE)) {
    lines.push(`# HELP ${name} ${escapeHelp(meta.help)}`, `# TYPE ${name} ${meta.type}`);
    if (meta.type === "counter") {
      const rows = byName.get(name) ?? [];
      if (rows.length === 0 && meta.labels.length === 0) lines.push(`${name} 0`);
      for (const r of rows) lines.push(`${name}${labelSet(r.labels)} ${number(r.value)}`);
      continue;
    }
    lines.push(...histogram(name, byName));
  }
  return `${lines.join("\n")}\n`;
}

function histogram(name: string, byName: Map<string, MetricIncrement[]>): string[] {
  const buckets = byName.get(`${name}_bucket`) ?? [];
  const counts = byName.get(`${name}_count`) ?? [];
  const sums = new Map((byName.get(`${name}_sum`) ?? []).map((s) => [seriesKey(name, s.labels), s.value]));
  const lines: string[] = [];
  for (const count of counts) {
    const key = seriesKey(name, count.labels);
    const perBucket = new Map<string, number>();
    for (const b of buckets) {
      const { le, ...rest } = b.labels;
      if (le !== undefined && seriesKey(name, rest) === key)
        perBucket.set(le, (perBucket.get(le) ?? 0) + b.value);
    }
    let cumulative = 0;
    for (const bound of DURATION_BUCKETS) {
      cumulative += perBucket.get(String(bound)) ?? 0;
      lines.push(`${name}_bucket${labelSet({ ...count.labels, le: String(bound) })} ${number(cumulative)}`);
    }
    lines.push(`${name}_bucket${labelSet({ ...count.labels, le: "+Inf" })} ${number(count.value)}`);
    lines.push(`${name}_sum${labelSet(count.labels)} ${number(sums.get(key) ?? 0)}`);
    lines.push(`${name}_count${labelSet(count.labels)} ${number(count.value)}`);
  }
  return lines;
}

function labelSet(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/** Label values escape backslash, double quote and line feed. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text escapes backslash and line feed. */
function escapeHelp(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(9)));
}
