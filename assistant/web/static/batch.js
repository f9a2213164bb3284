// The 批量审阅 summary (gr.HTML js_on_load: `element`, `trigger` are given by gradio). A click on a report's row
// (or Enter on it) asks the server to open that report in the review pane below; a click on a header sorts by it.
element.addEventListener("click", (ev) => {
  const th = ev.target.closest("#summary th");
  if (th) { sortBy(th); return; }
  const row = ev.target.closest("#summary tr[data-row]");
  if (row && !row.classList.contains("failed")) open(row);
});

element.addEventListener("keydown", (ev) => {
  const row = ev.target.closest("#summary tr[data-row]");
  if (row && (ev.key === "Enter" || ev.key === " ") && !row.classList.contains("failed")) {
    ev.preventDefault();
    open(row);
  }
});

function open(row) {
  element.querySelectorAll("#summary tr.current").forEach((r) => r.classList.remove("current"));
  row.classList.add("current");
  trigger("select", { row: Number(row.dataset.row) });
}

function sortBy(th) {
  const body = element.querySelector("#summary tbody");
  const i = Array.from(th.parentNode.children).indexOf(th);
  const asc = th.dataset.asc !== "1";
  th.dataset.asc = asc ? "1" : "0";
  const rows = Array.from(body.rows);
  rows.sort((a, b) => {
    const x = a.cells[i].innerText, y = b.cells[i].innerText;
    const nx = parseFloat(x), ny = parseFloat(y);
    const c = !isNaN(nx) && !isNaN(ny) ? nx - ny : x.localeCompare(y, "zh");
    return asc ? c : -c;
  });
  rows.forEach((r) => body.appendChild(r));
}
