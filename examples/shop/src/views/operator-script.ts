/**
 * The operator page's script, served at `/operator.js` (same origin, so the page's CSP allows it without
 * `'unsafe-inline'`). Every 2 s it fetches `/operator/data` (see operator/feed.ts) and redraws the figures table
 * and the SVG line charts (the last 3 minutes, or since the first figures): one line per instance, or per HTTP outcome for the requests chart. Series colours are
 * stylesheet classes (`s0`..`s7`), as the CSP forbids inline styles.
 *
 * @module
 */

/** The whole script (plain browser JavaScript, no dependencies). */
export const OPERATOR_SCRIPT = `'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var REFRESH_MS = 2000;
  var WINDOW_MS = 180000;
  var MIN_SPAN_MS = 30000;
  var W = 440, H = 170, LEFT = 44, RIGHT = 8, TOP = 10, BOTTOM = 22;
  var CHARTS = {
    p50: { value: function (p) { return p.p50Ms; } },
    p99: { value: function (p) { return p.p99Ms; } },
    hit: { value: function (p) { return p.hitRatio === null ? null : p.hitRatio * 100; }, max: 100 },
    conflicts: { value: function (p) { return p.conflictsPerSec; } },
    unavailable: { value: function (p) { return p.unavailablePerSec; } },
  };

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    for (var key in attrs) node.setAttribute(key, String(attrs[key]));
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    var step = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * step >= value) return steps[i] * step;
    return 10 * step;
  }

  function format(value, digits) {
    if (value === null || value === undefined) return '–';
    return value >= 100 ? value.toFixed(0) : value.toFixed(digits);
  }

  /** series: [{ label, points: [{ at, value }] }] */
  function draw(id, series, fixedMax) {
    var svg = document.querySelector('[data-chart="' + id + '"]');
    var legend = document.querySelector('[data-legend="' + id + '"]');
    if (!svg || !legend) return;
    var now = Date.now();
    var oldest = Math.min.apply(null, [now].concat(series.flatMap(function (s) {
      return s.points.map(function (p) { return p.at; });
    })));
    var span = Math.min(WINDOW_MS, Math.max(MIN_SPAN_MS, now - oldest));
    var max = fixedMax || niceMax(Math.max.apply(null, [0].concat(series.flatMap(function (s) {
      return s.points.map(function (p) { return p.value === null ? 0 : p.value; });
    }))));
    var x = function (at) { return LEFT + ((at - (now - span)) / span) * (W - LEFT - RIGHT); };
    var y = function (v) { return H - BOTTOM - (v / max) * (H - TOP - BOTTOM); };
    svg.replaceChildren();
    [0, 0.5, 1].forEach(function (f) {
      svg.appendChild(el('line', { x1: LEFT, x2: W - RIGHT, y1: y(f * max), y2: y(f * max), class: 'grid' }));
      svg.appendChild(el('text', { x: LEFT - 6, y: y(f * max) + 4, class: 'tick', 'text-anchor': 'end' }, format(f * max, 1)));
    });
    var ago = span >= 60000 ? Math.round(span / 60000) + ' min' : Math.round(span / 1000) + ' s';
    svg.appendChild(el('text', { x: LEFT, y: H - 4, class: 'tick' }, '-' + ago));
    svg.appendChild(el('text', { x: W - RIGHT, y: H - 4, class: 'tick', 'text-anchor': 'end' }, 'now'));
    legend.replaceChildren();
    series.forEach(function (s, i) {
      var runs = [[]];
      s.points.forEach(function (p) {
        if (p.at < now - span) return;
        if (p.value === null) runs.push([]);
        else runs[runs.length - 1].push(x(p.at).toFixed(1) + ',' + y(Math.min(p.value, max)).toFixed(1));
      });
      runs.forEach(function (run) {
        if (run.length > 0) svg.appendChild(el('polyline', { points: run.join(' '), class: 'line s' + (i % 8) }));
      });
      var item = document.createElement('span');
      var swatch = document.createElement('i');
      swatch.className = 'swatch s' + (i % 8);
      item.appendChild(swatch);
      var last = s.points.length > 0 ? s.points[s.points.length - 1].value : null;
      item.appendChild(document.createTextNode(s.label + ' ' + format(last, 2)));
      legend.appendChild(item);
    });
  }

  function requestsByOutcome(instances) {
    var totals = {};
    instances.forEach(function (inst) {
      inst.points.forEach(function (p, i) {
        var key = inst.points.length - i;
        for (var outcome in p.requestsPerSec) {
          totals[outcome] = totals[outcome] || {};
          var slot = totals[outcome][key] || (totals[outcome][key] = { at: p.at, value: 0 });
          slot.value += p.requestsPerSec[outcome];
        }
      });
    });
    return Object.keys(totals).sort().map(function (outcome) {
      var points = Object.keys(totals[outcome]).map(function (k) { return totals[outcome][k]; });
      points.sort(function (a, b) { return a.at - b.at; });
      return { label: outcome, points: points };
    });
  }

  function sum(values) {
    var total = 0;
    for (var k in values) total += values[k];
    return total;
  }

  function renderTable(instances) {
    var body = document.querySelector('[data-testid="figures"]');
    body.replaceChildren();
    instances.forEach(function (inst) {
      var row = document.createElement('tr');
      row.dataset.instance = inst.name;
      var p = inst.points[inst.points.length - 1];
      var cells = !inst.up
        ? [inst.name + ' (down: ' + (inst.error || 'no answer') + ')', '', '', '', '', '', '']
        : p
          ? [inst.name, format(sum(p.requestsPerSec), 1), format(p.p50Ms, 2), format(p.p99Ms, 2),
             p.hitRatio === null ? '–' : format(p.hitRatio * 100, 1) + ' %',
             format(p.conflictsPerSec, 2), format(p.unavailablePerSec, 2)]
          : [inst.name, 'collecting', '', '', '', '', ''];
      cells.forEach(function (text, i) {
        var cell = document.createElement('td');
        if (i > 0) cell.className = 'num';
        cell.textContent = text;
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  function render(data) {
    renderTable(data.instances);
    for (var id in CHARTS) {
      var chart = CHARTS[id];
      draw(id, data.instances.map(function (inst) {
        return { label: inst.name, points: inst.points.map(function (p) { return { at: p.at, value: chart.value(p) }; }) };
      }), chart.max);
    }
    draw('requests', requestsByOutcome(data.instances));
    document.body.dataset.operatorUpdated = String(Date.now());
  }

  function refresh() {
    fetch('/operator/data', { cache: 'no-store' })
      .then(function (response) { return response.json(); })
      .then(render)
      .catch(function () { /* the next refresh tries again */ })
      .finally(function () { setTimeout(refresh, REFRESH_MS); });
  }
  refresh();
})();
`;
