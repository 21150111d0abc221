// Draws the charts of the 办公桌's 统计 page with Apache ECharts. The
// figures come from the page's own JSON block (#stats-data); each chart
// repeats the table under it, which is what prints and what a screen
// reader reads. No inline script: the page's CSP allows only this origin's
// files.
(function () {
  'use strict';
  var block = document.getElementById('stats-data');
  if (!block || typeof echarts === 'undefined') {
    return;
  }
  var data = JSON.parse(block.textContent);
  var palette = ['#1f6fd1', '#f29f05', '#2ba471', '#d83931', '#7b61ff', '#8f959e'];
  var charts = [];

  function fmt(unit) {
    return function (v) {
      return v === null || v === undefined ? '—' : v + (unit === '%' ? '%' : ' ' + unit);
    };
  }

  function option(c) {
    var base = {
      color: palette,
      animation: false,
      textStyle: { fontFamily: '-apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif' },
      tooltip: { trigger: c.kind === 'pie' ? 'item' : 'axis', valueFormatter: fmt(c.unit) }
    };
    if (c.kind === 'pie') {
      base.legend = { bottom: 0, type: 'scroll' };
      base.series = [{
        name: c.series[0].name, type: 'pie', radius: ['35%', '65%'], center: ['50%', '45%'],
        label: { formatter: '{b}：{c}件（{d}%）' },
        data: c.x.map(function (name, i) { return { name: name, value: c.series[0].data[i] }; })
          .filter(function (d) { return d.value > 0; })
      }];
      return base;
    }
    var many = c.x.length > 4;
    base.legend = { top: 0 };
    base.grid = { left: 8, right: 16, top: 36, bottom: 8, containLabel: true };
    base.xAxis = {
      type: 'category', data: c.x, boundaryGap: c.kind === 'bar',
      axisLabel: { interval: c.kind === 'bar' ? 0 : 'auto', rotate: many && c.kind === 'bar' ? 30 : 0 }
    };
    base.yAxis = { type: 'value', minInterval: c.unit === '件' ? 1 : 0, axisLabel: { formatter: c.unit === '%' ? '{value}%' : '{value}' } };
    if (c.max) {
      base.yAxis.max = c.max;
    }
    base.series = c.series.map(function (s) {
      var out = { name: s.name, type: c.kind, data: s.data };
      if (c.kind === 'bar') {
        out.barMaxWidth = 28;
        out.label = { show: !many, position: 'top', formatter: function (p) { return fmt(c.unit)(p.value); } };
      }
      return out;
    });
    return base;
  }

  data.charts.forEach(function (c) {
    var el = document.getElementById(c.id);
    if (!el) {
      return;
    }
    // SVG: crisp on a phone's screen, and nothing for the CSP to refuse.
    var chart = echarts.init(el, null, { renderer: 'svg' });
    chart.setOption(option(c));
    charts.push(chart);
  });
  window.addEventListener('resize', function () {
    charts.forEach(function (c) { c.resize(); });
  });
  document.documentElement.setAttribute('data-charts', String(charts.length));
})();
