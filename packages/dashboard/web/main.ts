// The dashboard page: three views over the server's JSON endpoints, kept live by its
// Server-Sent Events. The server aggregates; this page only draws what it is given.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './style.css';

interface Alert {
  id: string;
  series: string;
  status: string;
  severity: string;
  observed?: number;
  expectedLow?: number;
  expectedHigh?: number;
  score?: number;
  windowStart: string;
  explanation: string;
  episodeId?: string;
}
interface WindowPoint {
  startMs: number;
  revision: number;
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  revisedFrom?: { count: number; mean: number };
}
interface SeriesDetail {
  key: string;
  windowSeconds: number;
  windows: WindowPoint[];
  scores: { startMs: number; score: number | null }[];
  alerts: Alert[];
}
interface SeriesSummary {
  key: string;
  windows: number;
  alerts: number;
  lastWindowStart: string;
}
interface Status {
  state: 'starting' | 'ok' | 'error';
  reason?: string;
  message?: string;
}
interface Stage {
  name: string;
  kind: string;
  inPerSecond: number;
  outPerSecond: number;
  recordsIn: number;
  recordsOut: number;
  errors: number;
  iteratorAgeMs?: number;
  onFailure: number;
  deadLetter: number;
}
interface PipelineView {
  atMs: number;
  span?: string;
  noData?: boolean;
  produced?: number;
  producedPerSecond?: number;
  windowLagMs?: number;
  stages: Stage[];
}
interface Outcome {
  ok: boolean;
  checks: { name: string; status: string; detail: string }[];
  notes: string[];
}
type Part = 'alerts' | 'pipeline';
interface Problem {
  reason: string;
  message: string;
}
interface Update {
  status: Status;
  problems: Partial<Record<Part, Problem>>;
  series: number;
  changed: string[];
  more: boolean;
  alerts: Alert[];
  pipeline?: PipelineView;
  outcome?: Outcome;
}

type View = 'series' | 'alerts' | 'pipeline';
const VIEWS: View[] = ['series', 'alerts', 'pipeline'];

const $ = (id: string) => document.getElementById(id) as HTMLElement;
function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  node.append(...children);
  return node;
}
const fmt = (n: number | undefined, digits = 2) =>
  n === undefined || !Number.isFinite(n)
    ? '–'
    : String(Math.round(n * 10 ** digits) / 10 ** digits);
const time = (iso: string | number) => new Date(iso).toISOString().slice(11, 19);
const css = (name: string) => getComputedStyle(document.body).getPropertyValue(name).trim();

async function getJson<T>(path: string): Promise<T> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
}

const state = {
  view: 'series' as View,
  status: { state: 'starting' } as Status,
  limits: {} as Partial<Record<Part, string>>,
  notes: {} as Partial<Record<Part, string>>,
  problems: {} as Partial<Record<Part, Problem>>,
  series: 0,
  selected: undefined as string | undefined,
  focusMs: undefined as number | undefined,
  alerts: [] as Alert[],
  pipeline: undefined as PipelineView | undefined,
  history: [] as { atMs: number; in: number; produced: number }[],
  outcome: undefined as Outcome | undefined,
};

// ---- tabs and routing (#series?key=…&t=…, #alerts, #pipeline) --------------------------------

function show(view: View, focus = false): void {
  state.view = view;
  for (const v of VIEWS) {
    const tab = $(`tab-${v}`);
    tab.setAttribute('aria-selected', String(v === view));
    tab.tabIndex = v === view ? 0 : -1;
    $(`view-${v}`).hidden = v !== view;
  }
  if (focus) $(`tab-${view}`).focus();
  render();
}

function route(): void {
  const [view, query] = location.hash.slice(1).split('?');
  const params = new URLSearchParams(query ?? '');
  const key = params.get('key');
  if (key) {
    state.selected = key;
    const t = Number(params.get('t'));
    state.focusMs = Number.isFinite(t) && t > 0 ? t : undefined;
    seriesDetail = undefined;
    void loadSeries();
  }
  show(VIEWS.includes(view as View) ? (view as View) : 'series');
}

function setupTabs(): void {
  VIEWS.forEach((v, i) => {
    const tab = $(`tab-${v}`);
    tab.addEventListener('click', () => {
      location.hash = v === 'series' && state.selected ? seriesHash(state.selected) : v;
    });
    // Arrow keys move between tabs (the WAI-ARIA tabs pattern), Home/End to the ends.
    tab.addEventListener('keydown', (e) => {
      const next =
        e.key === 'ArrowRight'
          ? (i + 1) % VIEWS.length
          : e.key === 'ArrowLeft'
            ? (i + VIEWS.length - 1) % VIEWS.length
            : e.key === 'Home'
              ? 0
              : e.key === 'End'
                ? VIEWS.length - 1
                : -1;
      if (next < 0) return;
      e.preventDefault();
      location.hash = VIEWS[next] as string;
      show(VIEWS[next] as View, true);
    });
  });
  window.addEventListener('hashchange', route);
}

const seriesHash = (key: string, t?: number) =>
  `series?${new URLSearchParams({ key, ...(t ? { t: String(t) } : {}) })}`;

// ---- status ---------------------------------------------------------------------------------

function renderStatus(): void {
  const s = state.status;
  const node = $('status');
  node.className = `status-${s.state}`;
  node.textContent =
    s.state === 'error'
      ? s.reason === 'not-found'
        ? `Not found: ${s.message ?? ''}. Is the stage deployed, in this region?`
        : s.reason === 'denied'
          ? `No permission: ${s.message ?? ''}. Do the credentials in use (AWS_PROFILE, the SDK's default chain) allow reading this stage?`
          : `Cannot read the data: ${s.message ?? ''}. Are the stand-ins (or the network) up?`
      : s.state === 'starting'
        ? 'connecting…'
        : `live · ${state.series} series · ${state.alerts.length} alerts`;
  const badge = $('alert-count');
  badge.textContent = String(state.alerts.length);
  badge.classList.toggle('none', state.alerts.length === 0);
}

/** A part of the source that could not be read, said in its view. */
function problemState(p: Problem): HTMLElement {
  const hint =
    p.reason === 'not-found'
      ? 'Is that service deployed on this stage, in this region?'
      : p.reason === 'denied'
        ? 'The credentials in use lack this permission; the other views still read what they may.'
        : 'Retried at the next refresh.';
  return el('p', { class: 'empty error', role: 'alert' }, `${p.message}. ${hint}`);
}

/** Where a view's data comes from (a deployed stage), said above it. */
const noteOf = (part: Part) =>
  state.notes[part] ? [el('p', { class: 'hint' }, state.notes[part] as string)] : [];

function emptyState(what: string): HTMLElement {
  if (state.status.state === 'error') {
    return el('p', { class: 'empty error' }, `No ${what}: ${$('status').textContent ?? ''}`);
  }
  return el('p', { class: 'empty' }, `No ${what} yet.`);
}

// ---- series view ----------------------------------------------------------------------------

let seriesDetail: SeriesDetail | undefined;
let searchResults: SeriesSummary[] = [];
let searchTotal = 0;
let searchQuery = '';
let charts: uPlot[] = [];
let searchBox: HTMLInputElement | undefined;

async function search(q: string): Promise<void> {
  searchQuery = q;
  const r = await getJson<{ total: number; series: SeriesSummary[] }>(
    `/api/series?q=${encodeURIComponent(q)}&limit=50`,
  );
  if (q !== searchQuery) return;
  searchResults = r.series;
  searchTotal = r.total;
  if (!state.selected && r.series[0]) {
    state.selected = r.series[0].key;
    void loadSeries();
  }
  renderSeriesList();
}

async function loadSeries(): Promise<void> {
  const key = state.selected;
  if (!key) return;
  try {
    const detail = await getJson<SeriesDetail>(`/api/series/detail?key=${encodeURIComponent(key)}`);
    if (key !== state.selected) return;
    seriesDetail = detail;
  } catch {
    seriesDetail = undefined;
  }
  if (state.view === 'series') renderChart();
}

function renderSeries(): void {
  const view = $('view-series');
  if (!searchBox) {
    searchBox = el('input', {
      type: 'search',
      id: 'series-search',
      placeholder: 'metric or dimension, e.g. cpu device=d-3',
      'aria-describedby': 'series-search-help',
    });
    let timer: number | undefined;
    searchBox.addEventListener('input', () => {
      clearTimeout(timer);
      timer = window.setTimeout(() => void search(searchBox?.value ?? ''), 200);
    });
    view.append(
      el(
        'div',
        { class: 'series-layout' },
        el(
          'div',
          { class: 'series-picker' },
          el('label', { for: 'series-search' }, 'Find a series'),
          searchBox,
          el(
            'p',
            { id: 'series-search-help', class: 'hint' },
            'Every word must appear in the series key (metric|dimension=value…).',
          ),
          el('ul', { id: 'series-list', class: 'series-list', 'aria-label': 'Series' }),
        ),
        el('div', { id: 'series-chart', class: 'series-chart' }),
      ),
    );
  }
  renderSeriesList();
  renderChart();
}

function renderSeriesList(): void {
  const list = document.getElementById('series-list');
  if (!list) return;
  list.replaceChildren(
    ...searchResults.map((s) => {
      const button = el(
        'button',
        { type: 'button', class: 'series-item', 'aria-current': String(s.key === state.selected) },
        el('span', { class: 'key' }, s.key),
        el(
          'span',
          { class: 'meta' },
          `${s.windows} windows${s.alerts ? ` · ${s.alerts} alerts` : ''}`,
        ),
      );
      button.addEventListener('click', () => {
        location.hash = seriesHash(s.key);
      });
      return el('li', {}, button);
    }),
  );
  if (searchResults.length === 0) list.replaceChildren(el('li', {}, emptyState('series')));
  else if (searchTotal > searchResults.length) {
    list.append(
      el('li', { class: 'hint' }, `${searchTotal - searchResults.length} more: refine the search`),
    );
  }
}

function renderChart(): void {
  const box = document.getElementById('series-chart');
  if (!box) return;
  for (const c of charts) c.destroy();
  charts = [];
  const d = seriesDetail;
  if (!d || d.windows.length === 0) {
    box.replaceChildren(
      state.selected
        ? el('p', { class: 'empty' }, `No windows of ${state.selected} yet.`)
        : emptyState('windows (a series appears when its first window closes)'),
    );
    return;
  }
  const xs = d.windows.map((w) => w.startMs / 1000);
  const scoreAt = new Map(d.scores.map((s) => [s.startMs, s.score]));
  const alertAt = new Map<number, Alert[]>();
  for (const a of d.alerts) {
    const t = Date.parse(a.windowStart);
    alertAt.set(t, [...(alertAt.get(t) ?? []), a]);
  }
  const revised = d.windows.filter((w) => w.revisedFrom).length;
  const tip = el('div', { class: 'tooltip', role: 'tooltip', hidden: '' });
  const title = el('h2', {}, d.key);
  const legend = el(
    'p',
    { class: 'hint' },
    `${d.windows.length} windows of ${d.windowSeconds} s · ${d.alerts.length} alerts (red marks: hover for why) · ${revised} revised by a correction (hollow points: the first revision)`,
  );
  const main = el('div', { class: 'chart', 'data-testid': 'series-chart' });
  const count = el('div', { class: 'chart small' });
  const score = el('div', { class: 'chart small' });
  box.replaceChildren(
    title,
    legend,
    main,
    el('h3', {}, 'count per window'),
    count,
    el('h3', {}, "detector's score"),
    score,
    tip,
  );
  const width = Math.max(320, box.clientWidth - 8);
  const text = css('--fg');
  const grid = css('--grid');
  const axes = (label: string): uPlot.Axis[] => [
    { stroke: text, grid: { stroke: grid } },
    { stroke: text, grid: { stroke: grid }, label, size: 60 },
  ];
  const sync = uPlot.sync('series');
  const cursor: uPlot.Cursor = { sync: { key: sync.key } };
  const alertMarks: uPlot.Plugin = {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = css('--alert');
        ctx.lineWidth = 2 * devicePixelRatio;
        for (const t of alertAt.keys()) {
          const x = u.valToPos(t / 1000, 'x', true);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        }
        if (state.focusMs) {
          ctx.strokeStyle = css('--accent');
          ctx.setLineDash([4, 4]);
          const x = u.valToPos(state.focusMs / 1000, 'x', true);
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      },
      setCursor: (u) => {
        const i = u.cursor.idx;
        const w = i === null || i === undefined ? undefined : d.windows[i];
        if (!w) {
          tip.hidden = true;
          return;
        }
        const alerts = alertAt.get(w.startMs) ?? [];
        tip.replaceChildren(
          el('strong', {}, `${time(w.startMs)} · rev ${w.revision}`),
          el(
            'div',
            {},
            `count ${w.count} · mean ${fmt(w.mean)} · p50 ${fmt(w.p50)} · p90 ${fmt(w.p90)} · p99 ${fmt(w.p99)}`,
          ),
          ...(w.revisedFrom
            ? [
                el(
                  'div',
                  {},
                  `revised: first revision had count ${w.revisedFrom.count}, mean ${fmt(w.revisedFrom.mean)}`,
                ),
              ]
            : []),
          el('div', {}, `score ${fmt(scoreAt.get(w.startMs) ?? undefined, 3)}`),
          ...alerts.map((a) =>
            el(
              'div',
              { class: `sev-${a.severity}` },
              `ALERT ${a.severity} ${a.status}: ${a.explanation}`,
            ),
          ),
        );
        tip.hidden = false;
        const left =
          (u.cursor.left ?? 0) +
          u.over.getBoundingClientRect().left -
          box.getBoundingClientRect().left;
        tip.style.left = `${Math.min(left + 12, box.clientWidth - 300)}px`;
        tip.style.top = `${main.offsetTop + 12}px`;
      },
    },
  };
  const stroke = (name: string) => css(name);
  charts.push(
    new uPlot(
      {
        width,
        height: 260,
        cursor,
        plugins: [alertMarks],
        axes: axes('value'),
        legend: { show: true },
        series: [
          {},
          { label: 'p99', stroke: stroke('--p99'), width: 1 },
          { label: 'p90', stroke: stroke('--p90'), width: 1 },
          { label: 'p50', stroke: stroke('--p50'), width: 1 },
          { label: 'mean', stroke: stroke('--fg'), width: 2 },
          {
            label: 'first revision',
            stroke: stroke('--accent'),
            paths: () => null,
            points: { show: true, size: 9, fill: 'transparent', stroke: stroke('--accent') },
          },
        ],
        bands: [
          { series: [1, 2], fill: css('--band-outer') },
          { series: [2, 3], fill: css('--band-inner') },
        ],
      },
      [
        xs,
        d.windows.map((w) => w.p99),
        d.windows.map((w) => w.p90),
        d.windows.map((w) => w.p50),
        d.windows.map((w) => w.mean),
        d.windows.map((w) => w.revisedFrom?.mean ?? null),
      ] as uPlot.AlignedData,
      main,
    ),
  );
  // The small charts beneath share the main chart's cursor and alert marks.
  const beneath = (
    label: string,
    series: uPlot.Series,
    values: (number | null)[],
    into: HTMLElement,
    scales?: uPlot.Scales,
  ) =>
    new uPlot(
      {
        width,
        height: 110,
        cursor,
        plugins: [alertMarks],
        axes: axes(label),
        legend: { show: false },
        series: [{}, series],
        ...(scales ? { scales } : {}),
      },
      [xs, values] as uPlot.AlignedData,
      into,
    );
  charts.push(
    beneath(
      'count',
      { label: 'count', stroke: stroke('--accent'), fill: css('--band-inner') },
      d.windows.map((w) => w.count),
      count,
    ),
    beneath(
      'score',
      { label: 'score', stroke: stroke('--alert'), width: 1.5 },
      d.windows.map((w) => scoreAt.get(w.startMs) ?? null),
      score,
      { y: { range: [0, 1] } },
    ),
  );
  main.setAttribute('data-windows', String(d.windows.length));
  main.setAttribute('data-alerts', String(d.alerts.length));
}

// ---- alerts view ----------------------------------------------------------------------------

function renderAlerts(): void {
  const view = $('view-alerts');
  if (state.limits.alerts) {
    view.replaceChildren(el('p', { class: 'empty' }, state.limits.alerts));
    return;
  }
  const problem = state.problems.alerts;
  if (state.alerts.length === 0) {
    view.replaceChildren(
      ...noteOf('alerts'),
      problem
        ? problemState(problem)
        : emptyState('alerts (an alert appears when the detector flags a window)'),
    );
    return;
  }
  // An episode opens with an `open` alert and ends with a `recovered` one of the same episode id.
  const openedAt = new Map<string, string>();
  for (const a of state.alerts) {
    if (a.status === 'open' && a.episodeId) {
      const seen = openedAt.get(a.episodeId);
      if (!seen || a.windowStart < seen) openedAt.set(a.episodeId, a.windowStart);
    }
  }
  const episode = (a: Alert) => {
    if (a.status === 'open') return 'opened';
    const opened = a.episodeId ? openedAt.get(a.episodeId) : undefined;
    return opened ? `recovered (opened ${time(opened)})` : 'recovered';
  };
  const rows = state.alerts.map((a) => {
    const t = Date.parse(a.windowStart);
    const link = el('a', { href: `#${seriesHash(a.series, t)}`, class: 'series-link' }, a.series);
    return el(
      'tr',
      { class: `sev-${a.severity}` },
      el('td', {}, time(a.windowStart)),
      el('td', {}, el('span', { class: `pill sev-${a.severity}` }, a.severity)),
      el('td', {}, episode(a)),
      el('td', {}, link),
      el(
        'td',
        {},
        a.observed === undefined
          ? '–'
          : `${fmt(a.observed)} (expected ${fmt(a.expectedLow)}–${fmt(a.expectedHigh)})`,
      ),
      el('td', {}, a.explanation),
    );
  });
  view.replaceChildren(
    ...noteOf('alerts'),
    ...(problem ? [problemState(problem)] : []),
    el(
      'table',
      { 'aria-label': 'Alerts, newest first' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['window', 'severity', 'episode', 'series', 'observed', 'what moved and why'].map(
            (h) => el('th', { scope: 'col' }, h),
          ),
        ),
      ),
      el('tbody', {}, ...rows),
    ),
  );
}

// ---- pipeline view --------------------------------------------------------------------------

let pipelineChart: uPlot | undefined;

function renderPipeline(): void {
  const view = $('view-pipeline');
  pipelineChart?.destroy();
  pipelineChart = undefined;
  const parts: Node[] = [];
  const p = state.pipeline;
  const problem = state.problems.pipeline;
  if (state.limits.pipeline) parts.push(el('p', { class: 'empty' }, state.limits.pipeline));
  else parts.push(...noteOf('pipeline'), ...(problem ? [problemState(problem)] : []));
  // Nothing to draw when the view is not read, or could not be read yet (both said above).
  const drawn = !state.limits.pipeline && (p || !problem);
  if (drawn && !p) {
    parts.push(emptyState('pipeline counters'));
  } else if (drawn && p?.noData) {
    parts.push(
      el(
        'p',
        { class: 'empty', 'data-testid': 'pipeline-no-data' },
        "No data yet: none of this stage's functions has a datapoint in the minutes read. CloudWatch shows a function's metrics a minute or two after it runs.",
      ),
    );
  } else if (drawn && p) {
    // A local run's producer and window lag; a stage's span of the CloudWatch numbers.
    const kpis = p.span
      ? [`in, out, errors: ${p.span}`]
      : [
          el(
            'span',
            { 'data-testid': 'produced-rate' },
            `produced ${fmt(p.producedPerSecond, 0)}/s`,
          ),
          ` · ${p.produced ?? 0} events in all · latest window lag ${p.windowLagMs === undefined ? '–' : `${fmt(p.windowLagMs / 1000, 1)} s`}`,
        ];
    parts.push(el('p', { class: 'kpis' }, ...kpis));
    const chart = el('div', { class: 'chart small' });
    parts.push(chart);
    parts.push(
      el(
        'table',
        { 'aria-label': 'Pipeline stages' },
        el(
          'thead',
          {},
          el(
            'tr',
            {},
            ...[
              'stage',
              'in/s',
              'out/s',
              'in',
              'out',
              'errors',
              'iterator age',
              'on-failure',
              'dead letters',
            ].map((h) => el('th', { scope: 'col' }, h)),
          ),
        ),
        el(
          'tbody',
          {},
          ...p.stages.map((s) =>
            el(
              'tr',
              {},
              el('th', { scope: 'row' }, s.name),
              el('td', { class: 'num', 'data-testid': 'stage-in-rate' }, fmt(s.inPerSecond, 0)),
              el('td', { class: 'num' }, fmt(s.outPerSecond, 0)),
              el('td', { class: 'num' }, String(s.recordsIn)),
              el('td', { class: 'num' }, String(s.recordsOut)),
              el('td', { class: s.errors ? 'num bad' : 'num' }, String(s.errors)),
              el(
                'td',
                { class: 'num' },
                s.iteratorAgeMs === undefined ? '–' : `${fmt(s.iteratorAgeMs / 1000, 1)} s`,
              ),
              el('td', { class: s.onFailure ? 'num bad' : 'num' }, String(s.onFailure)),
              el('td', { class: s.deadLetter ? 'num bad' : 'num' }, String(s.deadLetter)),
            ),
          ),
        ),
      ),
    );
    queueMicrotask(() => {
      if (state.history.length < 2 || !chart.isConnected) return;
      pipelineChart = new uPlot(
        {
          width: Math.max(320, view.clientWidth - 8),
          height: 140,
          axes: [{ stroke: css('--fg') }, { stroke: css('--fg'), label: 'records/s', size: 60 }],
          series: [
            {},
            { label: 'produced/s', stroke: css('--accent'), width: 2 },
            { label: 'stage input/s (all)', stroke: css('--p90') },
          ],
        },
        [
          state.history.map((h) => h.atMs / 1000),
          state.history.map((h) => h.produced),
          state.history.map((h) => h.in),
        ],
        chart,
      );
    });
  }
  const o = state.outcome;
  if (o) {
    parts.push(
      el('h2', { id: 'reconciliation' }, `Reconciliation: ${o.ok ? 'OK' : 'FAILED'}`),
      el(
        'table',
        { 'aria-labelledby': 'reconciliation', 'data-testid': 'reconciliation' },
        el(
          'thead',
          {},
          el('tr', {}, ...['', 'check', 'detail'].map((h) => el('th', { scope: 'col' }, h))),
        ),
        el(
          'tbody',
          {},
          ...o.checks.map((c) =>
            el(
              'tr',
              { class: `check-${c.status}` },
              el(
                'td',
                { 'aria-label': c.status },
                c.status === 'ok' ? '✓' : c.status === 'failed' ? '✗' : '–',
              ),
              el('td', {}, c.name),
              el('td', {}, c.detail),
            ),
          ),
        ),
      ),
      ...o.notes.map((n) => el('pre', { class: 'note' }, n)),
    );
  } else if (p) {
    parts.push(
      el(
        'p',
        { class: 'hint' },
        'The reconciliation appears here when a bounded run (--duration) ends.',
      ),
    );
  }
  view.replaceChildren(...parts);
}

// ---- live updates ---------------------------------------------------------------------------

function render(): void {
  renderStatus();
  if (state.view === 'series') renderSeries();
  else if (state.view === 'alerts') renderAlerts();
  else renderPipeline();
}

let detailTimer: number | undefined;
function applyUpdate(u: Update): void {
  state.status = u.status;
  const problemsChanged = JSON.stringify(u.problems) !== JSON.stringify(state.problems);
  state.problems = u.problems ?? {};
  state.series = u.series;
  if (u.alerts.length > 0) {
    // As many as the server keeps (its model's limit): the page holds no more than it.
    state.alerts = [...u.alerts, ...state.alerts]
      .sort((a, b) => Date.parse(b.windowStart) - Date.parse(a.windowStart))
      .slice(0, 1000);
  }
  if (u.pipeline) {
    state.pipeline = u.pipeline;
    state.history.push({
      atMs: u.pipeline.atMs,
      in: u.pipeline.stages.reduce((n, s) => n + s.inPerSecond, 0),
      produced: u.pipeline.producedPerSecond ?? 0,
    });
    if (state.history.length > 300) state.history.shift();
  }
  if (u.outcome) state.outcome = u.outcome;
  renderStatus();
  if (state.view === 'alerts' && (u.alerts.length > 0 || problemsChanged)) renderAlerts();
  if (state.view === 'pipeline' && (u.pipeline || u.outcome || problemsChanged)) renderPipeline();
  const mine = state.selected && (u.more || u.changed.includes(state.selected));
  if (state.view === 'series' && (mine || !state.selected || u.alerts.length > 0)) {
    // At most one reload a second, however often updates come.
    if (detailTimer === undefined) {
      detailTimer = window.setTimeout(() => {
        detailTimer = undefined;
        void search(searchQuery).then(loadSeries);
      }, 1000);
    }
  }
}

async function loadAll(): Promise<void> {
  const status = await getJson<{
    status: Status;
    series: number;
    limits: typeof state.limits;
    notes: typeof state.notes;
    problems: typeof state.problems;
    outcome?: Outcome;
  }>('/api/status');
  state.status = status.status;
  state.series = status.series;
  state.limits = status.limits;
  state.notes = status.notes;
  state.problems = status.problems;
  if (status.outcome) state.outcome = status.outcome;
  state.alerts = (await getJson<{ alerts: Alert[] }>('/api/alerts?limit=1000')).alerts;
  const p = await getJson<{
    latest?: PipelineView;
    history: typeof state.history;
    outcome?: Outcome;
  }>('/api/pipeline');
  state.pipeline = p.latest;
  state.history = p.history;
  await search(searchQuery);
  await loadSeries();
  render();
}

function connect(): void {
  const events = new EventSource('/api/events');
  events.addEventListener('update', (e) =>
    applyUpdate(JSON.parse((e as MessageEvent<string>).data) as Update),
  );
  // On every (re)connection the state is reloaded: updates missed meanwhile are not replayed.
  events.addEventListener('open', () => void loadAll().catch(() => undefined));
  events.addEventListener('error', () => {
    state.status = {
      state: 'error',
      reason: 'unreachable',
      message: 'the dashboard server does not answer',
    };
    renderStatus();
  });
}

setupTabs();
route();
connect();
window.addEventListener('resize', () => {
  if (state.view === 'series') renderChart();
});
