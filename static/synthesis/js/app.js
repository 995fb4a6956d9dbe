// Behaviour shared by every page: the language switcher and copy buttons.
(function () {
  "use strict";
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy"));
      input.select();
      if (navigator.clipboard) { navigator.clipboard.writeText(input.value).catch(function () {}); }
      else { document.execCommand("copy"); }
    });
  });
})();

// Helpers the page scripts share: CSRF token, JSON data islands, message formatting.
window.SynthUI = {
  csrfToken: function () {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  },
  data: function (id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  },
  // Interpolates Django-style "%(name)s" placeholders.
  format: function (template, values) {
    return String(template).replace(/%\((\w+)\)s/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  },
  seconds: function (strings, value) {
    if (value === null || value === undefined) { return "—"; }
    return window.SynthUI.format(strings.seconds, { value: Number(value).toFixed(2) });
  },
  statusText: function (strings, job) {
    if (job.status === "queued") { return strings.queued; }
    if (job.status === "running") {
      if (!job.progress_total) { return strings.starting; }
      return window.SynthUI.format(strings.running, { done: job.progress_done, total: job.progress_total });
    }
    if (job.status === "succeeded") { return strings.succeeded; }
    if (job.status === "cancelled") { return strings.cancelled; }
    return job.status_label;
  },
  // GET a job's status, retrying briefly on network errors; calls back with the JSON.
  poll: function (url, onUpdate, onError) {
    var failures = 0;
    var stopped = false;
    function tick() {
      if (stopped) { return; }
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error("HTTP " + response.status); }
          return response.json();
        })
        .then(function (job) {
          failures = 0;
          onUpdate(job);
          if (!job.final && !stopped) { setTimeout(tick, 400); }
        })
        .catch(function () {
          failures += 1;
          if (failures > 10) { onError(); return; }
          setTimeout(tick, 1000);
        });
    }
    tick();
    return function stop() { stopped = true; };
  },
};
