// Draws the dashboard's charts with uPlot: each <figure data-chart> carries its data as JSON
// ({ title, x: unix seconds, or numbers when xLabel names them, series: [{ label, values }], stepped,
// unit, small }). Served as a file so the Content-Security-Policy needs no inline script.
/* global document, window, uPlot */
(function () {
  var palette = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
  function draw(figure) {
    var spec = JSON.parse(figure.getAttribute('data-chart'));
    var width = spec.small ? Math.max(200, Math.min(360, figure.clientWidth || 280)) : Math.max(320, Math.min(900, figure.clientWidth || 640));
    var series = [{}].concat(
      spec.series.map(function (s, i) {
        var line = { label: s.label, stroke: palette[i % palette.length], width: 2, spanGaps: false };
        if (spec.stepped) line.paths = uPlot.paths.stepped({ align: 1 });
        if (spec.unit) line.value = function (u, v) { return v == null ? '–' : v.toFixed(2) + ' ' + spec.unit; };
        return line;
      }),
    );
    var data = [spec.x].concat(spec.series.map(function (s) { return s.values; }));
    var options = { width: width, height: spec.small ? 160 : 220, series: series, axes: [{}, { label: spec.unit || '' }] };
    // A curve by epoch is no time series: plain numbers on x, labelled with what they count.
    if (spec.xLabel) {
      options.scales = { x: { time: false } };
      options.axes[0] = { label: spec.xLabel };
    }
    if (spec.small) options.legend = { show: false };
    new uPlot(options, data, figure);
  }
  function drawAll() {
    var figures = document.querySelectorAll('figure[data-chart]');
    for (var i = 0; i < figures.length; i++) draw(figures[i]);
    document.body.setAttribute('data-charts-drawn', String(figures.length));
  }
  if (document.readyState === 'loading') window.addEventListener('DOMContentLoaded', drawAll);
  else drawAll();
})();
