// The review pane's behaviour (gr.HTML js_on_load: `element`, `watch` are given by gradio).
// Everything runs in the browser: selecting, filtering and marking never wait for the server. The handled state
// goes back through the hidden textbox the pane names (data-box; #review-handled on the 审阅 tab), so the downloads
// leave out what the reviewer set aside.
let st = null;

function init() {
  const root = element.querySelector(".rp");
  if (!root) { st = null; return; }
  const cards = Array.from(root.querySelectorAll(".card"));
  const marks = Array.from(root.querySelectorAll(".rp-doc mark"));
  const marksOf = cards.map(() => []);
  const findingsOf = marks.map((m) => m.dataset.f.split(" ").map(Number));
  findingsOf.forEach((ids, k) => ids.forEach((i) => { if (marksOf[i]) marksOf[i].push(marks[k]); }));
  st = {
    root, cards, marks, marksOf, findingsOf,
    doc: root.querySelector(".rp-doc"), list: root.querySelector(".rp-cards"),
    token: root.dataset.token, status: cards.map(() => ""), sev: new Set(), cat: new Set(),
    showClosed: false, current: -1, visible: [], drawn: cards.map(() => "1"),
    markClass: marks.map((m) => Array.from(m.classList).find((c) => c.startsWith("sev-")) || ""),
  };
  apply();
  // A pane opened from elsewhere (a row of the batch summary) comes into view.
  if (root.dataset.reveal) root.scrollIntoView({ block: "start", behavior: "instant" });
}

function shown(i) {
  const c = st.cards[i];
  if (st.sev.size && !st.sev.has(c.dataset.sev)) return false;
  if (st.cat.size && !st.cat.has(c.dataset.cat)) return false;
  return st.showClosed || !st.status[i];
}

const RANK = { info: 0, warning: 1, error: 2 };

const STATE_NAMES = { done: "已处理", ignored: "已忽略" };

function apply() {
  // Only what changed is written to the page: a long report has thousands of cards and marks.
  const visible = [];
  st.cards.forEach((c, i) => {
    const on = shown(i);
    if (on) visible.push(i);
    const key = (on ? "1" : "0") + st.status[i];
    if (st.drawn[i] === key) return;
    st.drawn[i] = key;
    c.hidden = !on;
    c.classList.toggle("closed", !!st.status[i]);
    if (st.status[i] || c.dataset.was) {  // cards never handled need no state text or pressed buttons
      c.dataset.was = "1";
      c.querySelector(".state").textContent = STATE_NAMES[st.status[i]] || "";
      c.querySelectorAll(".acts button").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.act === st.status[i])));
    }
  });
  st.visible = visible;
  st.marks.forEach((m, k) => {
    let worst = -1, name = "off";
    for (const i of st.findingsOf[k]) {
      const sev = st.cards[i].dataset.sev;
      if (RANK[sev] > worst && shown(i)) { worst = RANK[sev]; name = "sev-" + sev; }
    }
    if (st.markClass[k] === name) return;
    if (st.markClass[k]) m.classList.remove(st.markClass[k]);
    m.classList.add(name);
    st.markClass[k] = name;
  });
  counts();
  st.root.querySelector(".rp-empty").hidden = visible.length > 0 || st.cards.length === 0;
  if (st.current >= 0 && !shown(st.current)) select(-1);
  position();
}

function counts() {
  const open = { sev: {}, cat: {} };
  let done = 0, ignored = 0;
  st.cards.forEach((c, i) => {
    if (st.status[i] === "done") done++;
    else if (st.status[i] === "ignored") ignored++;
    else {
      open.sev[c.dataset.sev] = (open.sev[c.dataset.sev] || 0) + 1;
      open.cat[c.dataset.cat] = (open.cat[c.dataset.cat] || 0) + 1;
    }
  });
  st.root.querySelectorAll(".chip").forEach((chip) => {
    const n = chip.dataset.sev ? open.sev[chip.dataset.sev] : open.cat[chip.dataset.cat];
    chip.querySelector(".n").textContent = String(n || 0);
    const on = chip.dataset.sev ? st.sev.has(chip.dataset.sev) : st.cat.has(chip.dataset.cat);
    chip.setAttribute("aria-pressed", String(on));
  });
  const total = st.cards.length;
  st.root.querySelector(".rp-counts").textContent =
    `共 ${total} 条 · 待处理 ${total - done - ignored} · 已处理 ${done} · 忽略 ${ignored} · 当前显示 ${st.visible.length} 条`;
}

function position() {
  const k = st.visible.indexOf(st.current);
  st.root.querySelector(".rp-pos").textContent = st.visible.length ? `${k >= 0 ? k + 1 : "-"}/${st.visible.length}` : "0/0";
}

function scrollInto(box, el) {
  // Scroll only the pane's own column, never the whole page, and keep the target a third of the way down.
  const b = box.getBoundingClientRect(), r = el.getBoundingClientRect();
  if (r.top < b.top + 8 || r.bottom > b.bottom - 8) box.scrollTop += r.top - b.top - box.clientHeight / 3;
}

function select(i, from) {
  st.root.querySelectorAll(".card.current").forEach((c) => c.classList.remove("current"));
  st.root.querySelectorAll("mark.hl").forEach((m) => m.classList.remove("hl"));
  st.current = i;
  if (i >= 0) {
    const card = st.cards[i];
    card.classList.add("current");
    const marks = st.marksOf[i];
    marks.forEach((m) => m.classList.add("hl"));
    const place = () => {
      if (from !== "card") scrollInto(st.list, card);
      if (from !== "mark" && marks.length) scrollInto(st.doc, marks[0]);
    };
    place();
    // Off-screen blocks are laid out only once scrolled to (content-visibility), which moves what follows them:
    // correct the scroll on the next few frames until the target stays put.
    let frames = 6;
    const settle = () => {
      if (!st || st.current !== i || frames-- <= 0) return;
      place();
      requestAnimationFrame(settle);
    };
    requestAnimationFrame(settle);
  }
  position();
}

function step(d) {
  if (!st || !st.visible.length) return;
  const k = st.visible.indexOf(st.current);
  const next = k < 0 ? (d > 0 ? 0 : st.visible.length - 1) : (k + d + st.visible.length) % st.visible.length;
  select(st.visible[next]);
}

function sendHandled() {
  const id = st.root.dataset.box || "review-handled";
  const box = document.querySelector(`#${id} textarea, #${id} input`);
  if (!box) return;
  const done = [], ignored = [];
  st.status.forEach((s, i) => { if (s === "done") done.push(i); else if (s === "ignored") ignored.push(i); });
  box.value = JSON.stringify({ token: st.token, done, ignored });
  box.dispatchEvent(new Event("input", { bubbles: true }));
}

element.addEventListener("click", (ev) => {
  if (!st) return;
  const t = ev.target;
  const act = t.closest(".acts button");
  if (act) {
    const i = Number(act.closest(".card").dataset.i);
    st.status[i] = st.status[i] === act.dataset.act ? "" : act.dataset.act;
    apply();
    sendHandled();
    return;
  }
  const chip = t.closest(".chip");
  if (chip) {
    const set = chip.dataset.sev ? st.sev : st.cat, key = chip.dataset.sev || chip.dataset.cat;
    if (set.has(key)) set.delete(key); else set.add(key);
    apply();
    return;
  }
  if (t.closest(".rp-clear")) { st.sev.clear(); st.cat.clear(); apply(); return; }
  if (t.closest(".rp-next")) { step(1); return; }
  if (t.closest(".rp-prev")) { step(-1); return; }
  const card = t.closest(".card");
  if (card) { select(Number(card.dataset.i), "card"); return; }
  const mark = t.closest(".rp-doc mark");
  if (mark) {
    const ids = mark.dataset.f.split(" ").map(Number).filter(shown);
    if (!ids.length) return;
    // Clicking a mark again moves to its next finding when several share the words.
    const k = ids.indexOf(st.current);
    select(ids[(k + 1) % ids.length], "mark");
  }
});

element.addEventListener("change", (ev) => {
  if (st && ev.target.classList.contains("rp-show-closed")) { st.showClosed = ev.target.checked; apply(); }
});

document.addEventListener("keydown", (ev) => {
  if (!st || !st.root.isConnected || st.root.offsetParent === null) return;  // only while the pane is on screen
  if (ev.ctrlKey || ev.metaKey || ev.altKey || ev.target.closest("input, textarea, select, [contenteditable]")) return;
  if (ev.key === "n" || ev.key === "ArrowDown" && ev.target.closest(".rp")) { step(1); ev.preventDefault(); }
  else if (ev.key === "p" || ev.key === "ArrowUp" && ev.target.closest(".rp")) { step(-1); ev.preventDefault(); }
});

watch("value", init);
init();
