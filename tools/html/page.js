/* Draws the leaktrace report page from the JSON embedded in #lt-data (built by tools/html.c).
 * Report text (function names, paths, handle details) only ever reaches the DOM through
 * textContent or canvas fillText, never parsed as markup, so a hostile name cannot inject any. */
'use strict';
(function () {
  var D = JSON.parse(document.getElementById('lt-data').textContent);
  var R = D.reports[D.reports.length - 1];
  var NAMES = D.names;
  var FRAMES = D.frames;
  var CLASSES = D.classes;

  /* ---------- small helpers ---------- */
  function $(id) { return document.getElementById(id); }
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function fmt(n) { return Number(n).toLocaleString('en-US'); }
  function human(n) {
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0, x = Number(n);
    while (Math.abs(x) >= 1024 && i < u.length - 1) { x /= 1024; i++; }
    return (i ? x.toFixed(1) : String(x)) + ' ' + u[i];
  }
  function name(i) { return i < 0 ? null : NAMES[i]; }
  function frameLabel(fi) {
    var f = FRAMES[fi], fn = name(f[0]), mod = name(f[3]), addr = name(f[4]);
    if (fn) return fn;
    if (mod) return mod.replace(/.*\//, '') + '@' + addr;
    return addr || '??';
  }
  function frameWhere(fi) {
    var f = FRAMES[fi], file = name(f[1]);
    return file ? file + ':' + f[2] : '';
  }
  function td(text, cls) { return el('td', text, cls); }

  /* The first frame a user owns: outside the C and C++ runtimes, the
   * dynamic linker and the tracer, and past allocator wrappers (strdup,
   * redis's zmalloc, std::__new_allocator<T>::allocate, g_malloc...). */
  var LIB_MODULE = /(^|\/)(libc|libstdc\+\+|libgcc_s|libm|ld-linux[^/]*|libleaktrace|libjemalloc|libtcmalloc[^/]*|libmimalloc|libglib-2\.0)\.so/;
  var WRAPPER = /^(strn?dup|wcsdup|asprintf|vasprintf|getline|getdelim|(je_|tc_|mi_)?(malloc|calloc|realloc|reallocarray|memalign|aligned_alloc|posix_memalign|valloc|free)|z(try)?(malloc|calloc|realloc)\w*|zstrdup|x(malloc|calloc|realloc|strdup|zalloc)\w*|g_(malloc|malloc0|realloc|try_malloc|new|new0|strdup|strndup)\w*|operator new(\[\])?.*|_Zn[wa]\w*|(std|__gnu_cxx)::.*|__libc_\w+)$/;
  var ownCache = {};
  function ownFrame(g) {
    if (ownCache[g[0]] !== undefined) return ownCache[g[0]];
    var r = -1;
    for (var k = 0; k < g[8].length; k++) {
      var f = FRAMES[g[8][k]], fn = name(f[0]), mod = name(f[3]);
      if (mod && LIB_MODULE.test(mod)) continue;
      if (fn && WRAPPER.test(fn)) continue;
      r = g[8][k];
      break;
    }
    return (ownCache[g[0]] = r);
  }

  /* ---------- summary ---------- */
  function summary() {
    var s = R.summary, g = R.gate;
    var proc = 'pid ' + R.pid + (R.ppid !== undefined ? ' (parent ' + R.ppid + ')' : '') + ' · ' + R.exe +
      ' · reason ' + R.reason + (R.signal !== undefined ? ' (signal ' + R.signal + ')' : '') +
      ' · sequence ' + R.sequence + ' · ' + R.time + ' · uptime ' + fmt(R.uptime_ms || 0) + ' ms';
    if (D.reports.length > 1) proc += ' · latest of ' + D.reports.length + ' reports';
    $('process').textContent = proc;
    var v = $('verdict');
    v.textContent = g.failed
      ? 'Gate FAILED: the process would exit with status ' + g.exitcode
      : 'Gate passed';
    v.textContent += ' (counts ' + (g.counted_classes || []).join(', ') +
      (g.counted_handle_kinds && g.counted_handle_kinds.length ? '; handles: ' + g.counted_handle_kinds.join(', ') : '') +
      '; threshold ' + fmt(g.threshold_bytes || 0) + ' bytes)';
    v.className = g.failed ? 'failed' : 'passed';
    [['leaked_bytes', 'sum-leaked-bytes'], ['leaked_blocks', 'sum-leaked-blocks'],
     ['leaked_handles', 'sum-leaked-handles'], ['live_bytes', 'sum-live-bytes'],
     ['live_blocks', 'sum-live-blocks'], ['live_handles', 'sum-live-handles']].forEach(function (p) {
      var e = $(p[1]);
      e.textContent = fmt(s[p[0]]);
      if (/bytes/.test(p[0])) e.title = human(s[p[0]]);
    });
    var tb = document.querySelector('#by-class tbody');
    CLASSES.slice(0, 5).forEach(function (c) {
      var x = (s.by_class || {})[c] || { bytes: 0, blocks: 0 };
      var tr = el('tr');
      tr.appendChild(td(c));
      tr.appendChild(td(fmt(x.bytes), 'num'));
      tr.appendChild(td(fmt(x.blocks), 'num'));
      tb.appendChild(tr);
    });
    var tk = document.querySelector('#by-kind tbody');
    var kinds = Object.keys(s.by_kind || {});
    if (!kinds.length) { var tr0 = el('tr'); tr0.appendChild(td('none', 'muted')); tr0.appendChild(td('')); tk.appendChild(tr0); }
    kinds.forEach(function (k) {
      var tr = el('tr');
      tr.appendChild(td(k));
      tr.appendChild(td(fmt(s.by_kind[k]), 'num'));
      tk.appendChild(tr);
    });
    var to = document.querySelector('#other tbody');
    var sup = s.suppressed || {};
    [['unknown handles', fmt(s.unknown_handles || 0)],
     ['suppressed', fmt(sup.bytes || 0) + ' bytes, ' + fmt(sup.blocks || 0) + ' blocks, ' + fmt(sup.handles || 0) + ' handles'],
     ['classified', R.classified === false ? 'no (all memory unclassified)' : 'yes'],
     ['groups shown', fmt(D.groups.length) + (D.all ? ' (all)' : ' (still reachable and suppressed hidden)')]
    ].forEach(function (p) {
      var tr = el('tr');
      tr.appendChild(td(p[0]));
      tr.appendChild(td(p[1]));
      to.appendChild(tr);
    });
  }

  /* ---------- flame graph (icicle: root on top, callees below; or bottom-up: the
   * allocation site below the root and its callers below it) ---------- */
  var FL = D.flame, FN = FL ? FL.names : [], ROW = 18;
  var canvas = $('flame'), ctx = canvas.getContext('2d');
  var cur = null; // {tree, v (values), x (offsets), depth, end, maxDepth}
  var zoom = 0, search = '';

  function prepare(kind, metric, view) {
    var t = (view === 'bottom-up' ? FL.inverted : FL.trees)[kind], n = t.n.length;
    var v = metric === 'bytes' ? t.b : t.c;
    var x = new Float64Array(n), cursor = new Float64Array(n), depth = new Int32Array(n), end = new Int32Array(n);
    var maxDepth = 0;
    for (var i = 0; i < n; i++) {
      var p = t.p[i];
      if (p >= 0) { x[i] = cursor[p]; cursor[p] += v[i]; depth[i] = depth[p] + 1; }
      cursor[i] = x[i];
      if (depth[i] > maxDepth) maxDepth = depth[i];
    }
    // Preorder: a subtree is the contiguous range [i, end[i]); lets drawing skip tiny ones.
    for (i = n - 1; i >= 0; i--) {
      if (end[i] === 0) end[i] = i + 1;
      p = t.p[i];
      if (p >= 0 && end[i] > end[p]) end[p] = end[i];
    }
    return { t: t, v: v, x: x, depth: depth, end: end, maxDepth: maxDepth, n: n };
  }

  function color(label, hit) {
    if (hit) return '#e0529c';
    var h = 0;
    for (var i = 0; i < label.length && i < 24; i++) h = (h * 31 + label.charCodeAt(i)) >>> 0;
    return 'hsl(' + (10 + h % 40) + ',' + (70 + h % 20) + '%,' + (55 + (h >> 8) % 15) + '%)';
  }

  function geometry() {
    var W = canvas.clientWidth || 1000;
    var z = zoom, total = cur.v[z] || 1;
    return { W: W, z: z, x0: cur.x[z], scale: W / total, dz: cur.depth[z] };
  }

  function drawFlame() {
    if (!cur) return;
    var dpr = window.devicePixelRatio || 1;
    var W = canvas.clientWidth || 1000, H = (cur.maxDepth + 1) * ROW + 2;
    canvas.width = Math.round(W * dpr); canvas.height = Math.round(H * dpr);
    canvas.style.height = H + 'px';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    ctx.font = '12px ui-monospace, monospace';
    ctx.textBaseline = 'middle';
    var g = geometry(), t = cur.t, q = search.toLowerCase(), matched = 0;
    // Ancestors of the zoomed node span the full width, greyed.
    var anc = [];
    for (var a = t.p[g.z]; a >= 0; a = t.p[a]) anc.push(a);
    anc.forEach(function (i) { box(0, cur.depth[i] * ROW, W, FN[t.n[i]], '#c8c8c8', cur.v[i]); });
    for (var i = g.z; i < cur.end[g.z];) {
      var w = cur.v[i] * g.scale;
      if (w < 0.4) { i = cur.end[i]; continue; } // too thin to see: skip the whole subtree
      var label = FN[t.n[i]], hit = q && label.toLowerCase().indexOf(q) >= 0;
      if (hit) matched += cur.v[i];
      box((cur.x[i] - g.x0) * g.scale, cur.depth[i] * ROW, w, label, color(label, hit), cur.v[i]);
      i++;
    }
    $('flame-match').textContent = q ? 'matched: ' + (100 * matched / (cur.v[0] || 1)).toFixed(1) + '% of ' + fmt(cur.v[0]) : '';
    $('flame-zoom').textContent = g.z ? 'zoomed: ' + FN[t.n[g.z]] : '';
    canvas.dataset.zoom = String(g.z);
  }

  function box(x, y, w, label, fill, value) {
    ctx.fillStyle = fill;
    ctx.fillRect(x, y, Math.max(w - 1, 0.5), ROW - 1);
    if (w > 30) {
      ctx.fillStyle = '#111';
      ctx.save();
      ctx.beginPath(); ctx.rect(x, y, w - 2, ROW); ctx.clip();
      ctx.fillText(label, x + 3, y + ROW / 2);
      ctx.restore();
    }
    void value;
  }

  // Finds the node under canvas point (px, py), or -1.
  function hit(px, py) {
    if (!cur) return -1;
    var g = geometry(), d = Math.floor(py / ROW), t = cur.t;
    if (d < g.dz) { for (var a = t.p[g.z]; a >= 0; a = t.p[a]) if (cur.depth[a] === d) return a; return -1; }
    for (var i = g.z; i < cur.end[g.z];) {
      var x0 = (cur.x[i] - g.x0) * g.scale, w = cur.v[i] * g.scale;
      if (w < 0.4 || px < x0 || px >= x0 + w) { i = cur.end[i]; continue; }
      if (cur.depth[i] === d) return i;
      i++;
    }
    return -1;
  }

  function setupFlame() {
    var kinds = Object.keys(FL.trees), ks = $('flame-kind'), ms = $('flame-metric'), vs = $('flame-view');
    if (!kinds.length) { $('flame-wrap').replaceChildren(el('p', 'No groups to draw.', 'muted')); return; }
    kinds.sort(function (a, b) { return (a === 'memory' ? -1 : b === 'memory' ? 1 : a < b ? -1 : a > b ? 1 : 0); });
    kinds.forEach(function (k) { ks.appendChild(el('option', k)).value = k; });
    function metrics() {
      ms.replaceChildren();
      var mem = ks.value === 'memory';
      (mem ? ['bytes', 'blocks'] : ['handles', 'bytes']).forEach(function (m) { ms.appendChild(el('option', m)).value = m; });
    }
    function rebuild() {
      cur = prepare(ks.value, ms.value, vs.value); zoom = 0; drawFlame();
      canvas.dataset.view = vs.value;
    }
    metrics();
    /* The view is kept in the URL hash (#view=bottom-up), so a reload or a shared link
     * opens the same one. */
    var hv = /(?:^#|&)view=([a-z-]+)/.exec(location.hash);
    if (hv && (hv[1] === 'top-down' || hv[1] === 'bottom-up')) vs.value = hv[1];
    ks.onchange = function () { metrics(); rebuild(); };
    ms.onchange = rebuild;
    vs.onchange = function () {
      try {
        history.replaceState(null, '', vs.value === 'bottom-up' ? '#view=bottom-up' : location.pathname + location.search);
      } catch (e) { /* a browser that refuses it for file: pages: the view still switches */ }
      rebuild();
    };
    $('flame-search').oninput = function () { search = this.value; drawFlame(); };
    $('flame-reset').onclick = function () { zoom = 0; drawFlame(); };
    canvas.onclick = function (ev) {
      var r = canvas.getBoundingClientRect(), i = hit(ev.clientX - r.left, ev.clientY - r.top);
      if (i >= 0) { zoom = i; drawFlame(); }
    };
    var tip = $('flame-tip');
    canvas.onmousemove = function (ev) {
      var r = canvas.getBoundingClientRect(), i = hit(ev.clientX - r.left, ev.clientY - r.top);
      if (i < 0) { tip.hidden = true; return; }
      var t = cur.t, pct = 100 * cur.v[i] / (cur.v[0] || 1);
      tip.textContent = FN[t.n[i]] + ' — ' + fmt(t.b[i]) + ' bytes, ' + fmt(t.c[i]) +
        (ks.value === 'memory' ? ' blocks' : ' handles') + ' (' + pct.toFixed(1) + '%)';
      tip.hidden = false;
      tip.style.left = Math.min(ev.clientX - r.left + 12, r.width - 300) + 'px';
      tip.style.top = (ev.clientY - r.top + 14) + 'px';
    };
    canvas.onmouseleave = function () { tip.hidden = true; };
    window.addEventListener('resize', drawFlame);
    rebuild();
  }

  /* ---------- groups table ---------- */
  var PAGE = 200, shown = PAGE, sortCol = 'bytes', sortAsc = false, filter = '';
  var rows = D.groups, view = rows;
  var searchText = null; // built on first filter: one lowercased string per group

  function gKind(g) { return NAMES[g[1]]; }
  function gClass(g) { return CLASSES[g[2]]; }
  function topFrame(g) { return g[8].length ? g[8][0] : -1; }

  function hasCloseWait(g) {
    return (g[9] || []).some(function (h) { return h && h.tcp_state === 'CLOSE_WAIT'; });
  }

  function handleLine(h) {
    var parts = [];
    function add(k, prefix) {
      if (h[k] !== undefined && h[k] !== null && typeof h[k] !== 'object') parts.push((prefix || '') + h[k]);
    }
    add('fd', 'fd '); add('family'); add('type'); add('local'); add('peer', '-> ');
    var line = el('div', null, 'mono');
    line.appendChild(document.createTextNode(parts.join(' ')));
    if (h.tcp_state) {
      line.appendChild(document.createTextNode(' '));
      line.appendChild(el('span', h.tcp_state, h.tcp_state === 'CLOSE_WAIT' ? 'closewait' : ''));
    }
    parts = [];
    add('path'); add('ring_fd', 'ring fd '); add('index', 'buffer/file index '); add('length', 'length ');
    add('ident', 'ident '); add('filter', 'filter ');
    if (h.note) parts.push('(' + h.note + ')');
    if (parts.length) line.appendChild(document.createTextNode(' ' + parts.join(' ')));
    return line;
  }

  function detail(g) {
    var cell = el('td');
    cell.colSpan = 7;
    if (g[4]) cell.appendChild(el('div', 'suppressed', 'muted'));
    if (!g[8].length) cell.appendChild(el('div', 'no stack (origin ' + (g[10] || 'unknown') + ')', 'muted'));
    g[8].forEach(function (fi, k) {
      var f = FRAMES[fi], fn = name(f[0]), file = name(f[1]), mod = name(f[3]);
      var s = '#' + k + ' ' + (name(f[4]) || '') + (fn ? ' in ' + fn : '') + (file ? ' ' + file + ':' + f[2] : '') +
        (mod ? ' (' + mod + ')' : '') + (f[5] ? ' [inlined]' : '');
      cell.appendChild(el('div', s, 'frame'));
      if (f[6] >= 0) {
        var sn = D.snippets[f[6]], pre = el('pre');
        sn[1].forEach(function (text, j) {
          /* one block per line: a line break inside an inline-block pushed
           * the next line out of view, and a 100%-wide inline-block gave
           * every snippet a scrollbar */
          var no = sn[0] + j, ln = el('div', String(no).padStart(5) + '  ' + text, no === f[2] ? 'ln cur' : 'ln');
          pre.appendChild(ln);
        });
        cell.appendChild(pre);
      }
    });
    if (g[9] && g[9].length) {
      cell.appendChild(el('h3', 'handles'));
      g[9].forEach(function (h) { cell.appendChild(handleLine(h)); });
    }
    var tr = el('tr', null, 'detail');
    tr.appendChild(cell);
    return tr;
  }

  function renderGroups() {
    var tb = document.querySelector('#groups tbody');
    var frag = document.createDocumentFragment();
    var n = Math.min(shown, view.length);
    for (var i = 0; i < n; i++) {
      var g = view[i], tr = el('tr', null, 'grp'), tf = topFrame(g);
      tr.appendChild(td(g[0], 'num'));
      tr.appendChild(td(gKind(g)));
      var cls = td(gClass(g));
      if (g[4]) cls.appendChild(el('span', 'suppressed', 'badge'));
      tr.appendChild(cls);
      tr.appendChild(td(fmt(g[5]), 'num'));
      tr.appendChild(td(fmt(g[6]), 'num'));
      var fcell = td(tf >= 0 ? frameLabel(tf) + '  ' + frameWhere(tf) : '[unknown origin]', 'frame');
      if (hasCloseWait(g)) fcell.appendChild(el('span', 'CLOSE_WAIT', 'badge'));
      tr.appendChild(fcell);
      var of = ownFrame(g);
      tr.appendChild(td(of >= 0 ? frameLabel(of) + '  ' + frameWhere(of) : '', 'frame own'));
      tr.onclick = (function (g, tr) {
        return function () {
          var next = tr.nextSibling;
          if (next && next.className === 'detail') { next.remove(); return; }
          tr.after(detail(g));
        };
      })(g, tr);
      frag.appendChild(tr);
    }
    tb.replaceChildren(frag);
    $('group-count').textContent = 'showing ' + fmt(n) + ' of ' + fmt(view.length) +
      (view.length !== rows.length ? ' matching (' + fmt(rows.length) + ' groups)' : ' groups');
    $('group-more').hidden = n >= view.length;
  }

  function sortKey(col) {
    switch (col) {
      case 'id': return function (g) { return g[0]; };
      case 'kind': return gKind;
      case 'class': return gClass;
      case 'count': return function (g) { return g[6]; };
      case 'frame': return function (g) { var f = topFrame(g); return f >= 0 ? frameLabel(f) : ''; };
      case 'own': return function (g) { var f = ownFrame(g); return f >= 0 ? frameLabel(f) : ''; };
      default: return function (g) { return g[5]; };
    }
  }

  function applyView() {
    var q = filter.toLowerCase();
    if (q && !searchText) {
      searchText = rows.map(function (g) {
        var s = gKind(g) + ' ' + gClass(g);
        g[8].forEach(function (fi) { var f = FRAMES[fi]; s += ' ' + (name(f[0]) || '') + ' ' + (name(f[1]) || '') + ' ' + (name(f[4]) || ''); });
        return s.toLowerCase();
      });
    }
    var idx = [];
    for (var i = 0; i < rows.length; i++) if (!q || searchText[i].indexOf(q) >= 0) idx.push(i);
    var key = sortKey(sortCol), dir = sortAsc ? 1 : -1;
    var keys = idx.map(function (i) { return key(rows[i]); });
    var order = idx.map(function (_, k) { return k; });
    order.sort(function (a, b) {
      var x = keys[a], y = keys[b];
      return x < y ? -dir : x > y ? dir : idx[a] - idx[b];
    });
    view = order.map(function (k) { return rows[idx[k]]; });
    shown = PAGE;
    document.querySelectorAll('#groups th').forEach(function (th) {
      th.className = th.dataset.col === sortCol ? 'sorted' + (sortAsc ? ' asc' : '') : '';
      if (th.dataset.col === 'bytes' || th.dataset.col === 'count' || th.dataset.col === 'id') th.classList.add('num');
    });
    renderGroups();
  }

  function setupGroups() {
    document.querySelectorAll('#groups th').forEach(function (th) {
      th.onclick = function () {
        var c = th.dataset.col;
        if (c === sortCol) sortAsc = !sortAsc; else { sortCol = c; sortAsc = c === 'kind' || c === 'class' || c === 'frame' || c === 'own' || c === 'id'; }
        applyView();
      };
    });
    var timer = null;
    $('group-filter').oninput = function () {
      var v = this.value;
      clearTimeout(timer);
      timer = setTimeout(function () { filter = v; applyView(); }, 120);
    };
    $('group-more').onclick = function () { shown += PAGE; renderGroups(); };
    applyView();
  }

  /* ---------- timeline and growth (several reports) ---------- */
  var PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

  function chart(cv, xs, lines) {
    var c = cv.getContext('2d'), W = cv.width, H = cv.height, L = 70, B = 24, T = 8, Rm = 10;
    var xmin = Math.min.apply(null, xs), xmax = Math.max.apply(null, xs), ymax = 1;
    lines.forEach(function (l) { l.v.forEach(function (y) { if (y > ymax) ymax = y; }); });
    if (xmax === xmin) xmax = xmin + 1;
    function X(x) { return L + (x - xmin) / (xmax - xmin) * (W - L - Rm); }
    function Y(y) { return H - B - y / ymax * (H - B - T); }
    c.clearRect(0, 0, W, H);
    c.strokeStyle = '#999'; c.fillStyle = '#888'; c.font = '11px sans-serif';
    c.beginPath(); c.moveTo(L, T); c.lineTo(L, H - B); c.lineTo(W - Rm, H - B); c.stroke();
    c.textAlign = 'right'; c.textBaseline = 'middle';
    /* integer ticks at a 1, 2 or 5 step: counts read 0, 1, 2, 3, 4, 5 */
    var raw = ymax / 5, p10 = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1)))), step = p10;
    [1, 2, 5, 10].some(function (m) { step = m * p10; return step >= raw; });
    step = Math.max(1, Math.round(step));
    ymax = Math.max(step, Math.ceil(ymax / step) * step);
    var labels = [];
    for (var y = 0; y <= ymax; y += step) { labels.push(fmt(y)); c.fillText(fmt(y), L - 4, Y(y)); }
    cv.dataset.ticks = labels.join(' ');
    c.textAlign = 'center'; c.textBaseline = 'top';
    c.fillText(fmt(xmin) + ' ms', L + 20, H - B + 4); c.fillText(fmt(xmax) + ' ms', W - Rm - 30, H - B + 4);
    lines.forEach(function (l) {
      c.strokeStyle = l.color; c.lineWidth = l.width || 1.5; c.beginPath();
      l.v.forEach(function (y, i) { if (i) c.lineTo(X(xs[i]), Y(y)); else c.moveTo(X(xs[i]), Y(y)); });
      c.stroke();
      c.fillStyle = l.color;
      l.v.forEach(function (y, i) { c.fillRect(X(xs[i]) - 2, Y(y) - 2, 4, 4); });
    });
  }

  function timeline() {
    if (!D.timeline) return;
    $('timeline-section').hidden = false;
    var T = D.timeline, pids = {};
    D.reports.forEach(function (r) { pids[r.pid] = 1; });
    var exes = {};
    D.reports.forEach(function (r) { exes[r.exe] = 1; });
    var np = Object.keys(pids).length, ne = Object.keys(exes).length;
    $('timeline-note').textContent = D.reports.length + ' reports, sequence ' + T.seq[0] + ' to ' + T.seq[T.seq.length - 1] +
      (ne > 1 ? ' — warning: they come from ' + ne + ' different programs (' + Object.keys(exes).join(', ') + ')'
        : np > 1 ? ' — warning: they come from ' + np + ' processes (pids ' + Object.keys(pids).join(', ') + ')' : '');
    if (ne > 1 || np > 1) $('timeline-note').className = 'warning';
    var mem = [{ v: T.live_bytes, color: '#444', width: 2.5, label: 'all live bytes' }];
    var hnd = [{ v: T.live_handles, color: '#444', width: 2.5, label: 'all live handles' }];
    T.series.forEach(function (s, i) {
      var line = { v: s.memory ? s.bytes : s.count, color: PALETTE[i % PALETTE.length], label: s.label + ' (' + s.kind + (s.memory ? ', ' + s.class : '') + ')' };
      (s.memory ? mem : hnd).push(line);
    });
    chart($('chart-bytes'), T.t, mem);
    chart($('chart-handles'), T.t, hnd);
    var lg = $('legend');
    mem.concat(hnd.slice(1)).forEach(function (l) {
      var li = el('li'), sw = el('span', null, 'sw');
      sw.style.background = l.color;
      li.appendChild(sw); li.appendChild(document.createTextNode(l.label));
      lg.appendChild(li);
    });
    growth();
  }

  function growth() {
    var d = D.diff;
    $('growth-total').textContent = 'growth from sequence ' + d.old.sequence + ' to ' + d.new.sequence + ': ' +
      fmt(d.growth_bytes) + ' bytes, ' + fmt(d.growth_blocks) + ' blocks, ' + fmt(d.growth_handles) + ' handles';
    var ap = $('growth-apart');
    if (d.apart) {
      var s = d.apart.summary || {};
      ap.hidden = false;
      ap.textContent = d.apart.reason + ' report (sequence ' + d.apart.sequence + '), shown apart from the growth between snapshots: ' +
        fmt(s.leaked_bytes || 0) + ' bytes in ' + fmt(s.leaked_blocks || 0) + ' blocks leaked, ' + fmt(s.live_bytes || 0) +
        ' bytes live, ' + fmt(s.leaked_handles || 0) + ' handles leaked; the groups above are this report\'s';
    }
    var tb = document.querySelector('#growth tbody'), frag = document.createDocumentFragment();
    [['grew', d.grew], ['new', d.new_groups], ['vanished', d.vanished], ['shrunk', d.shrunk]].forEach(function (sec) {
      var key = sec[0] === 'new' ? 'new_groups' : sec[0];
      sec[1].forEach(function (e) {
        var tr = el('tr');
        tr.appendChild(td(sec[0], sec[0]));
        tr.appendChild(td(e.kind));
        tr.appendChild(td(e.kind === 'memory' ? e.class : ''));
        tr.appendChild(td((e.delta_bytes > 0 ? '+' : '') + fmt(e.delta_bytes), 'num'));
        tr.appendChild(td((e.delta_count > 0 ? '+' : '') + fmt(e.delta_count), 'num'));
        tr.appendChild(td(fmt(e.old_bytes) + ' → ' + fmt(e.new_bytes), 'num'));
        tr.appendChild(td(fmt(e.old_count) + ' → ' + fmt(e.new_count), 'num'));
        var f = e.stack[0];
        tr.appendChild(td(f ? (f.function || f.address) + (f.file ? '  ' + f.file + ':' + f.line : '') : '[unknown origin]', 'frame'));
        frag.appendChild(tr);
      });
      if (d.n && d.n[key] > sec[1].length) {
        var more = el('tr'), c = td('… ' + fmt(d.n[key] - sec[1].length) + ' more ' + sec[0] + ' (see leaktrace diff)', 'muted');
        c.colSpan = 8; more.appendChild(c); frag.appendChild(more);
      }
    });
    tb.replaceChildren(frag);
  }

  /* ---------- steady growth: the trend ranking (several reports) ---------- */

  function trendRate(x, unit) {
    return (x >= 0 ? '+' : '') + (Math.abs(x) >= 10 ? x.toFixed(0) : x.toFixed(2)) + ' ' + unit + '/min';
  }

  function trendRanking() {
    var T = D.trend;
    if (!T) return;
    $('trend-section').hidden = false;
    if (T.error) { $('trend-note').textContent = 'no trend: ' + T.error; return; }
    $('trend-note').textContent = T.n_suspects + ' of ' + T.stacks + ' stacks grow steadily over ' + T.snapshots +
      ' snapshots (least-squares slope > 0, Mann-Kendall tau ≥ ' + T.min_tau.toFixed(2) + ', still growing in the later half)' +
      (T.n_suspects > T.suspects.length ? '; the first ' + T.suspects.length + ' are listed' : '');
    var tb = document.querySelector('#trend tbody'), frag = document.createDocumentFragment();
    T.suspects.forEach(function (s, i) {
      var tr = el('tr'), v = s.memory ? s.bytes : s.count, n = v.length;
      tr.appendChild(td(String(i + 1), 'num'));
      tr.appendChild(td(trendRate(s.slope_per_min, s.memory ? 'B' : 'handles') + ' over ' + n + ' snapshots', 'num'));
      tr.appendChild(td(s.kind));
      tr.appendChild(td(fmt(v[0]) + ' → ' + fmt(v[n - 1]) + (s.memory ? ' bytes' : ' handles'), 'num'));
      tr.appendChild(td(s.tau.toFixed(2), 'num'));
      var cell = td('', 'frame');
      s.stack.slice(0, 3).forEach(function (f, k) {
        if (k) cell.appendChild(el('br'));
        cell.appendChild(document.createTextNode((f.function || f.address) + (f.file ? '  ' + f.file + ':' + f.line : '')));
      });
      if (!s.stack.length) cell.textContent = '[unknown origin]';
      tr.appendChild(cell);
      frag.appendChild(tr);
    });
    tb.replaceChildren(frag);
  }

  var t0 = performance.now();
  summary();
  setupFlame();
  setupGroups();
  timeline();
  trendRanking();
  document.body.dataset.renderMs = String(Math.round(performance.now() - t0));
  document.body.dataset.ready = '1';
})();
