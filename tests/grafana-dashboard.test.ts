/**
 * The Grafana dashboard in daemon/metrics/grafana-dashboard.json is importable as is (a
 * datasource input, unique panel ids, every panel on that datasource) and asks only for
 * metrics the daemon exports: every `contextd_*` name in its queries is a family of the
 * registry (histograms by their _bucket/_sum/_count series), so a renamed metric fails here.
 */
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DaemonMetrics } from '../daemon/metrics/metrics.js';
import { REPO_ROOT } from './helpers/cli.js';

interface Panel {
  id: number;
  type: string;
  datasource: { uid: string };
  targets: { expr: string; datasource: { uid: string } }[];
}

t.test('the Grafana dashboard uses the exported metric names', async (t) => {
  const dash = JSON.parse(readFileSync(join(REPO_ROOT, 'daemon', 'metrics', 'grafana-dashboard.json'), 'utf8')) as {
    __inputs: { name: string; pluginId: string }[];
    panels: Panel[];
  };
  t.match(dash.__inputs, [{ name: 'DS_PROMETHEUS', pluginId: 'prometheus' }], 'asks for a Prometheus datasource on import');
  const ids = dash.panels.map((p) => p.id);
  t.equal(new Set(ids).size, ids.length, 'unique panel ids');
  t.ok(
    dash.panels.every((p) => p.datasource.uid === '${DS_PROMETHEUS}' && p.targets.every((q) => q.datasource.uid === '${DS_PROMETHEUS}')),
    'every panel and query on that datasource',
  );
  const families = await new DaemonMetrics().registry.getMetricsAsJSON();
  const exported = new Set<string>();
  for (const f of families) {
    exported.add(f.name);
    if (f.type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) exported.add(f.name + s);
  }
  const used = new Set(dash.panels.flatMap((p) => p.targets.flatMap((q) => q.expr.match(/contextd_[a-z0-9_]+/g) ?? [])));
  t.ok(used.size >= 20, `${used.size} metric names used`);
  for (const name of used) t.ok(exported.has(name), `${name} is exported`);
  for (const must of ['contextd_search_requests_total', 'contextd_search_duration_seconds_bucket', 'contextd_index_lag_seconds', 'contextd_queue_depth'])
    t.ok(used.has(must), `the dashboard plots ${must}`);
});
