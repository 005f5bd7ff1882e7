// Confirmation for destructive forms, and the live message-rate chart.
(function () {
  "use strict";

  document.addEventListener("submit", function (ev) {
    var f = ev.target;
    var msg = f && f.getAttribute && f.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      ev.preventDefault();
    }
  }, true);

  var svg = document.getElementById("rate-chart");
  if (!svg) {
    return;
  }
  var X0 = 40, X1 = 590, Y0 = 10, Y1 = 180, KEEP = 60;
  var src = svg.getAttribute("data-src");
  var every = parseInt(svg.getAttribute("data-interval"), 10) || 2000;
  var last = null;
  var enq = [], deq = [];

  function fmt(v) {
    if (v >= 100) { return Math.round(v).toString(); }
    if (v >= 10) { return v.toFixed(1); }
    return v.toFixed(2);
  }

  function points(series, max) {
    var n = series.length, out = [];
    for (var i = 0; i < n; i++) {
      var x = X1 - (n - 1 - i) * (X1 - X0) / (KEEP - 1);
      var y = Y1 - (series[i] / max) * (Y1 - Y0);
      out.push(x.toFixed(1) + "," + y.toFixed(1));
    }
    return out.join(" ");
  }

  function draw() {
    var max = 1;
    enq.concat(deq).forEach(function (v) { if (v > max) { max = v; } });
    max = Math.ceil(max * 1.1);
    document.getElementById("line-enq").setAttribute("points", points(enq, max));
    document.getElementById("line-deq").setAttribute("points", points(deq, max));
    document.getElementById("rate-max").textContent = String(max);
    if (enq.length) {
      document.getElementById("rate-enq").textContent = fmt(enq[enq.length - 1]);
      document.getElementById("rate-deq").textContent = fmt(deq[deq.length - 1]);
    }
    svg.setAttribute("data-samples", String(enq.length));
  }

  function sample() {
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        if (last) {
          var dt = (s.time - last.time) / 1000;
          if (dt > 0) {
            enq.push(Math.max(0, (s.enqueued - last.enqueued) / dt));
            deq.push(Math.max(0, (s.dequeued - last.dequeued) / dt));
            if (enq.length > KEEP) { enq.shift(); deq.shift(); }
            draw();
          }
        }
        last = s;
      })
      .catch(function () { /* the next tick retries */ })
      .then(function () { window.setTimeout(sample, every); });
  }
  sample();
})();
