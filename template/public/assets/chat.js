var L = '/api/v1',
  D = (e) => `${L}/${e}`;
var T = class extends Error {
    constructor(t, n) {
      super(t),
        (this.name = 'ParseError'),
        (this.type = n.type),
        (this.field = n.field),
        (this.value = n.value),
        (this.line = n.line);
    }
  },
  U = 10,
  ie = 13,
  E = 32;
function N(e) {}
function J(e) {
  if (typeof e == 'function')
    throw new TypeError(
      '`config` must be an object, got a function instead. Did you mean `createParser({onEvent: fn})`?',
    );
  let { onEvent: t = N, onError: n = N, onRetry: u = N, onComment: c, maxBufferSize: d } = e,
    p = [],
    s = 0,
    a = !0,
    o,
    l = '',
    g = 0,
    w,
    x = !1;
  function Z(i) {
    if (x)
      throw new Error(
        'Cannot feed parser: it was terminated after exceeding the configured max buffer size. Call `reset()` to resume parsing.',
      );
    if (
      (a &&
        ((a = !1),
        i.charCodeAt(0) === 239 && i.charCodeAt(1) === 187 && i.charCodeAt(2) === 191 && (i = i.slice(3))),
      p.length === 0)
    ) {
      const h = V(i);
      h !== '' && (p.push(h), (s = h.length)), _();
      return;
    }
    if (
      i.indexOf(`
`) === -1 &&
      i.indexOf('\r') === -1
    ) {
      p.push(i), (s += i.length), _();
      return;
    }
    p.push(i);
    const r = p.join('');
    (p.length = 0), (s = 0);
    const f = V(r);
    f !== '' && (p.push(f), (s = f.length)), _();
  }
  function _() {
    d !== void 0 &&
      (s + l.length <= d ||
        ((x = !0),
        (p.length = 0),
        (s = 0),
        (o = void 0),
        (l = ''),
        (g = 0),
        (w = void 0),
        n(
          new T(`Buffered data exceeded max buffer size of ${d} characters`, {
            type: 'max-buffer-size-exceeded',
          }),
        )));
  }
  function V(i) {
    let r = 0;
    if (i.indexOf('\r') === -1) {
      let f = i.indexOf(
        `
`,
        r,
      );
      for (; f !== -1; ) {
        if (r === f) {
          g > 0 && t({ id: o, event: w, data: l }),
            (o = void 0),
            (l = ''),
            (g = 0),
            (w = void 0),
            (r = f + 1),
            (f = i.indexOf(
              `
`,
              r,
            ));
          continue;
        }
        const h = i.charCodeAt(r);
        if (B(i, r, h)) {
          const y = i.charCodeAt(r + 5) === E ? r + 6 : r + 5,
            S = i.slice(y, f);
          if (g === 0 && i.charCodeAt(f + 1) === U) {
            t({ id: o, event: w, data: S }),
              (o = void 0),
              (l = ''),
              (w = void 0),
              (r = f + 2),
              (f = i.indexOf(
                `
`,
                r,
              ));
            continue;
          }
          (l =
            g === 0
              ? S
              : `${l}
${S}`),
            g++;
        } else
          H(i, r, h) ? (w = i.slice(i.charCodeAt(r + 6) === E ? r + 7 : r + 6, f) || void 0) : I(i, r, f);
        (r = f + 1),
          (f = i.indexOf(
            `
`,
            r,
          ));
      }
      return i.slice(r);
    }
    for (; r < i.length; ) {
      let f = i.indexOf('\r', r),
        h = i.indexOf(
          `
`,
          r,
        ),
        y = -1;
      if (
        (f !== -1 && h !== -1
          ? (y = f < h ? f : h)
          : f !== -1
            ? f === i.length - 1
              ? (y = -1)
              : (y = f)
            : h !== -1 && (y = h),
        y === -1)
      )
        break;
      I(i, r, y), (r = y + 1), i.charCodeAt(r - 1) === ie && i.charCodeAt(r) === U && r++;
    }
    return i.slice(r);
  }
  function I(i, r, f) {
    if (r === f) {
      k();
      return;
    }
    const h = i.charCodeAt(r);
    if (B(i, r, h)) {
      const A = i.charCodeAt(r + 5) === E ? r + 6 : r + 5,
        q = i.slice(A, f);
      (l =
        g === 0
          ? q
          : `${l}
${q}`),
        g++;
      return;
    }
    if (H(i, r, h)) {
      w = i.slice(i.charCodeAt(r + 6) === E ? r + 7 : r + 6, f) || void 0;
      return;
    }
    if (h === 105 && i.charCodeAt(r + 1) === 100 && i.charCodeAt(r + 2) === 58) {
      const A = i.slice(i.charCodeAt(r + 3) === E ? r + 4 : r + 3, f);
      A.includes('\0') || (o = A);
      return;
    }
    if (h === 58) {
      if (c) {
        const A = i.slice(r, f);
        c(A.slice(i.charCodeAt(r + 1) === E ? 2 : 1));
      }
      return;
    }
    const y = i.slice(r, f),
      S = y.indexOf(':');
    if (S === -1) {
      F(y, '', y);
      return;
    }
    const te = y.slice(0, S),
      ne = y.charCodeAt(S + 1) === E ? 2 : 1,
      re = y.slice(S + ne);
    F(te, re, y);
  }
  function F(i, r, f) {
    switch (i) {
      case 'event':
        w = r || void 0;
        break;
      case 'data':
        (l =
          g === 0
            ? r
            : `${l}
${r}`),
          g++;
        break;
      case 'id':
        r.includes('\0') || (o = r);
        break;
      case 'retry':
        /^\d+$/.test(r)
          ? u(parseInt(r, 10))
          : n(new T(`Invalid \`retry\` value: "${r}"`, { type: 'invalid-retry', value: r, line: f }));
        break;
      default:
        n(
          new T(`Unknown field "${i.length > 20 ? `${i.slice(0, 20)}\u2026` : i}"`, {
            type: 'unknown-field',
            field: i,
            value: r,
            line: f,
          }),
        );
        break;
    }
  }
  function k() {
    g > 0 && t({ id: o, event: w, data: l }), (o = void 0), (l = ''), (g = 0), (w = void 0);
  }
  function ee(i = {}) {
    if (i.consume && p.length > 0) {
      const r = p.join('');
      I(r, 0, r.length);
    }
    (a = !0), (o = void 0), (l = ''), (g = 0), (w = void 0), (p.length = 0), (s = 0), (x = !1);
  }
  return { feed: Z, reset: ee };
}
function B(e, t, n) {
  return (
    n === 100 &&
    e.charCodeAt(t + 1) === 97 &&
    e.charCodeAt(t + 2) === 116 &&
    e.charCodeAt(t + 3) === 97 &&
    e.charCodeAt(t + 4) === 58
  );
}
function H(e, t, n) {
  return (
    n === 101 &&
    e.charCodeAt(t + 1) === 118 &&
    e.charCodeAt(t + 2) === 101 &&
    e.charCodeAt(t + 3) === 110 &&
    e.charCodeAt(t + 4) === 116 &&
    e.charCodeAt(t + 5) === 58
  );
}
var b = class extends TransformStream {
  constructor({ onError: t, onRetry: n, onComment: u, maxBufferSize: c } = {}) {
    let d;
    super({
      start(p) {
        d = J({
          onEvent: (s) => {
            p.enqueue(s);
          },
          onError(s) {
            typeof t == 'function' && t(s),
              (t === 'terminate' || s.type === 'max-buffer-size-exceeded') && p.error(s);
          },
          onRetry: n,
          onComment: u,
          maxBufferSize: c,
        });
      },
      transform(p) {
        d.feed(p);
      },
    });
  }
};
async function* P(e) {
  if (!e.body) throw new Error(`Expected an event stream, got ${e.status} with no body`);
  const n = e.body.pipeThrough(new TextDecoderStream()).pipeThrough(new b()).getReader();
  try {
    for (;;) {
      const { value: u, done: c } = await n.read();
      if (c) return;
      yield { event: u.event ?? 'message', id: u.id, data: JSON.parse(u.data) };
    }
  } finally {
    await n.cancel().catch(() => {});
  }
}
var $ = class extends Error {
  constructor(n, u) {
    super(`${n} ${u.title ?? ''}: ${u.detail ?? ''}`.trim());
    this.status = n;
    this.problem = u;
    this.name = 'ApiError';
  }
};
function se(e, t, n = {}) {
  const u = n.fetch ?? fetch,
    c = `${e.replace(/\/$/, '')}${D(t)}`;
  async function d(a, o, l, g) {
    const w = {};
    n.token && (w.authorization = `Bearer ${n.token}`),
      l !== void 0 && (w['content-type'] = 'application/json');
    const x = await u(`${c}${o}`, {
      method: a,
      headers: w,
      body: l === void 0 ? void 0 : JSON.stringify(l),
      signal: g,
    });
    if (!x.ok) throw new $(x.status, await x.json().catch(() => ({})));
    return x;
  }
  const p = async (a, o, l) => (await d(a, o, l)).json(),
    s = (a) => `/apps/${encodeURIComponent(a)}`;
  return {
    create: (a = {}) => p('POST', '/apps', a),
    get: (a) => p('GET', s(a)),
    async exists(a) {
      return d('HEAD', s(a)).then(
        () => !0,
        (o) => (o instanceof $ && o.status === 404 ? !1 : Promise.reject(o)),
      );
    },
    list: (a = {}) => p('GET', `/apps?${K(a)}`),
    act: (a, o, l) => p('POST', `${s(a)}/actions/${o}`, l),
    async *stream(a, o, l, g) {
      yield* P(await d('POST', `${s(a)}/actions/${o}/stream`, l, g));
    },
    fork: (a, o = {}) => p('POST', `${s(a)}/fork`, o),
    steps: (a, o = {}) => p('GET', `${s(a)}/steps?${K(o)}`),
    grants: {
      list: (a) => p('GET', `${s(a)}/grants`),
      put: (a, o, l) => p('PUT', `${s(a)}/grants/${encodeURIComponent(o)}`, { permission: l }),
      delete: (a, o) => d('DELETE', `${s(a)}/grants/${encodeURIComponent(o)}`),
    },
  };
}
function ae(e, t = {}) {
  const n = t.fetch ?? fetch,
    u = `${e.replace(/\/$/, '')}${L}`;
  async function c(s, a, o, l = {}) {
    const g = await n(`${u}${a}`, {
      method: s,
      headers: {
        ...(t.token ? { authorization: `Bearer ${t.token}` } : {}),
        ...(o === void 0 ? {} : { 'content-type': 'application/json' }),
        ...l,
      },
      body: o === void 0 ? void 0 : JSON.stringify(o),
    });
    if (!g.ok) throw new $(g.status, await g.json().catch(() => ({})));
    return g;
  }
  const d = (s) => `/runs/${encodeURIComponent(s)}`,
    p = {
      create: async (s, a, o, l = {}) =>
        (await c('POST', `/${s}/apps/${encodeURIComponent(a)}/runs`, { action: o, inputs: l })).json(),
      get: async (s) => (await c('GET', d(s))).json(),
      result: async (s) => (await c('GET', `${d(s)}/result`)).json(),
      cancel: async (s) => (await c('POST', `${d(s)}/cancel`)).json(),
      async *events(s, a) {
        const o = a === void 0 ? {} : { 'last-event-id': String(a) };
        yield* P(await c('GET', `${d(s)}/events`, void 0, o));
      },
      async wait(s) {
        for await (const a of p.events(s));
        return p.get(s);
      },
    };
  return p;
}
function X(e, t = {}) {
  const n = new Map([['runs', ae(e, t)]]);
  return new Proxy(
    {},
    {
      get(u, c) {
        if (!(typeof c != 'string' || c === 'then')) return (n.has(c) || n.set(c, se(e, c, t)), n.get(c));
      },
    },
  );
}
var K = (e) =>
  new URLSearchParams(
    Object.entries(e).flatMap(([t, n]) => (n === void 0 ? [] : [[t, String(n)]])),
  ).toString();
var j = 'switchyard.token',
  m = (e) => document.querySelector(e),
  oe = { devLogin: m('main').dataset.devLogin === 'true' },
  v,
  C,
  R = (e) => (e instanceof $ ? (e.problem.detail ?? e.message) : String(e));
function z(e) {
  const t = m('#signin-error');
  (t.textContent = e), (t.hidden = !1);
}
async function Q(e) {
  const t = X(location.origin, { token: e }).chatbot;
  try {
    await t.list({ limit: 1 });
  } catch (n) {
    localStorage.removeItem(j),
      z(
        n instanceof $ && n.status === 401
          ? 'That token was not accepted (wrong, or expired): sign in again.'
          : `Could not sign in: ${R(n)}`,
      );
    return;
  }
  localStorage.setItem(j, e),
    (v = t),
    (m('#signin').hidden = !0),
    (m('#main').hidden = !1),
    await O(),
    location.hash.length > 1 && (await W(location.hash.slice(1)));
}
async function ce(e) {
  const t = await fetch('/auth/dev-token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: e }),
  }).catch(() => {});
  if (!t) {
    z('Could not reach the server.');
    return;
  }
  const n = await t.json().catch(() => ({}));
  if (!t.ok || !n.token) {
    z(`Sign-in refused (${t.status}): ${n.detail ?? t.statusText}`);
    return;
  }
  return n.token;
}
async function O() {
  if (!v) return;
  const { items: e } = await v.list({ limit: 50 });
  m('#apps').replaceChildren(
    ...e.map((t) => {
      const n = document.createElement('li'),
        u = document.createElement('a');
      return (
        (u.href = `#${t.app_id}`),
        (u.textContent = `${t.app_id.slice(0, 8)} \xB7 ${t.sequence_id} steps`),
        t.app_id === C && u.setAttribute('aria-current', 'page'),
        n.append(u),
        n
      );
    }),
  );
}
function M(e, t) {
  m('#messages').replaceChildren(
    ...t.map((n, u) => {
      const c = document.createElement('div');
      if (
        ((c.className = `message ${n.role} ${n.type}`), (c.textContent = n.content), n.role === 'assistant')
      ) {
        const d = document.createElement('button');
        (d.className = 'fork'),
          (d.type = 'button'),
          (d.textContent = 'fork here'),
          (d.title = 'A new conversation with the messages up to this answer, to go on differently'),
          (d.onclick = () => void de(e, u)),
          c.append(d);
      }
      return c;
    }),
  );
}
function G(e) {
  const t = document.createElement('div');
  (t.className = 'message error'), (t.textContent = e), m('#messages').append(t);
}
async function W(e) {
  if (v) {
    (C = e), (m('#current').textContent = e);
    try {
      M(e, (await v.get(e)).state.chat_history);
    } catch (t) {
      m('#messages').replaceChildren(), G(`Could not open this conversation: ${R(t)}`);
    }
    await O();
  }
}
async function de(e, t) {
  if (v)
    try {
      let n;
      for (let c = 0; n === void 0; ) {
        const d = await v.steps(e, { after: c, limit: 100 });
        if (
          ((n = d.items.find(
            (s) => s.status === 'committed' && s.state?.chat_history.length === t + 1,
          )?.sequence_id),
          d.next_cursor === null)
        )
          break;
        c = d.next_cursor;
      }
      if (n === void 0) throw new Error('No step committed this answer.');
      const u = await v.fork(e, { sequence_id: n });
      location.hash = u.app_id;
    } catch (n) {
      G(`Could not fork: ${R(n)}`);
    }
}
async function fe(e) {
  if (!v) return;
  const t = m('#prompt-form button');
  t.disabled = !0;
  try {
    C || ((C = (await v.create()).app_id), (location.hash = C));
    const n = C,
      u = await v.get(n);
    if (u.next !== 'prompt')
      throw new Error(`This conversation expects "${u.next}" next, not a new message.`);
    M(n, [...u.state.chat_history, { role: 'user', content: e, type: 'text' }]);
    const c = document.createElement('div');
    (c.className = 'message assistant streaming'), m('#messages').append(c);
    for await (const d of v.stream(n, 'prompt', { prompt: e }))
      C === n &&
        (d.event === 'delta' && (c.textContent += String(d.data.delta)),
        d.event === 'done' && M(n, d.data.state.chat_history),
        d.event === 'error' && (c.remove(), G(`Error: ${d.data.detail ?? 'the answer failed'}`)));
  } catch (n) {
    G(`Error: ${R(n)}`);
  } finally {
    t.disabled = !1;
  }
  await O();
}
m('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault(), (m('#signin-error').hidden = !0);
  const t = m('#signin-value').value.trim(),
    n = oe.devLogin ? await ce(t) : t;
  n && (await Q(n));
});
m('#prompt-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const t = m('#prompt'),
    n = t.value.trim();
  (t.value = ''), n && fe(n);
});
m('#new').addEventListener('click', () => {
  (C = void 0),
    (location.hash = ''),
    (m('#current').textContent = 'new conversation'),
    m('#messages').replaceChildren(),
    O();
});
window.addEventListener('hashchange', () => {
  const e = location.hash.slice(1);
  e && e !== C && W(e);
});
var Y = localStorage.getItem(j);
Y && Q(Y);
