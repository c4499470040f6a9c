// The paper explorer (chapters/explorer.md): facets with counts, free-text search, sorting, a column
// chooser and each work's full record, on top of DataTables. Every filter, the search text, the sort
// and the shown columns live in the URL, so a view can be bookmarked, sent, and restored with Back.
// The data (one record per work, details already escaped to HTML) come from helpers.explorer.

const app = document.getElementById("explorer-app");
const { facets: FACETS, works: WORKS } = JSON.parse(document.getElementById("explorer-data").textContent);
const escapeHTML = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const BY_KEY = new Map(WORKS.map((work) => [work.key, work]));
// Each work's record (its details HTML) is a file of its own, four fifths of the data: fetched once,
// when a reader first opens a record or searches, so that the page starts with a fifth of it.
let detailsLoaded = null;
function loadDetails() {
  detailsLoaded ??= fetch(new URL(app.dataset.details, document.baseURI))
    .then((response) => response.ok ? response.json() : Promise.reject(new Error(`${response.status} ${response.url}`)))
    .then((details) => { for (const work of WORKS) work.details = details[work.key]; })
    .catch((error) => { detailsLoaded = null; throw error; });  // a later click tries again
  return detailsLoaded;
}
// What the search box searches: the title, facets and every word of the record (tags removed),
// made on the first search rather than at load (parsing 125 records' HTML is most of a phone's
// start-up time otherwise). Callers load the details first.
let searchable = false;
function makeSearchable() {
  const scratch = document.createElement("template");
  for (const work of WORKS) {
    scratch.innerHTML = work.details;
    work.text = [work.title, work.authors, work.venue, ...Object.values(work.facets).flat(),
                 scratch.content.textContent].join(" ").toLowerCase();
  }
  searchable = true;
}

// Columns: [name, header, cell text from a work, shown by default, sortable]
const COLUMNS = [
  ["details", "", null, true, false],
  ["title", "Title", (w) => `<a href="${escapeHTML(w.url)}">${escapeHTML(w.title)}</a>`, true, true],
  ["year", "Year", (w) => w.facets.year[0], true, true],
  ["task", "Task", (w) => escapeHTML(w.facets.task[0]), true, true],
  ["direction", "Direction", (w) => escapeHTML(w.facets.direction[0]), true, true],
  ["generator", "Generator(s)", (w) => escapeHTML(w.facets.generator.join(", ")), true, true],
  ["kind", "Data kind", (w) => escapeHTML(w.facets.kind.join(", ")), true, true],
  ["authors", "Authors", (w) => escapeHTML(w.authors), false, true],
  ["venue", "Venue", (w) => escapeHTML(`${w.venue} (${w.facets.venue[0]})`), false, true],
  ["access", "Access", (w) => escapeHTML(w.facets.access.join(", ")), false, true],
  ["modality", "Modality", (w) => escapeHTML(w.facets.modality.join(", ")), false, true],
  ["purpose", "Purpose", (w) => escapeHTML(w.facets.purpose.join(", ")), false, true],
];
const NARROW = window.matchMedia("(max-width: 700px)");  // phones: title and year; the rest in details
const NARROW_HIDDEN = new Set(["task", "direction", "generator", "kind"]);

// --- state <-> URL -------------------------------------------------------------------------------

function readState() {
  const params = new URLSearchParams(window.location.search);
  const selected = {};
  for (const [facet] of FACETS) selected[facet] = new Set(params.getAll(facet));
  const [column, dir] = (params.get("sort") || "").split("-");
  return {
    selected,
    // "search", not "q": Sphinx's search script, on every page, runs a site search for any "q"
    // (and fails outside the search page); a "q" from an older link is read, and renamed at start
    q: params.get("search") || params.get("q") || "",
    sort: COLUMNS.some((c) => c[0] === column && c[4]) ? [column, dir === "desc" ? "desc" : "asc"] : null,
    cols: params.has("cols") ? new Set(params.get("cols").split(",").filter(Boolean)) : null,
    work: params.get("work"),
  };
}

function writeState(state, replace = false) {
  const params = new URLSearchParams();
  for (const [facet] of FACETS) for (const value of [...state.selected[facet]].sort()) params.append(facet, value);
  if (state.q) params.set("search", state.q);
  if (state.sort) params.set("sort", state.sort.join("-"));
  if (state.cols) params.set("cols", [...state.cols].join(","));
  if (state.work) params.set("work", state.work);
  const url = `${window.location.pathname}${params.toString() ? "?" + params : ""}`;
  if (url !== window.location.pathname + window.location.search) {
    (replace ? history.replaceState : history.pushState).call(history, null, "", url);
  }
}

// --- filtering and counts ------------------------------------------------------------------------

function matches(work, state, except = null) {
  const words = state.q.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length && !searchable) makeSearchable();
  if (!words.every((word) => work.text.includes(word))) return false;
  for (const [facet] of FACETS) {
    const chosen = state.selected[facet];
    if (facet !== except && chosen.size && !work.facets[facet].some((v) => chosen.has(v))) return false;
  }
  return true;
}

function counts(state) {
  // value -> number of works that have it and pass every *other* filter: the counts follow the
  // other active filters, and a value's own selection does not zero its neighbours
  const result = {};
  for (const [facet] of FACETS) {
    const tally = new Map();
    for (const work of WORKS) {
      if (!matches(work, state, facet)) continue;
      for (const value of new Set(work.facets[facet])) tally.set(value, (tally.get(value) || 0) + 1);
    }
    result[facet] = tally;
  }
  return result;
}

// --- the page ------------------------------------------------------------------------------------

function buildLayout() {
  app.innerHTML = `
    <div class="explorer-layout">
      <aside class="explorer-facets" aria-label="Filters">
        <div class="explorer-facets-head"><h2 class="explorer-h">Filters</h2>
          <button type="button" class="explorer-clear">Clear all</button></div>
        ${FACETS.map(([facet, label]) => `
          <fieldset class="explorer-facet" data-facet="${facet}">
            <legend>${escapeHTML(label)}</legend><div class="explorer-options"></div>
          </fieldset>`).join("")}
      </aside>
      <div class="explorer-main">
        <div class="explorer-toolbar">
          <label class="explorer-search">Search the works
            <input type="search" placeholder="title, author, model, dataset…" autocomplete="off"></label>
          <p class="explorer-count" role="status" aria-live="polite"></p>
        </div>
        <table id="explorer" class="display compact explorer-table">
          <caption class="explorer-caption">Surveyed works; use a row's + button to open its full record</caption>
        </table>
      </div>
    </div>`;
}

function renderFacets(state) {
  const tallies = counts(state);
  for (const [facet, label] of FACETS) {
    const box = app.querySelector(`fieldset[data-facet="${facet}"] .explorer-options`);
    const values = [...new Set(WORKS.flatMap((w) => w.facets[facet]).concat([...state.selected[facet]]))];
    values.sort((a, b) => facet === "year" ? b.localeCompare(a)
      : (tallies[facet].get(b) || 0) - (tallies[facet].get(a) || 0) || a.localeCompare(b));
    box.innerHTML = values.map((value, i) => {
      const n = tallies[facet].get(value) || 0;
      const id = `facet-${facet}-${i}`;
      const checked = state.selected[facet].has(value) ? " checked" : "";
      return `<div class="explorer-option${n ? "" : " explorer-empty"}">
        <input type="checkbox" id="${id}" value="${escapeHTML(value)}"${checked}>
        <label for="${id}">${escapeHTML(value)} <span class="explorer-n">(${n})</span></label></div>`;
    }).join("");
  }
}

// The page's text is painted before DataTables is fetched: asked for earlier, its bundle (then 176 KB) shared a
// slow connection with the page's stylesheet and held up the first paint. (Where the browser does
// not report paints, one frame is waited for instead.)
function firstContentfulPaint() {
  return new Promise((resolve) => {
    if (!(PerformanceObserver.supportedEntryTypes || []).includes("paint")) {
      requestAnimationFrame(() => setTimeout(resolve));
      return;
    }
    new PerformanceObserver((list, observer) => {
      if (list.getEntriesByName("first-contentful-paint").length) {
        observer.disconnect();
        resolve();
      }
    }).observe({ type: "paint", buffered: true });
  });
}

async function loadDataTables() {
  const css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = new URL("dt_bundle.css", import.meta.url).href;  // beside this script
  document.head.appendChild(css);
  const bundle = await import("./dt_bundle.js");
  return { DataTable: bundle.default, jQuery: bundle.jQuery };
}

async function main() {
  // (the book's navigation starts folded away on wide screens: helpers.build sets it in the page)
  await firstContentfulPaint();
  const { DataTable } = await loadDataTables();
  let state = readState();
  if (state.q || state.work) await loadDetails();  // a link with a search or a record in it
  buildLayout();
  const search = app.querySelector(".explorer-search input");
  const status = app.querySelector(".explorer-count");
  const indexOf = (name) => COLUMNS.findIndex((c) => c[0] === name);

  function shownColumns() {
    if (state.cols) return state.cols;
    return new Set(COLUMNS.filter(([name, , , shown]) => shown && !(NARROW.matches && NARROW_HIDDEN.has(name)))
      .map(([name]) => name));
  }
  const sortOrder = () => state.sort ? [[indexOf(state.sort[0]), state.sort[1]]] : [];

  DataTable.ext.search.push((settings, _row, index) => settings.nTable.id !== "explorer" || matches(WORKS[index], state));
  const table = new DataTable("#explorer", {
    data: WORKS,
    columns: COLUMNS.map(([name, header, cell, shown, sortable]) => ({
      title: header,
      data: null,
      name,
      orderable: sortable,
      className: name === "details" ? "explorer-toggle-cell noVis" : `explorer-${name}`,
      render: name === "details"
        ? (_d, type, w) => type === "display"
          ? `<button type="button" class="explorer-toggle" aria-expanded="false" aria-label="Open the record of ${escapeHTML(w.title)}">+</button>` : ""
        : (_d, type, w) => type === "sort" && name === "year" ? Number(w.facets.year[0])
          : type === "display" ? `<div class="explorer-clamp">${cell(w)}</div>` : cell(w).replace(/<[^>]+>/g, ""),
      // the columns and order of the view asked for, from the start: a column shown or hidden after
      // the first draw makes DataTables measure the page again (its pager checks for wrapping)
      visible: name === "details" || shownColumns().has(name),
    })),
    order: sortOrder(),
    pageLength: 25,
    deferRender: true,  // rows are drawn when shown, not all 125 at start
    lengthMenu: [10, 25, 50, 100, 200],
    autoWidth: false,
    layout: {
      topStart: { buttons: [{ extend: "colvis", text: "Columns", columns: ":not(.noVis)", collectionLayout: "fixed columns" }] },
      topEnd: "pageLength",
      bottomStart: "info",
      bottomEnd: "paging",
    },
    language: { info: "_START_ to _END_ of _TOTAL_ works", infoFiltered: "(filtered from _MAX_)",
                infoEmpty: "no works", zeroRecords: "No work matches these filters." },
  });

  let applying = false;
  function apply(newState, { push = false, replace = false, drawn = false } = {}) {
    state = newState;
    applying = true;
    search.value = state.q;
    const visible = shownColumns();
    COLUMNS.forEach(([name], i) => {
      // only the columns that change: each change makes DataTables lay the page out again
      if (name !== "details" && table.column(i).visible() !== visible.has(name)) table.column(i).visible(visible.has(name), false);
    });
    table.order(sortOrder());
    renderFacets(state);
    if (!drawn) table.draw();
    applying = false;
    const shown = table.rows({ search: "applied" }).count();
    status.textContent = `${shown} of ${WORKS.length} works shown`;
    if (push || replace) writeState(state, replace);
    if (state.work) openWork(state.work);
  }

  // apply() for a state that may need the records: a search, or a record to open
  async function applyLoaded(newState, options) {
    if (newState.q || newState.work) await loadDetails();
    apply(newState, options);
  }

  async function openWork(key) {
    const index = WORKS.findIndex((w) => w.key === key);
    if (index < 0) return;
    if (!matches(WORKS[index], state)) {  // filtered out: clear the filters so the record can show
      state = { ...state, q: "", selected: Object.fromEntries(FACETS.map(([f]) => [f, new Set()])) };
      apply(state, { replace: true });
      return;
    }
    const position = table.rows({ order: "applied", search: "applied" }).indexes().toArray().indexOf(index);
    table.page(Math.floor(position / table.page.len())).draw(false);
    const row = table.row(index);
    if (!isOpen(row)) await toggle(row);
    row.node().querySelector(".explorer-toggle").focus();
    row.node().scrollIntoView({ block: "center" });
  }

  // A record is open when its button says so; a child row may also hold a failed load's message.
  const isOpen = (row) => row.node().querySelector(".explorer-toggle").getAttribute("aria-expanded") === "true";

  async function toggle(row) {
    const button = row.node().querySelector(".explorer-toggle");
    if (!isOpen(row)) {
      try {
        await loadDetails();
      } catch (error) {
        row.child(`<p class="explorer-error">The record could not be loaded (${escapeHTML(error.message)}).</p>`, "explorer-child").show();
        return;
      }
    }
    if (isOpen(row)) {
      row.child.hide();
      button.setAttribute("aria-expanded", "false");
      button.textContent = "+";
    } else {
      const work = row.data();
      const similar = work.similar.map((key) => BY_KEY.get(key)).map((other) =>
        `<li><a href="?work=${encodeURIComponent(other.key)}" data-work="${escapeHTML(other.key)}">${escapeHTML(other.title)}</a></li>`);
      row.child(`<div class="explorer-details">${work.details}</div>`, "explorer-child").show();
      row.child().find(".explorer-similar").html(similar.join(""));
      button.setAttribute("aria-expanded", "true");
      button.textContent = "−";
    }
  }

  // --- events ---
  app.querySelector(".explorer-facets").addEventListener("change", (event) => {
    const box = event.target.closest("fieldset");
    if (!box) return;
    const selected = { ...state.selected, [box.dataset.facet]: new Set(
      [...box.querySelectorAll("input:checked")].map((input) => input.value)) };
    const focused = event.target.id;
    apply({ ...state, selected, work: null }, { push: true });
    const again = document.getElementById(focused);  // keep keyboard focus on the same option
    if (again) again.focus();
  });
  app.querySelector(".explorer-clear").addEventListener("click", () => {
    apply({ ...state, q: "", work: null, selected: Object.fromEntries(FACETS.map(([f]) => [f, new Set()])) },
          { push: true });
  });
  let typing;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => applyLoaded({ ...state, q: search.value.trim(), work: null }, { replace: true }), 150);
  });
  table.on("order", () => {
    if (applying) return;
    const [first] = table.order();
    const sort = first ? [COLUMNS[first[0]][0], first[1]] : null;
    if (String(sort) !== String(state.sort)) {
      state = { ...state, sort };
      writeState(state);
    }
  });
  table.on("column-visibility", () => {
    if (applying) return;
    const cols = new Set(COLUMNS.filter((_c, i) => i > 0 && table.column(i).visible()).map(([name]) => name));
    state = { ...state, cols };
    writeState(state);
  });
  app.querySelector("#explorer tbody").addEventListener("click", (event) => {
    const button = event.target.closest(".explorer-toggle");
    if (button) { toggle(table.row(button.closest("tr"))); return; }
    const similar = event.target.closest("a[data-work]");
    if (similar) {
      event.preventDefault();
      state = { ...state, work: similar.dataset.work };
      writeState(state);
      openWork(similar.dataset.work);
      return;
    }
    const copy = event.target.closest(".explorer-copy");
    if (copy) {
      const text = document.getElementById(copy.dataset.copy).textContent;
      const done = () => { copy.textContent = "Copied"; setTimeout(() => { copy.textContent = "Copy BibTeX"; }, 1500); };
      if (navigator.clipboard && window.isSecureContext) navigator.clipboard.writeText(text).then(done, () => {});
      else {  // file:// pages: select the entry so that Ctrl+C copies it
        const range = document.createRange();
        range.selectNodeContents(document.getElementById(copy.dataset.copy));
        window.getSelection().removeAllRanges();
        window.getSelection().addRange(range);
      }
    }
  });
  window.addEventListener("popstate", () => applyLoaded(readState()));
  NARROW.addEventListener("change", () => apply(state));

  // the table was drawn for this state when it was made; an older link's "q" becomes "search"
  apply(state, { drawn: true, replace: new URLSearchParams(window.location.search).has("q") });
  app.dataset.ready = "true";
}

main().catch((error) => {
  const note = document.createElement("p");
  note.className = "explorer-error";
  note.textContent = `The explorer could not start (${error.message}).`;
  app.prepend(note);
  throw error;
});
