// Draws the dashboard's charts from the JSON that the page embeds with json_script.
// The same numbers are in the table beside each chart (screen readers, no JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("dashboard-charts");
  if (!source || typeof Chart === "undefined") return;
  const charts = JSON.parse(source.textContent);
  const palette = ["#0b5394", "#e69138", "#6aa84f", "#cc0000", "#674ea7", "#45818e", "#bf9000", "#a64d79", "#999999"];
  const rtl = document.documentElement.dir === "rtl";

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const spec = charts[canvas.dataset.chart];
    if (!spec) return;
    const round = spec.type === "doughnut" || spec.type === "pie";
    const datasets = spec.datasets.map((dataset, index) => ({
      label: dataset.label,
      data: dataset.data,
      backgroundColor: round ? palette : palette[index % palette.length],
      borderColor: round ? "#fff" : palette[index % palette.length],
      fill: false,
      tension: 0.2,
    }));
    const options = {
      responsive: true,
      maintainAspectRatio: false,
      locale: document.documentElement.lang,
      plugins: {
        legend: { display: round || datasets.length > 1, rtl: rtl, position: "bottom" },
      },
    };
    if (!round) {
      options.indexAxis = spec.indexAxis || "x";
      const valueAxis = options.indexAxis === "y" ? "x" : "y";
      options.scales = { [valueAxis]: { beginAtZero: true } };
      if (spec.max) options.scales[valueAxis].max = spec.max;
      options.scales[options.indexAxis] = { reverse: rtl && options.indexAxis === "x" };
    }
    new Chart(canvas, { type: spec.type, data: { labels: spec.labels, datasets: datasets }, options: options });
  });
});
