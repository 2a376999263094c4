"use strict";
// The backward sweep, one node per step, over the picture above. The
// numbers come from the JSON blob; see tapegrad's graph/html.rs.
(() => {
  const D = JSON.parse(document.getElementById("tg-data").textContent);
  // Non-finite numbers travel as strings.
  const num = (v) => (typeof v === "string" ? Number(v) : v);
  const nodes = D.nodes.map((n, id) => ({
    ...n,
    id,
    value: num(n.value),
    adjoint: n.adjoint === null ? null : num(n.adjoint),
    ins: [],
  }));
  const edges = D.edges.map((e, k) => ({
    ...e,
    k,
    p: e.p === null ? null : num(e.p),
    // What the engine sends, where it is not p × adjoint; null: nothing.
    d: "d" in e ? (e.d === null ? null : num(e.d)) : undefined,
  }));
  // Edges come by target, then operand: the order the sweep sends in.
  edges.forEach((e) => nodes[e.to].ins.push(e));
  const steps = D.steps;
  const total = steps.length;

  // A number exactly, as tapegrad's format_number writes it (Rust's `{:?}`
  // without a trailing ".0").
  function exact(x) {
    if (Number.isNaN(x)) return "NaN";
    if (x === Infinity) return "inf";
    if (x === -Infinity) return "-inf";
    if (x === 0) return Object.is(x, -0) ? "-0" : "0";
    const [m, e] = x.toExponential().split("e"); // the shortest digits
    const exp = Number(e);
    const digits = m.replace("-", "").replace(".", "");
    const a = Math.abs(x);
    let s;
    if (a < 1e-4 || a >= 1e16) {
      s = digits[0] + (digits.length > 1 ? "." + digits.slice(1) : "") + "e" + exp;
    } else if (exp < 0) {
      s = "0." + "0".repeat(-exp - 1) + digits;
    } else if (digits.length <= exp + 1) {
      s = digits + "0".repeat(exp + 1 - digits.length);
    } else {
      s = digits.slice(0, exp + 1) + "." + digits.slice(exp + 1);
    }
    return (x < 0 ? "-" : "") + s;
  }

  // `x` rounded to `d` significant digits as the picture rounds it: Rust
  // rounds the exact binary value half to even, toPrecision half up, so
  // they differ at exact ties only (12345 to 4 digits is 12340).
  function round(x, d) {
    const a = Math.abs(x);
    if (a === 0 || !Number.isFinite(a)) return x;
    const full = a.toExponential(99).split("e");
    const digits = full[0].replace(".", "");
    const tie = digits[d] === "5" && /^0*$/.test(digits.slice(d + 1));
    let r;
    if (tie && Number(digits[d - 1]) % 2 === 0) {
      r = Number(digits[0] + "." + digits.slice(1, d) + "e" + full[1]);
    } else {
      r = Number(a.toPrecision(d));
    }
    return x < 0 ? -r : r;
  }

  // A number as the picture shows it.
  const shown = (x) => exact(D.digits === null ? x : round(x, D.digits));

  // The state after the first `k` steps: each node's adjoint so far (null
  // before anything reached it) and what each edge sent.
  function state(k) {
    const adj = new Array(nodes.length).fill(null);
    const sent = new Map(); // edge k -> { g, c, before, after, step }
    if (D.output !== null && k > 0) adj[D.output] = 1;
    for (let s = 0; s < k; s++) {
      const t = nodes[steps[s]];
      const g = adj[t.id] ?? 0;
      adj[t.id] = g;
      // As the engine's sweep: a zero adjoint sends nothing.
      if (g === 0) continue;
      for (const e of t.ins) {
        if (e.p === null) continue;
        const c = e.d === undefined ? e.p * g : e.d;
        const before = adj[e.from];
        if (c !== null) adj[e.from] = (before ?? 0) + c;
        sent.set(e.k, { g, c, before, after: adj[e.from], step: s });
      }
    }
    return { adj, sent };
  }

  // The picture's parts, by the ids of tapegrad's SVG.
  const view = document.getElementById("tg-view");
  const svg = view.querySelector("svg");
  const prefix = (n) => "∂" + D.out + "/∂" + n.ref + " = ";
  for (const n of nodes) {
    n.g = document.getElementById("node" + n.id);
    if (!n.g) continue;
    if (n.backward) n.g.classList.add("tg-bw");
    // The adjoint line: the last that reads `∂z/∂name = …` (the first reads
    // `name = value`); left to right the picture breaks it before ` = `, so
    // it may be two lines, `∂z/∂name` and `= …`.
    const spans = [...n.g.querySelectorAll("tspan")];
    const head = prefix(n).slice(0, -3);
    spans.forEach((t, i) => {
      if (D.out === null) return;
      if (t.textContent.startsWith(prefix(n))) {
        n.line = t;
        n.rest = null;
      } else if (t.textContent === head && spans[i + 1]?.textContent.startsWith("= ")) {
        n.line = t;
        n.rest = spans[i + 1];
      }
    });
    if (n.line) n.line.classList.add("tg-adjoint");
    if (n.rest) n.rest.classList.add("tg-adjoint");
  }
  for (const e of edges) {
    e.path = document.getElementById("edge" + e.k);
    e.label = document.getElementById("edge" + e.k + "-label");
    e.text = e.label && e.label.querySelector("text");
    e.ground = e.label && e.label.querySelector("rect");
    e.original = e.text ? e.text.textContent : "";
    e.box = e.ground && ["x", "width"].map((a) => e.ground.getAttribute(a));
    if (nodes[e.to].backward || nodes[e.from].backward) {
      [e.path, e.label].forEach((el) => el && el.classList.add("tg-bw"));
    }
  }

  // Shows `text` in an edge label, its white ground fitted to it.
  function relabel(e, text) {
    if (!e.text || e.text.textContent === text) return;
    const tspans = e.text.querySelectorAll("tspan");
    tspans.forEach((t, i) => (t.textContent = i === 0 ? text : ""));
    if (text === e.original) {
      e.ground.setAttribute("x", e.box[0]);
      e.ground.setAttribute("width", e.box[1]);
    } else if (e.ground) {
      const b = e.text.getBBox();
      e.ground.setAttribute("x", (b.x - 3).toFixed(1));
      e.ground.setAttribute("width", (b.width + 6).toFixed(1));
    }
  }

  const status = document.getElementById("tg-status");
  let at = 0;
  let now = state(0);
  const engineAgrees = (adj) =>
    steps.every((id) => nodes[id].adjoint === null || Object.is(adj[id], nodes[id].adjoint));

  // Draws the state after `k` steps.
  function show(k) {
    at = Math.max(0, Math.min(total, k));
    now = state(at);
    const current = at > 0 ? steps[at - 1] : null;
    const done = new Set(steps.slice(0, at));
    for (const n of nodes) {
      let a = now.adj[n.id];
      // After the last step the nodes the output does not reach show the
      // engine's adjoint (0).
      if (a === null && at === total && n.adjoint !== null) a = n.adjoint;
      if (n.g) {
        n.g.classList.toggle("tg-current", n.id === current);
        n.g.classList.toggle("tg-done", done.has(n.id) && n.id !== current);
        n.g.classList.toggle("tg-partial", a !== null && !done.has(n.id));
        if (a === null) delete n.g.dataset.adjoint;
        else n.g.dataset.adjoint = exact(a);
      }
      if (n.line && n.rest) {
        n.line.textContent = a === null ? "" : prefix(n).slice(0, -3);
        n.rest.textContent = a === null ? "" : "= " + shown(a);
      } else if (n.line) {
        n.line.textContent = a === null ? "" : prefix(n) + shown(a);
      }
    }
    for (const e of edges) {
      const s = now.sent.get(e.k);
      const lit = s !== undefined && s.step === at - 1;
      [e.path, e.label].forEach((el) => {
        if (!el) return;
        el.classList.toggle("tg-lit", lit);
        el.classList.toggle("tg-sent", s !== undefined && !lit);
      });
      relabel(e, s === undefined ? e.original : sending(e, s));
    }
    status.textContent = describe(current);
    buttons.back.disabled = buttons.reset.disabled = at === 0;
    buttons.step.disabled = buttons.end.disabled = at === total;
    if (pinned !== null) info(pinned);
  }

  const sending = (e, s) =>
    s.c === null ? "sends nothing" : shown(e.p) + " × " + shown(s.g) + " = " + shown(s.c);

  // The status line: what the step just taken did.
  function describe(current) {
    const out = D.out ?? "the output";
    if (total === 0) {
      return D.output === null
        ? "The output of these adjoints is not in this graph: the nodes show the engine's adjoints."
        : "Nothing to sweep.";
    }
    if (current === null) {
      return "Forward pass: every node holds its value. Step to sweep backwards from " +
        out + ", whose adjoint ∂" + out + "/∂" + out + " is 1.";
    }
    const n = nodes[current];
    const g = now.adj[current];
    let s = "Step " + at + " of " + total + ": " + n.ref + " has its adjoint ∂" + out +
      "/∂" + n.ref + " = " + shown(g);
    const sends = n.ins.filter((e) => now.sent.has(e.k));
    if (n.ins.length === 0) {
      s += n.op === "var" ? ", the gradient of a leaf." : ".";
    } else if (g === 0) {
      s += " and sends nothing.";
    } else {
      const parts = sends.slice(0, 6).map((e) => {
        const r = now.sent.get(e.k);
        const src = nodes[e.from].ref;
        if (r.c === null) return src + " gets nothing";
        const sum = r.before === null ? shown(r.after)
          : shown(r.before) + " + " + shown(r.c) + " = " + shown(r.after);
        return src + " gets " + shown(e.p) + " × " + shown(g) + " = " + shown(r.c) +
          " (∂" + out + "/∂" + src + " = " + sum + ")";
      });
      if (sends.length > 6) parts.push("and " + (sends.length - 6) + " more");
      s += " and sends partial × adjoint back: " + parts.join("; ") + ".";
    }
    if (at === total) {
      s += engineAgrees(now.adj)
        ? " Done: every adjoint equals the engine's gradient exactly."
        : " Done: some sums differ from the engine's adjoints in their last digits (folded partials).";
    }
    return s;
  }

  // The node panel: exact numbers of the node under the pointer, or of the
  // one clicked.
  const panel = document.getElementById("tg-info");
  let pinned = null;
  function info(id) {
    const n = nodes[id];
    const rows = [
      ["node", "%" + n.id + (n.tape === null ? "" : ", tape index " + n.tape)],
      ["name", n.name ?? "(none)"],
      ["op", n.op],
      ["dump", n.text],
      ["value", exact(n.value)],
    ];
    if (D.out !== null) {
      const a = now.adj[id];
      rows.push(["∂" + D.out + "/∂" + n.ref + " so far", a === null ? "(nothing yet)" : exact(a)]);
      if (n.adjoint !== null) rows.push(["engine's adjoint", exact(n.adjoint)]);
    }
    for (const e of n.ins) {
      if (e.p === null) continue;
      let v = exact(e.p);
      if (e.d !== undefined) v += e.d === null ? " (sends nothing)" : " (sends " + exact(e.d) + ")";
      rows.push(["∂" + n.ref + "/∂" + nodes[e.from].ref, v]);
    }
    const dl = document.createElement("dl");
    for (const [k, v] of rows) {
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = k;
      dd.textContent = v;
      dl.append(dt, dd);
    }
    const h = document.createElement("h2");
    h.textContent = n.ref;
    panel.replaceChildren(h, dl);
    panel.dataset.node = String(id);
  }
  const nodeAt = (target) => {
    const g = target.closest && target.closest("g.node, g[id^='node']");
    return g && /^node\d+$/.test(g.id) ? Number(g.id.slice(4)) : null;
  };
  svg.addEventListener("mouseover", (ev) => {
    const id = nodeAt(ev.target);
    if (id !== null && pinned === null) info(id);
  });

  // Pan (drag) and zoom (wheel, + and -) by the viewBox.
  const start = svg.viewBox.baseVal;
  const fit = { x: start.x, y: start.y, w: start.width, h: start.height };
  let box = { ...fit };
  const setBox = () => svg.setAttribute("viewBox", [box.x, box.y, box.w, box.h].join(" "));
  const toPicture = (cx, cy) => {
    const p = svg.createSVGPoint();
    p.x = cx;
    p.y = cy;
    return p.matrixTransform(svg.getScreenCTM().inverse());
  };
  function zoom(f, cx, cy) {
    const p = toPicture(cx, cy);
    box = { x: p.x - (p.x - box.x) * f, y: p.y - (p.y - box.y) * f, w: box.w * f, h: box.h * f };
    setBox();
  }
  svg.addEventListener("wheel", (ev) => {
    ev.preventDefault();
    zoom(Math.exp(Math.max(-1, Math.min(1, ev.deltaY / 300))), ev.clientX, ev.clientY);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (ev) => {
    drag = { x: ev.clientX, y: ev.clientY, box: { ...box }, scale: 1 / svg.getScreenCTM().a, moved: false };
  });
  svg.addEventListener("pointermove", (ev) => {
    if (!drag) return;
    const dx = ev.clientX - drag.x;
    const dy = ev.clientY - drag.y;
    if (!drag.moved && Math.hypot(dx, dy) < 4) return;
    if (!drag.moved) svg.setPointerCapture(ev.pointerId);
    drag.moved = true;
    box = { ...drag.box, x: drag.box.x - dx * drag.scale, y: drag.box.y - dy * drag.scale };
    setBox();
  });
  svg.addEventListener("pointerup", (ev) => {
    const click = drag && !drag.moved;
    drag = null;
    if (!click) return;
    const id = nodeAt(ev.target);
    if (pinned !== null && nodes[pinned].g) nodes[pinned].g.classList.remove("tg-pinned");
    pinned = id === pinned ? null : id;
    if (pinned !== null) {
      if (nodes[pinned].g) nodes[pinned].g.classList.add("tg-pinned");
      info(pinned);
    }
  });
  const middle = () => {
    const r = svg.getBoundingClientRect();
    return [r.left + r.width / 2, r.top + r.height / 2];
  };

  // The controls.
  const buttons = {};
  for (const b of ["reset", "back", "play", "step", "end", "fit"]) {
    buttons[b] = document.getElementById("tg-" + b);
  }
  let timer = null;
  function pause() {
    clearInterval(timer);
    timer = null;
    buttons.play.textContent = "▶ Play";
  }
  function play() {
    if (timer !== null) return pause();
    if (at === total) show(0);
    buttons.play.textContent = "⏸ Pause";
    // Long sweeps play faster: a few seconds in all.
    const every = Math.max(30, Math.min(800, 8000 / Math.max(1, total)));
    timer = setInterval(() => {
      show(at + 1);
      if (at === total) pause();
    }, every);
  }
  buttons.reset.onclick = () => (pause(), show(0));
  buttons.back.onclick = () => (pause(), show(at - 1));
  buttons.step.onclick = () => (pause(), show(at + 1));
  buttons.end.onclick = () => (pause(), show(total));
  buttons.play.onclick = play;
  buttons.fit.onclick = () => ((box = { ...fit }), setBox());
  document.addEventListener("keydown", (ev) => {
    const keys = {
      ArrowRight: buttons.step.onclick,
      ArrowLeft: buttons.back.onclick,
      Home: buttons.reset.onclick,
      End: buttons.end.onclick,
      p: play,
      0: buttons.fit.onclick,
      "+": () => zoom(1 / 1.25, ...middle()),
      "=": () => zoom(1 / 1.25, ...middle()),
      "-": () => zoom(1.25, ...middle()),
    };
    const act = keys[ev.key];
    if (!act || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    ev.preventDefault();
    act();
  });
  const layer = document.getElementById("tg-backward");
  if (nodes.some((n) => n.backward)) {
    document.getElementById("tg-layer").hidden = false;
    layer.onchange = () => svg.classList.toggle("tg-no-backward", !layer.checked);
  }

  show(0);
  // For scripts driving the page (the browser test): the formatting, and
  // where the sweep is.
  window.tapegrad = { exact, shown, steps: total, at: () => at };
})();
