// Draws every <figure data-chart> from its JSON config; the table stays as the fallback.
(function () {
  "use strict";
  var palette = ["#2e6be6", "#2f9e6a", "#e0a526", "#d64545", "#7a5af8", "#0e9aa7", "#6b7385"];

  var markerPlugin = {
    id: "junkanMarkers",
    afterDatasetsDraw: function (chart, _args, opts) {
      var markers = (opts && opts.markers) || [];
      var x = chart.scales.x;
      if (!x || !markers.length) return;
      var ctx = chart.ctx;
      markers.forEach(function (m) {
        var px = x.getPixelForValue(chart.data.labels.indexOf(String(m.x)));
        if (isNaN(px) || px < 0) return;
        ctx.save();
        ctx.strokeStyle = "#6b7385";
        ctx.setLineDash([4, 4]);
        ctx.beginPath();
        ctx.moveTo(px, chart.chartArea.top);
        ctx.lineTo(px, chart.chartArea.bottom);
        ctx.stroke();
        ctx.fillStyle = "#6b7385";
        ctx.font = "11px system-ui, sans-serif";
        ctx.fillText(m.label || "", px + 4, chart.chartArea.top + 12);
        ctx.restore();
      });
    },
  };

  function draw(figure) {
    if (figure.dataset.drawn) return;
    var config = JSON.parse(document.getElementById(figure.dataset.chart).textContent);
    var datasets = config.datasets.map(function (d, i) {
      var color = d.color || palette[i % palette.length];
      var isDoughnut = config.kind === "doughnut";
      return {
        label: d.label,
        data: d.data,
        borderColor: isDoughnut ? "#fff" : color,
        backgroundColor: isDoughnut ? (d.colors || palette) : color,
        tension: 0.25,
        pointRadius: 0,
        spanGaps: true,
      };
    });
    var scales = config.kind === "doughnut" ? {} : {
      y: { beginAtZero: true, suggestedMax: config.yMax || undefined },
      x: { ticks: { maxTicksLimit: 10 } },
    };
    var holder = figure.querySelector(".chart-canvas");
    holder.hidden = false;
    figure.querySelector(".chart-data").hidden = true;
    new Chart(holder.querySelector("canvas"), {
      type: config.kind,
      data: { labels: config.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: scales,
        plugins: { junkanMarkers: { markers: config.markers } },
      },
      plugins: [markerPlugin],
    });
    figure.dataset.drawn = "1";
  }

  function drawAll() {
    if (typeof Chart === "undefined") return;
    document.querySelectorAll("figure[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", drawAll);
  document.addEventListener("htmx:afterSwap", drawAll);
})();
