// Small behaviours shared by every page; no inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // Errors in sight: a refused action's message, at the top of the page, takes the focus
  // (a screen reader reads it) unless the person is already typing somewhere.
  const alerts = document.querySelector("[data-focus-on-load]");
  if (alerts && (!document.activeElement || document.activeElement === document.body)) {
    alerts.focus();
  }
  document.querySelectorAll("select[data-autosubmit]").forEach((select) => {
    select.addEventListener("change", () => select.form.submit());
  });
  // "Print" buttons: the print stylesheet leaves out the menu and the buttons.
  document.querySelectorAll("[data-print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  // A table wider than the screen scrolls: keyboard users reach it with Tab, then the arrows.
  document.querySelectorAll(".table-responsive").forEach((region) => {
    if (region.scrollWidth > region.clientWidth && !region.hasAttribute("tabindex")) region.tabIndex = 0;
  });
  // A confirmation before every irreversible step: <form data-confirm="…">.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
});
