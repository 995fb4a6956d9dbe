// The detail page of an unfinished job: follow its progress, reload when it is done.
(function () {
  "use strict";
  var UI = window.SynthUI;
  var box = document.getElementById("live-job");
  if (!box) { return; }
  var strings = UI.data("ui-strings");
  var progress = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var statusLine = document.getElementById("job-status");
  UI.poll(box.getAttribute("data-status-url"), function (job) {
    progress.value = job.percent;
    percent.textContent = job.percent + " %";
    statusLine.textContent = UI.statusText(strings, job);
    if (job.final) { window.location.reload(); }
  }, function () { statusLine.textContent = strings.network; });
})();
