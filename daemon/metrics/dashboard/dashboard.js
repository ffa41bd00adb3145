// The dashboard's script: polls /api/dashboard and draws every plot as hand-made SVG
// (no library, no CDN). User data (queries, paths) only ever goes in through textContent.
'use strict';

const NS = 'http://www.w3.org/2000/svg';
const COLORS = ['#2563eb', '#dc2626', '#059669', '#d97706', '#7c3aed', '#db2777', '#0891b2', '#4b5563'];
const W = 420;
const H = 180;
const PAD = { l: 44, r: 8, t: 8, b: 30 };

function el(name, attrs, parent) {
  const e = document.createElementNS(NS, name);
  for (const k in attrs) e.setAttribute(k, String(attrs[k]));
  if (parent) parent.appendChild(e);
  return e;
}

function text(parent, x, y, s, anchor) {
  const t = el('text', { x, y, 'text-anchor': anchor || 'start' }, parent);
  t.textContent = s;
  return t;
}

function fmt(v) {
  if (v === 0) return '0';
  if (Math.abs(v) >= 100) return String(Math.round(v));
  if (Math.abs(v) >= 10) return v.toFixed(1);
  if (Math.abs(v) >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

function clock(t) {
  const d = new Date(t);
  return d.toTimeString().slice(0, 8);
}

/** A line chart: series = [{ name, points: [[t, v | null]] }]; gaps where v is null. */
function lineChart(svg, series, opts) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  let n = 0;
  let tMin = Infinity;
  let tMax = -Infinity;
  let yMax = opts && opts.yMax !== undefined ? opts.yMax : 0;
  for (const s of series)
    for (const [t, v] of s.points) {
      tMin = Math.min(tMin, t);
      tMax = Math.max(tMax, t);
      if (v !== null && v !== undefined) {
        n++;
        if (!(opts && opts.yMax !== undefined)) yMax = Math.max(yMax, v);
      }
    }
  svg.dataset.points = String(n);
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  if (!Number.isFinite(tMin) || tMax === tMin) tMax = tMin + 1;
  if (yMax <= 0) yMax = 1;
  const x = (t) => PAD.l + ((t - tMin) / (tMax - tMin)) * plotW;
  const y = (v) => PAD.t + plotH - (v / yMax) * plotH;
  for (let i = 0; i <= 4; i++) {
    const v = (yMax * i) / 4;
    el('line', { x1: PAD.l, x2: W - PAD.r, y1: y(v), y2: y(v), stroke: '#e4e4e7' }, svg);
    text(svg, PAD.l - 4, y(v) + 3, fmt(v), 'end');
  }
  if (Number.isFinite(tMin)) {
    text(svg, PAD.l, H - PAD.b + 12, clock(tMin));
    text(svg, W - PAD.r, H - PAD.b + 12, clock(tMax), 'end');
  }
  if (!n) text(svg, PAD.l + plotW / 2, PAD.t + plotH / 2, 'no data yet', 'middle');
  let lx = PAD.l;
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    let d = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (v === null || v === undefined) {
        pen = false;
        continue;
      }
      d += (pen ? 'L' : 'M') + x(t).toFixed(1) + ' ' + y(v).toFixed(1) + ' ';
      pen = true;
    }
    if (d) el('path', { d, fill: 'none', stroke: color, 'stroke-width': 1.6, class: 'series' }, svg);
    // Single points (a bin with one search) would be invisible as a path: mark every point.
    for (const [t, v] of s.points) if (v !== null && v !== undefined) el('circle', { cx: x(t), cy: y(v), r: 1.8, fill: color }, svg);
    el('rect', { x: lx, y: H - 12, width: 8, height: 8, fill: color }, svg);
    const label = text(svg, lx + 11, H - 4, s.name);
    lx += 22 + s.name.length * 7;
    label.setAttribute('fill', '#1d1d1f');
  });
}

/** Bars for the histogram: cumulative buckets → per bucket. */
function histogram(svg, buckets) {
  svg.replaceChildren();
  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + H);
  const bars = [];
  let prev = 0;
  for (const b of buckets) {
    bars.push({ label: b.le === null ? '+Inf' : b.le >= 1 ? b.le + 's' : b.le * 1000 + 'ms', count: b.count - prev });
    prev = b.count;
  }
  const total = bars.reduce((a, b) => a + b.count, 0);
  svg.dataset.points = String(total);
  const max = Math.max(1, ...bars.map((b) => b.count));
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const bw = plotW / Math.max(1, bars.length);
  for (let i = 0; i <= 4; i++) {
    const v = (max * i) / 4;
    const yy = PAD.t + plotH - (v / max) * plotH;
    el('line', { x1: PAD.l, x2: W - PAD.r, y1: yy, y2: yy, stroke: '#e4e4e7' }, svg);
    text(svg, PAD.l - 4, yy + 3, fmt(v), 'end');
  }
  bars.forEach((b, i) => {
    const h = (b.count / max) * plotH;
    el('rect', { x: PAD.l + i * bw + 1, y: PAD.t + plotH - h, width: Math.max(1, bw - 2), height: h, fill: COLORS[0], class: 'bar' }, svg);
    if (i % 2 === 0) text(svg, PAD.l + i * bw + bw / 2, H - PAD.b + 12, b.label, 'middle');
  });
  if (!total) text(svg, PAD.l + plotW / 2, PAD.t + plotH / 2, 'no searches yet', 'middle');
}

function perRepo(rows) {
  const names = new Set();
  for (const r of rows) for (const k in r.repos) names.add(k);
  return [...names].map((name) => ({ name, points: rows.map((r) => [r.t, r.repos[name] === undefined ? null : r.repos[name]]) }));
}

function cell(tr, value, cls) {
  const td = document.createElement('td');
  td.textContent = value === null || value === undefined ? '' : String(value);
  if (cls) td.className = cls;
  tr.appendChild(td);
}

function ago(ts) {
  if (!ts) return 'never';
  const s = Math.max(0, Math.round((Date.now() - ts) / 1000));
  return s < 60 ? s + ' s ago' : s < 3600 ? Math.round(s / 60) + ' min ago' : Math.round(s / 3600) + ' h ago';
}

function render(d) {
  const verdict = document.getElementById('verdict');
  verdict.textContent = d.healthy ? 'healthy' : 'degraded';
  verdict.className = d.healthy ? 'ok' : 'bad';
  document.getElementById('facts').textContent = 'v' + d.version + ' · up ' + Math.round(d.uptimeMs / 1000) + ' s';
  document.getElementById('updated').textContent = 'updated ' + clock(d.now);
  const ms = (v) => (v === null ? null : v * 1000);
  lineChart(document.getElementById('latency'), [
    { name: 'p50', points: d.latency.map((p) => [p.t, ms(p.p50)]) },
    { name: 'p95', points: d.latency.map((p) => [p.t, ms(p.p95)]) },
  ]);
  histogram(document.getElementById('histogram'), d.histogram);
  const fes = ['cli', 'mcp', 'lsp', 'other'];
  lineChart(
    document.getElementById('rate'),
    fes.map((fe) => ({ name: fe, points: d.rate.map((p) => [p.t, p[fe]]) })),
  );
  lineChart(document.getElementById('cache'), [{ name: 'hit ratio', points: d.cache.map((p) => [p.t, p.ratio]) }], { yMax: 1 });
  lineChart(document.getElementById('lag'), perRepo(d.lag));
  lineChart(document.getElementById('queue'), perRepo(d.queue));
  lineChart(document.getElementById('throughput'), [
    { name: 'files/s', points: d.throughput.map((p) => [p.t, p.files]) },
    { name: 'chunks/s', points: d.throughput.map((p) => [p.t, p.chunks]) },
  ]);
  const repos = document.querySelector('#repos tbody');
  repos.replaceChildren();
  for (const r of d.repos) {
    const tr = document.createElement('tr');
    tr.title = r.root;
    cell(tr, r.name);
    cell(tr, r.upToDate ? 'up to date' : r.state);
    cell(tr, r.files, 'num');
    cell(tr, r.chunks, 'num');
    cell(tr, r.pendingJobs, 'num');
    cell(tr, ago(r.lastIndexedAt));
    cell(tr, r.lastError, 'err');
    repos.appendChild(tr);
  }
  const searches = document.querySelector('#searches tbody');
  searches.replaceChildren();
  for (const s of d.searches) {
    const tr = document.createElement('tr');
    cell(tr, clock(s.at));
    cell(tr, s.frontEnd);
    cell(tr, s.mode);
    cell(tr, s.query);
    cell(tr, s.repo ? s.repo.split('/').pop() : 'all');
    cell(tr, s.hits, 'num');
    cell(tr, s.latencyMs.toFixed(1), 'num');
    cell(tr, s.openedPath ? s.openedPath + (s.openedRank ? ' (#' + s.openedRank + ')' : '') : '');
    searches.appendChild(tr);
  }
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
}

async function refresh() {
  let every = 5000;
  try {
    const res = await fetch('/api/dashboard', { credentials: 'same-origin', cache: 'no-store' });
    if (res.status === 401) {
      document.getElementById('verdict').textContent = 'not signed in: open the URL `contextd dashboard` prints';
      return;
    }
    const d = await res.json();
    every = Math.max(1000, Math.min(5000, d.sampleMs));
    render(d);
  } catch (err) {
    document.getElementById('verdict').textContent = 'daemon not answering (' + (err && err.message) + ')';
    document.getElementById('verdict').className = 'bad';
  } finally {
    setTimeout(refresh, every);
  }
}

refresh();
