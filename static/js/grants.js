// The project form: each line's total and the equipment total follow as lines change,
// and "Add a line" appends an empty line of the formset. No inline scripts (CSP).
document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("table[data-lines]");
  if (!table) return;
  const body = table.querySelector("[data-lines-body]");
  const totalCell = table.querySelector("[data-lines-total]");
  const template = document.querySelector("template[data-empty-line]");
  const addButton = document.querySelector("[data-add-line]");
  const totalForms = document.querySelector("input[name$='-TOTAL_FORMS']");
  const language = document.documentElement.lang || "fr";
  const format = new Intl.NumberFormat(language.startsWith("en") ? "en-US" : "fr-FR", {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  // Group with no-break spaces, like the server's format ("18 500,00").
  const show = (value) => format.format(value).replace(/[\s\u202f]/g, "\u00a0");
  const number = (input) => {
    const value = parseFloat(String(input ? input.value : "").replace(/\s/g, "").replace(",", "."));
    return Number.isFinite(value) ? value : 0;
  };

  // The money breakdown below the lines: requested = equipment + cash grant; total cost
  // = requested + own contribution (grants.models, "the ledger").
  const breakdown = document.querySelector("[data-breakdown]");
  const field = (name) => document.querySelector(`input[data-${name}]`);
  const share = (part, whole) =>
    whole > 0 ? `(${new Intl.NumberFormat(language.startsWith("en") ? "en-US" : "fr-FR", {
      maximumFractionDigits: 1,
    }).format((part * 100) / whole)}\u00a0%)` : "";

  function showBreakdown(equipment) {
    if (!breakdown) return;
    const cash = number(field("cash-grant"));
    const own = number(field("own-contribution"));
    const requested = equipment + cash;
    const total = requested + own;
    const put = (name, text) => {
      const cell = breakdown.querySelector(`[data-breakdown-${name}]`);
      if (cell) cell.textContent = text;
    };
    put("equipment", show(equipment));
    put("cash-grant", show(cash));
    put("requested", show(requested));
    put("requested-share", share(requested, total));
    put("own", show(own));
    put("own-share", share(own, total));
    put("total", show(total));
  }

  function recompute() {
    let total = 0;
    body.querySelectorAll("tr[data-line]").forEach((row) => {
      const removed = row.querySelector("input[name$='-DELETE']");
      const lineTotal = number(row.querySelector("[data-quantity]")) * number(row.querySelector("[data-unit-price]"));
      const cell = row.querySelector("[data-line-total]");
      if (cell) cell.textContent = show(lineTotal);
      row.classList.toggle("text-decoration-line-through", Boolean(removed && removed.checked));
      if (!(removed && removed.checked)) total += lineTotal;
    });
    totalCell.textContent = show(total);
    showBreakdown(total);
  }

  body.addEventListener("input", recompute);
  body.addEventListener("change", recompute);
  ["cash-grant", "own-contribution"].forEach((name) => {
    const input = field(name);
    if (input) input.addEventListener("input", recompute);
  });
  if (addButton && template && totalForms) {
    addButton.addEventListener("click", () => {
      const index = parseInt(totalForms.value, 10) || 0;
      const html = template.innerHTML.replace(/__prefix__/g, String(index));
      body.insertAdjacentHTML("beforeend", html);
      totalForms.value = String(index + 1);
      const added = body.lastElementChild.querySelector("input[name$='-designation']");
      if (added) added.focus();
      recompute();
    });
  }
  recompute();
});
