/*
 * Relevo dashboard: renders the page named by <main data-page> from /dashboard/api/*. Plain
 * browser JS (no build step); DOM built with createElement/textContent only, never innerHTML,
 * so shop data (labels, search queries) cannot inject markup, and the strict CSP holds.
 * The date range lives in the page URL (range=7d, or from/to as YYYY-MM-DD, inclusive, UTC).
 */
(function () {
  'use strict';
  var DAY = 86400;
  var PRESETS = { today: 1, '7d': 7, '30d': 30, '90d': 90 };
  var COLORS = { blue: '#2563eb', green: '#059669', orange: '#d97706', grey: '#94a3b8' };
  var main = document.getElementById('main');
  var page = main.dataset.page;
  var params = new URLSearchParams(location.search);
  var range = currentRange();
  var granularity = range.to - range.from <= 2 * DAY ? 'hour' : 'day';

  /* ---------- helpers ---------- */
  function h(tag, attrs) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'class') el.className = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    });
    for (var i = 2; i < arguments.length; i++) append(el, arguments[i]);
    return el;
  }
  function append(el, child) {
    if (child === undefined || child === null || child === false) return;
    if (Array.isArray(child)) child.forEach(function (c) { append(el, c); });
    else el.append(child instanceof Node ? child : String(child));
  }
  function utcToday() { var d = new Date(); return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) / 1000; }
  function isoDay(t) { return new Date(t * 1000).toISOString().slice(0, 10); }
  function parseDay(s) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3]) / 1000 : null;
  }
  function currentRange() {
    var from = parseDay(params.get('from')), to = parseDay(params.get('to'));
    if (from !== null && to !== null && to >= from) return { from: from, to: to + DAY, key: 'custom' };
    var key = PRESETS[params.get('range')] ? params.get('range') : '30d';
    var end = utcToday() + DAY;
    return { from: end - PRESETS[key] * DAY, to: end, key: key };
  }
  /** The page URL's own query with only the date range kept (and the label name on its page). */
  function rangeSearch(extra) {
    var q = new URLSearchParams();
    if (range.key === 'custom') { q.set('from', isoDay(range.from)); q.set('to', isoDay(range.to - DAY)); }
    else if (params.has('range')) q.set('range', range.key);
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    var s = q.toString();
    return s ? '?' + s : '';
  }
  function apiUrl(path, extra) {
    var q = new URLSearchParams({ from: String(range.from), to: String(range.to), granularity: granularity });
    Object.keys(extra || {}).forEach(function (k) { q.set(k, extra[k]); });
    return '/dashboard/api/' + path + '?' + q.toString();
  }
  function getJson(url) {
    return fetch(url, { credentials: 'same-origin', headers: { accept: 'application/json' } }).then(function (res) {
      if (res.status === 401) { location.assign('/dashboard/login'); throw new Error('Not logged in'); }
      return res.json().then(function (body) {
        if (!res.ok || body.status !== 'ok') throw new Error(body.message || 'Request failed (' + res.status + ')');
        return body;
      });
    });
  }
  var nf = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
  var mf = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  var FMT = {
    int: function (v) { return v == null ? '–' : nf.format(v); },
    money: function (v) { return v == null ? '–' : mf.format(v); },
    pct: function (v) { return v == null ? '–' : (v * 100).toFixed(1) + '%'; },
    dec: function (v) { return v == null ? '–' : v.toFixed(1); },
    text: function (v) { return v == null ? '' : String(v); },
  };

  /* ---------- building blocks ---------- */
  function card(title, value, note) {
    return h('div', { class: 'kpi' }, h('div', { class: 'kpi-title' }, title), h('div', { class: 'kpi-value' }, value), note ? h('div', { class: 'kpi-note' }, note) : null);
  }
  function section(title, csvPath, body) {
    return h('section', { class: 'panel', 'aria-label': title },
      h('div', { class: 'panel-head' }, h('h2', null, title),
        csvPath ? h('a', { class: 'button csv', href: csvPath, download: '', 'aria-label': 'Export ' + title + ' as CSV' }, 'Export CSV') : null),
      body);
  }
  /** A sortable table; `columns`: {key, label, fmt, num, cell(row) → Node}. Each cell keeps its raw value in data-value. */
  function table(title, columns, rows, opts) {
    opts = opts || {};
    var sort = { key: null, dir: -1 };
    var tbody = h('tbody');
    var heads = columns.map(function (c) {
      var th = h('th', { scope: 'col', class: c.num ? 'num' : null, 'data-key': c.key, title: c.title });
      if (c.sortable === false) th.append(c.label);
      else th.append(h('button', { type: 'button', class: 'sort', onclick: function () { sortBy(c.key); } }, c.label));
      return th;
    });
    function sortBy(key) {
      sort.dir = sort.key === key ? -sort.dir : rows.length && typeof rows[0][key] === 'string' ? 1 : -1;
      sort.key = key;
      rows.sort(function (a, b) {
        var x = a[key], y = b[key];
        if (x == null) return 1;
        if (y == null) return -1;
        return (x < y ? -1 : x > y ? 1 : 0) * sort.dir;
      });
      heads.forEach(function (th) { th.setAttribute('aria-sort', th.dataset.key === key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none'); });
      fill();
    }
    function fill() {
      tbody.replaceChildren();
      if (!rows.length) tbody.append(h('tr', null, h('td', { colspan: columns.length, class: 'empty' }, 'No data in this date range.')));
      rows.forEach(function (row) {
        tbody.append(h('tr', null, columns.map(function (c) {
          var v = row[c.key];
          return h('td', { class: c.num ? 'num' : c.sortable === false ? null : 'text', 'data-key': c.key, 'data-value': v == null ? '' : String(v) }, c.cell ? c.cell(row) : (c.fmt || FMT.text)(v));
        })));
      });
    }
    if (opts.sortKey && rows.length) sortBy(opts.sortKey);
    else fill();
    var tableEl = h('table', { id: opts.id }, h('caption', { class: 'sr-only' }, title), h('thead', null, h('tr', null, heads)), tbody);
    return section(title, opts.csv, h('div', { class: 'table-scroll', role: 'region', 'aria-label': title, tabindex: '0' }, tableEl));
  }
  function utcTz(ts) { return uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'); }
  /** A time-series chart; `lines`: {key, label, color, right} (right → second y axis). */
  function chart(title, series, lines, fmtLeft, fmtRight) {
    var box = h('div', { class: 'chart', role: 'img', 'aria-label': title + ' chart' });
    var wrap = section(title, null, box);
    requestAnimationFrame(function () {
      var data = [series.map(function (p) { return p.t; })].concat(lines.map(function (l) { return series.map(function (p) { return p[l.key]; }); }));
      // Axis width follows the widest tick label, so "12,000.00" is never cut off.
      var fit = function (u, values) { var w = 0; (values || []).forEach(function (v) { w = Math.max(w, String(v).length); }); return Math.max(40, w * 8 + 18); };
      var axes = [{ stroke: '#475569' }, { stroke: '#475569', values: function (u, vs) { return vs.map(fmtLeft || FMT.int); }, size: fit }];
      if (lines.some(function (l) { return l.right; })) axes.push({ side: 1, scale: 'right', stroke: '#475569', grid: { show: false }, values: function (u, vs) { return vs.map(fmtRight || FMT.int); }, size: fit });
      var u = new uPlot({
        width: Math.max(box.clientWidth, 280), height: 260, tzDate: utcTz,
        scales: { x: { time: true }, right: { auto: true } },
        series: [{ label: 'Time' }].concat(lines.map(function (l) {
          return { label: l.label, stroke: l.color, width: 2, scale: l.right ? 'right' : 'y', fill: l.fill, value: function (u, v) { return (l.right ? fmtRight || FMT.int : fmtLeft || FMT.int)(v); } };
        })),
        axes: axes,
      }, data, box);
      new ResizeObserver(function () { u.setSize({ width: Math.max(box.clientWidth, 280), height: 260 }); }).observe(box);
    });
    return wrap;
  }
  function sparkline(values) {
    var box = h('div', { class: 'spark', role: 'img', 'aria-label': 'Clicks per ' + granularity + ': ' + values.join(', ') });
    requestAnimationFrame(function () {
      new uPlot({
        width: 120, height: 32, cursor: { show: false }, legend: { show: false }, select: { show: false },
        // Padding below zero keeps an all-zero stretch visible as a baseline.
        scales: { x: { time: false }, y: { range: function (u, min, max) { var top = Math.max(max, 1); return [-top * 0.12, top * 1.08]; } } },
        axes: [{ show: false }, { show: false }],
        series: [{}, { stroke: COLORS.blue, width: 1.5, fill: 'rgba(37,99,235,0.12)', points: { show: false } }],
      }, [values.map(function (_, i) { return i; }), values], box);
    });
    return box;
  }
  function render(nodes) { main.replaceChildren.apply(main, nodes.filter(Boolean)); main.setAttribute('aria-busy', 'false'); }
  function fail(err) { render([h('h1', null, document.title.split(' · ')[0]), h('p', { class: 'error', role: 'alert' }, err.message)]); }

  /* ---------- pages ---------- */
  var LABEL_COLUMNS = [
    { key: 'label', label: 'Label', cell: function (r) { return h('a', { href: '/dashboard/label' + rangeSearch({ name: r.label }) }, r.label); } },
    { key: 'trend', label: 'Clicks trend', sortable: false, cell: function (r) { return sparkSlot(r.label); } },
    { key: 'impressions', label: 'Impressions', fmt: FMT.int, num: true },
    { key: 'clicks', label: 'Clicks', fmt: FMT.int, num: true },
    { key: 'ctr', label: 'CTR', fmt: FMT.pct, num: true },
    { key: 'orders', label: 'Orders', fmt: FMT.int, num: true },
    { key: 'revenue', label: 'Revenue', fmt: FMT.money, num: true },
    { key: 'conversion_rate', label: 'Conversion', fmt: FMT.pct, num: true },
    { key: 'revenue_per_mille', label: 'Revenue / 1,000 impr.', fmt: FMT.money, num: true },
    { key: 'mean_position', label: 'Mean position', title: 'Mean position of clicked results; 0 is the first result', fmt: FMT.dec, num: true },
  ];
  var PRODUCT_COLUMNS = [
    { key: 'product', label: 'ID' },
    { key: 'name', label: 'Name' },
    { key: 'impressions', label: 'Impressions', fmt: FMT.int, num: true },
    { key: 'clicks', label: 'Clicks', fmt: FMT.int, num: true },
    { key: 'ctr', label: 'CTR', fmt: FMT.pct, num: true },
    { key: 'orders', label: 'Orders', fmt: FMT.int, num: true },
    { key: 'units', label: 'Units', fmt: FMT.int, num: true },
    { key: 'revenue', label: 'Revenue', fmt: FMT.money, num: true },
    { key: 'attributed_orders', label: 'Attributed orders', fmt: FMT.int, num: true },
    { key: 'attributed_revenue', label: 'Attributed revenue', fmt: FMT.money, num: true },
  ];
  var LABEL_PRODUCT_COLUMNS = PRODUCT_COLUMNS.filter(function (c) { return ['product', 'name', 'clicks', 'orders', 'units', 'revenue'].indexOf(c.key) >= 0; });
  var QUERY_COLUMNS = [{ key: 'query', label: 'Query' }, { key: 'searches', label: 'Searches', fmt: FMT.int, num: true }];
  var sparks = {};
  function sparkSlot(label) {
    if (!sparks[label]) {
      sparks[label] = h('div', { class: 'spark-slot' });
      var slot = sparks[label];
      getJson(apiUrl('timeseries', { labels: JSON.stringify([label]) })).then(function (body) {
        slot.replaceChildren(sparkline(body.series.map(function (p) { return p.clicks; })));
      }, function () { slot.textContent = '–'; });
    }
    return sparks[label];
  }

  var PAGES = {
    overview: function () {
      return Promise.all([getJson(apiUrl('overview')), getJson(apiUrl('timeseries'))]).then(function (res) {
        var o = res[0], c = o.conversion || {};
        var channels = ['search', 'recommendations', 'external', 'organic'].map(function (k) { return { channel: k, orders: o.channels[k].orders, revenue: o.channels[k].revenue }; });
        var uplift = c.uplift == null ? '–' : (c.uplift >= 0 ? '+' : '') + (c.uplift * 100).toFixed(0) + '%';
        return [
          h('h1', null, 'Overview'),
          h('div', { class: 'kpis' },
            card('Revenue through Relevo', FMT.money(o.attributed_revenue), FMT.pct(o.attributed_share) + ' of all revenue'),
            card('Organic revenue', FMT.money(o.channels.organic.revenue), 'Total ' + FMT.money(o.revenue)),
            card('Orders', FMT.int(o.orders), FMT.int(o.attributed_orders) + ' attributed'),
            card('Conversion uplift', uplift, c.clickers ? 'Clickers ' + FMT.pct(c.clickers.rate) + ' vs ' + FMT.pct(c.non_clickers.rate) : null),
            card('Impressions', FMT.int(o.impressions), FMT.int(o.clicks) + ' clicks · CTR ' + FMT.pct(o.ctr))),
          chart('Revenue', res[1].series, [
            { key: 'revenue', label: 'All revenue', color: COLORS.grey },
            { key: 'attributed_revenue', label: 'Through Relevo', color: COLORS.blue, fill: 'rgba(37,99,235,0.10)' },
          ], FMT.money),
          table('Channels', [{ key: 'channel', label: 'Channel' }, { key: 'orders', label: 'Orders', fmt: FMT.int, num: true }, { key: 'revenue', label: 'Revenue', fmt: FMT.money, num: true }], channels, { id: 'channels-table', csv: apiUrl('channels.csv') }),
        ];
      });
    },
    labels: function () {
      return getJson(apiUrl('labels')).then(function (body) {
        return [h('h1', null, 'Labels'), table('Labels', LABEL_COLUMNS, body.labels, { id: 'labels-table', csv: apiUrl('labels.csv'), sortKey: 'impressions' })];
      });
    },
    label: function () {
      var name = params.get('name') || '';
      return Promise.all([getJson(apiUrl('label', { name: name })), getJson(apiUrl('labels', { labels: JSON.stringify([name]) }))]).then(function (res) {
        var d = res[0], row = res[1].labels.filter(function (r) { return r.label === name; })[0];
        document.title = name + ' · Relevo';
        return [
          h('p', { class: 'crumbs' }, h('a', { href: '/dashboard/labels' + rangeSearch() }, 'Labels'), ' / '),
          h('h1', null, name),
          row ? h('div', { class: 'kpis' }, card('Impressions', FMT.int(row.impressions)), card('Clicks', FMT.int(row.clicks), 'CTR ' + FMT.pct(row.ctr)),
            card('Revenue', FMT.money(row.revenue), FMT.int(row.orders) + (row.orders === 1 ? ' order' : ' orders')), card('Conversion', FMT.pct(row.conversion_rate)), card('Mean position', FMT.dec(row.mean_position))) : null,
          chart('Impressions, clicks and revenue', d.series, [
            { key: 'impressions', label: 'Impressions', color: COLORS.grey },
            { key: 'clicks', label: 'Clicks', color: COLORS.blue },
            { key: 'attributed_revenue', label: 'Revenue', color: COLORS.green, right: true },
          ], FMT.int, FMT.money),
          histogram('Click positions', d.positions),
          table('Top products', LABEL_PRODUCT_COLUMNS, d.products, { id: 'label-products-table', csv: apiUrl('label-products.csv', { name: name }) }),
        ];
      });
    },
    searches: function () {
      return getJson(apiUrl('searches')).then(function (s) {
        return [
          h('h1', null, 'Searches'),
          h('div', { class: 'kpis' }, card('Searches', FMT.int(s.searches)), card('Zero-result rate', FMT.pct(s.zero_result_rate)), card('No-click rate', FMT.pct(s.no_click_rate))),
          table('Top queries', [QUERY_COLUMNS[0], QUERY_COLUMNS[1], { key: 'zero_results', label: 'Zero results', fmt: FMT.int, num: true }, { key: 'clicks', label: 'Clicks', fmt: FMT.int, num: true }, { key: 'ctr', label: 'CTR', fmt: FMT.pct, num: true },
            { key: 'orders', label: 'Orders', fmt: FMT.int, num: true }, { key: 'revenue', label: 'Revenue', fmt: FMT.money, num: true }, { key: 'conversion_rate', label: 'Conversion', fmt: FMT.pct, num: true }],
            s.top, { id: 'top-queries-table', csv: apiUrl('searches-top.csv') }),
          table('Zero-result queries', QUERY_COLUMNS, s.zero_result, { id: 'zero-result-table', csv: apiUrl('searches-zero-result.csv') }),
          table('Queries without a click', QUERY_COLUMNS, s.no_click, { id: 'no-click-table', csv: apiUrl('searches-no-click.csv') }),
        ];
      });
    },
    products: function () {
      return getJson(apiUrl('products')).then(function (body) {
        return [h('h1', null, 'Products'), table('Products', PRODUCT_COLUMNS, body.products, { id: 'products-table', csv: apiUrl('products.csv'), sortKey: 'revenue' })];
      });
    },
    orders: function () {
      return getJson('/dashboard/api/orders').then(function (body) {
        return [
          h('h1', null, 'Orders'),
          h('p', { class: 'muted' }, 'The 50 latest orders sent through /orders or a feed (whatever the date range), with their parcels from /orders/parcels.'),
          table('Latest orders', ORDER_COLUMNS, body.orders, { id: 'orders-table' }),
        ];
      });
    },
    live: live,
  };

  var ORDER_COLUMNS = [
    { key: 'order', label: 'Order' },
    { key: 'time', label: 'Time', cell: function (r) { return r.time == null ? '' : new Date(r.time * 1000).toISOString().slice(0, 16).replace('T', ' '); } },
    { key: 'customer', label: 'Customer' },
    { key: 'status', label: 'Status' },
    { key: 'units', label: 'Units', fmt: FMT.int, num: true },
    { key: 'revenue', label: 'Revenue', fmt: FMT.money, num: true },
    { key: 'parcels', label: 'Parcels', sortable: false, cell: parcelList },
  ];
  /** An order's parcels: ID, status, and the tracking code linked when the link is an http(s) URL. */
  function parcelList(r) {
    if (!r.parcels.length) return h('span', { class: 'muted' }, 'none');
    return h('ul', { class: 'parcels' }, r.parcels.map(function (p) {
      var code = p.tracking_code || p.tracking_link || '';
      var link = typeof p.tracking_link === 'string' && /^https?:\/\//.test(p.tracking_link) ? h('a', { href: p.tracking_link, rel: 'noopener noreferrer', target: '_blank' }, code) : code;
      return h('li', { 'data-parcel': String(p.parcel_id) }, String(p.parcel_id), ' · ', p.status || 'no status', code ? ' · ' : '', link);
    }));
  }

  function histogram(title, positions) {
    var box = h('div', { class: 'chart', role: 'img', 'aria-label': 'Clicks by position: ' + positions.map(function (p) { return p.position + ': ' + p.clicks; }).join(', ') });
    var wrap = section(title, null, box);
    if (!positions.length) { box.append(h('p', { class: 'empty' }, 'No clicks with a position in this date range.')); return wrap; }
    requestAnimationFrame(function () {
      var u = new uPlot({
        width: Math.max(box.clientWidth, 280), height: 200, legend: { show: false }, cursor: { show: false },
        scales: { x: { time: false, range: function (u, min, max) { return [min - 0.5, max + 0.5]; } }, y: { range: function (u, min, max) { return [0, Math.max(max, 1)]; } } },
        axes: [{ label: 'Position (0 = first result)', stroke: '#475569', incrs: [1, 2, 5, 10, 20, 50] }, { label: 'Clicks', stroke: '#475569', incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000], values: function (u, vs) { return vs.map(FMT.int); } }],
        series: [{}, { label: 'Clicks', fill: COLORS.blue, stroke: COLORS.blue, paths: uPlot.paths.bars({ size: [0.7, 60] }), points: { show: false } }],
      }, [positions.map(function (p) { return p.position; }), positions.map(function (p) { return p.clicks; })], box);
      new ResizeObserver(function () { u.setSize({ width: Math.max(box.clientWidth, 280), height: 200 }); }).observe(box);
    });
    return wrap;
  }

  /** The live feed: newest events first, polled every 2 s from the last seq seen. */
  function live() {
    var after = 0, rows = [];
    var tbody = h('tbody');
    var status = h('p', { class: 'muted', 'aria-live': 'polite' }, 'Waiting for events…');
    function poll() {
      getJson('/dashboard/api/events?after=' + after).then(function (body) {
        var fresh = body.events.filter(function (e) { return e.seq > after; }).sort(function (a, b) { return b.seq - a.seq; });
        fresh.forEach(function (e) { after = Math.max(after, e.seq); });
        rows = fresh.concat(rows).slice(0, 200);
        tbody.replaceChildren.apply(tbody, rows.map(function (e) {
          return h('tr', { 'data-seq': e.seq }, h('td', null, new Date(e.time * 1000).toISOString().replace('T', ' ').slice(0, 19)), h('td', null, e.type),
            h('td', null, e.visitor || ''), h('td', null, e.product == null ? '' : String(e.product)), h('td', null, (e.labels || []).join(', ')), h('td', null, e.api || ''));
        }));
        status.textContent = rows.length ? 'Updated ' + new Date().toLocaleTimeString() + ' · ' + rows.length + ' events' : 'No events yet. Updates every 2 seconds.';
      }, function (err) { status.textContent = 'Update failed: ' + err.message; }).finally(function () { setTimeout(poll, 2000); });
    }
    var heads = ['Time (UTC)', 'Type', 'Visitor', 'Product', 'Labels', 'API'].map(function (l) { return h('th', { scope: 'col' }, l); });
    poll();
    return Promise.resolve([
      h('h1', null, 'Live feed'), status,
      section('Recent events', '/dashboard/api/events.csv', h('div', { class: 'table-scroll', role: 'region', 'aria-label': 'Recent events', tabindex: '0' },
        h('table', { id: 'events-table' }, h('caption', { class: 'sr-only' }, 'Recent events'), h('thead', null, h('tr', null, heads)), tbody))),
    ]);
  }

  /* ---------- range picker and navigation ---------- */
  function setupRange() {
    document.querySelectorAll('nav a').forEach(function (a) { a.setAttribute('href', a.getAttribute('href') + rangeSearch()); });
    var keep = page === 'label' ? { name: params.get('name') || '' } : {};
    document.querySelectorAll('[data-range]').forEach(function (b) {
      b.setAttribute('aria-pressed', String(b.dataset.range === range.key));
      b.addEventListener('click', function () {
        var q = new URLSearchParams(keep);
        q.set('range', b.dataset.range);
        location.assign(location.pathname + '?' + q.toString());
      });
    });
    var form = document.getElementById('custom-range');
    form.elements.from.value = isoDay(range.from);
    form.elements.to.value = isoDay(range.to - DAY);
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      var q = new URLSearchParams(keep);
      q.set('from', form.elements.from.value);
      q.set('to', form.elements.to.value);
      location.assign(location.pathname + '?' + q.toString());
    });
    var fmt = function (t) { return new Date(t * 1000).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }); };
    document.getElementById('range-label').textContent = fmt(range.from) + ' – ' + fmt(range.to - DAY) + ' (UTC, by ' + granularity + ')';
    if (page === 'live') document.querySelector('.range').hidden = true;
  }

  setupRange();
  main.setAttribute('aria-busy', 'true');
  (PAGES[page] || PAGES.overview)().then(render, fail);
})();
