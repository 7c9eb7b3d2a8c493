// Draw each dashboard chart from the JSON beside it; the page's tables carry the same figures.
/* global Plotly */
document.querySelectorAll('script[type="application/json"][data-chart]').forEach(function (block) {
  var target = document.getElementById(block.dataset.chart)
  if (!target || typeof Plotly === 'undefined') return
  var figure = JSON.parse(block.textContent)
  Plotly.newPlot(target, figure.data, figure.layout, { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['select2d', 'lasso2d'] })
})
