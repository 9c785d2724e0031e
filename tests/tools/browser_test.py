#!/usr/bin/env python3
"""Opens pages written by `report --html` in headless chromium and checks them (python3 stdlib only).

usage: browser_test.py TOOL BUILD_DIR

Drives chromium through the DevTools protocol over a minimal hand-written WebSocket client.
Checks: no console errors or exceptions; summary numbers equal the report's; clicking a
flame-graph frame zooms; a group row expands to its stack; hostile names stay text; the
timeline shows for several snapshots; a generated 50,000-group report renders (the time is
measured and printed, not asserted). Screenshots go to BUILD_DIR. Exits 77 (meson: skipped)
with the reason printed when /usr/bin/chromium is missing; installs nothing.
"""
import base64
import json
import os
import re
import select
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time

# LT_CHROMIUM overrides the path (e.g. to check the skip path); the default is Debian's.
CHROMIUM = os.environ.get('LT_CHROMIUM', '/usr/bin/chromium')
HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')


class WebSocket:
    """Just enough of RFC 6455 for one DevTools connection: text frames, client masking."""

    def __init__(self, url):
        m = re.match(r'ws://([^:/]+):(\d+)(/.*)', url)
        host, port, path = m.group(1), int(m.group(2)), m.group(3)
        self.sock = socket.create_connection((host, port), timeout=60)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(('GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\n'
                           'Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n'
                           'Sec-WebSocket-Version: 13\r\n\r\n' % (path, host, port, key)).encode())
        head = b''
        while b'\r\n\r\n' not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise RuntimeError('websocket handshake: connection closed')
            head += chunk
        head, self.buf = head.split(b'\r\n\r\n', 1)
        if b' 101 ' not in head.split(b'\r\n')[0]:
            raise RuntimeError('websocket handshake refused: %r' % head[:200])

    def send(self, text):
        data = text.encode()
        hdr = bytearray([0x81])
        n = len(data)
        if n < 126:
            hdr.append(0x80 | n)
        elif n < 65536:
            hdr.append(0x80 | 126)
            hdr += struct.pack('>H', n)
        else:
            hdr.append(0x80 | 127)
            hdr += struct.pack('>Q', n)
        mask = os.urandom(4)
        hdr += mask
        self.sock.sendall(bytes(hdr) + bytes(b ^ mask[i % 4] for i, b in enumerate(data)))

    def _read(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(1 << 20)
            if not chunk:
                raise RuntimeError('websocket closed')
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv(self):
        message = b''
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack('>H', self._read(2))[0]
            elif n == 127:
                n = struct.unpack('>Q', self._read(8))[0]
            payload = self._read(n)  # server frames are not masked
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise RuntimeError('websocket closed by the browser')
            if opcode in (0x9, 0xA):
                continue  # ping/pong: ignore
            message += payload
            if b0 & 0x80:
                return message.decode()

    def pending(self):
        return bool(self.buf) or bool(select.select([self.sock], [], [], 0)[0])


class Browser:
    def __init__(self):
        self.profile = tempfile.mkdtemp(prefix='lt-chromium-')
        self.proc = subprocess.Popen(
            [CHROMIUM, '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
             '--no-first-run', '--disable-background-networking', '--disable-component-update',
             '--disable-sync', '--user-data-dir=' + self.profile, '--remote-debugging-port=0',
             'about:blank'],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        url = None
        deadline = time.time() + 60
        while time.time() < deadline:
            line = self.proc.stderr.readline()
            if not line:
                break
            m = re.search(r'DevTools listening on (ws://\S+)', line)
            if m:
                url = m.group(1)
                break
        if not url:
            self.close()
            raise RuntimeError('chromium did not start its DevTools endpoint')
        self.ws = WebSocket(url)
        self.next_id = 0
        self.events = []
        target = self.call('Target.createTarget', {'url': 'about:blank'})['targetId']
        self.session = self.call('Target.attachToTarget',
                                 {'targetId': target, 'flatten': True})['sessionId']
        for domain in ('Runtime', 'Log', 'Page'):
            self.call(domain + '.enable', session=True)
        self.call('Emulation.setDeviceMetricsOverride',
                  {'width': 1400, 'height': 1000, 'deviceScaleFactor': 1, 'mobile': False},
                  session=True)

    def call(self, method, params=None, session=False):
        self.next_id += 1
        msg = {'id': self.next_id, 'method': method, 'params': params or {}}
        if session:
            msg['sessionId'] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get('id') == self.next_id:
                if 'error' in reply:
                    raise RuntimeError('%s: %s' % (method, reply['error']))
                return reply.get('result', {})
            self.events.append(reply)

    def drain(self):
        while self.ws.pending():
            self.events.append(json.loads(self.ws.recv()))

    def errors(self):
        """Console errors and uncaught exceptions seen so far, as strings."""
        self.drain()
        out = []
        for e in self.events:
            m, p = e.get('method'), e.get('params', {})
            if m == 'Runtime.exceptionThrown':
                d = p['exceptionDetails']
                out.append('exception: %s %s' % (d.get('text'), d.get('exception', {}).get('description', '')))
            elif m == 'Runtime.consoleAPICalled' and p.get('type') in ('error', 'assert'):
                out.append('console.%s: %s' % (p['type'], [a.get('value', a.get('description')) for a in p.get('args', [])]))
            elif m == 'Log.entryAdded' and p['entry'].get('level') == 'error':
                out.append('log: %s' % p['entry'].get('text'))
        return out

    def eval(self, expr):
        r = self.call('Runtime.evaluate', {'expression': expr, 'returnByValue': True}, session=True)
        if 'exceptionDetails' in r:
            raise RuntimeError('evaluate %r: %s' % (expr, r['exceptionDetails']))
        return r['result'].get('value')

    def open(self, path, timeout=120):
        """Navigates to PATH and waits for the page's script to finish; returns seconds taken."""
        self.events = []
        t0 = time.time()
        self.call('Page.navigate', {'url': 'file://' + path}, session=True)
        while time.time() - t0 < timeout:
            if self.eval("document.readyState === 'complete' && document.body && document.body.dataset.ready === '1'"):
                return time.time() - t0
            if self.errors():
                break
            time.sleep(0.05)
        raise RuntimeError('page did not finish rendering: %s' % self.errors())

    def click(self, x, y):
        for kind in ('mousePressed', 'mouseReleased'):
            self.call('Input.dispatchMouseEvent', {'type': kind, 'x': x, 'y': y,
                                                   'button': 'left', 'clickCount': 1}, session=True)

    def screenshot(self, path):
        r = self.call('Page.captureScreenshot', {'format': 'png', 'captureBeyondViewport': True},
                      session=True)
        with open(path, 'wb') as f:
            f.write(base64.b64decode(r['data']))

    def close(self):
        try:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
        shutil.rmtree(self.profile, ignore_errors=True)


FAILURES = []


def check(cond, what):
    print(('ok   ' if cond else 'FAIL ') + what)
    if not cond:
        FAILURES.append(what)


def render(tool, out, *reports):
    subprocess.run([tool, 'report', '--html', out] + list(reports), check=True)


def check_summary(b, report_path):
    with open(report_path) as f:
        s = json.load(f)['summary']
    shown = b.eval("""JSON.stringify(['leaked-bytes','leaked-blocks','leaked-handles','live-bytes',
        'live-blocks','live-handles'].map(function (k) {
        return document.getElementById('sum-' + k).textContent.replace(/,/g, ''); }))""")
    want = [str(s[k]) for k in ('leaked_bytes', 'leaked_blocks', 'leaked_handles',
                                'live_bytes', 'live_blocks', 'live_handles')]
    check(json.loads(shown) == want, 'summary numbers %s equal the report %s' % (shown, want))


def flame_click_zooms(b):
    rect = json.loads(b.eval("""(function () { var c = document.getElementById('flame');
        c.scrollIntoView(); var r = c.getBoundingClientRect();
        return JSON.stringify([r.left, r.top, r.width, r.height]); })()"""))
    before = b.eval("document.getElementById('flame').dataset.zoom")
    # Second row (depth 1) at three quarters of the width: inside a child of the root.
    b.click(rect[0] + rect[2] * 0.75, rect[1] + 18 * 1.5)
    after = b.eval("document.getElementById('flame').dataset.zoom")
    label = b.eval("document.getElementById('flame-zoom').textContent")
    check(before == '0' and after not in ('0', None), 'clicking a flame-graph frame zooms (node %s, "%s")' % (after, label))
    check(label.startswith('zoomed: '), 'the zoomed frame is named')
    b.eval("document.getElementById('flame-reset').click()")
    check(b.eval("document.getElementById('flame').dataset.zoom") == '0', 'reset zoom returns to the root')


def zoom_at(b, frac):
    """Clicks the flame graph's second row at FRAC of its width; returns the zoom label."""
    rect = json.loads(b.eval("""(function () { var c = document.getElementById('flame');
        c.scrollIntoView(); var r = c.getBoundingClientRect();
        return JSON.stringify([r.left, r.top, r.width, r.height]); })()"""))
    b.eval("document.getElementById('flame-reset').click()")
    b.click(rect[0] + rect[2] * frac, rect[1] + 18 * 1.5)
    label = b.eval("document.getElementById('flame-zoom').textContent")
    b.eval("document.getElementById('flame-reset').click()")
    return label


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    tool, build = sys.argv[1], sys.argv[2]
    if not os.access(CHROMIUM, os.X_OK):
        print('SKIP: %s is missing (apt-get install chromium to run the browser test)' % CHROMIUM)
        return 77
    out = os.path.join(build, 'browser-test')
    os.makedirs(out, exist_ok=True)
    b = Browser()
    try:
        # 1. one report: summary, flame zoom, row expansion, handle details
        page = os.path.join(out, 'basic.html')
        render(tool, page, os.path.join(DATA, 'basic.json'))
        b.open(page)
        check(b.errors() == [], 'basic page: no console errors %s' % b.errors())
        check_summary(b, os.path.join(DATA, 'basic.json'))
        check(b.eval("document.getElementById('verdict').className") == 'failed', 'gate verdict shows failed')
        flame_click_zooms(b)
        b.eval("""Array.prototype.filter.call(document.querySelectorAll('#groups tbody tr.grp'),
            function (tr) { return /make_session/.test(tr.textContent); })[0].click()""")
        detail = b.eval("document.querySelector('#groups tr.detail') ? document.querySelector('#groups tr.detail').textContent : ''")
        check('make_session /src/server.c:42' in detail, 'a group row expands to its stack with file:line')
        b.eval("""(function () { var f = document.getElementById('group-filter'); f.value = 'open_log';
            f.dispatchEvent(new Event('input')); })()""")
        time.sleep(0.4)
        rows = b.eval("document.querySelectorAll('#groups tbody tr.grp').length")
        check(rows == 1, 'filtering the table by function leaves 1 row (got %s)' % rows)
        b.eval("""(function () { var f = document.getElementById('group-filter'); f.value = '';
            f.dispatchEvent(new Event('input')); })()""")
        time.sleep(0.4)
        b.eval("""Array.prototype.forEach.call(document.querySelectorAll('#groups tbody tr.grp'),
            function (tr) { if (/handle_client|libc/.test(tr.textContent)) tr.click(); })""")
        cw = b.eval("Array.prototype.map.call(document.querySelectorAll('.closewait'), function (e) { return e.textContent; }).join(',')")
        check('CLOSE_WAIT' in cw, 'CLOSE_WAIT is highlighted in handle details')
        b.eval("""(function () { var k = document.getElementById('flame-kind'); k.value = 'socket';
            k.dispatchEvent(new Event('change')); })()""")
        metrics = b.eval("Array.prototype.map.call(document.getElementById('flame-metric').options, function (o) { return o.value; }).join(',')")
        check(metrics == 'handles,bytes', 'switching the flame graph to sockets offers handles (got %s)' % metrics)
        check(b.errors() == [], 'switching kinds: no console errors %s' % b.errors())
        b.eval("""(function () { var k = document.getElementById('flame-kind'); k.value = 'memory';
            k.dispatchEvent(new Event('change')); })()""")
        b.screenshot(os.path.join(out, 'basic.png'))

        # 1a. an expanded source snippet: every line visible, one after the other, the
        #     highlighted one included, and no horizontal scrollbar for short lines
        snip = os.path.join(out, 'snippet.json')
        with open(os.path.join(DATA, 'minimal.json')) as f:
            rep = json.load(f)
        rep['summary'].update(leaked_bytes=16, leaked_blocks=1, live_bytes=16, live_blocks=1)
        rep['leaks'] = [{'id': 1, 'kind': 'memory', 'class': 'definitely_lost', 'leaked': True,
                         'bytes': 16, 'count': 1, 'stack_id': 1, 'stack': [
                             {'address': '0x1', 'function': 'make',
                              'file': os.path.join(DATA, 'snippet_src.c'), 'line': 6},
                             {'address': '0x2', 'function': 'main', 'file': '/nonexistent/x.c',
                              'line': 12}]}]
        with open(snip, 'w') as f:
            json.dump(rep, f)
        page = os.path.join(out, 'snippet.html')
        render(tool, page, snip)
        b.open(page)
        b.eval("document.querySelector('#groups tbody tr.grp').click()")
        geo = json.loads(b.eval("""(function () { var pre = document.querySelector('#groups tr.detail pre');
            if (!pre) return 'null'; var p = pre.getBoundingClientRect();
            var lines = Array.prototype.map.call(pre.children, function (l) {
                var r = l.getBoundingClientRect();
                return [l.textContent, r.top, r.bottom, l.className]; });
            return JSON.stringify({sw: pre.scrollWidth, cw: pre.clientWidth, top: p.top,
                bottom: p.bottom, lines: lines}); })()"""))
        check(geo is not None, 'an expanded frame shows its source snippet')
        if geo:
            texts = [l[0].strip() for l in geo['lines']]
            check([t.split()[0] for t in texts] == ['3', '4', '5', '6', '7', '8', '9'],
                  'the snippet shows lines 3-9 (got %s)' % texts)
            cur = [i for i, l in enumerate(geo['lines']) if 'cur' in l[3]]
            check(len(cur) == 1 and texts[cur[0]].startswith('6 '), 'line 6 is highlighted')
            heights = [round(l[2] - l[1], 1) for l in geo['lines']]
            check(len(set(heights)) == 1, 'every snippet line has one height (%s)' % heights)
            adjacent = all(abs(geo['lines'][i + 1][1] - geo['lines'][i][2]) < 0.5
                           for i in range(len(geo['lines']) - 1))
            check(adjacent, 'the line after the highlighted one follows it directly')
            check(all(l[2] <= geo['bottom'] + 0.5 for l in geo['lines']),
                  'every snippet line is inside the snippet box')
            check(geo['sw'] <= geo['cw'], 'a snippet of short lines has no horizontal scrollbar '
                  '(scrollWidth %s, clientWidth %s)' % (geo['sw'], geo['cw']))
        b.screenshot(os.path.join(out, 'snippet.png'))

        # 1c. the bottom-up view: the allocation site under the root, callers below it;
        #     the choice is kept in the URL hash and restored on load
        page = os.path.join(out, 'bottomup.html')
        render(tool, page, os.path.join(DATA, 'bottomup.json'))
        b.open(page)
        check(b.errors() == [], 'bottom-up page: no console errors %s' % b.errors())
        check(zoom_at(b, 0.75) == 'zoomed: main',
              'top-down: three quarters across the second row is main')
        b.eval("""(function () { var v = document.getElementById('flame-view'); v.value = 'bottom-up';
            v.dispatchEvent(new Event('change')); })()""")
        check(b.eval("document.getElementById('flame').dataset.view") == 'bottom-up',
              'the view switches to bottom-up')
        # xmalloc is 148 of 164 bytes: x from 10% to 100% of the second row
        got = zoom_at(b, 0.75)
        check(got == 'zoomed: xmalloc', 'bottom-up: the second row is the allocation site (%s)' % got)
        got = zoom_at(b, 0.05)
        check(got == 'zoomed: strdup', 'bottom-up: the other allocation site is strdup (%s)' % got)
        check(b.eval('location.hash') == '#view=bottom-up', 'the view is kept in the URL hash')
        b.open(page + '#view=bottom-up')
        check(b.eval("document.getElementById('flame-view').value") == 'bottom-up' and
              zoom_at(b, 0.75) == 'zoomed: xmalloc', 'a page opened with #view=bottom-up shows bottom-up')
        check(b.errors() == [], 'switching views: no console errors %s' % b.errors())
        b.screenshot(os.path.join(out, 'bottomup.png'))

        # 1b. a report without any group
        page = os.path.join(out, 'empty.html')
        render(tool, page, os.path.join(DATA, 'minimal.json'))
        b.open(page)
        check(b.errors() == [], 'empty report page: no console errors %s' % b.errors())
        check_summary(b, os.path.join(DATA, 'minimal.json'))

        # 2. hostile names: nothing injected, the names shown as text
        page = os.path.join(out, 'hostile.html')
        render(tool, page, os.path.join(DATA, 'hostile.json'))
        b.open(page)
        check(b.errors() == [], 'hostile page: no console errors %s' % b.errors())
        injected = b.eval("document.querySelectorAll('img, svg, b, i').length + document.scripts.length")
        check(injected == 2, 'hostile page: no injected elements (%s scripts/elements, want the 2 scripts)' % injected)
        text = b.eval("document.getElementById('groups').textContent")
        check('</script><script>alert(1)</script>' in text, 'hostile function name is shown as text')

        # 3. several snapshots: timeline and growth table
        page = os.path.join(out, 'timeline.html')
        render(tool, page, os.path.join(DATA, 'new.json'), os.path.join(DATA, 'old.json'))
        b.open(page)
        check(b.errors() == [], 'timeline page: no console errors %s' % b.errors())
        check(b.eval("!document.getElementById('timeline-section').hidden"), 'timeline section is shown')
        check_summary(b, os.path.join(DATA, 'new.json'))
        first = b.eval("document.querySelector('#growth tbody tr').textContent")
        check(first.startswith('grew') and 'make_session' in first and '+320' in first,
              'growth table starts with the largest growth (%s)' % first)
        b.screenshot(os.path.join(out, 'timeline.png'))

        # 3b. integer axes: a 5-handle axis reads 0 1 2 3 4 5 (three snapshots: 1, 4, 5 handles)
        with open(os.path.join(DATA, 'new.json')) as f:
            later = json.load(f)
        later.update(sequence=5, uptime_ms=401000, time='2026-11-26T08:10:00Z')
        later['summary']['live_handles'] = 5
        five = os.path.join(out, 'five.json')
        with open(five, 'w') as f:
            json.dump(later, f)
        page = os.path.join(out, 'ticks.html')
        render(tool, page, os.path.join(DATA, 'old.json'), os.path.join(DATA, 'new.json'), five)
        b.open(page)
        check(b.errors() == [], 'ticks page: no console errors %s' % b.errors())
        ticks = b.eval("document.getElementById('chart-handles').dataset.ticks")
        check(ticks == '0 1 2 3 4 5', 'the handle axis labels integers 0 to 5 (got %s)' % ticks)
        note = b.eval("document.getElementById('timeline-note').textContent")
        check('warning' not in note, 'snapshots of one process: no warning (%s)' % note)

        # 3c. a server's exit report is shown apart: growth compares its snapshots
        with open(os.path.join(DATA, 'new.json')) as f:
            ex = json.load(f)
        ex.update(reason='exit', sequence=4, uptime_ms=302000, time='2026-11-26T08:06:00Z', leaks=[])
        ex['summary'].update(leaked_bytes=0, leaked_blocks=0, leaked_handles=0, live_bytes=0,
                             live_blocks=0, live_handles=0)
        exitf = os.path.join(out, 'exit.json')
        with open(exitf, 'w') as f:
            json.dump(ex, f)
        page = os.path.join(out, 'apart.html')
        render(tool, page, os.path.join(DATA, 'old.json'), os.path.join(DATA, 'new.json'), exitf)
        b.open(page)
        check(b.errors() == [], 'exit-apart page: no console errors %s' % b.errors())
        total = b.eval("document.getElementById('growth-total').textContent")
        check(total.startswith('growth from sequence 0 to 3:'), 'growth compares the snapshots, not the exit report (%s)' % total)
        first = b.eval("document.querySelector('#growth tbody tr').textContent")
        check(first.startswith('grew') and '+320' in first, 'growth between snapshots first (%s)' % first)
        apart = b.eval("document.getElementById('growth-apart').hidden ? '' : document.getElementById('growth-apart').textContent")
        check(apart.startswith('exit report (sequence 4), shown apart'), 'the exit report is shown apart (%s)' % apart)

        # 3d. reports of different programs: the page warns
        with open(os.path.join(DATA, 'new.json')) as f:
            other = json.load(f)
        other.update(exe='/usr/bin/other', pid=777)
        otherf = os.path.join(out, 'other.json')
        with open(otherf, 'w') as f:
            json.dump(other, f)
        page = os.path.join(out, 'other.html')
        render(tool, page, os.path.join(DATA, 'old.json'), otherf)
        b.open(page)
        note = b.eval("document.getElementById('timeline-note').textContent")
        check('warning: they come from 2 different programs' in note, 'different programs: warning (%s)' % note)

        # 3e. the first own frame: past libc, allocator wrappers and libstdc++ code
        own = dict(rep)
        own['leaks'] = [{'id': 1, 'kind': 'memory', 'class': 'definitely_lost', 'leaked': True,
                         'bytes': 16, 'count': 1, 'stack_id': 1, 'stack': [
                             {'address': '0x10', 'function': 'strdup', 'file': None, 'line': 0,
                              'module': '/usr/lib/x86_64-linux-gnu/libc.so.6'},
                             {'address': '0x11', 'function': 'zmalloc', 'file': '/src/zmalloc.c',
                              'line': 3, 'module': '/usr/bin/app'},
                             {'address': '0x12', 'function': 'std::__new_allocator<char>::allocate',
                              'file': '/usr/include/c++/12/bits/new_allocator.h', 'line': 137,
                              'module': '/usr/bin/app'},
                             {'address': '0x13', 'function': 'make_key', 'file': '/src/k.c',
                              'line': 7, 'module': '/usr/bin/app'},
                             {'address': '0x14', 'function': 'main', 'file': '/src/main.c',
                              'line': 2, 'module': '/usr/bin/app'}]}]
        ownf = os.path.join(out, 'own.json')
        with open(ownf, 'w') as f:
            json.dump(own, f)
        page = os.path.join(out, 'own.html')
        render(tool, page, ownf)
        b.open(page)
        cell = b.eval("document.querySelector('#groups tbody tr.grp td.own').textContent")
        check(cell.startswith('make_key') and '/src/k.c:7' in cell, 'first own frame column: make_key (got %s)' % cell)
        top = b.eval("document.querySelector('#groups tbody tr.grp td.frame').textContent")
        check(top.startswith('strdup'), 'top frame stays the allocation site (%s)' % top)

        # 4. scale: 50,000 groups
        big = os.path.join(out, 'big.json')
        subprocess.run([sys.executable, os.path.join(HERE, 'gen_big_report.py'), big, '50000'], check=True)
        page = os.path.join(out, 'big.html')
        t0 = time.time()
        render(tool, page, big)
        print('info 50,000-group page written in %.2f s (%.1f MB)' % (time.time() - t0, os.path.getsize(page) / 1e6))
        took = b.open(page, timeout=180)
        script_ms = b.eval("document.body.dataset.renderMs")
        print('info 50,000-group page opened in %.2f s (script %s ms)' % (took, script_ms))
        check(b.errors() == [], 'big page: no console errors %s' % b.errors())
        check_summary(b, big)
        rows = b.eval("document.querySelectorAll('#groups tbody tr.grp').length")
        check(rows == 200, 'big page: the table renders the first 200 rows (got %s)' % rows)
        flame_click_zooms(b)
        b.screenshot(os.path.join(out, 'big.png'))
        os.unlink(big)
    finally:
        b.close()
    print('screenshots in %s' % out)
    print('%d failed' % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == '__main__':
    sys.exit(main())
