// The coordinator's dashboard charts: each <canvas data-chart> carries its own figures as JSON
// (the same figures are in the table beside it, for screen readers and without JavaScript).
document.addEventListener("DOMContentLoaded", () => {
  if (!window.Chart) {
    return;
  }
  const rubles = new Intl.NumberFormat("ru-RU", {style: "currency", currency: "RUB",
                                                 maximumFractionDigits: 0});
  const counts = new Intl.NumberFormat("ru-RU");
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const spec = JSON.parse(canvas.dataset.chart);
    const format = spec.money ? (v) => rubles.format(v) : (v) => counts.format(v);
    const valueAxis = {beginAtZero: true, ticks: {callback: (v) => format(v)}};
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: spec.labels,
        datasets: [{label: spec.label, data: spec.values, backgroundColor: "#2f6fde"}],
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: {
          legend: {display: false},
          tooltip: {callbacks: {label: (item) => format(item.raw)}},
        },
        scales: spec.horizontal ? {x: valueAxis} : {y: valueAxis},
      },
    });
  });
});
